"""Pricing actions: set list and floor prices (directly, by Excel, by a rule), batch
adjustments with a preview, approval of large adjustments, and the price history.

Every price change goes through an adjustment (调价单): its items keep old and new prices, and
applying it appends one PriceChange per unit. An adjustment that moves any unit's list price by
more than the threshold (setting pricing.approval_threshold, default 5%) waits for a sales
manager other than the requester; prices change only when it is approved."""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit, authz
from ..errors import DomainError, NotFound, ValidationError
from ..excel.importer import Column, ImportSpec, RowError
from ..models import (
    AdjustmentMethod,
    AdjustmentStatus,
    Building,
    Layout,
    PriceAdjustment,
    PriceAdjustmentItem,
    PriceChange,
    PriceRule,
    PricingBasis,
    Unit,
    UnitStatus,
    utcnow,
)
from ..queries.base import setting
from ..rules import pricing as rules
from ..rules.money import to_decimal

DEFAULT_THRESHOLD = Decimal("0.05")
# Sold units keep the price of their deal: batch adjustments leave them alone.
ADJUSTABLE = (
    UnitStatus.UNRELEASED,
    UnitStatus.AVAILABLE,
    UnitStatus.RESERVED,
    UnitStatus.HELD,
    UnitStatus.NOT_FOR_SALE,
)
METHOD_LABELS = {
    AdjustmentMethod.PERCENT: "按比例",
    AdjustmentMethod.AMOUNT: "按每平米金额",
    AdjustmentMethod.RULE: "按定价规则",
    AdjustmentMethod.DIRECT: "逐套定价",
}
STATUS_LABELS = {
    AdjustmentStatus.PENDING: "待审批",
    AdjustmentStatus.APPROVED: "已批准",
    AdjustmentStatus.REJECTED: "已驳回",
    AdjustmentStatus.APPLIED: "已生效",
}


class PriceRefused(DomainError):
    pass


def threshold(session: Session) -> Decimal:
    try:
        return to_decimal(setting(session, "pricing.approval_threshold", "0.05"))
    except (TypeError, ValueError):
        return DEFAULT_THRESHOLD


@dataclass(frozen=True)
class Scope:
    """Which units a batch adjustment touches."""

    building_id: int
    floor_from: int | None = None
    floor_to: int | None = None
    layout_ids: tuple[int, ...] = ()
    unit_ids: tuple[int, ...] = ()

    def describe(self, building: Building, layout_names: dict[int, str]) -> str:
        parts = [building.name]
        if self.floor_from is not None or self.floor_to is not None:
            parts.append(f"{self.floor_from or 1}-{self.floor_to or building.floors}层")
        if self.layout_ids:
            parts.append("、".join(layout_names.get(i, str(i)) for i in self.layout_ids))
        if self.unit_ids:
            parts.append(f"选定 {len(self.unit_ids)} 套")
        return " ".join(parts)[:200]


@dataclass
class PreviewItem:
    unit_id: int
    code: str
    floor: int
    area: Decimal
    old_unit_price: Decimal | None
    new_unit_price: Decimal | None
    old_total: Decimal | None
    new_total: Decimal
    old_floor_unit_price: Decimal | None
    new_floor_unit_price: Decimal | None
    change: Decimal


@dataclass
class Preview:
    items: list[PreviewItem] = field(default_factory=list)
    old_total: Decimal = Decimal("0.00")
    new_total: Decimal = Decimal("0.00")
    max_change: Decimal = Decimal("0")
    threshold: Decimal = DEFAULT_THRESHOLD
    scope_text: str = ""
    skipped_sold: int = 0
    skipped_unpriced: int = 0

    @property
    def needs_approval(self) -> bool:
        return rules.needs_approval(self.max_change, self.threshold)

    @property
    def difference(self) -> Decimal:
        return self.new_total - self.old_total


def _pricing_area(unit: Unit) -> Decimal:
    return unit.internal_area if unit.pricing_basis == PricingBasis.INTERNAL else unit.gross_area


