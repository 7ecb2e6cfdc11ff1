"""carebot's rules and use cases: one package per feature, one shared, one runtime."""
