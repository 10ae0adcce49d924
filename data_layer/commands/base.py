"""Base data actions (基础数据): projects, buildings, layouts and their plan images, the code
dictionary, precision settings, unit definition (generate, copy, edit), teams and sales plans."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import audit, authz
from ..bulk import bulk_insert
from ..errors import DomainError, NotFound, ValidationError
from ..models import (
    Building,
    CodeItem,
    Company,
    Deal,
    Layout,
    PriceChange,
    PricingBasis,
    Project,
    RoleCode,
    SalesPlan,
    Setting,
    Team,
    Unit,
    UnitStatus,
    User,
    utcnow,
)
from ..queries.base import PRECISION_KEYS, PRECISION_MAX
from ..rules.money import to_decimal
from ..rules.pricing import total_for

ADMIN = "base.admin"  # code dictionary, precision, new projects: administrators only
EDIT = "inventory.edit"
PLAN = "plan.edit"
CODE_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,32}$")


class BaseDataRefused(DomainError):
    pass


def _text(value, label: str, max_length: int, required: bool = True) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else str(value)
    if required and not text:
        raise ValidationError(
            f"请填写{label}。", f"{label} is required.", errors={label: "required"}
        )
    if len(text) > max_length:
        raise ValidationError(f"{label}最多 {max_length} 个字符。", f"{label} is too long.")
    return text


def _int(value, label: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{label}应为整数。", f"{label} must be a whole number.") from None
    if not low <= number <= high:
        raise ValidationError(f"{label}应在 {low} 到 {high} 之间。", f"{label}: {low}–{high}.")
    return number


def _area(value, label: str, required: bool = True) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise ValidationError(f"请填写{label}。", f"{label} is required.")
        return None
    try:
        number = to_decimal(value if not isinstance(value, float) else repr(value))
    except (TypeError, ValueError):
        raise ValidationError(f"{label}应为数字。", f"{label} must be a number.") from None
    if not Decimal("0") <= number <= Decimal("100000"):
        raise ValidationError(f"{label}不合理：{number}。", f"{label} is absurd: {number}.")
    if number != number.quantize(Decimal("0.01")):
        raise ValidationError(f"{label}最多两位小数。", f"{label}: at most 2 decimals.")
    return number


# ---------------------------------------------------------------------------------------------
# Settings and code dictionary


def set_precision(session: Session, *, actor, area: int, unit_price: int, amount: int) -> None:
    """数据设置: decimal places shown for areas, unit prices and amounts."""
    authz.require(actor, ADMIN)
    wanted = {
        "area": _int(area, "面积小数位", 0, PRECISION_MAX),
        "unit_price": _int(unit_price, "单价小数位", 0, PRECISION_MAX),
        "amount": _int(amount, "金额小数位", 0, PRECISION_MAX),
    }
    before = {}
    for name, places in wanted.items():
        key = PRECISION_KEYS[name]
        row = session.get(Setting, key)
        before[name] = row.value if row else None
        if row is None:
            session.add(Setting(key=key, value=str(places)))
        else:
            row.value = str(places)
    session.flush()
    audit.record(session, actor, "base.precision", before=before, after=wanted)


def set_approval_threshold(session: Session, *, actor, percent) -> None:
    authz.require(actor, ADMIN)
    value = to_decimal(percent)
    if not Decimal("0") <= value <= Decimal("50"):
        raise ValidationError("审批阈值应在 0% 到 50% 之间。", "Threshold 0–50%.")
    key = "pricing.approval_threshold"
    row = session.get(Setting, key)
    before = row.value if row else None
    ratio = str((value / 100).quantize(Decimal("0.0001")))
    if row is None:
        session.add(Setting(key=key, value=ratio))
    else:
        row.value = ratio
    session.flush()
    audit.record(
        session, actor, "base.approval_threshold", before={"value": before}, after={"value": ratio}
    )


def save_code_item(
    session: Session,
    *,
    actor,
    item_id: int | None = None,
    category: str,
    code: str,
    label: str,
    label_en: str = "",
    sort: int = 0,
    active: bool = True,
) -> CodeItem:
    """代码设置: add or edit a drop-down value. Codes are kept (records refer to them); an item
    in use is deactivated rather than deleted."""
    authz.require(actor, ADMIN)
    category = _text(category, "类别", 32)
    code = _text(code, "代码", 32)
    if not CODE_RE.match(code):
        raise ValidationError(
            "代码只能包含字母、数字、下划线、点和连字符。",
            "A code may contain letters, digits, _ . - only.",
        )
    label = _text(label, "名称", 100)
    label_en = _text(label_en, "英文名称", 100, required=False)
    sort = _int(sort or 0, "排序", 0, 9999)
    clash = session.scalar(
        select(CodeItem).where(CodeItem.category == category, CodeItem.code == code)
    )
    if item_id is None:
        if clash is not None:
            raise BaseDataRefused(f"类别中已有代码「{code}」。", f"Code {code} exists.")
        item = CodeItem(category=category, code=code)
        session.add(item)
        before = None
    else:
        item = session.get(CodeItem, item_id)
        if item is None:
            raise NotFound("代码项不存在。", "No such item.")
        if item.code != code:
            raise BaseDataRefused(
                "代码创建后不能修改（已有记录引用它），可修改名称或停用。",
                "A code cannot change once created; edit the label or disable it.",
            )
        before = audit.snapshot(item, ["label", "label_en", "sort", "active"])
    item.label = label
    item.label_en = label_en
    item.sort = sort
    item.active = bool(active)
    session.flush()
    audit.record(
        session,
        actor,
        "base.code_item",
        item,
        before=before,
        after=audit.snapshot(item, ["category", "code", "label", "label_en", "sort", "active"]),
    )
    return item


# ---------------------------------------------------------------------------------------------
# Projects, buildings, layouts


def save_project(
    session: Session,
    *,
    actor,
    project_id: int | None = None,
    code: str,
    name: str,
    city: str,
    address: str = "",
    opened_on: date | None = None,
    protection_days: int = 30,
    hold_days: int = 3,
    active: bool = True,
) -> Project:
    """楼盘资料: a new project needs an administrator; a project's own managers edit it."""
    if project_id is None:
        authz.require(actor, ADMIN)
    else:
        authz.require(actor, EDIT, project_id=project_id)
    code = _text(code, "项目编号", 32)
    name = _text(name, "项目名称", 100)
    city = _text(city, "城市", 50)
    address = _text(address, "地址", 200, required=False)
    protection = _int(protection_days, "客户保护天数", 1, 365)
    hold = _int(hold_days, "临定天数", 1, 60)
    clash = session.scalar(select(Project).where(Project.code == code))
    # One check for new and edited projects alike (a new one has no id to match).
    if clash is not None and clash.id != project_id:
        raise BaseDataRefused(f"项目编号「{code}」已存在。", f"Project code {code} exists.")
    if project_id is None:
        company = session.scalar(select(Company).order_by(Company.id))
        if company is None:
            raise BaseDataRefused("请先建立公司。", "Create a company first.")
        project = Project(company_id=company.id, code=code)
        session.add(project)
        before = None
    else:
        project = session.get(Project, project_id)
        if project is None:
            raise NotFound("项目不存在。", "No such project.")
        before = audit.snapshot(
            project, ["code", "name", "city", "address", "protection_days", "hold_days", "active"]
        )
        project.code = code
    project.name = name
    project.city = city
    project.address = address
    project.opened_on = opened_on
    project.protection_days = protection
    project.hold_days = hold
    project.active = bool(active)
    session.flush()
    audit.record(
        session,
        actor,
        "base.project",
        project,
        before=before,
        after=audit.snapshot(
            project, ["code", "name", "city", "address", "protection_days", "hold_days", "active"]
        ),
    )
    return project


