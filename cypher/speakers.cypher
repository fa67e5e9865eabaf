// name: speakers
// description: Who spoke at an event, found by its name or any alias (e.g. 产业周).
// params: $event: an event name or alias, e.g. "2025上海国际生物医药产业周"
MATCH (p:Person)-[r:SPOKE_AT]->(e:Event)
WHERE toLower($event) IN e.norms OR e.name = $event OR $event IN e.aliases
OPTIONAL MATCH (p)-[w:WORKS_FOR]->(o:Organization)
WITH e, p, r, collect(DISTINCT o.name) AS organizations
RETURN e.name AS event, p.name AS speaker, organizations, size(r.articles) AS articles
ORDER BY speaker, event;
