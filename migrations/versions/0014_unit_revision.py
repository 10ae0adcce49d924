"""unit.revision: the live chart's fingerprint sums an integer per unit (1 more on every
UPDATE, a new unit starting at the clock) instead of every unit's updated_at converted to
microseconds, which was a third of the poll's cost on SQLite; index (building_id, revision)
replaces (building_id, updated_at), which only the fingerprint read

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain "0" default: SQLite adds the column in place (no copy of the table).
    op.add_column(
        "unit", sa.Column("revision", sa.BigInteger(), nullable=False, server_default="0")
    )
    op.create_index("ix_unit_building_revision", "unit", ["building_id", "revision"])
    op.drop_index("ix_unit_building_updated", table_name="unit")


def downgrade() -> None:
    op.create_index("ix_unit_building_updated", "unit", ["building_id", "updated_at"])
    op.drop_index("ix_unit_building_revision", table_name="unit")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE unit DROP COLUMN revision")
    else:
        op.drop_column("unit", "revision")
