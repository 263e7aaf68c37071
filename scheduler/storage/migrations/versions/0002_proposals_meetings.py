"""Proposals (request and answer) and the meetings confirmed from them.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Add proposals and meetings."""
    op.create_table(
        "proposals",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("council_id", sa.String(64),
                  sa.ForeignKey("councils.id", ondelete="CASCADE",
                                name="fk_proposals_council_id_councils"), nullable=False),
        sa.Column("request", sa.JSON, nullable=False),
        sa.Column("document", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("confirmed_at", _TZ),
    )
    op.create_index("ix_proposals_council_id", "proposals", ["council_id"])
    op.create_table(
        "meetings",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("council_id", sa.String(64),
                  sa.ForeignKey("councils.id", ondelete="CASCADE",
                                name="fk_meetings_council_id_councils"), nullable=False),
        sa.Column("proposal_id", sa.String(32),
                  sa.ForeignKey("proposals.id", ondelete="SET NULL",
                                name="fk_meetings_proposal_id_proposals")),
        sa.Column("starts_at", _TZ, nullable=False),
        sa.Column("ends_at", _TZ, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("updated_at", _TZ, nullable=False),
        sa.CheckConstraint("status in ('confirmed', 'cancelled')", name="ck_meetings_status"),
    )
    op.create_index("ix_meetings_council_id", "meetings", ["council_id"])


def downgrade() -> None:
    """Drop proposals and meetings."""
    op.drop_table("meetings")
    op.drop_table("proposals")
