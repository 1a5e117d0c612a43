"""The store: one schema of raw facts for DuckDB (default) and PostgreSQL.

Only this package knows table layouts; it imports nothing of ours.
"""
