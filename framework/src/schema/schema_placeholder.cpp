// Replaced by the schema sources.
