"""deals and money: approvals of transaction changes, deed-tax rates per city, receipt number
sequences, one-time form tokens, one reversal per receipt, collections covering index

Revision ID: 0005
Revises: 0002
Create Date: 2026-12-04
"""

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

import data_layer.models.types

revision: str = "0005"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = ("deals",)
depends_on: str | Sequence[str] | None = None

Money = data_layer.models.types.Fixed(precision=16, scale=2)
Area = data_layer.models.types.Fixed(precision=12, scale=2)
Rate = data_layer.models.types.Fixed(precision=8, scale=4)


def upgrade() -> None:
    op.create_table(
        "deal_approval",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("pending_deal_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "discount",
                "forfeit",
                "cancel",
                "swap",
                "rename",
                name="approvalkind",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "approved",
                "rejected",
                "withdrawn",
                name="approvalstatus",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decision_note", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_deal_approval_project_id_project")
        ),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deal.id"], name=op.f("fk_deal_approval_deal_id_deal")
        ),
        sa.ForeignKeyConstraint(
            ["pending_deal_id"], ["deal.id"], name=op.f("fk_deal_approval_pending_deal_id_deal")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["user.id"], name=op.f("fk_deal_approval_requested_by_user")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["user.id"], name=op.f("fk_deal_approval_decided_by_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deal_approval")),
        sa.UniqueConstraint("pending_deal_id", name=op.f("uq_deal_approval_pending_deal_id")),
    )
    with op.batch_alter_table("deal_approval", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deal_approval_deal_id"), ["deal_id"], unique=False)
        batch_op.create_index(
            "ix_deal_approval_project_status", ["project_id", "status"], unique=False
        )

    op.create_table(
        "deed_tax_rate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city", sa.String(length=50), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("area_threshold", Area, nullable=False),
        sa.Column("first_home_small", Rate, nullable=False),
        sa.Column("first_home_large", Rate, nullable=False),
        sa.Column("second_home_small", Rate, nullable=False),
        sa.Column("second_home_large", Rate, nullable=False),
        sa.Column("other_home_rate", Rate, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deed_tax_rate")),
        sa.UniqueConstraint(
            "city", "effective_from", name=op.f("uq_deed_tax_rate_city_effective_from")
        ),
    )
    op.create_table(
        "receipt_sequence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("next_no", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_receipt_sequence_company_id_company")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receipt_sequence")),
        sa.UniqueConstraint("company_id", "year", name=op.f("uq_receipt_sequence_company_id_year")),
    )
    op.create_table(
        "command_token",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_command_token_user_id_user")
        ),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_command_token")),
    )
    with op.batch_alter_table("receipt", schema=None) as batch_op:
        batch_op.create_index("uq_receipt_reverses_id", ["reverses_id"], unique=True)
        batch_op.create_index(
            "ix_receipt_collections",
            ["project_id", "status", "received_on", "kind", "amount"],
            unique=False,
        )

    # Seed: the national deed-tax rates (announcement 2024 no. 16); cities add their own rows.
    rate = sa.table(
        "deed_tax_rate",
        sa.column("city", sa.String),
        sa.column("effective_from", sa.Date),
        sa.column("area_threshold", Area),
        sa.column("first_home_small", Rate),
        sa.column("first_home_large", Rate),
        sa.column("second_home_small", Rate),
        sa.column("second_home_large", Rate),
        sa.column("other_home_rate", Rate),
    )
    from decimal import Decimal as D  # noqa: N817

    op.bulk_insert(
        rate,
        [
            {
                "city": "*",
                "effective_from": date(2024, 12, 1),
                "area_threshold": D("140"),
                "first_home_small": D("0.01"),
                "first_home_large": D("0.015"),
                "second_home_small": D("0.01"),
                "second_home_large": D("0.02"),
                "other_home_rate": D("0.03"),
            }
        ],
    )
    code_item = sa.table(
        "code_item",
        sa.column("category"),
        sa.column("code"),
        sa.column("label"),
        sa.column("label_en"),
        sa.column("sort"),
        sa.column("active"),
    )
    op.bulk_insert(
        code_item,
        [
            {
                "category": "cancel_reason",
                "code": code,
                "label": label,
                "label_en": en,
                "sort": i,
                "active": True,
            }
            for i, (code, label, en) in enumerate(
                [
                    ("customer", "客户原因", "Customer's reasons"),
                    ("loan", "贷款未获批", "Loan refused"),
                    ("developer", "开发商原因", "Developer's fault"),
                ]
            )
        ],
    )


def downgrade() -> None:
    op.execute("DELETE FROM code_item WHERE category = 'cancel_reason'")
    if op.get_bind().dialect.name == "mysql":
        # MySQL keeps an index for every foreign key: lift the key while its index goes.
        op.drop_constraint("fk_receipt_reverses_id_receipt", "receipt", type_="foreignkey")
        op.drop_index("uq_receipt_reverses_id", table_name="receipt")
        op.create_foreign_key(
            "fk_receipt_reverses_id_receipt", "receipt", "receipt", ["reverses_id"], ["id"]
        )
    else:
        with op.batch_alter_table("receipt", schema=None) as batch_op:
            batch_op.drop_index("ix_receipt_collections")
        batch_op.drop_index("uq_receipt_reverses_id")
    op.drop_table("command_token")
    op.drop_table("receipt_sequence")
    op.drop_table("deed_tax_rate")
    op.drop_table("deal_approval")  # its indexes go with it
