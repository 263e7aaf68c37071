"""Persistence: SQLAlchemy Core tables, Alembic migrations and repositories.

The domain (``scheduler.council``) knows nothing of this package; repositories
translate rows to domain values and back.
"""
