// Replaced by the cli sources.