def _scoped_units(session: Session, scope: Scope) -> tuple[Building, list[Unit]]:
    building = session.get(Building, scope.building_id)
    if building is None:
        raise NotFound("楼栋不存在。", "No such building.")
    query = select(Unit).where(Unit.building_id == building.id)
    if scope.floor_from is not None:
        query = query.where(Unit.floor >= scope.floor_from)
    if scope.floor_to is not None:
        query = query.where(Unit.floor <= scope.floor_to)
    if scope.layout_ids:
        query = query.where(Unit.layout_id.in_(scope.layout_ids))
    if scope.unit_ids:
        query = query.where(Unit.id.in_(scope.unit_ids))
    units = list(session.scalars(query.order_by(Unit.floor, Unit.section, Unit.position)))
    return building, units


def _item(unit: Unit, new_unit_price, new_total, new_floor_price) -> PreviewItem:
    return PreviewItem(
        unit_id=unit.id,
        code=unit.code,
        floor=unit.floor,
        area=_pricing_area(unit),
        old_unit_price=unit.list_unit_price,
        new_unit_price=new_unit_price,
        old_total=unit.list_total,
        new_total=new_total,
        old_floor_unit_price=unit.floor_unit_price,
        new_floor_unit_price=new_floor_price,
        change=rules.change_ratio(unit.list_total, new_total),
    )


def _summarise(preview: Preview) -> Preview:
    preview.old_total = sum(
        (i.old_total for i in preview.items if i.old_total is not None), Decimal("0.00")
    )
    preview.new_total = sum((i.new_total for i in preview.items), Decimal("0.00"))
    preview.max_change = max((i.change for i in preview.items), default=Decimal("0"))
    return preview


def preview_adjustment(
    session: Session,
    *,
    actor,
    scope: Scope,
    method: str,
    value: Decimal,
    include_floor_price: bool = True,
) -> Preview:
    """What a batch adjustment would do (nothing is written): old and new totals per unit."""
    method = AdjustmentMethod(method)
    if method not in (AdjustmentMethod.PERCENT, AdjustmentMethod.AMOUNT):
        raise ValidationError("请选择按比例或按每平米金额调价。", "Choose percent or amount.")
    value = to_decimal(value)
    if value == 0:
        raise ValidationError("调整幅度不能为 0。", "The change cannot be zero.")
    building, units = _scoped_units(session, scope)
    authz.require(actor, "pricing.edit", project_id=building.project_id)
    layout_names = dict(session.execute(select(Layout.id, Layout.name)).all())
    preview = Preview(
        threshold=threshold(session), scope_text=scope.describe(building, layout_names)
    )
    below_floor: list[str] = []
    for unit in units:
        if unit.status not in ADJUSTABLE:
            preview.skipped_sold += 1
            continue
        if unit.list_total is None:
            preview.skipped_unpriced += 1
            continue
        try:
            if unit.pricing_basis == PricingBasis.UNIT or unit.list_unit_price is None:
                # 按套: the total moves; "per m²" means per m² of gross area.
                per = (
                    rules.adjust(unit.list_total, Decimal(1), "percent", value)
                    if (method == AdjustmentMethod.PERCENT)
                    else rules.adjust(
                        unit.list_total, Decimal(1), "amount", value * unit.gross_area
                    )
                )
                new_price, new_total = None, per.total
            else:
                quote = rules.adjust(unit.list_unit_price, _pricing_area(unit), method, value)
                new_price, new_total = quote.unit_price, quote.total
            new_floor = unit.floor_unit_price
            if include_floor_price and unit.floor_unit_price is not None:
                new_floor = rules.adjust(
                    unit.floor_unit_price, Decimal(1), method, value
                ).unit_price
        except rules.PriceError as err:
            raise PriceRefused(f"{unit.code}：{err}", f"{unit.code}: {err}") from None
        if new_price is not None:
            under = new_floor is not None and new_floor > new_price
        else:  # 按套: the floor total stays
            under = unit.floor_total is not None and unit.floor_total > new_total
        if under:
            below_floor.append(unit.code)
        preview.items.append(_item(unit, new_price, new_total, new_floor))
    if below_floor:
        # A lower list price with the floor price kept must not go under it.
        raise PriceRefused(
            f"调价后表价低于底价：{'、'.join(below_floor[:8])}"
            f"{' 等' if len(below_floor) > 8 else ''}，请同时调整底价。",
            f"The new list price is below the floor price: {', '.join(below_floor[:8])}; "
            "adjust the floor price too.",
        )
    if not preview.items:
        raise PriceRefused(
            "范围内没有可调价的房间（已认购、签约或未定价的房间不参与调价）。",
            "No unit in range can be adjusted (sold or unpriced units are left alone).",
        )
    return _summarise(preview)


