"""Queries and writes over the tables, one module per resource; routes stay free of SQL."""