def save_building(
    session: Session,
    *,
    actor,
    building_id: int | None = None,
    project_id: int,
    code: str,
    name: str,
    floors: int,
    sections: int = 1,
    units_per_floor: int,
) -> Building:
    authz.require(actor, EDIT, project_id=project_id)
    code = _text(code, "楼栋编号", 16)
    if not CODE_RE.match(code):
        raise ValidationError(
            "楼栋编号只能包含字母、数字和连字符（如 3 或 A2）。",
            "Building code: letters, digits, hyphens.",
        )
    name = _text(name, "楼栋名称", 50)
    floors = _int(floors, "楼层数", 1, 200)
    sections = _int(sections, "单元数", 1, 20)
    per_floor = _int(units_per_floor, "每层户数", 1, 50)
    clash = session.scalar(
        select(Building).where(Building.project_id == project_id, Building.code == code)
    )
    if clash is not None and clash.id != building_id:
        raise BaseDataRefused(f"楼栋编号「{code}」在本项目已存在。", f"Building {code} exists.")
    if building_id is None:
        building = Building(project_id=project_id, code=code)
        session.add(building)
        before = None
    else:
        building = session.get(Building, building_id)
        if building is None or building.project_id != project_id:
            raise NotFound("楼栋不存在。", "No such building.")
        before = audit.snapshot(building, ["code", "name", "floors", "sections", "units_per_floor"])
        building.code = code
    building.name = name
    building.floors = floors
    building.sections = sections
    building.units_per_floor = per_floor
    session.flush()
    audit.record(
        session,
        actor,
        "base.building",
        building,
        before=before,
        after=audit.snapshot(building, ["code", "name", "floors", "sections", "units_per_floor"]),
    )
    return building