def _new_code(session: Session) -> str:
    return "TJ" + utcnow().strftime("%Y%m%d%H%M%S") + secrets.token_hex(2).upper()


def _create(
    session: Session,
    *,
    actor,
    project_id: int,
    building_id: int | None,
    method: AdjustmentMethod,
    value: Decimal | None,
    preview: Preview,
    reason: str,
) -> PriceAdjustment:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("请填写调价原因。", "Give a reason for the price change.")
    pending = preview.needs_approval
    adjustment = PriceAdjustment(
        project_id=project_id,
        building_id=building_id,
        code=_new_code(session),
        method=method,
        value=value,
        scope=preview.scope_text,
        reason=reason[:200],
        status=AdjustmentStatus.PENDING if pending else AdjustmentStatus.APPLIED,
        unit_count=len(preview.items),
        old_total=preview.old_total,
        new_total=preview.new_total,
        max_change=preview.max_change,
        requested_by=actor.id,
        requested_at=utcnow(),
    )
    session.add(adjustment)
    session.flush()
    session.add_all(
        PriceAdjustmentItem(
            adjustment_id=adjustment.id,
            unit_id=i.unit_id,
            old_list_unit_price=i.old_unit_price,
            new_list_unit_price=i.new_unit_price,
            old_list_total=i.old_total,
            new_list_total=i.new_total,
            old_floor_unit_price=i.old_floor_unit_price,
            new_floor_unit_price=i.new_floor_unit_price,
        )
        for i in preview.items
    )
    session.flush()
    audit.record(
        session,
        actor,
        "pricing.request" if pending else "pricing.adjust",
        adjustment,
        after={
            "code": adjustment.code,
            "scope": adjustment.scope,
            "method": method.value,
            "value": value,
            "units": adjustment.unit_count,
            "old_total": adjustment.old_total,
            "new_total": adjustment.new_total,
            "max_change": adjustment.max_change,
            "reason": adjustment.reason,
        },
    )
    if not pending:
        _apply(session, adjustment, actor)
    return adjustment


def _apply(session: Session, adjustment: PriceAdjustment, actor) -> None:
    """Write the items' new prices, each unit checked against the price the item was made
    from, and append the history."""
    items = list(
        session.scalars(
            select(PriceAdjustmentItem).where(PriceAdjustmentItem.adjustment_id == adjustment.id)
        )
    )
    units = {
        u.id: u
        for u in session.scalars(
            select(Unit).where(Unit.id.in_([i.unit_id for i in items])).with_for_update()
        )
    }
    now = utcnow()
    stale = [
        units[i.unit_id].code
        for i in items
        if units[i.unit_id].list_total != i.old_list_total
        or units[i.unit_id].list_unit_price != i.old_list_unit_price
        or units[i.unit_id].floor_unit_price != i.old_floor_unit_price
    ]
    if stale:
        raise PriceRefused(
            f"这些房间的价格在申请后已被修改，请重新发起调价：{'、'.join(stale[:8])}",
            f"Prices changed since the request; start a new adjustment: {', '.join(stale[:8])}",
        )
    sold = [units[i.unit_id].code for i in items if units[i.unit_id].status not in ADJUSTABLE]
    if sold:
        raise PriceRefused(
            f"这些房间已认购或签约，不能再调价：{'、'.join(sold[:8])}",
            f"These units are sold and keep their price: {', '.join(sold[:8])}",
        )
    for item in items:
        unit = units[item.unit_id]
        unit.list_unit_price = item.new_list_unit_price
        unit.list_total = item.new_list_total
        if item.new_floor_unit_price is not None:
            unit.floor_unit_price = item.new_floor_unit_price
            unit.floor_total = (
                rules.total_for(item.new_floor_unit_price, _pricing_area(unit))
                if unit.pricing_basis != PricingBasis.UNIT
                else unit.floor_total
            )
        unit.updated_at = now
        session.add(
            PriceChange(
                unit_id=unit.id,
                at=now,
                user_id=actor.id,
                reason=adjustment.reason,
                batch=adjustment.code,
                old_list_unit_price=item.old_list_unit_price,
                new_list_unit_price=item.new_list_unit_price,
                old_list_total=item.old_list_total,
                new_list_total=item.new_list_total,
                old_floor_unit_price=item.old_floor_unit_price,
                new_floor_unit_price=item.new_floor_unit_price,
            )
        )
    session.flush()


