"""Inventory actions: release units to sale (放盘) in batches, withdraw them, mark units not for
sale, the virtual-sold flags of the customer-facing chart, and the units Excel import.

Deal stages (reserve, hold, subscribe, sign…) belong to commands.deals."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from itertools import repeat
from operator import itemgetter, setitem

from sqlalchemy import DateTime, Integer, String, func, insert, literal, select
from sqlalchemy.orm import Session

from .. import audit, authz
from ..bulk import bulk_insert_columns
from ..errors import DomainError, NotFound, ValidationError
from ..excel.importer import Column, ImportSpec, RowError, code_choices
from ..models import (
    Building,
    Layout,
    PriceChange,
    ReleaseBatch,
    Unit,
    UnitStatus,
    UnitStatusChange,
    utcnow,
)

STATUS_LABELS = {
    UnitStatus.UNRELEASED: ("未放盘", "Not released"),
    UnitStatus.AVAILABLE: ("待售", "For sale"),
    UnitStatus.RESERVED: ("预留", "Reserved"),
    UnitStatus.HELD: ("临定", "On hold"),
    UnitStatus.SUBSCRIBED: ("认购", "Subscribed"),
    UnitStatus.CONTRACTED: ("签约", "Contracted"),
    UnitStatus.NOT_FOR_SALE: ("不可售", "Not for sale"),
}
MAX_BATCH = 5000


class UnitStateRefused(DomainError):
    pass


def _units(session: Session, unit_ids: Sequence[int], *, lock: bool = True) -> list[Unit]:
    ids = sorted({int(i) for i in unit_ids})
    if not ids:
        raise ValidationError("请先选择房间。", "Select units first.")
    if len(ids) > MAX_BATCH:
        raise ValidationError(
            f"一次最多处理 {MAX_BATCH} 套房间。", f"At most {MAX_BATCH} units at a time."
        )
    query = select(Unit).where(Unit.id.in_(ids)).order_by(Unit.id)
    if lock:
        query = query.with_for_update()
    units = list(session.scalars(query))
    if len(units) != len(ids):
        raise NotFound("部分房间不存在或已删除。", "Some units do not exist.")
    return units


def _require_projects(actor, permission: str, units: Iterable[Unit]) -> None:
    for project_id in {u.project_id for u in units}:
        authz.require(actor, permission, project_id=project_id)


def _change_status(session: Session, unit: Unit, to: UnitStatus, actor, note: str) -> None:
    session.add(
        UnitStatusChange(
            unit_id=unit.id,
            user_id=actor.id if actor else None,
            from_status=unit.status,
            to_status=to,
            note=note[:200],
        )
    )
    unit.status = to
    unit.updated_at = utcnow()


def _codes(units: Sequence[Unit], limit: int = 8) -> str:
    codes = [u.code for u in units[:limit]]
    return "、".join(codes) + ("…" if len(units) > limit else "")


def release_units(
    session: Session, *, actor, unit_ids: Sequence[int], batch_name: str
) -> ReleaseBatch:
    """放盘: unreleased (or not-for-sale) units become for sale together, as one batch.
    A unit without a list price cannot be released: nobody could quote it."""
    name = (batch_name or "").strip()
    if not name:
        raise ValidationError("请填写放盘批次名称（如：三期一批）。", "Name the release batch.")
    units = _units(session, unit_ids)
    _require_projects(actor, "inventory.edit", units)
    if len({u.project_id for u in units}) > 1:
        raise ValidationError("一个放盘批次只能包含同一项目的房间。", "One project per batch.")
    wrong = [u for u in units if u.status not in (UnitStatus.UNRELEASED, UnitStatus.NOT_FOR_SALE)]
    if wrong:
        raise UnitStateRefused(
            f"只有未放盘或不可售的房间可以放盘：{_codes(wrong)} 不是。",
            f"Only unreleased units can be released: {_codes(wrong)} are not.",
        )
    unpriced = [u for u in units if u.list_total is None]
    if unpriced:
        raise UnitStateRefused(
            f"以下房间还没有表价，不能放盘：{_codes(unpriced)}",
            f"These units have no list price yet: {_codes(unpriced)}",
        )
    batch = ReleaseBatch(project_id=units[0].project_id, name=name[:50], user_id=actor.id)
    session.add(batch)
    session.flush()
    for unit in units:
        _change_status(session, unit, UnitStatus.AVAILABLE, actor, f"放盘：{name}")
        unit.release_batch_id = batch.id
    audit.record(
        session,
        actor,
        "inventory.release",
        batch,
        after={"name": name, "units": len(units), "codes": [u.code for u in units[:50]]},
    )
    session.flush()
    return batch


def withdraw_units(session: Session, *, actor, unit_ids: Sequence[int], reason: str) -> int:
    """撤盘: units for sale go back to unreleased. A unit with a deal cannot be withdrawn."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("请填写撤盘原因。", "Give a reason for withdrawing.")
    units = _units(session, unit_ids)
    _require_projects(actor, "inventory.edit", units)
    wrong = [u for u in units if u.status != UnitStatus.AVAILABLE]
    if wrong:
        raise UnitStateRefused(
            f"只有待售的房间可以撤盘（已有交易的须先在交易中处理）：{_codes(wrong)}",
            f"Only units for sale can be withdrawn: {_codes(wrong)}",
        )
    for unit in units:
        _change_status(session, unit, UnitStatus.UNRELEASED, actor, f"撤盘：{reason}")
        unit.release_batch_id = None
    audit.record(
        session,
        actor,
        "inventory.withdraw",
        after={"units": len(units), "codes": [u.code for u in units[:50]], "reason": reason},
    )
    session.flush()
    return len(units)


