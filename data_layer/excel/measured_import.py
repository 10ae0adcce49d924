"""Excel import of measured areas (实测面积导入, 面积补差): one row per unit of the selected
project, its measured gross and internal area from the surveyor's report. Every cell and row is
checked (unknown or repeated unit codes, non-numeric, zero or absurd areas, internal larger
than gross); any error refuses the whole file and nothing is written. Accepted, the units'
measured areas are set in one transaction and the import is audited."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..errors import ValidationError
from ..models import Unit
from .importer import Column, ImportSpec, RowError

# A surveyed area is a few m² off the design, never half of it: beyond this share of the
# design (预测) area the row is refused as a typing error.
ABSURD_SHARE = Decimal("0.30")
MAX_AREA = Decimal("100000")

CODE = "房间编码"
GROSS = "实测建筑面积"
INTERNAL = "实测套内面积"


def _project_id(context: dict) -> int:
    project_id = context.get("project_id")
    if not project_id:
        raise ValidationError(
            "请先在页面顶部选择一个项目，再导入实测面积。",
            "Choose a project at the top of the page before importing measured areas.",
        )
    return int(project_id)


def _row_rule(values: dict, _context: dict):
    gross, internal = values.get("gross"), values.get("internal")
    if gross is not None and internal is not None and internal > gross:
        yield (
            INTERNAL,
            f"实测套内面积 {internal} 大于实测建筑面积 {gross}。",
            f"The measured internal area {internal} exceeds the measured gross area {gross}.",
        )


def _units(session: Session, project_id: int) -> dict[str, Unit]:
    units = session.scalars(select(Unit).where(Unit.project_id == project_id))
    return {u.code.strip().lower(): u for u in units}


def _absurd(measured: Decimal | None, design: Decimal | None) -> bool:
    if measured is None or not design:
        return False
    return abs(measured - design) > design * ABSURD_SHARE


def _db_check(session: Session, rows: list[dict], context: dict):
    project_id = _project_id(context)
    units = _units(session, project_id)
    share = f"{int(ABSURD_SHARE * 100)}%"
    for row in rows:
        code = row.get("code")
        if code is None:
            continue
        unit = units.get(str(code).strip().lower())
        if unit is None:
            yield RowError(
                row["_row"],
                CODE,
                f"本项目没有房间 {code}。",
                f"There is no unit {code} in this project.",
            )
            continue
        row["unit_id"] = unit.id
        for field, header, design in (
            ("gross", GROSS, unit.gross_area),
            ("internal", INTERNAL, unit.internal_area),
        ):
            value = row.get(field)
            if _absurd(value, design):
                yield RowError(
                    row["_row"],
                    header,
                    f"{header} {value} 与预测面积 {design} 相差超过 {share}，请核对。",
                    f"{value} differs from the design area {design} by more than {share}; "
                    "check the figure.",
                )


def _write(session: Session, rows: list[dict], *, actor, context, progress=None) -> int:
    project_id = _project_id(context)
    by_id = {
        u.id: u
        for u in session.scalars(
            select(Unit).where(Unit.id.in_([r["unit_id"] for r in rows])).with_for_update()
        )
    }
    changed = []
    for n, row in enumerate(rows, 1):
        unit = by_id[row["unit_id"]]
        if unit.project_id != project_id:  # db_check read the same project; never reached
            raise ValidationError("房间不属于所选项目。", "A unit is outside the project.")
        if (unit.measured_gross_area, unit.measured_internal_area) != (
            row["gross"],
            row["internal"],
        ):
            changed.append(
                {
                    "unit": unit.code,
                    "before": [unit.measured_gross_area, unit.measured_internal_area],
                    "after": [row["gross"], row["internal"]],
                }
            )
            unit.measured_gross_area = row["gross"]
            unit.measured_internal_area = row["internal"]
        if progress is not None and n % 500 == 0:
            progress(n, len(rows), "write")
    session.flush()
    audit.record(
        session,
        actor,
        "settlement.import_measured",
        after={
            "project_id": project_id,
            "units": len(rows),
            "changed": len(changed),
            "changes": changed[:200],
        },
    )
    return len(rows)


COLUMNS = [
    Column(CODE, "code", required=True, unique=True, max_length=32, example="3-1-1502"),
    Column(
        GROSS,
        "gross",
        "decimal",
        required=True,
        min=Decimal("0.01"),
        max=MAX_AREA,
        places=2,
        help="平方米，最多两位小数",
        example=Decimal("102.35"),
    ),
    Column(
        INTERNAL,
        "internal",
        "decimal",
        required=True,
        min=Decimal("0.01"),
        max=MAX_AREA,
        places=2,
        help="平方米，不大于实测建筑面积",
        example=Decimal("86.10"),
    ),
]

SPEC = ImportSpec(
    name="实测面积",
    columns=COLUMNS,
    row_validator=_row_rule,
    db_check=_db_check,
    # One upload lists every error of every row (an unknown unit in a row with a bad area too).
    check_rows_with_errors=True,
    writer=_write,
    permission="finance.edit",
    instructions=[
        "每行一套房间，房间编码须为所选项目中的房间。",
        "面积单位为平方米，最多两位小数；实测套内面积不得大于实测建筑面积。",
        f"实测面积与预测面积相差超过 {int(ABSURD_SHARE * 100)}% 的行将被拒绝，请核对后再导入。",
        "已导入过的房间将以本次面积为准；有任何一行错误时整个文件不导入。",
    ],
)
