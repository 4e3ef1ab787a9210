"""Loading suites: YAML with locations, includes, variables, validation."""
