// name: partners
// description: Partnerships between organisations (each pair once).
// params: none
MATCH (a:Organization)-[r:PARTNERS_WITH]->(b:Organization)
RETURN a.name AS organization, b.name AS partner, size(r.articles) AS articles
ORDER BY organization, partner;
