"""Appointments' queries (their table is in storage.models with the foundation schema)."""
