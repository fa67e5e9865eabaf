// name: top_mentioned
// description: The most-mentioned entities across all articles, with the number of articles each appears in.
// params: none
MATCH (a:Article)-[m:MENTIONS]->(n)
WITH n, toInteger(sum(m.count)) AS mentions, count(DISTINCT a) AS articles
RETURN n.name AS entity, labels(n)[0] AS type, mentions, articles
ORDER BY mentions DESC, articles DESC, entity, type
LIMIT 25;
