"""Alembic migrations: the schema of docs/contract.md section 7."""