def request_adjustment(
    session: Session,
    *,
    actor,
    scope: Scope,
    method: str,
    value: Decimal,
    reason: str,
    include_floor_price: bool = True,
) -> PriceAdjustment:
    """调价: within the threshold it takes effect at once; above it, it waits for approval."""
    preview = preview_adjustment(
        session,
        actor=actor,
        scope=scope,
        method=method,
        value=value,
        include_floor_price=include_floor_price,
    )
    building = session.get(Building, scope.building_id)
    return _create(
        session,
        actor=actor,
        project_id=building.project_id,
        building_id=building.id,
        method=AdjustmentMethod(method),
        value=to_decimal(value),
        preview=preview,
        reason=reason,
    )


def _pending(session: Session, adjustment_id: int) -> PriceAdjustment:
    adjustment = session.get(PriceAdjustment, adjustment_id, with_for_update=True)
    if adjustment is None:
        raise NotFound("调价单不存在。", "No such price adjustment.")
    if adjustment.status != AdjustmentStatus.PENDING:
        label = STATUS_LABELS[adjustment.status]
        raise PriceRefused(
            f"调价单 {adjustment.code} {label}，不能再审批。",
            f"Adjustment {adjustment.code} is already decided.",
        )
    return adjustment


def approve_adjustment(
    session: Session, *, actor, adjustment_id: int, note: str = ""
) -> PriceAdjustment:
    """A sales manager (not the requester) approves: the prices change now."""
    adjustment = _pending(session, adjustment_id)
    authz.require(actor, "pricing.approve", project_id=adjustment.project_id)
    if adjustment.requested_by == actor.id:
        raise PriceRefused(
            "不能审批自己发起的调价，请由另一位销售经理审批。",
            "You cannot approve your own adjustment; another manager must.",
        )
    _apply(session, adjustment, actor)
    adjustment.status = AdjustmentStatus.APPROVED
    adjustment.decided_by = actor.id
    adjustment.decided_at = utcnow()
    adjustment.decision_note = (note or "")[:200]
    audit.record(
        session,
        actor,
        "pricing.approve",
        adjustment,
        after={"code": adjustment.code, "note": adjustment.decision_note},
    )
    session.flush()
    return adjustment


def reject_adjustment(session: Session, *, actor, adjustment_id: int, note: str) -> PriceAdjustment:
    adjustment = _pending(session, adjustment_id)
    authz.require(actor, "pricing.approve", project_id=adjustment.project_id)
    note = (note or "").strip()
    if not note:
        raise ValidationError("驳回时请填写原因。", "Give a reason for rejecting.")
    adjustment.status = AdjustmentStatus.REJECTED
    adjustment.decided_by = actor.id
    adjustment.decided_at = utcnow()
    adjustment.decision_note = note[:200]
    audit.record(
        session,
        actor,
        "pricing.reject",
        adjustment,
        after={"code": adjustment.code, "note": adjustment.decision_note},
    )
    session.flush()
    return adjustment


# ---------------------------------------------------------------------------------------------
# Direct prices (one by one, or from Excel)


