"""Alembic migrations for the carebot schema; applied by `Database.upgrade()`."""
