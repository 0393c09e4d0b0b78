"""Pages that belong to no domain: home, language switch, health check."""
