"""Pages that belong to no domain and import none: the language switch, the health check."""
