"""pre-aggregated daily figures of the executive overview (figure_day, figure_delta), filled
from the existing receipts, receivables, customers and deals; the stock by status read from
one covering index (project_id, status, gross_area, list_total), which replaces
(project_id, status)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from data_layer.models.types import Money

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "figure_day",
        sa.Column("project_id", sa.Integer(), sa.ForeignKey("project.id"), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("metric", sa.String(16), primary_key=True),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
    )
    op.create_table(
        "figure_delta",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("metric", sa.String(16), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
    )
    op.create_index("ix_figure_delta_project_day", "figure_delta", ["project_id", "day", "metric"])
    with op.batch_alter_table("unit") as batch:
        batch.drop_index("ix_unit_project_status")
        batch.create_index(
            "ix_unit_project_stock", ["project_id", "status", "gross_area", "list_total"]
        )
    from data_layer import figures

    session = sa.orm.Session(bind=op.get_bind())
    figures.rebuild(session)
    session.flush()


def downgrade() -> None:
    with op.batch_alter_table("unit") as batch:
        batch.drop_index("ix_unit_project_stock")
        batch.create_index("ix_unit_project_status", ["project_id", "status"])
    op.drop_index("ix_figure_delta_project_day", table_name="figure_delta")
    op.drop_table("figure_delta")
    op.drop_table("figure_day")
