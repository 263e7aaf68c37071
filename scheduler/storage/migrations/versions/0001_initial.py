"""Councils, parties, members, calendars as busy intervals, API tokens.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the first schema."""
    op.create_table(
        "councils",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("venue", sa.String(300)),
        sa.Column("weights", sa.JSON, nullable=False),
        sa.Column("blackouts", sa.JSON, nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
    )
    op.create_table(
        "parties",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("council_id", sa.String(64),
                  sa.ForeignKey("councils.id", ondelete="CASCADE",
                                name="fk_parties_council_id_councils"), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("travel_minutes", sa.Integer, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.UniqueConstraint("council_id", "key", name="uq_parties_council_key"),
    )
    op.create_index("ix_parties_council_id", "parties", ["council_id"])
    op.create_table(
        "members",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("party_id", sa.Integer,
                  sa.ForeignKey("parties.id", ondelete="CASCADE",
                                name="fk_members_party_id_parties"), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("email", sa.String(320)),
        sa.Column("calendar_url", sa.String(2000)),
        sa.Column("invited", sa.Integer, nullable=False),
        sa.Column("attended", sa.Integer, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.CheckConstraint("role in ('representative', 'substitute')", name="ck_members_role"),
    )
    op.create_index("ix_members_party_id", "members", ["party_id"])
    op.create_table(
        "calendars",
        sa.Column("member_id", sa.String(64),
                  sa.ForeignKey("members.id", ondelete="CASCADE",
                                name="fk_calendars_member_id_members"), primary_key=True),
        sa.Column("content_hash", sa.String(64)),
        sa.Column("window_start", _TZ),
        sa.Column("window_end", _TZ),
        sa.Column("fetched_at", _TZ),
        sa.Column("last_error", sa.Text),
        sa.Column("etag", sa.String(300)),
        sa.Column("last_modified", sa.String(100)),
    )
    op.create_table(
        "busy_intervals",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("member_id", sa.String(64),
                  sa.ForeignKey("members.id", ondelete="CASCADE",
                                name="fk_busy_intervals_member_id_members"), nullable=False),
        sa.Column("starts_at", _TZ, nullable=False),
        sa.Column("ends_at", _TZ, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("uid", sa.String(1000), nullable=False),
    )
    op.create_index("ix_busy_member_start", "busy_intervals", ["member_id", "starts_at"])
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("council_id", sa.String(64),
                  sa.ForeignKey("councils.id", ondelete="CASCADE",
                                name="fk_api_tokens_council_id_councils")),
        sa.Column("label", sa.String(200)),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("revoked_at", _TZ),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
        sa.CheckConstraint("role in ('admin', 'secretary', 'chair')", name="ck_api_tokens_role"),
    )


def downgrade() -> None:
    """Drop everything."""
    for table in ("api_tokens", "busy_intervals", "calendars", "members", "parties", "councils"):
        op.drop_table(table)
