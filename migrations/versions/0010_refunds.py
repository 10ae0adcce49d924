"""refunds (退款单) and swap transfers (换房转款): one number sequence per company, prefix and year

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The new unique key is created before the old one is dropped: MariaDB needs an index
    # starting with company_id for the foreign key at every moment.
    with op.batch_alter_table("receipt_sequence", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("prefix", sa.String(length=8), nullable=False, server_default="SJ")
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_receipt_sequence_company_id_prefix_year"),
            ["company_id", "prefix", "year"],
        )
        batch_op.drop_constraint("uq_receipt_sequence_company_id_year", type_="unique")


def downgrade() -> None:
    op.execute("DELETE FROM receipt_sequence WHERE prefix <> 'SJ'")
    with op.batch_alter_table("receipt_sequence", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            batch_op.f("uq_receipt_sequence_company_id_year"), ["company_id", "year"]
        )
        batch_op.drop_constraint("uq_receipt_sequence_company_id_prefix_year", type_="unique")
        batch_op.drop_column("prefix")
