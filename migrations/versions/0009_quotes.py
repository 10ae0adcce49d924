"""quotes (置业计划书): a consultant's priced offer of a unit to a customer, kept in their history

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from collections.abc import Sequence

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # filled by the quotes work (table `quote`)


def downgrade() -> None:
    pass
