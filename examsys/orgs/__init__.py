"""Organisation tree: nodes, moves, deactivation and import."""
