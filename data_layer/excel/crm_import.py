"""The lead import (线索导入) on the shared Excel import framework: the columns, a check of
every row against the CRM rules and the project's customers, and the all-or-nothing write by
the import_leads command."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from ..commands import crm
from . import importer
from .importer import Column, ImportSpec

KINDS = {"来访": "visit", "来电": "call"}
LEVELS = {lv: lv for lv in crm.LEVELS}
H = dict(crm.IMPORT_COLUMNS)


def _check(session: Session, rows: list[dict], context: dict):
    if not context.get("project_id"):
        yield importer.RowError(
            0,
            "",
            "请先在页面顶部选择要导入的项目。",
            "First choose the project to import into at the top of the page.",
        )
        return
    errors, _ready = crm.check_leads(
        session, actor=context["actor"], project_id=int(context["project_id"]), rows=rows
    )
    for e in errors:
        yield importer.RowError(e.row, e.column, e.message, e.message_en)


def _write(session: Session, rows: list[dict], *, actor, context, progress=None) -> int:
    try:
        return crm.import_leads(
            session, actor=actor, project_id=int(context["project_id"]), rows=rows
        )
    except crm.ImportRejected as err:  # a row registered by someone meanwhile
        raise importer.ImportRejected(err.message, err.message_en) from None


def lead_spec(actor=None) -> ImportSpec:
    return ImportSpec(
        name="线索客户",
        columns=[
            Column(H["name"], "name", required=True, max_length=50, example="张伟"),
            Column(
                H["mobile"],
                "mobile",
                required=True,
                unique=True,
                example="13812345678",
                help="11 位手机号；同一项目内不能重复",
            ),
            Column(
                H["id_number"],
                "id_number",
                unique=True,
                help="选填；18 位，末位校验",
            ),
            Column(
                H["contact_kind"],
                "contact_kind",
                "choice",
                choices=KINDS,
                default="visit",
                example="来访",
            ),
            Column(
                H["channel"],
                "channel",
                "choice",
                choices=importer.code_choices("channel"),
                example="网络",
            ),
            Column(H["intended_layout"], "intended_layout", max_length=50, example="三室两厅"),
            Column(H["area_min"], "area_min", "decimal", min=Decimal(0), places=2, example=90),
            Column(H["area_max"], "area_max", "decimal", min=Decimal(0), places=2, example=120),
            Column(H["budget"], "budget", "decimal", min=Decimal(0), places=2, example=3000000),
            Column(
                H["purpose"],
                "purpose",
                "choice",
                choices=importer.code_choices("purpose"),
                example="自住",
            ),
            Column(H["level"], "level", "choice", choices=LEVELS, help="填写即为机会客户"),
            Column(
                H["consultant"],
                "consultant",
                max_length=50,
                help="空白：导入人本人；经理可填写项目内置业顾问的用户名",
            ),
            Column(H["notes"], "notes", max_length=2000),
        ],
        db_check=_check,
        # Every row is checked against the CRM rules and the project, even one with a bad cell
        # or a repeated mobile: one upload lists every error of every row.
        check_rows_with_errors=True,
        writer=_write,
        permission="crm.edit",
        instructions=[
            "每行一位客户；手机号在同一项目内不能重复（与已有客户、与本文件其他行）。",
            "任何一行有错误时整个文件都不会导入，请按错误清单修改后重新上传。",
        ],
    )
