"""XML Schemas of the formats this project defines (package data, read with importlib.resources)."""