def set_not_for_sale(
    session: Session, *, actor, unit_ids: Sequence[int], not_for_sale: bool, reason: str = ""
) -> int:
    """不可售 (e.g. kept by the developer, show flat) or back to unreleased."""
    units = _units(session, unit_ids)
    _require_projects(actor, "inventory.edit", units)
    source = (
        (UnitStatus.UNRELEASED, UnitStatus.AVAILABLE)
        if not_for_sale
        else (UnitStatus.NOT_FOR_SALE,)
    )
    wrong = [u for u in units if u.status not in source]
    if wrong:
        raise UnitStateRefused(
            f"这些房间的状态不允许此操作：{_codes(wrong)}",
            f"The state of these units does not allow it: {_codes(wrong)}",
        )
    target = UnitStatus.NOT_FOR_SALE if not_for_sale else UnitStatus.UNRELEASED
    for unit in units:
        _change_status(session, unit, target, actor, reason or STATUS_LABELS[target][0])
    audit.record(
        session,
        actor,
        "inventory.not_for_sale" if not_for_sale else "inventory.for_sale_again",
        after={"units": len(units), "codes": [u.code for u in units[:50]]},
    )
    session.flush()
    return len(units)


def set_virtual_sold(session: Session, *, actor, unit_ids: Sequence[int], sold: bool) -> int:
    """虚拟销控: show (or stop showing) units as sold on the customer-facing chart; the real
    status is untouched."""
    units = _units(session, unit_ids)
    _require_projects(actor, "inventory.edit", units)
    changed = 0
    for unit in units:
        if unit.virtual_sold != sold:
            unit.virtual_sold = sold
            unit.updated_at = utcnow()
            changed += 1
    audit.record(
        session,
        actor,
        "inventory.virtual_sold" if sold else "inventory.virtual_unsold",
        after={"units": changed, "codes": [u.code for u in units[:50]]},
    )
    session.flush()
    return changed


# ---------------------------------------------------------------------------------------------
# Units Excel import (房间资料导入)

