// name: neighbourhood
// description: Every fact about one entity: its relations in both directions, with the entity at the other end.
// params: $name: an entity name or alias, e.g. "联影医疗" or "AstraZeneca"
MATCH (n)-[r]-(m)
WHERE (toLower($name) IN n.norms OR n.name = $name OR $name IN n.aliases) AND type(r) <> 'MENTIONS' AND NOT m:Article
RETURN n.name AS entity, type(r) AS relation,
       CASE WHEN startNode(r) = n THEN 'out' ELSE 'in' END AS direction,
       m.name AS other, labels(m)[0] AS other_type, size(r.articles) AS articles
ORDER BY relation, other, direction, other_type, entity, articles;
