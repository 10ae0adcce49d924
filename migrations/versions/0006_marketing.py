"""marketing: ad campaigns, and expenses linked to them

Revision ID: 0006
Revises: 0002
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import data_layer.models.types

revision: str = "0006"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = ("marketing",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "campaign",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("budget", data_layer.models.types.Fixed(precision=16, scale=2), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_campaign_project_id_project")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["user.id"], name=op.f("fk_campaign_created_by_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign")),
        sa.UniqueConstraint("project_id", "name", name=op.f("uq_campaign_project_id_name")),
    )
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.create_index(
            "ix_campaign_project_period", ["project_id", "starts_on", "ends_on"], unique=False
        )
    with op.batch_alter_table("marketing_expense", schema=None) as batch_op:
        batch_op.add_column(sa.Column("campaign_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_marketing_expense_campaign_id"), ["campaign_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_marketing_expense_campaign_id_campaign"),
            "campaign",
            ["campaign_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("marketing_expense", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_marketing_expense_campaign_id_campaign"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_marketing_expense_campaign_id"))
        batch_op.drop_column("campaign_id")
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_index("ix_campaign_project_period")
    op.drop_table("campaign")
