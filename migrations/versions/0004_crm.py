"""crm: survey fields and answers, attribution history, funnel columns and indexes

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = ("crm",)
depends_on: str | Sequence[str] | None = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=24)


def upgrade() -> None:
    op.create_table(
        "survey_field",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=50), nullable=False),
        sa.Column("kind", _enum("surveykind", "text", "number", "single", "multi"), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("sort", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_survey_field_project_id_project")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_field")),
        sa.UniqueConstraint("project_id", "label", name=op.f("uq_survey_field_project_id_label")),
    )
    op.create_index(op.f("ix_survey_field_project_id"), "survey_field", ["project_id"])
    op.create_table(
        "survey_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("field_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_survey_answer_customer_id_customer")
        ),
        sa.ForeignKeyConstraint(
            ["field_id"], ["survey_field.id"], name=op.f("fk_survey_answer_field_id_survey_field")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_answer")),
        sa.UniqueConstraint(
            "customer_id", "field_id", name=op.f("uq_survey_answer_customer_id_field_id")
        ),
    )
    op.create_index(op.f("ix_survey_answer_field_id"), "survey_answer", ["field_id"])
    op.create_table(
        "customer_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("from_consultant_id", sa.Integer(), nullable=True),
        sa.Column("to_consultant_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            _enum("assignmentkind", "register", "import", "claim", "override", "transfer"),
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("by_user_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_customer_assignment_customer_id_customer"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_customer_assignment_project_id_project")
        ),
        sa.ForeignKeyConstraint(
            ["from_consultant_id"],
            ["user.id"],
            name=op.f("fk_customer_assignment_from_consultant_id_user"),
        ),
        sa.ForeignKeyConstraint(
            ["to_consultant_id"],
            ["user.id"],
            name=op.f("fk_customer_assignment_to_consultant_id_user"),
        ),
        sa.ForeignKeyConstraint(
            ["by_user_id"], ["user.id"], name=op.f("fk_customer_assignment_by_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_assignment")),
    )
    op.create_index(
        op.f("ix_customer_assignment_customer_id"), "customer_assignment", ["customer_id"]
    )
    op.create_index("ix_customer_assignment_to", "customer_assignment", ["to_consultant_id", "at"])
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("opportunity_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("lost_on", sa.Date(), nullable=True))
    # Covering indexes: the funnel, trend and ranking of a project and period read only these.
    op.create_index(
        "ix_customer_funnel",
        "customer",
        [
            "project_id",
            "first_contact_on",
            "consultant_id",
            "channel",
            "level",
            "first_contact",
            "visit_count",
            "stage",
            "opportunity_on",
        ],
    )
    op.create_index(
        "ix_customer_day_funnel",
        "customer",
        [
            "first_contact_on",
            "project_id",
            "consultant_id",
            "channel",
            "level",
            "first_contact",
            "visit_count",
            "stage",
            "opportunity_on",
        ],
    )
    op.create_index(
        "ix_customer_lost",
        "customer",
        ["project_id", "lost_on", "lost_reason", "consultant_id", "channel", "level"],
    )


def downgrade() -> None:
    op.drop_index("ix_customer_lost", table_name="customer")
    op.drop_index("ix_customer_day_funnel", table_name="customer")
    op.drop_index("ix_customer_funnel", table_name="customer")
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_column("lost_on")
        batch_op.drop_column("opportunity_on")
    op.drop_table("customer_assignment")
    op.drop_table("survey_answer")
    op.drop_table("survey_field")
