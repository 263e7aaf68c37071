"""What a substitute or the secretary was last told of the cover at a meeting, and when
the net change may be told: mail about members' states waits for a quiet period.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the table, with what was told so far: every substitute called in now was
    mailed so, and the secretary was mailed each party left uncovered or covered by a
    substitute."""
    told = op.create_table(
        "cover_told",
        sa.Column("meeting_id", sa.String(32),
                  sa.ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("about", sa.String(80), primary_key=True),
        sa.Column("told", sa.String(80)),
        sa.Column("due_at", sa.DateTime(timezone=True)),
        sa.Column("first_held_at", sa.DateTime(timezone=True)),
        sa.Column("held", sa.Integer, nullable=False),
    )
    op.create_index("ix_cover_told_due", "cover_told", ["due_at"])
    call_ins = sa.table("call_ins", sa.column("meeting_id", sa.String),
                        sa.column("member_id", sa.String), sa.column("active", sa.Boolean))
    uncovered = sa.table("uncovered", sa.column("meeting_id", sa.String),
                         sa.column("party_key", sa.String), sa.column("active", sa.Boolean))
    members = sa.table("members", sa.column("id", sa.String), sa.column("party_id", sa.Integer))
    parties = sa.table("parties", sa.column("id", sa.Integer), sa.column("key", sa.String))
    columns = ["meeting_id", "about", "told", "held"]
    op.execute(told.insert().from_select(columns, sa.select(
        call_ins.c.meeting_id, sa.literal("member:", sa.String) + call_ins.c.member_id,
        sa.literal("called", sa.String), sa.literal(0, sa.Integer)).where(call_ins.c.active)))
    op.execute(told.insert().from_select(columns, sa.select(
        uncovered.c.meeting_id, sa.literal("party:", sa.String) + uncovered.c.party_key,
        sa.literal("uncovered", sa.String), sa.literal(0, sa.Integer))
        .where(uncovered.c.active)))
    about = sa.literal("party:", sa.String) + parties.c.key
    op.execute(told.insert().from_select(columns, sa.select(
        call_ins.c.meeting_id, about,
        sa.literal("substitute:", sa.String) + call_ins.c.member_id, sa.literal(0, sa.Integer))
        .join(members, members.c.id == call_ins.c.member_id)
        .join(parties, parties.c.id == members.c.party_id)
        .where(call_ins.c.active)
        .where(~sa.exists().where(uncovered.c.meeting_id == call_ins.c.meeting_id)
               .where(uncovered.c.party_key == parties.c.key).where(uncovered.c.active))))


def downgrade() -> None:
    """Drop it."""
    op.drop_index("ix_cover_told_due", "cover_told")
    op.drop_table("cover_told")
