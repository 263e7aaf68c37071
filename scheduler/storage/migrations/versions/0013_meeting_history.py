"""A meeting's history: every change to a meeting and to each member's part in it, kept
append-only with who made it.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the table (empty: what happened before it was kept is not known)."""
    op.create_table(
        "meeting_history",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("meeting_id", sa.String(32),
                  sa.ForeignKey("meetings.id", ondelete="CASCADE"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("member_id", sa.String(64)),
        sa.Column("by", sa.String(100), nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    op.create_index("ix_meeting_history_meeting", "meeting_history", ["meeting_id", "id"])


def downgrade() -> None:
    """Drop it."""
    op.drop_index("ix_meeting_history_meeting", "meeting_history")
    op.drop_table("meeting_history")
