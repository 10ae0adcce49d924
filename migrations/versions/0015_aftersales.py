"""after-sales: mortgage processing (按揭办理) and property certificates (产权办理): cases, their
received documents and status steps; the two document checklists in the code dictionary

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from data_layer.models.types import Money

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUS = sa.Enum(
    "pending", "applied", "submitted", "done", "issued",
    name="casestatus", native_enum=False, create_constraint=False, length=24,
)  # fmt: skip

CODES = {
    "mortgage_document": [
        ("id_card", "身份证复印件", "Copy of ID card"),
        ("hukou", "户口本", "Household register"),
        ("marriage", "婚姻证明", "Marriage certificate"),
        ("income", "收入证明", "Proof of income"),
        ("bank_statement", "银行流水", "Bank statements"),
        ("contract", "购房合同", "Purchase contract"),
        ("down_payment_receipt", "首付款收据", "Down-payment receipt"),
    ],
    "certificate_document": [
        ("id_card", "身份证复印件", "Copy of ID card"),
        ("contract", "购房合同", "Purchase contract"),
        ("invoice", "购房发票", "Purchase invoice"),
        ("deed_tax", "契税完税证明", "Deed-tax receipt"),
        ("maintenance_fund", "维修基金收据", "Maintenance-fund receipt"),
        ("survey_report", "房屋测绘报告", "Survey report"),
    ],
}


def upgrade() -> None:
    op.create_table(
        "aftersales_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "mortgage",
                "certificate",
                name="casekind",
                native_enum=False,
                create_constraint=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("status", STATUS, nullable=False),
        sa.Column("status_on", sa.Date(), nullable=True),
        sa.Column("handler_id", sa.Integer(), nullable=True),
        sa.Column("bank", sa.String(length=100), nullable=False),
        sa.Column("loan_amount", Money(), nullable=True),
        sa.Column("certificate_no", sa.String(length=50), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deal.id"], name=op.f("fk_aftersales_case_deal_id_deal")
        ),
        sa.ForeignKeyConstraint(
            ["handler_id"], ["user.id"], name=op.f("fk_aftersales_case_handler_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_aftersales_case_project_id_project")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aftersales_case")),
        sa.UniqueConstraint("kind", "deal_id", name=op.f("uq_aftersales_case_kind_deal_id")),
    )
    op.create_index(op.f("ix_aftersales_case_deal_id"), "aftersales_case", ["deal_id"])
    op.create_index(
        "ix_aftersales_case_project", "aftersales_case", ["project_id", "kind", "status"]
    )
    op.create_table(
        "aftersales_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["aftersales_case.id"],
            name=op.f("fk_aftersales_document_case_id_aftersales_case"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_aftersales_document_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aftersales_document")),
        sa.UniqueConstraint("case_id", "code", name=op.f("uq_aftersales_document_case_id_code")),
    )
    op.create_table(
        "aftersales_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("from_status", STATUS, nullable=False),
        sa.Column("to_status", STATUS, nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["aftersales_case.id"],
            name=op.f("fk_aftersales_step_case_id_aftersales_case"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_aftersales_step_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aftersales_step")),
    )
    op.create_index(op.f("ix_aftersales_step_case_id"), "aftersales_step", ["case_id"])
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
            {"category": cat, "code": code, "label": label, "label_en": en, "sort": i,
             "active": True}
            for cat, items in CODES.items()
            for i, (code, label, en) in enumerate(items)
        ],
    )  # fmt: skip


def downgrade() -> None:
    op.execute(
        "DELETE FROM code_item WHERE category IN ('mortgage_document', 'certificate_document')"
    )
    # Dropping a table drops its indexes (MariaDB refuses to drop one a foreign key needs).
    op.drop_table("aftersales_step")
    op.drop_table("aftersales_document")
    op.drop_table("aftersales_case")