UNIT_COLUMNS = [
    Column(
        "楼栋",
        "building",
        required=True,
        max_length=50,
        help="楼栋编号或名称，须已在楼盘资料中定义",
        example="3",
    ),
    Column("单元", "section", "int", min=1, max=99, default=1, example=1),
    Column("楼层", "floor", "int", required=True, min=-5, max=200, example=15),
    Column("房号", "position", "int", required=True, min=1, max=99, help="该层第几户", example=2),
    Column(
        "房间编码",
        "code",
        required=True,
        max_length=32,
        unique=True,
        help="项目内唯一，如 3-1-1502",
        example="3-1-1502",
    ),
    Column("户型", "layout", max_length=50, help="须已在户型图中定义", example="A户型"),
    Column("朝向", "orientation", "choice", choices=code_choices("orientation"), default=""),
    Column("用途", "use", "choice", choices=code_choices("use"), default="residential"),
    Column("装修", "decoration", "choice", choices=code_choices("decoration"), default=""),
    Column(
        "建筑面积",
        "gross_area",
        "decimal",
        required=True,
        min=Decimal("1"),
        max=Decimal("2000"),
        places=2,
        example="89.50",
    ),
    Column(
        "套内面积",
        "internal_area",
        "decimal",
        required=True,
        min=Decimal("1"),
        max=Decimal("2000"),
        places=2,
        example="72.30",
    ),
    Column(
        "公摊面积",
        "shared_area",
        "decimal",
        min=Decimal("0"),
        max=Decimal("2000"),
        places=2,
        help="留空则为建筑面积减套内面积",
        example="17.20",
    ),
    Column(
        "表价单价",
        "list_unit_price",
        "decimal",
        min=Decimal("100"),
        max=Decimal("1000000"),
        places=2,
        help="元/㎡（按建筑面积）",
        example="20000",
    ),
    Column(
        "底价单价",
        "floor_unit_price",
        "decimal",
        min=Decimal("100"),
        max=Decimal("1000000"),
        places=2,
        help="元/㎡，不得高于表价",
        example="19000",
    ),
]


def _unit_row_rule(values: dict, _context: dict):
    gross, internal = values.get("gross_area"), values.get("internal_area")
    if gross is not None and internal is not None:
        if internal > gross:
            yield (
                "套内面积",
                f"套内面积 {internal} 大于建筑面积 {gross}",
                f"Internal area {internal} exceeds the gross area {gross}",
            )
        shared = values.get("shared_area")
        if shared is not None and internal + shared != gross:
            yield (
                "公摊面积",
                f"套内 {internal} + 公摊 {shared} ≠ 建筑面积 {gross}",
                f"Internal {internal} + shared {shared} ≠ gross area {gross}",
            )
    lp, fp = values.get("list_unit_price"), values.get("floor_unit_price")
    if lp is not None and fp is not None and fp > lp:
        yield "底价单价", f"底价 {fp} 高于表价 {lp}", f"Floor price {fp} above list price {lp}"
    if fp is not None and lp is None and "list_unit_price" not in values.get("_bad", ()):
        yield "表价单价", "填写了底价就必须填写表价", "A floor price needs a list price"


def _unit_db_check(session: Session, rows: list[dict], context: dict):
    project_id = context["project_id"]
    buildings = {}
    for b in session.scalars(select(Building).where(Building.project_id == project_id)):
        buildings[b.code] = b
        buildings.setdefault(b.name, b)
    layouts = dict(
        session.execute(select(Layout.name, Layout.id).where(Layout.project_id == project_id)).all()
    )
    existing = set(session.scalars(select(Unit.code).where(Unit.project_id == project_id)))
    existing_lower = {c.lower() for c in existing}
    positions = set(
        session.execute(
            select(Unit.building_id, Unit.section, Unit.floor, Unit.position).where(
                Unit.project_id == project_id
            )
        ).all()
    )
    # Rows with a refused cell ("_bad", see ImportSpec.check_rows_with_errors) are only in the
    # file's error report: they go row by row.
    partial = any("_bad" in row for row in rows)
    if not partial and _units_fit(rows, buildings, layouts, existing_lower, positions):
        return
    yield from _unit_row_errors(rows, buildings, layouts, existing_lower, positions)


