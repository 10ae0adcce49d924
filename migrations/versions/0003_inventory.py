"""inventory and pricing: price adjustments with approval, pricing rules, the live chart's
fingerprint index, the approval threshold setting

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

import data_layer.models.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = ("inventory",)
depends_on: str | Sequence[str] | None = None

Money = data_layer.models.types.Fixed(precision=16, scale=2)
Rate = data_layer.models.types.Fixed(precision=8, scale=4)


def _status(name: str) -> sa.Column:
    return sa.Column(name, sa.String(length=24), nullable=False)


SETTINGS = [
    # An adjustment that moves any unit's list price by more than this share needs approval.
    ("pricing.approval_threshold", "0.05"),
]


def upgrade() -> None:
    op.create_table(
        "price_adjustment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(length=50), nullable=False),
        _status("method"),
        sa.Column("value", Money, nullable=True),
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        _status("status"),
        sa.Column("unit_count", sa.Integer(), nullable=False),
        sa.Column("old_total", Money, nullable=False),
        sa.Column("new_total", Money, nullable=False),
        sa.Column("max_change", Rate, nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=True),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decision_note", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_price_adjustment_project_id_project")
        ),
        sa.ForeignKeyConstraint(
            ["building_id"], ["building.id"], name=op.f("fk_price_adjustment_building_id_building")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["user.id"], name=op.f("fk_price_adjustment_requested_by_user")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["user.id"], name=op.f("fk_price_adjustment_decided_by_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_adjustment")),
        sa.UniqueConstraint("code", name=op.f("uq_price_adjustment_code")),
    )
    op.create_index(
        "ix_price_adjustment_project_status",
        "price_adjustment",
        ["project_id", "status"],
        unique=False,
    )
    op.create_table(
        "price_adjustment_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("adjustment_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("old_list_unit_price", Money, nullable=True),
        sa.Column("new_list_unit_price", Money, nullable=True),
        sa.Column("old_list_total", Money, nullable=True),
        sa.Column("new_list_total", Money, nullable=True),
        sa.Column("old_floor_unit_price", Money, nullable=True),
        sa.Column("new_floor_unit_price", Money, nullable=True),
        sa.ForeignKeyConstraint(
            ["adjustment_id"],
            ["price_adjustment.id"],
            name=op.f("fk_price_adjustment_item_adjustment_id_price_adjustment"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_price_adjustment_item_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_adjustment_item")),
        sa.UniqueConstraint(
            "adjustment_id",
            "unit_id",
            name=op.f("uq_price_adjustment_item_adjustment_id_unit_id"),
        ),
    )
    op.create_index(op.f("ix_price_adjustment_item_unit_id"), "price_adjustment_item", ["unit_id"])
    op.create_table(
        "price_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("base_unit_price", Money, nullable=False),
        sa.Column("formula", sa.String(length=200), nullable=False),
        sa.Column("floor_ratio", Rate, nullable=False),
        sa.Column("floor_factors", sa.Text(), nullable=False),
        sa.Column("orientation_factors", sa.Text(), nullable=False),
        sa.Column("layout_factors", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_price_rule_project_id_project")
        ),
        sa.ForeignKeyConstraint(
            ["building_id"], ["building.id"], name=op.f("fk_price_rule_building_id_building")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["user.id"], name=op.f("fk_price_rule_updated_by_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_rule")),
        sa.UniqueConstraint("building_id", name=op.f("uq_price_rule_building_id")),
    )
    op.create_index(op.f("ix_price_rule_project_id"), "price_rule", ["project_id"])
    op.create_index("ix_unit_building_updated", "unit", ["building_id", "updated_at"])
    if op.get_bind().dialect.name == "mysql":
        # Microseconds: the live chart tells apart two changes of a unit within one second.
        op.alter_column(
            "unit",
            "updated_at",
            existing_type=sa.DateTime(),
            type_=mysql.DATETIME(fsp=6),
            existing_nullable=False,
        )
    setting = sa.table("setting", sa.column("key"), sa.column("value"))
    op.bulk_insert(setting, [{"key": k, "value": v} for k, v in SETTINGS])


def downgrade() -> None:
    for key, _ in SETTINGS:
        op.execute(sa.text("DELETE FROM setting WHERE `key` = :k").bindparams(k=key))
    if op.get_bind().dialect.name == "mysql":
        op.alter_column(
            "unit",
            "updated_at",
            existing_type=mysql.DATETIME(fsp=6),
            type_=sa.DateTime(),
            existing_nullable=False,
        )
    op.drop_index("ix_unit_building_updated", table_name="unit")
    # Dropping a table drops its indexes (MySQL refuses to drop first an index backing a FK).
    op.drop_table("price_rule")
    op.drop_table("price_adjustment_item")
    op.drop_table("price_adjustment")
