"""How fetching calendar URLs went: per member calendar and body plan the URL the kept
content came from, when it was last checked and its failures in a row (bodies also keep
their validators); per host the failures in a row and when to try it again.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _fetch_state() -> list[sa.Column[object]]:
    return [sa.Column("source", sa.String(32)),
            sa.Column("checked_at", sa.DateTime(timezone=True)),
            sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
            sa.Column("failing_since", sa.DateTime(timezone=True))]


def upgrade() -> None:
    """Add the fetch state of calendars and bodies, and the table of failing hosts."""
    # plain ADD COLUMN: SQLite does it in place (a table copy would fire ON DELETE CASCADE)
    for column in _fetch_state():
        op.add_column("calendars", column)
    op.add_column("bodies", sa.Column("etag", sa.String(300)))
    op.add_column("bodies", sa.Column("last_modified", sa.String(100)))
    for column in _fetch_state():
        op.add_column("bodies", column)
    op.create_table(
        "fetch_hosts",
        sa.Column("host", sa.String(300), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("retry_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text),
    )


def downgrade() -> None:
    """Remove what upgrade added."""
    op.drop_table("fetch_hosts")
    names = [c.name for c in _fetch_state()]
    with op.batch_alter_table("bodies") as table:
        for name in ["etag", "last_modified", *names]:
            table.drop_column(name)
    with op.batch_alter_table("calendars") as table:
        for name in names:
            table.drop_column(name)
