"""Languages, calendars kept for re-reading, member links by purpose, signed-in sessions.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Add languages, the sanitised calendar, link purposes and sessions."""
    # plain ADD COLUMN: SQLite does it in place (a table copy would fire ON DELETE CASCADE)
    op.add_column("councils", sa.Column("language", sa.String(8), nullable=False,
                                        server_default="sv"))
    op.add_column("members", sa.Column("language", sa.String(8)))
    op.add_column("calendars", sa.Column("sanitised", sa.Text))
    op.add_column("feed_tokens", sa.Column("purpose", sa.String(8), nullable=False,
                                           server_default="feed"))
    op.add_column("feed_tokens", sa.Column("salt", sa.String(64)))
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("token_id", sa.String(32),
                  sa.ForeignKey("api_tokens.id", ondelete="CASCADE",
                                name="fk_sessions_token_id_api_tokens"), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("ended_at", _TZ),
        sa.UniqueConstraint("secret_hash", name="uq_sessions_secret_hash"),
    )


def downgrade() -> None:
    """Remove what upgrade added."""
    op.drop_table("sessions")
    with op.batch_alter_table("feed_tokens") as table:
        table.drop_column("salt")
        table.drop_column("purpose")
    with op.batch_alter_table("calendars") as table:
        table.drop_column("sanitised")
    with op.batch_alter_table("members") as table:
        table.drop_column("language")
    with op.batch_alter_table("councils") as table:
        table.drop_column("language")
