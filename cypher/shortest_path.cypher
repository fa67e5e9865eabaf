// name: shortest_path
// description: The shortest chain of facts connecting two entities (up to 4 steps, articles excluded).
// params: $from: an entity name or alias, e.g. "李弘棣"; $to: an entity name or alias, e.g. "国家药品监督管理局"
MATCH (a), (b)
WHERE (a.name = $from OR $from IN a.aliases) AND (b.name = $to OR $to IN b.aliases) AND a <> b
MATCH p = (a)-[*1..4]-(b)
WHERE all(r IN relationships(p) WHERE type(r) <> 'MENTIONS')
WITH p, length(p) AS hops
ORDER BY hops
LIMIT 1
RETURN [n IN nodes(p) | n.name] AS path, [r IN relationships(p) | type(r)] AS relations, hops;
