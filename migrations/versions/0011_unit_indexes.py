"""drop the unused single-column index on unit.updated_at: the live chart reads the
(building_id, updated_at) index, and every unit insert (a 50,000-row import) paid for both

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_unit_updated_at", table_name="unit")


def downgrade() -> None:
    op.create_index("ix_unit_updated_at", "unit", ["updated_at"])
