"""quotes (置业计划书): a consultant's priced offer of a unit to a customer, kept in their history

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import data_layer.models.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Money = data_layer.models.types.Fixed(precision=16, scale=2)
Area = data_layer.models.types.Fixed(precision=12, scale=2)
Rate = data_layer.models.types.Fixed(precision=8, scale=4)


def upgrade() -> None:
    op.create_table(
        "quote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("consultant_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("quoted_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("plan_name", sa.String(length=50), nullable=False),
        sa.Column(
            "plan_kind",
            sa.Enum(
                "lump_sum",
                "installment",
                "commercial",
                "provident",
                "combined",
                name="plankind",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("area", Area, nullable=False),
        sa.Column("list_unit_price", Money, nullable=False),
        sa.Column("list_total", Money, nullable=False),
        sa.Column("discount_rate", Rate, nullable=False),
        sa.Column("plan_total", Money, nullable=False),
        sa.Column("extra_discount", Money, nullable=False),
        sa.Column("deal_total", Money, nullable=False),
        sa.Column("deal_unit_price", Money, nullable=False),
        sa.Column("needs_approval", sa.Boolean(), nullable=False),
        sa.Column("approval_reason", sa.String(length=200), nullable=False),
        sa.Column("deposit", Money, nullable=False),
        sa.Column("down_payment_ratio", Rate, nullable=False),
        sa.Column("down_payment", Money, nullable=False),
        sa.Column(
            "loan_kind",
            sa.Enum(
                "none",
                "commercial",
                "provident",
                "combined",
                name="loankind",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("loan_years", sa.Integer(), nullable=False),
        sa.Column("commercial_loan", Money, nullable=False),
        sa.Column("commercial_rate", Rate, nullable=False),
        sa.Column("provident_loan", Money, nullable=False),
        sa.Column("provident_rate", Rate, nullable=False),
        sa.Column("installment_monthly", Money, nullable=False),
        sa.Column("installment_interest", Money, nullable=False),
        sa.Column("principal_first", Money, nullable=False),
        sa.Column("principal_decrease", Money, nullable=False),
        sa.Column("principal_last", Money, nullable=False),
        sa.Column("principal_interest", Money, nullable=False),
        sa.Column("home_count", sa.Integer(), nullable=False),
        sa.Column("fees", sa.JSON(), nullable=False),
        sa.Column("fees_total", Money, nullable=False),
        sa.Column("cash_needed", Money, nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_quote_company_id_company")
        ),
        sa.ForeignKeyConstraint(
            ["consultant_id"], ["user.id"], name=op.f("fk_quote_consultant_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_quote_customer_id_customer")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["payment_plan.id"], name=op.f("fk_quote_plan_id_payment_plan")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_quote_project_id_project")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_quote_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quote")),
        sa.UniqueConstraint("company_id", "number", name=op.f("uq_quote_company_id_number")),
    )
    op.create_index("ix_quote_customer_id", "quote", ["customer_id"])
    op.create_index("ix_quote_project_day", "quote", ["project_id", "quoted_on"])
    op.create_index("ix_quote_unit_id", "quote", ["unit_id"])


def downgrade() -> None:
    # Dropping the table drops its indexes (MariaDB refuses to drop an index a foreign key uses).
    op.drop_table("quote")
