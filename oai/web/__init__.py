"""Flask blueprints: the /oai endpoint (and, from other parts, admin pages and the API)."""
