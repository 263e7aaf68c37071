"""A counter of the writes that members' feeds may show, so that a feed's version kept
by a server process is known to be current from one indexed read.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the one-row table of the counter."""
    table = op.create_table(
        "feed_changes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("stamp", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(table, [{"id": 1, "stamp": 0}])


def downgrade() -> None:
    """Drop it."""
    op.drop_table("feed_changes")
