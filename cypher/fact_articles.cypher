// name: fact_articles
// description: The articles behind one fact: every evidence sentence for relations between two entities.
// params: $head: an entity name or alias, e.g. "国家药品监督管理局"; $tail: an entity name or alias, e.g. "uMR Ultra"
MATCH (h)-[r]-(t)
WHERE (toLower($head) IN h.norms OR h.name = $head OR $head IN h.aliases)
  AND (toLower($tail) IN t.norms OR t.name = $tail OR $tail IN t.aliases)
  AND type(r) <> 'MENTIONS'
UNWIND range(0, size(r.articles) - 1) AS i
MATCH (a:Article {id: r.articles[i]})
RETURN type(r) AS relation, startNode(r).name AS head, endNode(r).name AS tail,
       a.id AS article, a.title AS title, a.date AS date, r.evidence[i] AS evidence
ORDER BY date, article, relation, head, tail, evidence;
