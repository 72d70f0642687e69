"""Stores fed by the property-graph projection: LadybugDB (embedded, default), Neo4j, networkx."""