def save_layout(
    session: Session,
    *,
    actor,
    layout_id: int | None = None,
    project_id: int,
    name: str,
    rooms: int = 0,
    halls: int = 0,
    baths: int = 0,
    gross_area=None,
) -> Layout:
    authz.require(actor, EDIT, project_id=project_id)
    name = _text(name, "户型名称", 50)
    rooms = _int(rooms or 0, "室", 0, 20)
    halls = _int(halls or 0, "厅", 0, 20)
    baths = _int(baths or 0, "卫", 0, 20)
    area = _area(gross_area, "参考面积", required=False)
    clash = session.scalar(
        select(Layout).where(Layout.project_id == project_id, Layout.name == name)
    )
    if clash is not None and clash.id != layout_id:
        raise BaseDataRefused(f"户型「{name}」已存在。", f"Layout {name} exists.")
    if layout_id is None:
        layout = Layout(project_id=project_id, name=name)
        session.add(layout)
        before = None
    else:
        layout = session.get(Layout, layout_id)
        if layout is None or layout.project_id != project_id:
            raise NotFound("户型不存在。", "No such layout.")
        before = audit.snapshot(layout, ["name", "rooms", "halls", "baths", "gross_area"])
        layout.name = name
    layout.rooms, layout.halls, layout.baths, layout.gross_area = rooms, halls, baths, area
    session.flush()
    audit.record(
        session,
        actor,
        "base.layout",
        layout,
        before=before,
        after=audit.snapshot(layout, ["name", "rooms", "halls", "baths", "gross_area"]),
    )
    return layout


IMAGE_TYPES = {
    b"\x89PNG\r\n\x1a\n": ("png", "image/png"),
    b"\xff\xd8\xff": ("jpg", "image/jpeg"),
    b"GIF87a": ("gif", "image/gif"),
    b"GIF89a": ("gif", "image/gif"),
}
MAX_IMAGE_BYTES = 5 * 1024 * 1024


def image_type(content: bytes) -> tuple[str, str] | None:
    """(extension, MIME type) from the file's first bytes (never from its name)."""
    for magic, kind in IMAGE_TYPES.items():
        if content.startswith(magic):
            return kind
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return ("webp", "image/webp")
    return None


def set_layout_plan(
    session: Session, *, actor, layout_id: int, content: bytes, folder: Path
) -> Layout:
    """户型图: store the plan image under the instance folder (named by its content hash, so a
    new image never overwrites one that an open page still shows)."""
    layout = session.get(Layout, layout_id)
    if layout is None:
        raise NotFound("户型不存在。", "No such layout.")
    authz.require(actor, EDIT, project_id=layout.project_id)
    if not content:
        raise ValidationError("请选择户型图文件。", "Choose an image file.")
    if len(content) > MAX_IMAGE_BYTES:
        raise ValidationError("户型图不能超过 5 MB。", "The image may not exceed 5 MB.")
    kind = image_type(content)
    if kind is None:
        raise ValidationError(
            "户型图须为 PNG、JPEG、GIF 或 WebP 图片。",
            "The plan must be a PNG, JPEG, GIF or WebP image.",
        )
    digest = hashlib.sha256(content).hexdigest()[:24]
    name = f"{layout.project_id}-{layout.id}-{digest}.{kind[0]}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(content)
    before = layout.plan_image
    layout.plan_image = name
    session.flush()
    audit.record(
        session,
        actor,
        "base.layout_plan",
        layout,
        before={"plan_image": before},
        after={"plan_image": name, "bytes": len(content)},
    )
    return layout


# ---------------------------------------------------------------------------------------------
# Unit definition


@dataclass(frozen=True)
class UnitPattern:
    """房源定义: floors × sections × units per floor, skipping floors, coded by a pattern with
    {b} building code, {s} section, {f} floor, {p} position; {p:02d} pads: "{b}-{s}-{f}{p:02d}"
    gives 3-1-1502."""

    floor_from: int
    floor_to: int
    sections: int = 1
    units_per_floor: int = 2
    skip_floors: tuple[int, ...] = ()
    code_pattern: str = "{b}-{s}-{f}{p:02d}"
    # Per position (1-based): gross and internal area, layout id, orientation code.
    gross_areas: tuple[Decimal, ...] = ()
    internal_areas: tuple[Decimal, ...] = ()
    layout_ids: tuple[int | None, ...] = ()
    orientations: tuple[str, ...] = ()
    use: str = "residential"
    decoration: str = ""


PATTERN_FIELDS = re.compile(r"\{([a-z]+)(:[0-9<>^]*d)?\}")


