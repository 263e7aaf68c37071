"""The state each member was last mailed of each meeting, so that every change of a
member's state (standby, informed, called in, released, absent, expected again) is mailed
to them once it has settled, whatever changed it.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_versions = sa.table("member_event_versions", sa.column("meeting_id", sa.String),
                     sa.column("member_id", sa.String), sa.column("state", sa.String),
                     sa.column("sequence", sa.Integer), sa.column("told_state", sa.String),
                     sa.column("told_sequence", sa.Integer),
                     sa.column("untold_since", sa.DateTime(timezone=True)))
_told = sa.table("cover_told", sa.column("meeting_id", sa.String), sa.column("about", sa.String),
                 sa.column("told", sa.String), sa.column("due_at", sa.DateTime(timezone=True)),
                 sa.column("first_held_at", sa.DateTime(timezone=True)))


def upgrade() -> None:
    """Add the columns: what each member was shown so far counts as told (the mail of
    each confirmation and move told it, and mail about call-ins told the rest), except a
    call-in or release still waiting to be mailed (``cover_told`` about ``member:<id>``,
    which this replaces): that one is mailed as the change it is. Then the substitutes'
    rows of ``cover_told`` go."""
    with op.batch_alter_table("member_event_versions") as table:
        table.add_column(sa.Column("told_state", sa.String(16)))
        table.add_column(sa.Column("told_sequence", sa.Integer))
        table.add_column(sa.Column("untold_since", sa.DateTime(timezone=True)))
    op.execute(_versions.update().values(told_state=_versions.c.state,
                                         told_sequence=_versions.c.sequence))
    connection = op.get_bind()
    waiting = connection.execute(sa.select(_told).where(_told.c.about.like("member:%"))
                                 .where(_told.c.due_at.is_not(None))).all()
    for row in waiting:
        member_id = row.about.removeprefix("member:")
        key = ((_versions.c.meeting_id == row.meeting_id)
               & (_versions.c.member_id == member_id))
        shown = connection.execute(sa.select(_versions.c.state).where(key)).first()
        if shown is None:
            continue
        called_now, told_called = shown.state == "called_in", row.told == "called"
        if called_now == told_called:
            continue  # nothing to tell, as the old mail would have found
        op.execute(_versions.update().where(key).values(
            told_state="called_in" if told_called else "informed",
            untold_since=row.first_held_at or dt.datetime.now(dt.UTC)))
    op.execute(_told.delete().where(_told.c.about.like("member:%")))
    with op.batch_alter_table("member_event_versions") as table:
        table.alter_column("told_state", existing_type=sa.String(16), nullable=False)
        table.alter_column("told_sequence", existing_type=sa.Integer, nullable=False)
    op.create_index("ix_member_event_versions_untold", "member_event_versions",
                    ["untold_since"])


def downgrade() -> None:
    """Drop the columns (call-ins not yet mailed are not mailed by the older version)."""
    op.drop_index("ix_member_event_versions_untold", "member_event_versions")
    with op.batch_alter_table("member_event_versions") as table:
        table.drop_column("untold_since")
        table.drop_column("told_sequence")
        table.drop_column("told_state")
