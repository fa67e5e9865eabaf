// name: organizers
// description: Who organises which event.
// params: none
MATCH (o:Organization)-[r:ORGANIZES]->(e:Event)
RETURN e.name AS event, o.name AS organizer, size(r.articles) AS articles
ORDER BY event, organizer;
