// name: search
// description: Entities whose name or an alias contains the text (case-insensitive), most mentioned first.
// params: $text: part of a name, e.g. "联影"
MATCH (n)
WHERE (n:Organization OR n:Person OR n:Product OR n:Policy OR n:Event)
  AND (toLower(n.name) CONTAINS toLower($text) OR any(a IN n.aliases WHERE toLower(a) CONTAINS toLower($text))
       OR any(k IN n.norms WHERE k CONTAINS toLower($text) AND NOT k CONTAINS '@'))
RETURN n.name AS entity, labels(n)[0] AS type, n.aliases AS aliases, n.mentions AS mentions
ORDER BY mentions DESC, entity, type
LIMIT 50;