def set_prices(
    session: Session,
    *,
    actor,
    prices: Sequence[dict],
    reason: str,
) -> PriceAdjustment:
    """定价: give units list and floor prices per m² ({"unit_id", "list_unit_price",
    "floor_unit_price"}); one adjustment of method "direct" (approval above the threshold)."""
    if not prices:
        raise ValidationError("没有要修改的价格。", "No prices to set.")
    by_id = {int(p["unit_id"]): p for p in prices}
    units = list(session.scalars(select(Unit).where(Unit.id.in_(by_id)).order_by(Unit.id)))
    if len(units) != len(by_id):
        raise NotFound("部分房间不存在。", "Some units do not exist.")
    projects = {u.project_id for u in units}
    if len(projects) != 1:
        raise ValidationError("一次只能为同一项目的房间定价。", "One project at a time.")
    project_id = projects.pop()
    authz.require(actor, "pricing.edit", project_id=project_id)
    preview = Preview(threshold=threshold(session))
    buildings = {u.building_id for u in units}
    for unit in units:
        wanted = by_id[unit.id]
        lp = wanted.get("list_unit_price")
        fp = wanted.get("floor_unit_price")
        lp = to_decimal(lp) if lp not in (None, "") else None
        # No floor price given: the unit keeps its current one, which the list price must
        # still not go below.
        kept = fp in (None, "")
        fp = unit.floor_unit_price if kept else to_decimal(fp)
        if lp is None or lp <= 0:
            raise ValidationError(
                f"{unit.code}：表价单价必须大于 0。", f"{unit.code}: list price > 0."
            )
        if fp is not None and fp > lp and kept:
            raise PriceRefused(
                f"{unit.code}：表价 {lp} 低于现底价 {fp}，请同时填写新的底价。",
                f"{unit.code}: list price {lp} is below the current floor price {fp}; "
                "give a new floor price too.",
            )
        if fp is not None and fp > lp:
            raise PriceRefused(
                f"{unit.code}：底价 {fp} 高于表价 {lp}。",
                f"{unit.code}: floor price above list price.",
            )
        if unit.status not in ADJUSTABLE:
            raise PriceRefused(
                f"{unit.code} 已认购或签约，价格以交易为准，不能修改。",
                f"{unit.code} is sold; its price is the deal's.",
            )
        lp = rules.money(lp)
        fp = rules.money(fp) if fp is not None else None
        total = rules.total_for(lp, _pricing_area(unit))
        if lp == unit.list_unit_price and fp == unit.floor_unit_price:
            continue
        preview.items.append(_item(unit, lp, total, fp))
    if not preview.items:
        raise ValidationError("价格没有变化。", "Nothing changed.")
    building_id = buildings.pop() if len(buildings) == 1 else None
    preview.scope_text = (
        f"{session.get(Building, building_id).name} " if building_id else ""
    ) + f"逐套定价 {len(preview.items)} 套"
    return _create(
        session,
        actor=actor,
        project_id=project_id,
        building_id=building_id,
        method=AdjustmentMethod.DIRECT,
        value=None,
        preview=_summarise(preview),
        reason=reason,
    )


def _price_row_rule(values: dict, _context: dict):
    lp, fp = values.get("list_unit_price"), values.get("floor_unit_price")
    if lp is not None and fp is not None and fp > lp:
        yield "底价单价", f"底价 {fp} 高于表价 {lp}", f"Floor price {fp} above list price {lp}"


def _price_db_check(session: Session, rows: list[dict], context: dict):
    """The units of the file's codes, in the project and open to a new price. A field in a
    row's "_bad" (its cell was refused, its value is None; see
    ImportSpec.check_rows_with_errors) is not checked: the row's other checks still run."""
    project_id = context["project_id"]
    units = {
        code.lower(): (uid, status, floor_price)
        for code, uid, status, floor_price in session.execute(
            select(Unit.code, Unit.id, Unit.status, Unit.floor_unit_price).where(
                Unit.project_id == project_id
            )
        )
    }
    for row in rows:
        bad = row.get("_bad") or ()
        if "code" in bad:
            continue
        found = units.get(row["code"].lower())
        if found is None:
            yield RowError(
                row["_row"],
                "房间编码",
                f"本项目没有房间「{row['code']}」",
                f"No unit “{row['code']}” in this project",
            )
            continue
        if found[1] not in ADJUSTABLE:
            yield RowError(
                row["_row"],
                "房间编码",
                f"「{row['code']}」已认购或签约，不能改价",
                f"“{row['code']}” is subscribed or signed: its price cannot change",
            )
        lp, current_floor = row.get("list_unit_price"), found[2]
        if (
            row.get("floor_unit_price") is None
            and "floor_unit_price" not in bad
            and lp is not None
            and current_floor is not None
            and lp < current_floor
        ):
            # An empty 底价单价 keeps the unit's floor price: the list price may not go under it.
            yield RowError(
                row["_row"],
                "表价单价",
                f"表价 {lp} 低于该房间现底价 {current_floor}，请同时填写新的底价单价",
                f"List price {lp} is below the unit's current floor price {current_floor}; "
                "give a new floor price too",
            )
        row["unit_id"] = found[0]


