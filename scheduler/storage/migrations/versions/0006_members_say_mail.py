"""What members say themselves (absences, poll answers, meeting answers), call-ins of
substitutes, parties left uncovered, councils' secretary address and answer deadline,
and the mail outbox.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str, ondelete: str = "CASCADE") -> sa.ForeignKey:
    return sa.ForeignKey(f"{target}.id", ondelete=ondelete,
                         name=f"fk_{table}_{column}_{target}")


def upgrade() -> None:
    """Add the tables of members' statements, call-ins, uncovered parties and the outbox."""
    op.add_column("councils", sa.Column("secretary_email", sa.String(320)))
    op.add_column("councils", sa.Column("answer_days", sa.Integer))
    op.create_table(
        "absences",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("member_id", sa.String(64), _fk("absences", "member_id", "members"),
                  nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=False),
        sa.Column("stated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_absences_member_id", "absences", ["member_id"])
    op.create_table(
        "polls",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("council_id", sa.String(64), _fk("polls", "council_id", "councils"),
                  nullable=False),
        sa.Column("proposal_id", sa.String(32),
                  _fk("polls", "proposal_id", "proposals", "SET NULL")),
        sa.Column("deadline", sa.Date, nullable=False),
        sa.Column("slots", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_polls_council_id", "polls", ["council_id"])
    op.create_table(
        "poll_answers",
        sa.Column("poll_id", sa.String(32), _fk("poll_answers", "poll_id", "polls"),
                  primary_key=True),
        sa.Column("member_id", sa.String(64), _fk("poll_answers", "member_id", "members"),
                  primary_key=True),
        sa.Column("slot_start", sa.DateTime(timezone=True), primary_key=True),
        sa.Column("slot_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.String(16), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("answer in ('yes', 'if_need_be', 'no')",
                           name="ck_poll_answers_answer"),
    )
    op.create_table(
        "meeting_answers",
        sa.Column("meeting_id", sa.String(32), _fk("meeting_answers", "meeting_id", "meetings"),
                  primary_key=True),
        sa.Column("member_id", sa.String(64), _fk("meeting_answers", "member_id", "members"),
                  primary_key=True),
        sa.Column("answer", sa.String(16), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("answer in ('coming', 'absent')", name="ck_meeting_answers_answer"),
    )
    op.create_table(
        "call_ins",
        sa.Column("meeting_id", sa.String(32), _fk("call_ins", "meeting_id", "meetings"),
                  primary_key=True),
        sa.Column("member_id", sa.String(64), _fk("call_ins", "member_id", "members"),
                  primary_key=True),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("changes", sa.Integer, nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "uncovered",
        sa.Column("meeting_id", sa.String(32), _fk("uncovered", "meeting_id", "meetings"),
                  primary_key=True),
        sa.Column("party_key", sa.String(64), primary_key=True),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recipient", sa.String(320), nullable=False),
        sa.Column("subject", sa.String(1000), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("dedupe_key", sa.String(200)),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True)),
        sa.Column("last_error", sa.Text),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("state in ('pending', 'sent', 'dead')", name="ck_outbox_state"),
        sa.UniqueConstraint("dedupe_key", name="uq_outbox_dedupe_key"),
    )
    op.create_index("ix_outbox_due", "outbox", ["state", "next_attempt_at"])


def downgrade() -> None:
    """Remove what upgrade added."""
    op.drop_index("ix_outbox_due", "outbox")
    for name in ("outbox", "uncovered", "call_ins", "meeting_answers", "poll_answers"):
        op.drop_table(name)
    op.drop_index("ix_polls_council_id", "polls")
    op.drop_table("polls")
    op.drop_index("ix_absences_member_id", "absences")
    op.drop_table("absences")
    with op.batch_alter_table("councils") as table:
        table.drop_column("answer_days")
        table.drop_column("secretary_email")
