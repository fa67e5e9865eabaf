// name: policies
// description: Who issued which policy, and when.
// params: none
MATCH (issuer:Organization)-[r:ISSUES]->(policy:Policy)
RETURN issuer.name AS issuer, policy.name AS policy, r.date AS date, size(r.articles) AS articles
ORDER BY issuer, policy;