def parse_skip_floors(text: str) -> tuple[int, ...]:
    """ "4,13,14" or "4 13-14" → (4, 13, 14)."""
    floors: set[int] = set()
    for part in re.split(r"[,，、\s]+", (text or "").strip()):
        if not part:
            continue
        low, _, high = part.partition("-")
        try:
            a = int(low)
            b = int(high) if high else a
        except ValueError:
            raise ValidationError(f"跳过楼层「{part}」不是楼层号。", f"Bad floor: {part}") from None
        floors.update(range(min(a, b), max(a, b) + 1))
    return tuple(sorted(floors))


def unit_code(pattern: str, building: str, section: int, floor: int, position: int) -> str:
    names = {m.group(1) for m in PATTERN_FIELDS.finditer(pattern)}
    if not names or names - {"b", "s", "f", "p"} or "f" not in names or "p" not in names:
        raise ValidationError(
            "编码规则须包含 {f}（楼层）和 {p}（房号），可选 {b}（楼栋）、{s}（单元），"
            "如 {b}-{s}-{f}{p:02d}。",
            "The code pattern needs {f} and {p}; {b} and {s} are optional.",
        )
    try:
        return pattern.format(b=building, s=section, f=floor, p=position)
    except (ValueError, KeyError, IndexError):
        raise ValidationError("编码规则格式错误。", "Bad code pattern.") from None


def plan_units(building: Building, pattern: UnitPattern) -> list[dict]:
    """The units a pattern would create (pure: used for the preview and by generate_units)."""
    if pattern.floor_to < pattern.floor_from:
        raise ValidationError("结束楼层不能低于起始楼层。", "The last floor is below the first.")
    if pattern.floor_to - pattern.floor_from > 200:
        raise ValidationError("一次最多生成 200 层。", "At most 200 floors at a time.")
    skip = set(pattern.skip_floors)
    rows = []
    for floor in range(pattern.floor_from, pattern.floor_to + 1):
        if floor in skip or floor == 0:
            continue
        for section in range(1, pattern.sections + 1):
            for position in range(1, pattern.units_per_floor + 1):
                i = position - 1
                gross = pattern.gross_areas[i] if i < len(pattern.gross_areas) else None
                internal = pattern.internal_areas[i] if i < len(pattern.internal_areas) else None
                if gross is None or internal is None:
                    raise ValidationError(
                        f"请填写第 {position} 户的建筑面积和套内面积。",
                        f"Give the areas of position {position}.",
                    )
                if internal > gross:
                    raise ValidationError(
                        f"第 {position} 户的套内面积大于建筑面积。",
                        f"Position {position}: internal area exceeds gross.",
                    )
                rows.append(
                    {
                        "code": unit_code(
                            pattern.code_pattern, building.code, section, floor, position
                        ),
                        "section": section,
                        "floor": floor,
                        "position": position,
                        "gross_area": gross,
                        "internal_area": internal,
                        "shared_area": gross - internal,
                        "layout_id": pattern.layout_ids[i] if i < len(pattern.layout_ids) else None,
                        "orientation": pattern.orientations[i]
                        if i < len(pattern.orientations)
                        else "",
                    }
                )
    return rows


def _check_codes(session: Session, project_id: int, codes: Sequence[str]) -> None:
    lowered = [c.lower() for c in codes]
    dup = (
        sorted({c for c in lowered if lowered.count(c) > 1})
        if len(set(lowered)) != len(lowered)
        else []
    )
    if dup:
        raise BaseDataRefused(
            f"编码规则产生了重复的房间编码：{'、'.join(dup[:8])}",
            f"The pattern gives duplicate codes: {', '.join(dup[:8])}",
        )
    existing = {
        c.lower() for c in session.scalars(select(Unit.code).where(Unit.project_id == project_id))
    }
    clash = [c for c in codes if c.lower() in existing]
    if clash:
        raise BaseDataRefused(
            f"这些房间编码在本项目已存在：{'、'.join(clash[:8])}{'…' if len(clash) > 8 else ''}",
            f"These unit codes exist in the project: {', '.join(clash[:8])}",
        )