def _price_writer(session: Session, rows: list[dict], *, actor, context, progress) -> int:
    adjustment = set_prices(
        session,
        actor=actor,
        prices=[
            {
                "unit_id": r["unit_id"],
                "list_unit_price": r["list_unit_price"],
                "floor_unit_price": r["floor_unit_price"],
            }
            for r in rows
        ],
        reason=context.get("reason") or "Excel 价格导入",
    )
    if adjustment.status == AdjustmentStatus.PENDING:
        # The import screen adds the context's notices to its success message.
        context.setdefault("notices", []).append(
            (
                f"已生成调价单 {adjustment.code}（{adjustment.unit_count} 套），变动超过审批阈值，"
                "须由另一位销售经理审批后价格才生效。",
                f"Price adjustment {adjustment.code} ({adjustment.unit_count} units) exceeds "
                "the approval threshold: the prices take effect once another sales manager "
                "approves it.",
            )
        )
    return adjustment.unit_count


PRICES_IMPORT = ImportSpec(
    name="价格表",
    columns=[
        Column("房间编码", "code", required=True, max_length=32, unique=True, example="3-1-1502"),
        Column(
            "表价单价",
            "list_unit_price",
            "decimal",
            required=True,
            min=Decimal("100"),
            max=Decimal("1000000"),
            places=2,
            help="元/㎡",
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
    ],
    writer=_price_writer,
    row_validator=_price_row_rule,
    db_check=_price_db_check,
    # One upload lists every error of every row: the rule and the project are checked on the
    # rows with a bad cell or a repeated code too.
    check_rows_with_errors=True,
    instructions=[
        "按房间编码逐套填写新的表价和底价（元/平方米），总价按面积自动计算。",
        "变动超过审批阈值的，导入后生成待审批调价单，批准后生效。",
    ],
    permission="pricing.edit",
)


# ---------------------------------------------------------------------------------------------
# Pricing rule (base × coefficients)


@dataclass(frozen=True)
class RuleValues:
    """A pricing rule as the form gives it (not yet saved): the base price per m², the formula,
    the floor price ratio and the coefficient lines."""

    base_unit_price: Decimal
    formula: str
    floor_ratio: Decimal
    floor_factors: str = ""
    orientation_factors: str = ""
    layout_factors: str = ""


def _checked_rule(values: RuleValues | PriceRule) -> RuleValues:
    """The rule's values checked (a domain error names what is wrong), the formula defaulted."""
    try:
        base = to_decimal(values.base_unit_price)
        ratio = to_decimal(values.floor_ratio)
    except (TypeError, ValueError, ArithmeticError):
        raise ValidationError(
            "请填写基准单价和底价比例。", "Give the base price and the floor ratio."
        ) from None
    if base <= 0:
        raise ValidationError("基准单价必须大于 0。", "The base price must be positive.")
    if not Decimal("0.5") <= ratio <= Decimal("1"):
        raise ValidationError("底价比例应在 0.5 到 1 之间（如 0.95）。", "Floor ratio 0.5–1.")
    formula = (values.formula or "").strip() or "base * floor_k * orientation_k * layout_k"
    try:
        rules.validate_rule_formula(formula)
        rules.parse_floor_factors(values.floor_factors)
        rules.parse_factors(values.orientation_factors)
        rules.parse_factors(values.layout_factors)
    except rules.PriceError as err:
        raise ValidationError(str(err), str(err)) from None
    return RuleValues(
        base_unit_price=base,
        formula=formula,
        floor_ratio=ratio,
        floor_factors=values.floor_factors or "",
        orientation_factors=values.orientation_factors or "",
        layout_factors=values.layout_factors or "",
    )


def save_price_rule(
    session: Session,
    *,
    actor,
    building_id: int,
    base_unit_price: Decimal,
    formula: str,
    floor_ratio: Decimal,
    floor_factors: str,
    orientation_factors: str,
    layout_factors: str,
) -> PriceRule:
    building = session.get(Building, building_id)
    if building is None:
        raise NotFound("楼栋不存在。", "No such building.")
    authz.require(actor, "pricing.edit", project_id=building.project_id)
    values = _checked_rule(
        RuleValues(
            base_unit_price=base_unit_price,
            formula=formula,
            floor_ratio=floor_ratio,
            floor_factors=floor_factors,
            orientation_factors=orientation_factors,
            layout_factors=layout_factors,
        )
    )
    rule = session.scalar(select(PriceRule).where(PriceRule.building_id == building_id))
    before = None
    if rule is None:
        rule = PriceRule(project_id=building.project_id, building_id=building_id)
        session.add(rule)
    else:
        before = audit.snapshot(rule, ["base_unit_price", "formula", "floor_ratio"])
    rule.base_unit_price = values.base_unit_price
    rule.formula = values.formula
    rule.floor_ratio = values.floor_ratio
    rule.floor_factors = values.floor_factors
    rule.orientation_factors = values.orientation_factors
    rule.layout_factors = values.layout_factors
    rule.updated_at = utcnow()
    rule.updated_by = actor.id
    session.flush()
    audit.record(
        session,
        actor,
        "pricing.rule",
        rule,
        before=before,
        after=audit.snapshot(rule, ["base_unit_price", "formula", "floor_ratio"]),
    )
    return rule


def preview_rule(
    session: Session, *, actor, scope: Scope, rule: RuleValues | None = None
) -> Preview:
    """Prices of the scope's units from a pricing rule (nothing written): `rule` as the form
    shows it, or without it the building's saved rule."""
    building, units = _scoped_units(session, scope)
    authz.require(actor, "pricing.edit", project_id=building.project_id)
    if rule is None:
        rule = session.scalar(select(PriceRule).where(PriceRule.building_id == building.id))
        if rule is None:
            raise PriceRefused("该楼栋还没有定价规则，请先保存规则。", "Save a pricing rule first.")
    rule = _checked_rule(rule)
    layout_names = dict(session.execute(select(Layout.id, Layout.name)).all())
    factors = rules.Factors(
        floors=rules.parse_floor_factors(rule.floor_factors),
        orientation=rules.parse_factors(rule.orientation_factors),
        layout=rules.parse_factors(rule.layout_factors),
    )
    preview = Preview(
        threshold=threshold(session), scope_text=scope.describe(building, layout_names) + " 按规则"
    )
    for unit in units:
        if unit.status not in ADJUSTABLE:
            preview.skipped_sold += 1
            continue
        try:
            price = rules.rule_unit_price(
                rule.formula,
                rule.base_unit_price,
                factors,
                floor=unit.floor,
                orientation=unit.orientation,
                layout=layout_names.get(unit.layout_id),
                area=_pricing_area(unit),
            )
        except rules.PriceError as err:
            raise PriceRefused(f"{unit.code}：{err}", f"{unit.code}: {err}") from None
        floor_price = rules.money(price * rule.floor_ratio)
        if price == unit.list_unit_price and floor_price == unit.floor_unit_price:
            continue
        preview.items.append(
            _item(unit, price, rules.total_for(price, _pricing_area(unit)), floor_price)
        )
    if not preview.items:
        raise PriceRefused(
            "按规则计算的价格与现价相同，没有需要修改的房间。",
            "The rule gives the current prices; nothing to change.",
        )
    return _summarise(preview)


def apply_rule(
    session: Session, *, actor, scope: Scope, reason: str, rule: RuleValues | None = None
) -> PriceAdjustment:
    """按规则定价: with `rule` (the form's values) the rule is saved as the building's rule and
    applied, in the same transaction; without it the saved rule is applied."""
    if rule is not None:
        saved = save_price_rule(
            session, actor=actor, building_id=scope.building_id, **dataclasses.asdict(rule)
        )
    else:
        saved = None
    preview = preview_rule(session, actor=actor, scope=scope, rule=rule)
    building = session.get(Building, scope.building_id)
    if saved is None:
        saved = session.scalar(select(PriceRule).where(PriceRule.building_id == building.id))
    return _create(
        session,
        actor=actor,
        project_id=building.project_id,
        building_id=building.id,
        method=AdjustmentMethod.RULE,
        value=saved.base_unit_price,
        preview=preview,
        reason=reason,
    )
