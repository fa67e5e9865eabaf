// name: shortest_path
// description: The shortest chain of facts connecting two entities (up to 4 steps, articles excluded).
// description: Among chains of equal length the first by node keys and relation types is shown.
// params: $from: an entity name or alias, e.g. "李弘棣"; $to: an entity name or alias, e.g. "国家药品监督管理局"
MATCH (a), (b)
WHERE (toLower($from) IN a.norms OR a.name = $from OR $from IN a.aliases)
  AND (toLower($to) IN b.norms OR b.name = $to OR $to IN b.aliases) AND a <> b
MATCH p = (a)-[:INVESTS_IN|APPROVED|SPOKE_AT|WORKS_FOR|DEVELOPS|PARTNERS_WITH|ORGANIZES|ISSUES*1..4]-(b)
WITH p, length(p) AS hops,
     reduce(s = '', n IN nodes(p) | s + n.key + '|') + reduce(s = '', r IN relationships(p) | s + type(r) + '|') AS tiebreak
ORDER BY hops, tiebreak
LIMIT 1
RETURN [n IN nodes(p) | n.name] AS path, [r IN relationships(p) | type(r)] AS relations, hops;
