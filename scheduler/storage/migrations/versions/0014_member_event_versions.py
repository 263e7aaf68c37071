"""What each member was last shown of a meeting and the SEQUENCE it was shown with, so
that a change of a member's state (standby, informed, called in, absent) is shown with a
higher SEQUENCE even when the meeting itself did not change.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the table, empty: a member's first showing of a meeting is at the SEQUENCE
    their feed has shown so far (the meeting's and their call-in changes)."""
    op.create_table(
        "member_event_versions",
        sa.Column("meeting_id", sa.String(32),
                  sa.ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("member_id", sa.String(64),
                  sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("floor", sa.Integer, nullable=False),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_member_event_versions_member_id", "member_event_versions",
                    ["member_id"])


def downgrade() -> None:
    """Drop it."""
    op.drop_index("ix_member_event_versions_member_id", "member_event_versions")
    op.drop_table("member_event_versions")