def generate_units(session: Session, *, actor, building_id: int, pattern: UnitPattern) -> int:
    building = session.get(Building, building_id)
    if building is None:
        raise NotFound("楼栋不存在。", "No such building.")
    authz.require(actor, EDIT, project_id=building.project_id)
    planned = plan_units(building, pattern)
    if not planned:
        raise ValidationError("按此规则没有要生成的房间。", "The pattern gives no units.")
    layouts = {
        i
        for i in session.scalars(select(Layout.id).where(Layout.project_id == building.project_id))
    }
    if any(r["layout_id"] and r["layout_id"] not in layouts for r in planned):
        raise ValidationError("户型不属于本项目。", "Layout of another project.")
    _check_codes(session, building.project_id, [r["code"] for r in planned])
    taken = set(
        session.execute(
            select(Unit.section, Unit.floor, Unit.position).where(Unit.building_id == building.id)
        ).all()
    )
    overlap = [r for r in planned if (r["section"], r["floor"], r["position"]) in taken]
    if overlap:
        raise BaseDataRefused(
            f"{len(overlap)} 个位置已有房间（如 {overlap[0]['code']}），请调整楼层范围。",
            f"{len(overlap)} positions already have units.",
        )
    now = utcnow()
    rows = [
        {
            **r,
            "project_id": building.project_id,
            "building_id": building.id,
            "use": pattern.use or "residential",
            "decoration": pattern.decoration or "",
            "status": UnitStatus.UNRELEASED,
            "pricing_basis": PricingBasis.GROSS,
            "virtual_sold": False,
            "updated_at": now,
        }
        for r in planned
    ]
    count = bulk_insert(session, Unit, rows)
    top = max(r["floor"] for r in planned)
    if top > building.floors:
        building.floors = top
    building.sections = max(building.sections, pattern.sections)
    building.units_per_floor = max(building.units_per_floor, pattern.units_per_floor)
    audit.record(
        session,
        actor,
        "base.generate_units",
        building,
        after={
            "units": count,
            "pattern": pattern.code_pattern,
            "floors": f"{pattern.floor_from}-{pattern.floor_to}",
            "skip": list(pattern.skip_floors),
        },
    )
    session.flush()
    return count


def copy_building(
    session: Session, *, actor, source_id: int, code: str, name: str, with_prices: bool = False
) -> Building:
    """复制楼栋: a new building with the same units (areas, layouts, orientation), codes
    rewritten with the new building code, all unreleased."""
    source = session.get(Building, source_id)
    if source is None:
        raise NotFound("楼栋不存在。", "No such building.")
    target = save_building(
        session,
        actor=actor,
        project_id=source.project_id,
        code=code,
        name=name,
        floors=source.floors,
        sections=source.sections,
        units_per_floor=source.units_per_floor,
    )
    units = list(session.scalars(select(Unit).where(Unit.building_id == source.id)))
    if not units:
        return target
    prefix = f"{source.code}-"
    now = utcnow()
    rows = []
    for u in units:
        new_code = (
            f"{target.code}-{u.code[len(prefix) :]}"
            if u.code.startswith(prefix)
            else f"{target.code}-{u.code}"
        )
        rows.append(
            {
                "project_id": u.project_id,
                "building_id": target.id,
                "section": u.section,
                "floor": u.floor,
                "position": u.position,
                "code": new_code[:32],
                "layout_id": u.layout_id,
                "orientation": u.orientation,
                "use": u.use,
                "decoration": u.decoration,
                "gross_area": u.gross_area,
                "internal_area": u.internal_area,
                "shared_area": u.shared_area,
                "pricing_basis": u.pricing_basis,
                "list_unit_price": u.list_unit_price if with_prices else None,
                "list_total": u.list_total if with_prices else None,
                "floor_unit_price": u.floor_unit_price if with_prices else None,
                "floor_total": u.floor_total if with_prices else None,
                "status": UnitStatus.UNRELEASED,
                "virtual_sold": False,
                "updated_at": now,
            }
        )
    _check_codes(session, source.project_id, [r["code"] for r in rows])
    bulk_insert(session, Unit, rows)
    if with_prices:
        ids = dict(
            session.execute(select(Unit.code, Unit.id).where(Unit.building_id == target.id)).all()
        )
        bulk_insert(
            session,
            PriceChange,
            [
                {
                    "unit_id": ids[r["code"]],
                    "at": now,
                    "user_id": actor.id,
                    "reason": f"复制自{source.name}",
                    "batch": "",
                    "new_list_unit_price": r["list_unit_price"],
                    "new_list_total": r["list_total"],
                    "new_floor_unit_price": r["floor_unit_price"],
                }
                for r in rows
                if r["list_total"] is not None
            ],
        )
    audit.record(
        session,
        actor,
        "base.copy_building",
        target,
        after={"from": source.code, "units": len(rows), "with_prices": with_prices},
    )
    session.flush()
    return target


EDITABLE_UNIT_FIELDS = (
    "code",
    "layout_id",
    "orientation",
    "use",
    "decoration",
    "gross_area",
    "internal_area",
    "shared_area",
)


