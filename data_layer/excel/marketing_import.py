"""Excel imports of the expense plan (费用计划) and actual expenses (实际费用), on the shared
import framework: every cell and row is checked (channels and categories against the code
dictionary, projects against the importer's scope), then all rows are written in one
transaction by the same commands as the screens, or nothing is. A rejected upload lists every
error of every row, each under the column it concerns."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from ..commands import marketing as commands
from .importer import Column, ImportSpec, RowError, code_choices

PROJECT_HELP = "项目名称或编码；不填时为页面顶部所选项目。"


def _with_project(rows: list[dict], context: dict) -> list[dict]:
    out = []
    for row in rows:
        row = dict(row)
        if not row.get("project") and context.get("project_id"):
            row["project_id"] = context["project_id"]
        out.append(row)
    return out


def _db_check(check, columns: list[Column]):
    """Run a command's own row validation and report its messages against Excel rows, each
    under the header of the field it concerns ("a+b": the headers joined by +, as the importer
    names a repeated key)."""
    headers = {c.field: c.header for c in columns}

    def run(session: Session, rows: list[dict], context: dict):
        problems = check(session, context["actor"], _with_project(rows, context))
        return [
            RowError(
                e.row,
                "+".join(headers.get(part, part) for part in e.field.split("+")),
                e.message,
                e.message_en,
            )
            for e in problems
        ]

    return run


def _write_budget(session, rows, *, actor, context, progress=None) -> int:
    rows = _with_project(rows, context)
    return commands.save_budget(
        session, actor=actor, rows=rows, first_row=rows[0].get("_row", 2), source="import"
    )


def _write_expenses(session, rows, *, actor, context, progress=None) -> int:
    rows = _with_project(rows, context)
    saved = commands.record_expenses(
        session, actor=actor, rows=rows, first_row=rows[0].get("_row", 2), source="import"
    )
    return len(saved)


# The plan and the expenses name their channel and category alike.
CHANNEL = Column(
    "渠道", "channel", "choice", required=True, choices=code_choices("channel"), example="网络"
)
CATEGORY = Column(
    "费用类别",
    "category",
    "choice",
    required=True,
    choices=code_choices("expense_category"),
    example="媒体广告",
)

BUDGET_COLUMNS = [
    Column("项目", "project", help=PROJECT_HELP, example="滨江壹号", max_length=100),
    Column("月份", "month", required=True, help="如 2026-03", example="2026-03"),
    CHANNEL,
    CATEGORY,
    Column(
        "计划金额",
        "amount",
        "decimal",
        required=True,
        min=Decimal("0"),
        places=2,
        example=Decimal("50000.00"),
    ),
]

BUDGET_SPEC = ImportSpec(
    name="营销费用计划",
    columns=BUDGET_COLUMNS,
    unique_together=[("project", "month", "channel", "category")],
    db_check=_db_check(commands.check_budget_rows, BUDGET_COLUMNS),
    # One upload lists every error of every row: the plan's rules and the projects are checked
    # on the rows with a bad cell or a repeated plan cell too.
    check_rows_with_errors=True,
    writer=_write_budget,
    permission="marketing.edit",
    instructions=[
        "每行为一个项目、月份、渠道和费用类别的计划金额；已有的计划将被替换。",
        "金额不能为负数；有任何一行错误时整个文件不导入。",
    ],
)

EXPENSE_COLUMNS = [
    Column("项目", "project", help=PROJECT_HELP, example="滨江壹号", max_length=100),
    Column("费用日期", "spent_on", "date", required=True, example="2026-03-15"),
    CHANNEL,
    CATEGORY,
    Column("广告活动", "campaign", max_length=100, help="须为本项目已有的广告活动名称"),
    Column("供应商", "vendor", max_length=100, example="某传媒公司"),
    Column("发票号", "invoice_no", max_length=50, example="No.00012345"),
    Column(
        "金额",
        "amount",
        "decimal",
        required=True,
        min=Decimal("0.01"),
        places=2,
        example=Decimal("12000.00"),
    ),
]

EXPENSE_SPEC = ImportSpec(
    name="营销实际费用",
    columns=EXPENSE_COLUMNS,
    db_check=_db_check(commands.check_expense_rows, EXPENSE_COLUMNS),
    check_rows_with_errors=True,  # as the plan's
    writer=_write_expenses,
    permission="marketing.edit",
    instructions=["金额须大于 0；有任何一行错误时整个文件不导入。"],
)
