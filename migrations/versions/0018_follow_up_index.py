"""customer (next_follow_up_on, stage) replaces the single-column index on next_follow_up_on:
the follow-ups due (desktop figure, reminders, the to-do of every role) are counted from the
index alone instead of reading each customer row for its stage (470 ms → a few ms for a group
with 1M customers on SQLite)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_customer_follow_up", "customer", ["next_follow_up_on", "stage"])
    op.drop_index("ix_customer_next_follow_up_on", table_name="customer")


def downgrade() -> None:
    op.create_index("ix_customer_next_follow_up_on", "customer", ["next_follow_up_on"])
    op.drop_index("ix_customer_follow_up", table_name="customer")