class UnitGridRefused(ValidationError):
    """update_units refused the whole edit: every problem found, one (中文, English) line per
    unit and problem, in the order of the edit. Nothing was written."""

    SHOWN = 20

    def __init__(self, problems: Sequence[tuple[str, str]]):
        self.problems = list(problems)
        super().__init__(
            "\n".join(zh for zh, _ in self.problems), "\n".join(en for _, en in self.problems)
        )

    def heading(self, language: str = "zh") -> str:
        n = len(self.problems)
        if language == "en":
            return f"Nothing was saved: {n} problem{'s' if n != 1 else ''} to fix."
        return f"未保存任何修改，请先改正以下 {n} 处问题："

    def lines(self, language: str = "zh", limit: int = SHOWN) -> list[str]:
        """The problems in `language`, at most `limit` of them, then "…另有 N 条"."""
        picked = [en if language == "en" else zh for zh, en in self.problems]
        if len(picked) <= limit:
            return picked
        rest = len(picked) - limit
        return [*picked[:limit], f"… and {rest} more" if language == "en" else f"…另有 {rest} 条"]


_AREA_LABELS = {"gross_area": "建筑面积", "internal_area": "套内面积", "shared_area": "公摊面积"}


def _unit_problem(problems: list, code: str, err: DomainError) -> None:
    """A field's own refusal (_text, _area), prefixed with the unit it belongs to."""
    problems.append((f"{code}：{err.message}", f"{code}: {err.message_en}"))


def _checked_unit(session: Session, unit: Unit, fields: dict) -> tuple[dict, dict, list]:
    """The unit's fields before and after `fields`, and every problem of that change."""
    before = audit.snapshot(unit, list(EDITABLE_UNIT_FIELDS))
    new = dict(before)
    problems: list[tuple[str, str]] = []
    if "code" in fields:
        try:
            new["code"] = _text(fields["code"], "房间编码", 32)
        except ValidationError as err:
            _unit_problem(problems, unit.code, err)
    areas_ok = True
    for key in ("gross_area", "internal_area", "shared_area"):
        if key in fields:
            try:
                new[key] = _area(fields[key], _AREA_LABELS[key])
            except ValidationError as err:
                _unit_problem(problems, unit.code, err)
                areas_ok = False
        else:
            new[key] = getattr(unit, key)
    if areas_ok:
        if "shared_area" not in fields and ("gross_area" in fields or "internal_area" in fields):
            new["shared_area"] = new["gross_area"] - new["internal_area"]
        if new["internal_area"] > new["gross_area"]:
            problems.append(
                (
                    f"{unit.code}：套内面积大于建筑面积。",
                    f"{unit.code}: internal area exceeds gross area.",
                )
            )
        elif new["internal_area"] + new["shared_area"] != new["gross_area"]:
            problems.append(
                (
                    f"{unit.code}：套内面积 + 公摊面积 ≠ 建筑面积。",
                    f"{unit.code}: internal + shared ≠ gross.",
                )
            )
        if new["gross_area"] <= 0:
            problems.append((f"{unit.code}：建筑面积必须大于 0。", f"{unit.code}: gross > 0."))
    for key in ("layout_id", "orientation", "use", "decoration"):
        if key in fields:
            new[key] = (
                fields[key] if fields[key] not in ("",) else (None if key == "layout_id" else "")
            )
    if new["layout_id"] is not None:
        layout = session.get(Layout, int(new["layout_id"]))
        if layout is None or layout.project_id != unit.project_id:
            problems.append((f"{unit.code}：户型不属于本项目。", f"{unit.code}: bad layout."))
        else:
            new["layout_id"] = layout.id
    if (
        areas_ok
        and (new["gross_area"], new["internal_area"]) != (unit.gross_area, unit.internal_area)
        and unit.status in (UnitStatus.SUBSCRIBED, UnitStatus.CONTRACTED)
    ):
        problems.append(
            (
                f"{unit.code} 已认购或签约，面积以合同为准，实测面积请走面积补差。",
                f"{unit.code} is sold: its area is the contract's.",
            )
        )
    return before, new, problems


def _code_clashes(session: Session, units: dict[int, Unit], new_codes: dict[int, str]) -> set:
    """Ids of the units whose new code another unit of the project holds now or takes in the
    same edit (compared without case, as the database's unique key may)."""
    if not new_codes:
        return set()
    wanted = {(units[i].project_id, code.lower()) for i, code in new_codes.items()}
    held: dict[tuple[int, str], set[int]] = {}
    for unit_id, project_id, code in session.execute(
        select(Unit.id, Unit.project_id, func.lower(Unit.code)).where(
            Unit.project_id.in_({p for p, _ in wanted}),
            func.lower(Unit.code).in_({c for _, c in wanted}),
        )
    ):
        held.setdefault((project_id, code), set()).add(unit_id)
    for unit_id, code in new_codes.items():
        held.setdefault((units[unit_id].project_id, code.lower()), set()).add(unit_id)
    return {
        unit_id
        for unit_id, code in new_codes.items()
        if held[(units[unit_id].project_id, code.lower())] - {unit_id}
    }


