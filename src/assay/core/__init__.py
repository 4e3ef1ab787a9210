"""Core vocabulary shared by every layer: errors, results, events, the registry."""
