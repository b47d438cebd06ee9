"""Facts about what DDL does to a live database, per dialect and version."""
