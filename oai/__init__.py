"""oai package."""
