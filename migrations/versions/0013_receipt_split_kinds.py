"""receipt.split_kinds: the receipt's allocations pay receivables of more than one kind,
filled from the existing allocations; index (split_kinds, project_id, status, received_on,
kind, amount) for 回款分析's correction over those few receipts, while its main aggregate
stays on ix_receipt_collections

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The derived table makes MariaDB compute the split receipts once instead of once per receipt
# (a single-table UPDATE gets no semi-join); the same statement runs on SQLite.
BACKFILL = """
UPDATE receipt SET split_kinds = :split WHERE id IN (
    SELECT receipt_id FROM (
        SELECT a.receipt_id AS receipt_id
        FROM receipt_allocation a JOIN receivable v ON v.id = a.receivable_id
        GROUP BY a.receipt_id
        HAVING COUNT(DISTINCT v.kind) > 1
    ) split
)
"""


def backfill(connection) -> int:
    """Mark the receipts whose allocations pay more than one kind; returns how many."""
    return connection.execute(sa.text(BACKFILL), {"split": True}).rowcount


def upgrade() -> None:
    # A plain "0" default: SQLite adds the column in place (an expression default would make
    # the batch copy the whole table, which the allocations' foreign keys refuse with data).
    op.add_column(
        "receipt", sa.Column("split_kinds", sa.Boolean(), nullable=False, server_default="0")
    )
    backfill(op.get_bind())
    op.create_index(
        "ix_receipt_split",
        "receipt",
        ["split_kinds", "project_id", "status", "received_on", "kind", "amount"],
    )


def downgrade() -> None:
    op.drop_index("ix_receipt_split", table_name="receipt")
    if op.get_bind().dialect.name == "sqlite":
        # In place (SQLite 3.35+), not by a batch copy of the table, for the same reason.
        op.execute("ALTER TABLE receipt DROP COLUMN split_kinds")
    else:
        op.drop_column("receipt", "split_kinds")
