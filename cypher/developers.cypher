// name: developers
// description: Which organisation develops which product, and which regulators approved it.
// params: none
MATCH (o:Organization)-[r:DEVELOPS]->(p:Product)
OPTIONAL MATCH (reg:Organization)-[:APPROVED]->(p)
RETURN p.name AS product, o.name AS developer, collect(DISTINCT reg.name) AS approved_by,
       size(r.articles) AS articles
ORDER BY product, developer;
