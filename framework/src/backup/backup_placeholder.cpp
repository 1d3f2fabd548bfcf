// Replaced by the backup sources.
