// name: investments
// description: Who invested in what, with the amounts and dates the articles state.
// params: none
MATCH (investor)-[r:INVESTS_IN]->(target)
RETURN investor.name AS investor, labels(investor)[0] AS investor_type, target.name AS target,
       r.amount AS amount, r.currency AS currency, r.amount_text AS amount_text, r.date AS date,
       size(r.articles) AS articles
ORDER BY investor, target, investor_type;
