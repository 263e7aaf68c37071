"""Planning rounds (several councils planned together) and members' person ids.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add members' person id and the tables of rounds."""
    op.add_column("members", sa.Column("person", sa.String(64)))
    op.create_table(
        "rounds",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("request", sa.JSON, nullable=False),
        sa.Column("document", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "round_councils",
        sa.Column("round_id", sa.String(32),
                  sa.ForeignKey("rounds.id", ondelete="CASCADE",
                                name="fk_round_councils_round_id_rounds"), primary_key=True),
        sa.Column("council_id", sa.String(64),
                  sa.ForeignKey("councils.id", ondelete="CASCADE",
                                name="fk_round_councils_council_id_councils"), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    """Remove what upgrade added."""
    op.drop_table("round_councils")
    op.drop_table("rounds")
    with op.batch_alter_table("members") as table:
        table.drop_column("person")
