"""How often a key may act: one row per key (scheduler.rates).

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the table of rates."""
    op.create_table(
        "rate_limits",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("full_at", sa.Float),
    )


def downgrade() -> None:
    """Drop it."""
    op.drop_table("rate_limits")