def update_units(session: Session, *, actor, changes: Sequence[dict]) -> int:
    """Edit units from the grid: each change is {"id", <field>: value…}. Areas must add up
    (internal + shared = gross); a priced unit's totals follow its new area and the change is
    appended to its price history. Sold units' areas are fixed (the contract holds them).
    Every unit and field is checked first: any problem refuses the whole edit with one
    UnitGridRefused listing all of them, and nothing is written."""
    if not changes:
        return 0
    by_id: dict[int, dict] = {}
    for change in changes:
        by_id.setdefault(int(change["id"]), {}).update(
            {k: v for k, v in change.items() if k in EDITABLE_UNIT_FIELDS}
        )
    units = {
        u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(by_id)).with_for_update())
    }
    if len(units) != len(by_id):
        raise NotFound("部分房间不存在。", "Some units do not exist.")
    for project_id in {u.project_id for u in units.values()}:
        authz.require(actor, EDIT, project_id=project_id)
    checked = {
        unit_id: _checked_unit(session, units[unit_id], fields) for unit_id, fields in by_id.items()
    }
    clashes = _code_clashes(
        session,
        units,
        {i: new["code"] for i, (_, new, _) in checked.items() if new["code"] != units[i].code},
    )
    problems = []
    for unit_id, (_, new, found) in checked.items():
        problems.extend(found)
        if unit_id in clashes:
            code = units[unit_id].code
            problems.append(
                (
                    f"{code}：房间编码「{new['code']}」在本项目已存在。",
                    f"{code}: unit code {new['code']} exists.",
                )
            )
    if problems:
        raise UnitGridRefused(problems)
    now = utcnow()
    changed = 0
    for unit_id, (before, new, _) in checked.items():
        unit = units[unit_id]
        if new == before:
            continue
        area_changed = (new["gross_area"], new["internal_area"]) != (
            unit.gross_area,
            unit.internal_area,
        )
        for key in EDITABLE_UNIT_FIELDS:
            setattr(unit, key, new[key])
        if (
            area_changed
            and unit.list_unit_price is not None
            and unit.pricing_basis != PricingBasis.UNIT
        ):
            area = (
                unit.internal_area
                if unit.pricing_basis == PricingBasis.INTERNAL
                else unit.gross_area
            )
            old_total = unit.list_total
            unit.list_total = total_for(unit.list_unit_price, area)
            if unit.floor_unit_price is not None:
                unit.floor_total = total_for(unit.floor_unit_price, area)
            session.add(
                PriceChange(
                    unit_id=unit.id,
                    at=now,
                    user_id=actor.id,
                    reason="面积变更，总价随面积重算",
                    old_list_unit_price=unit.list_unit_price,
                    new_list_unit_price=unit.list_unit_price,
                    old_list_total=old_total,
                    new_list_total=unit.list_total,
                    old_floor_unit_price=unit.floor_unit_price,
                    new_floor_unit_price=unit.floor_unit_price,
                )
            )
        unit.updated_at = now
        audit.record(
            session,
            actor,
            "base.unit",
            unit,
            before=before,
            after=audit.snapshot(unit, list(EDITABLE_UNIT_FIELDS)),
        )
        changed += 1
    session.flush()
    return changed


def delete_units(session: Session, *, actor, unit_ids: Sequence[int]) -> int:
    """Units defined by mistake: only unreleased units that never had a deal."""
    ids = [int(i) for i in unit_ids]
    units = list(session.scalars(select(Unit).where(Unit.id.in_(ids))))
    if not units:
        raise ValidationError("请先选择房间。", "Select units first.")
    for project_id in {u.project_id for u in units}:
        authz.require(actor, EDIT, project_id=project_id)
    wrong = [u.code for u in units if u.status != UnitStatus.UNRELEASED]
    had_deal = session.scalars(select(Deal.unit_id).where(Deal.unit_id.in_(ids))).first()
    if wrong or had_deal:
        raise BaseDataRefused(
            "只能删除未放盘且从未交易过的房间。",
            "Only unreleased units without deals can be deleted.",
        )
    from ..models import PriceAdjustmentItem, UnitStatusChange

    for model in (PriceChange, UnitStatusChange, PriceAdjustmentItem):
        for row in session.scalars(select(model).where(model.unit_id.in_(ids))):
            session.delete(row)
    session.flush()
    for unit in units:
        session.delete(unit)
    audit.record(
        session,
        actor,
        "base.delete_units",
        after={"units": len(units), "codes": [u.code for u in units[:50]]},
    )
    session.flush()
    return len(units)


