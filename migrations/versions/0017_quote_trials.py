"""plan: quote_trial, one row per price trial (试算) or saved quote, for 试算统计

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "quote_trial",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("saved", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_quote_trial_project_id_project")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_quote_trial_unit_id_unit")),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_quote_trial_user_id_user")),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_quote_trial_customer_id_customer")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["payment_plan.id"], name=op.f("fk_quote_trial_plan_id_payment_plan")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quote_trial")),
    )
    op.create_index("ix_quote_trial_project_at", "quote_trial", ["project_id", "at"])
    op.create_index(op.f("ix_quote_trial_unit_id"), "quote_trial", ["unit_id"])


def downgrade() -> None:
    # The table goes with its indexes (dropping an index a foreign key needs first is refused
    # on MariaDB).
    op.drop_table("quote_trial")
