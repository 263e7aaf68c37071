"""Declared horizons, bodies and their meeting plans, and recurring busy intervals.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add members' horizon and bodies, busy intervals' recurrence, and the bodies table."""
    # plain ADD COLUMN: SQLite does it in place (a table copy would fire ON DELETE CASCADE)
    op.add_column("members", sa.Column("horizon", sa.Date))
    op.add_column("members", sa.Column("bodies", sa.JSON))
    op.add_column("busy_intervals", sa.Column("recurring", sa.Boolean, nullable=False,
                                              server_default=sa.false()))
    op.create_table(
        "bodies",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("council_id", sa.String(64),
                  sa.ForeignKey("councils.id", ondelete="CASCADE",
                                name="fk_bodies_council_id_councils"), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("calendar_url", sa.String(2000)),
        sa.Column("draft", sa.Boolean, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("sanitised", sa.Text),
        sa.Column("content_hash", sa.String(64)),
        sa.Column("fetched_at", sa.DateTime(timezone=True)),
        sa.Column("last_error", sa.Text),
        sa.UniqueConstraint("council_id", "key", name="uq_bodies_council_key"),
    )
    op.create_index("ix_bodies_council_id", "bodies", ["council_id"])


def downgrade() -> None:
    """Remove what upgrade added."""
    op.drop_index("ix_bodies_council_id", "bodies")
    op.drop_table("bodies")
    with op.batch_alter_table("busy_intervals") as table:
        table.drop_column("recurring")
    with op.batch_alter_table("members") as table:
        table.drop_column("bodies")
        table.drop_column("horizon")