# ---------------------------------------------------------------------------------------------
# Sales staff, teams and plans


def save_team(
    session: Session, *, actor, team_id: int | None = None, project_id: int, name: str
) -> Team:
    authz.require(actor, PLAN, project_id=project_id)
    name = _text(name, "小组名称", 50)
    clash = session.scalar(select(Team).where(Team.project_id == project_id, Team.name == name))
    if clash is not None and clash.id != team_id:
        raise BaseDataRefused(f"小组「{name}」已存在。", f"Team {name} exists.")
    if team_id is None:
        team = Team(project_id=project_id, name=name)
        session.add(team)
    else:
        team = session.get(Team, team_id)
        if team is None or team.project_id != project_id:
            raise NotFound("小组不存在。", "No such team.")
        team.name = name
    session.flush()
    audit.record(session, actor, "base.team", team, after={"name": name})
    return team


def assign_team(session: Session, *, actor, user_id: int, team_id: int | None) -> User:
    user = session.get(User, user_id)
    if user is None or user.role_code not in (RoleCode.CONSULTANT, RoleCode.MANAGER):
        raise NotFound("销售人员不存在。", "No such sales person.")
    if team_id is not None:
        team = session.get(Team, team_id)
        if team is None:
            raise NotFound("小组不存在。", "No such team.")
        authz.require(actor, PLAN, project_id=team.project_id)
        if team.project_id not in user.project_ids:
            raise BaseDataRefused(
                "该人员不属于此小组的项目。", "The person is not on that project."
            )
    else:
        for project_id in user.project_ids or {0}:
            authz.require(actor, PLAN, project_id=project_id if project_id else None)
    before = user.team_id
    user.team_id = team_id
    session.flush()
    audit.record(
        session,
        actor,
        "base.assign_team",
        user,
        before={"team_id": before},
        after={"team_id": team_id},
    )
    return user


def save_sales_plan(
    session: Session,
    *,
    actor,
    project_id: int,
    month: date,
    team_id: int | None = None,
    user_id: int | None = None,
    target_units: int,
    target_area,
    target_amount,
) -> SalesPlan:
    """销售计划: monthly targets of the project, a team or a consultant (one row each)."""
    authz.require(actor, PLAN, project_id=project_id)
    month = date(month.year, month.month, 1)
    units = _int(target_units, "目标套数", 0, 100000)
    area = _area(target_area, "目标面积")
    try:
        amount = to_decimal(target_amount)
    except (TypeError, ValueError):
        raise ValidationError("目标金额应为数字。", "The amount must be a number.") from None
    if amount < 0 or amount > Decimal("1e13"):
        raise ValidationError("目标金额不合理。", "The target amount is absurd.")
    if team_id is not None and user_id is not None:
        raise ValidationError(
            "计划对象请选择小组或置业顾问之一。", "A team or a consultant, not both."
        )
    if team_id is not None:
        team = session.get(Team, team_id)
        if team is None or team.project_id != project_id:
            raise ValidationError("小组不属于本项目。", "Team of another project.")
    if user_id is not None:
        person = session.get(User, user_id)
        if person is None or project_id not in person.project_ids:
            raise ValidationError("置业顾问不属于本项目。", "Consultant of another project.")
    query = select(SalesPlan).where(SalesPlan.project_id == project_id, SalesPlan.month == month)
    query = query.where(
        SalesPlan.team_id.is_(None) if team_id is None else SalesPlan.team_id == team_id
    )
    query = query.where(
        SalesPlan.user_id.is_(None) if user_id is None else SalesPlan.user_id == user_id
    )
    plan = session.scalar(query)
    before = None
    if plan is None:
        plan = SalesPlan(project_id=project_id, month=month, team_id=team_id, user_id=user_id)
        session.add(plan)
    else:
        before = audit.snapshot(plan, ["target_units", "target_area", "target_amount"])
    plan.target_units = units
    plan.target_area = area
    plan.target_amount = amount
    session.flush()
    audit.record(
        session,
        actor,
        "base.sales_plan",
        plan,
        before=before,
        after=audit.snapshot(
            plan, ["month", "team_id", "user_id", "target_units", "target_area", "target_amount"]
        ),
    )
    return plan


def delete_sales_plan(session: Session, *, actor, plan_id: int) -> None:
    plan = session.get(SalesPlan, plan_id)
    if plan is None:
        raise NotFound("计划不存在。", "No such plan.")
    authz.require(actor, PLAN, project_id=plan.project_id)
    before = audit.snapshot(
        plan, ["month", "team_id", "user_id", "target_units", "target_area", "target_amount"]
    )
    session.delete(plan)
    audit.record(session, actor, "base.sales_plan_delete", before=before)
    session.flush()