def _column(rows: list[dict], key: str) -> list:
    """A field of every row: the importer's own column of it (importer.Rows.columns, what the
    file held) when there is one, else read out of the dicts."""
    columns = getattr(rows, "columns", None)
    if columns and key in columns and len(columns[key]) == len(rows):
        return columns[key]
    return list(map(itemgetter(key), rows))


def _units_fit(rows: list[dict], buildings, layouts, existing_lower, positions) -> bool:
    """Column by column, the usual case of a file that fits the project (every building and
    layout known, no position or code taken): sets each row's building_id and layout_id and
    returns True. Otherwise False, and _unit_row_errors says what is wrong, row by row."""
    building_ids = {key: b.id for key, b in buildings.items()}
    building_id = list(map(building_ids.get, _column(rows, "building")))
    if None in building_id:
        return False
    names = _column(rows, "layout")
    layout_id = [layouts.get(name) if name else None for name in names]
    if any(i is None and name for i, name in zip(layout_id, names, strict=True)):
        return False
    codes = map(str.lower, _column(rows, "code"))
    if existing_lower and not existing_lower.isdisjoint(codes):
        return False
    keys = list(
        zip(
            building_id,
            [section or 1 for section in _column(rows, "section")],
            _column(rows, "floor"),
            _column(rows, "position"),
            strict=True,
        )
    )
    if len(set(keys)) != len(keys) or not positions.isdisjoint(keys):
        return False
    # row["building_id"] = …, row["layout_id"] = … for every row, looped in C.
    deque(map(setitem, rows, repeat("building_id"), building_id), maxlen=0)
    deque(map(setitem, rows, repeat("layout_id"), layout_id), maxlen=0)
    return True


def _unit_row_errors(rows: list[dict], buildings, layouts, existing_lower, positions):
    """Row by row. A field in a row's "_bad" (its cell was refused, its value is None) is not
    checked; a place repeated as the file has it is reported by the importer already."""
    seen_positions: dict[tuple, int] = {}
    seen_places: set[tuple] = set()  # (building, section, floor, position) as in the file
    place_fields = {"building", "section", "floor", "position"}
    for row in rows:
        bad = row.get("_bad") or ()
        building = None if "building" in bad else buildings.get(row["building"])
        if building is None:
            if "building" not in bad:
                yield RowError(
                    row["_row"],
                    "楼栋",
                    f"楼栋「{row['building']}」不存在，请先在楼盘资料中添加",
                    f"No building “{row['building']}”: add it in the project data first",
                )
        elif place_fields.isdisjoint(bad):
            row["building_id"] = building.id
            key = (building.id, row["section"] or 1, row["floor"], row["position"])
            if key in positions:
                yield RowError(
                    row["_row"],
                    "房号",
                    "该楼栋此单元、楼层、房号已有房间",
                    "This building already has a unit at this section, floor and position",
                )
            place = (row["building"], row["section"], row["floor"], row["position"])
            first = seen_positions.setdefault(key, row["_row"])
            if first != row["_row"] and (None in place or place not in seen_places):
                yield RowError(
                    row["_row"],
                    "房号",
                    f"与第 {first} 行是同一位置",
                    f"Same place as row {first}",
                )
            seen_places.add(place)
        if row["layout"] and "layout" not in bad:
            layout_id = layouts.get(row["layout"])
            if layout_id is None:
                yield RowError(
                    row["_row"],
                    "户型",
                    f"户型「{row['layout']}」不存在，请先在户型图中添加",
                    f"No layout “{row['layout']}”: add it in the layouts first",
                )
            row["layout_id"] = layout_id
        else:
            row["layout_id"] = None
        if "code" not in bad and row["code"].lower() in existing_lower:
            yield RowError(
                row["_row"],
                "房间编码",
                f"房间编码「{row['code']}」在本项目中已存在",
                f"Unit code “{row['code']}” already exists in this project",
            )


CENT = Decimal("0.01")


