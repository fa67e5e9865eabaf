// name: timeline
// description: An entity's timeline: the articles that mention it, oldest first, with how often each does.
// params: $name: an entity name or alias, e.g. "国家药品监督管理局"
MATCH (a:Article)-[m:MENTIONS]->(n)
WHERE toLower($name) IN n.norms OR n.name = $name OR $name IN n.aliases
RETURN n.name AS entity, a.date AS date, a.title AS title, a.id AS article, m.count AS mentions
ORDER BY date, article, entity;
