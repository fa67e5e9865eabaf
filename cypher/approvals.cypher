// name: approvals
// description: What each regulator approved (NMPA, FDA, …), with the date and the article count.
// params: none
MATCH (regulator:Organization)-[r:APPROVED]->(product:Product)
RETURN regulator.name AS regulator, product.name AS product, r.date AS date, size(r.articles) AS articles
ORDER BY regulator, product;
