// name: co_mentions
// description: Pairs of entities named together in the most articles (organisations, people, products).
// params: none
MATCH (x)<-[:MENTIONS]-(a:Article)-[:MENTIONS]->(y)
WHERE x.key < y.key AND NOT x:Policy AND NOT y:Policy AND NOT x:Event AND NOT y:Event
WITH x, y, count(DISTINCT a) AS articles
WHERE articles >= 2
RETURN x.name AS first, y.name AS second, articles
ORDER BY articles DESC, first, second
LIMIT 25;
