"""desktop: internal messages between users

Revision ID: 0007
Revises: 0002
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = ("desktop",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["sender_id"], ["user.id"], name="fk_message_sender_id_user"),
        sa.ForeignKeyConstraint(
            ["recipient_id"], ["user.id"], name="fk_message_recipient_id_user"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_message"),
    )
    op.create_index("ix_message_recipient", "message", ["recipient_id", "read_at"])
    op.create_index("ix_message_sender_id", "message", ["sender_id"])
    op.create_index("ix_message_sent_at", "message", ["sent_at"])


def downgrade() -> None:
    op.drop_table("message")