class _Totals(dict):
    """Total price by (unit price, area): = rules.pricing.total_for, inlined (the values are
    already exact Decimals); None without a price."""

    def __missing__(self, key: tuple) -> Decimal | None:
        price, area = key
        total = self[key] = None if price is None else (price * area).quantize(CENT, ROUND_HALF_UP)
        return total


def _unit_writer(session: Session, rows: list[dict], *, actor, context, progress) -> int:
    project_id = context["project_id"]
    authz.require(actor, "inventory.edit", project_id=project_id)
    now = utcnow()
    total = len(rows)

    # Column by column (one list per column, no dict per unit): bulk_insert_columns.
    def column(key):
        return _column(rows, key)

    gross, internal = column("gross_area"), column("internal_area")
    lp, fp, shared = column("list_unit_price"), column("floor_unit_price"), column("shared_area")

    def totals(prices):
        # Prices and areas repeat: each distinct (price, area) is multiplied once.
        return list(map(_Totals().__getitem__, zip(prices, gross, strict=True)))

    columns = {
        "project_id": [project_id] * total,
        "building_id": column("building_id"),
        "section": [section or 1 for section in column("section")],
        "floor": column("floor"),
        "position": column("position"),
        "code": column("code"),
        "layout_id": column("layout_id"),
        "orientation": [value or "" for value in column("orientation")],
        "use": [value or "residential" for value in column("use")],
        "decoration": [value or "" for value in column("decoration")],
        "gross_area": gross,
        "internal_area": internal,
        "shared_area": [
            s if s is not None else g - i for s, g, i in zip(shared, gross, internal, strict=True)
        ],
        "list_unit_price": lp,
        "list_total": totals(lp),
        "floor_unit_price": fp,
        "floor_total": totals(fp),
        "status": [UnitStatus.UNRELEASED] * total,
        "virtual_sold": [False] * total,
        "updated_at": [now] * total,
    }
    if progress is not None:
        progress(0, total, "write")
    before = session.scalar(select(func.coalesce(func.max(Unit.id), 0)))
    bulk_insert_columns(session, Unit, columns)
    # The first price of each new unit starts its price history: copied by the database itself
    # from the rows just written (same column types, so no conversion on either side).
    session.execute(
        insert(PriceChange).from_select(
            [
                "unit_id",
                "at",
                "user_id",
                "reason",
                "batch",
                "new_list_unit_price",
                "new_list_total",
                "new_floor_unit_price",
            ],
            select(
                Unit.id,
                literal(now, DateTime()),
                literal(actor.id, Integer()),
                literal("Excel 导入", String()),
                literal("", String()),
                Unit.list_unit_price,
                Unit.list_total,
                Unit.floor_unit_price,
            )
            # project_id + 0: compared as an expression, so that the planner walks the new ids
            # (a range of the primary key, in order) rather than the project's index (SQLite
            # chose the latter, looked every unit up and wrote the history out of order).
            .where(Unit.project_id + 0 == project_id, Unit.id > before)
            .where(Unit.list_total.is_not(None)),
        )
    )
    audit.record(
        session, actor, "inventory.import_units", after={"project_id": project_id, "units": total}
    )
    return total


UNITS_IMPORT = ImportSpec(
    name="房间资料",
    columns=UNIT_COLUMNS,
    writer=_unit_writer,
    row_validator=_unit_row_rule,
    unique_together=[("building", "section", "floor", "position")],
    db_check=_unit_db_check,
    # One upload lists every error of every row: the rule and the project are checked on the
    # rows with a bad cell or a repeated place too.
    check_rows_with_errors=True,
    instructions=[
        "每行一套房间；楼栋、户型须先在基础数据中定义。",
        "面积单位为平方米，最多两位小数；单价单位为元/平方米。",
        "导入的房间状态为「未放盘」，在销控表中放盘后方可销售。",
    ],
    permission="inventory.edit",
)


def units_import_spec() -> ImportSpec:
    return UNITS_IMPORT
