"""Members' feed tokens (hashed) and attendance: notices of absence and records.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Add feed tokens and attendance."""
    op.create_table(
        "feed_tokens",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("member_id", sa.String(64),
                  sa.ForeignKey("members.id", ondelete="CASCADE",
                                name="fk_feed_tokens_member_id_members"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("revoked_at", _TZ),
        sa.UniqueConstraint("token_hash", name="uq_feed_tokens_token_hash"),
    )
    op.create_index("ix_feed_tokens_member_id", "feed_tokens", ["member_id"])
    op.create_table(
        "attendance",
        sa.Column("meeting_id", sa.String(32),
                  sa.ForeignKey("meetings.id", ondelete="CASCADE",
                                name="fk_attendance_meeting_id_meetings"), primary_key=True),
        sa.Column("member_id", sa.String(64),
                  sa.ForeignKey("members.id", ondelete="CASCADE",
                                name="fk_attendance_member_id_members"), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("recorded_at", _TZ, nullable=False),
        sa.CheckConstraint("state in ('absent_notice', 'present', 'absent')",
                           name="ck_attendance_state"),
    )


def downgrade() -> None:
    """Drop feed tokens and attendance."""
    op.drop_table("attendance")
    op.drop_table("feed_tokens")
