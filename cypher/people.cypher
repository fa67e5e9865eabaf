// name: people
// description: An organisation's people, with the titles the articles give them.
// params: $org: an organisation name or alias, e.g. "联影医疗"
MATCH (p:Person)-[r:WORKS_FOR]->(o:Organization)
WHERE toLower($org) IN o.norms OR o.name = $org OR $org IN o.aliases
RETURN o.name AS organization, p.name AS person, r.title AS title, r.titles AS titles,
       size(r.articles) AS articles
ORDER BY person, organization, title;
