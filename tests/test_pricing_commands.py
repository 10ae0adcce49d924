"""Price adjustments: preview, immediate effect within the threshold, approval above it,
history appended (never overwritten), rule-based and direct prices, the price Excel import,
and the chart and trend reading the new prices."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import func, select

from data_layer.commands import pricing
from data_layer.errors import DomainError, PermissionDenied
from data_layer.excel import importer
from data_layer.models import (
    AdjustmentStatus,
    Layout,
    PriceAdjustment,
    PriceChange,
    Unit,
    UnitStatus,
    User,
)
from data_layer.queries import inventory as inventory_queries
from data_layer.queries import pricing as queries
from tests.factories import make_building, make_user


def _units(session, building):
    return list(
        session.scalars(
            select(Unit).where(Unit.building_id == building.id).order_by(Unit.floor, Unit.position)
        )
    )


def _history(session, unit_id):
    return session.scalars(
        select(PriceChange).where(PriceChange.unit_id == unit_id).order_by(PriceChange.id)
    ).all()


@pytest.fixture
def priced(session, world):
    building = make_building(session, world.projects[0], floors=3, per_floor=2)
    return building, _units(session, building)


def test_preview_shows_old_and_new_totals_and_writes_nothing(session, world, priced):
    building, units = priced
    preview = pricing.preview_adjustment(
        session,
        actor=world.users["manager"],
        scope=pricing.Scope(building.id, floor_from=2, floor_to=3),
        method="percent",
        value=Decimal("3"),
    )
    assert len(preview.items) == 4
    old = sum(u.list_total for u in units if u.floor >= 2)
    assert preview.old_total == old
    assert preview.new_total == sum(
        (u.list_unit_price * Decimal("1.03") * u.gross_area).quantize(Decimal("0.01"))
        for u in units
        if u.floor >= 2
    )
    assert preview.max_change == Decimal("0.0300") and not preview.needs_approval
    assert session.scalar(select(func.count()).select_from(PriceChange)) == 0
    assert units[2].list_unit_price == Decimal("20000.00")


def test_small_adjustment_applies_at_once_and_appends_history(session, world, priced):
    building, units = priced
    manager = world.users["manager"]
    before_fp = inventory_queries.fingerprint(session, manager, building.id)
    adjustment = pricing.request_adjustment(
        session,
        actor=manager,
        scope=pricing.Scope(building.id),
        method="amount",
        value=Decimal("200"),
        reason="开盘后上调",
    )
    assert adjustment.status == AdjustmentStatus.APPLIED and adjustment.unit_count == 6
    unit = units[0]
    assert unit.list_unit_price == Decimal("20200.00")
    assert unit.list_total == (Decimal("20200.00") * unit.gross_area).quantize(Decimal("0.01"))
    assert unit.floor_unit_price == Decimal("19200.00")
    history = _history(session, unit.id)
    assert len(history) == 1
    h = history[0]
    assert (h.old_list_unit_price, h.new_list_unit_price) == (
        Decimal("20000.00"),
        Decimal("20200.00"),
    )
    assert h.user_id == manager.id and h.reason == "开盘后上调" and h.batch == adjustment.code
    # The chart reads the new prices, and its fingerprint moved.
    chart = inventory_queries.chart(session, manager, building.id)
    totals = {u[1]: u[8] for u in chart.units}
    assert totals[unit.code] == unit.list_total
    assert chart.fingerprint != before_fp
    # A second adjustment appends; the first entry is untouched.
    pricing.request_adjustment(
        session,
        actor=manager,
        scope=pricing.Scope(building.id, unit_ids=(unit.id,)),
        method="percent",
        value=Decimal("-1"),
        reason="促销",
    )
    history = _history(session, unit.id)
    assert len(history) == 2 and history[0].new_list_unit_price == Decimal("20200.00")
    assert history[1].old_list_unit_price == Decimal("20200.00")
    assert history[1].new_list_unit_price == Decimal("19998.00")


def test_large_adjustment_waits_for_another_manager(session, world, priced):
    building, units = priced
    manager = world.users["manager"]
    adjustment = pricing.request_adjustment(
        session,
        actor=manager,
        scope=pricing.Scope(building.id),
        method="percent",
        value=Decimal("8"),
        reason="成本上涨",
    )
    assert adjustment.status == AdjustmentStatus.PENDING
    assert adjustment.max_change == Decimal("0.0800")
    assert units[0].list_unit_price == Decimal("20000.00")  # not yet
    assert _history(session, units[0].id) == []
    pending = queries.adjustments_frame(session, manager, status="pending")
    assert list(pending["code"]) == [adjustment.code]
    with pytest.raises(DomainError) as err:
        pricing.approve_adjustment(session, actor=manager, adjustment_id=adjustment.id)
    assert "自己" in err.value.message
    with pytest.raises(PermissionDenied):
        pricing.approve_adjustment(
            session, actor=world.users["consultant"], adjustment_id=adjustment.id
        )
    second = make_user(session, "manager2", manager.role_code, [world.projects[0]])
    pricing.approve_adjustment(session, actor=second, adjustment_id=adjustment.id, note="同意")
    assert adjustment.status == AdjustmentStatus.APPROVED and adjustment.decided_by == second.id
    assert units[0].list_unit_price == Decimal("21600.00")
    assert len(_history(session, units[0].id)) == 6 // 6  # one entry for this unit
    with pytest.raises(DomainError):
        pricing.reject_adjustment(session, actor=second, adjustment_id=adjustment.id, note="晚了")


def test_rejected_adjustment_changes_nothing(session, world, priced):
    building, units = priced
    adjustment = pricing.request_adjustment(
        session,
        actor=world.users["manager"],
        scope=pricing.Scope(building.id),
        method="percent",
        value=Decimal("-10"),
        reason="清盘",
    )
    admin = world.users["admin"]
    with pytest.raises(DomainError):
        pricing.reject_adjustment(session, actor=admin, adjustment_id=adjustment.id, note="")
    pricing.reject_adjustment(session, actor=admin, adjustment_id=adjustment.id, note="幅度过大")
    assert adjustment.status == AdjustmentStatus.REJECTED
    assert units[0].list_unit_price == Decimal("20000.00")
    assert session.scalar(select(func.count()).select_from(PriceChange)) == 0


def test_stale_adjustment_is_refused_on_approval(session, world, priced):
    building, units = priced
    manager = world.users["manager"]
    big = pricing.request_adjustment(
        session,
        actor=manager,
        scope=pricing.Scope(building.id),
        method="percent",
        value=Decimal("9"),
        reason="a",
    )
    pricing.request_adjustment(
        session,
        actor=manager,
        scope=pricing.Scope(building.id, unit_ids=(units[0].id,)),
        method="percent",
        value=Decimal("1"),
        reason="b",
    )
    with pytest.raises(DomainError) as err:
        pricing.approve_adjustment(session, actor=world.users["admin"], adjustment_id=big.id)
    assert units[0].code in err.value.message
    assert session.get(PriceAdjustment, big.id).status == AdjustmentStatus.PENDING


def test_sold_units_keep_their_price(session, world, priced):
    building, units = priced
    units[0].status = UnitStatus.CONTRACTED
    session.flush()
    adjustment = pricing.request_adjustment(
        session,
        actor=world.users["manager"],
        scope=pricing.Scope(building.id),
        method="percent",
        value=Decimal("2"),
        reason="x",
    )
    assert adjustment.unit_count == 5
    assert units[0].list_unit_price == Decimal("20000.00")
    with pytest.raises(DomainError):
        pricing.set_prices(
            session,
            actor=world.users["manager"],
            prices=[{"unit_id": units[0].id, "list_unit_price": "25000"}],
            reason="x",
        )


def test_direct_prices_refuse_floor_above_list(session, world, priced):
    _building, units = priced
    manager = world.users["manager"]
    with pytest.raises(DomainError):
        pricing.set_prices(
            session,
            actor=manager,
            prices=[
                {"unit_id": units[0].id, "list_unit_price": "20500", "floor_unit_price": "21000"}
            ],
            reason="x",
        )
    adjustment = pricing.set_prices(
        session,
        actor=manager,
        prices=[{"unit_id": units[0].id, "list_unit_price": "20500", "floor_unit_price": "19500"}],
        reason="单套调整",
    )
    assert adjustment.status == AdjustmentStatus.APPLIED
    assert units[0].list_total == (Decimal("20500") * units[0].gross_area).quantize(Decimal("0.01"))
    assert units[0].floor_unit_price == Decimal("19500.00")


def test_rule_prices_base_times_coefficients(session, world, priced):
    building, units = priced
    manager = world.users["manager"]
    session.add(Layout(project_id=building.project_id, name="B户型"))
    session.flush()
    units[1].orientation = "NS"
    session.flush()
    pricing.save_price_rule(
        session,
        actor=manager,
        building_id=building.id,
        base_unit_price=Decimal("20000"),
        formula="base * floor_k * orientation_k * layout_k",
        floor_ratio=Decimal("0.95"),
        floor_factors="1-1:0.98\n2-3:1.00",
        orientation_factors="NS:1.02",
        layout_factors="",
    )
    preview = pricing.preview_rule(session, actor=manager, scope=pricing.Scope(building.id))
    prices = {i.code: i.new_unit_price for i in preview.items}
    assert prices[units[0].code] == Decimal("19600.00")  # floor 1: 0.98
    assert prices[units[1].code] == Decimal("19992.00")  # floor 1, NS: 0.98 × 1.02
    assert units[2].code not in prices  # floor 2, plain: 20000 = current price, unchanged
    floors = {i.code: i.new_floor_unit_price for i in preview.items}
    assert floors[units[0].code] == Decimal("18620.00")
    with pytest.raises(DomainError):
        pricing.save_price_rule(
            session,
            actor=manager,
            building_id=building.id,
            base_unit_price=Decimal("20000"),
            formula="__import__('os').getcwd()",
            floor_ratio=Decimal("0.95"),
            floor_factors="",
            orientation_factors="",
            layout_factors="",
        )


def _price_file(rows) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["房间编码", "表价单价", "底价单价"])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_price_import_good_file_and_each_error(session, world, priced):
    _building, units = priced
    manager = world.users["manager"]
    context = {"project_id": world.projects[0].id}
    bad_files = {
        "unknown code": [[units[0].code, 20100, 19000], ["NOPE", 20100, 19000]],
        "floor above list": [[units[0].code, 20100, 21000]],
        "below minimum": [[units[0].code, -5, None]],
        "duplicate": [[units[0].code, 20100, 19000], [units[0].code, 20200, 19000]],
    }
    for rows in bad_files.values():
        result = importer.run_import(
            session, pricing.PRICES_IMPORT, _price_file(rows), actor=manager, context=context
        )
        assert not result.ok
        assert session.scalar(select(func.count()).select_from(PriceChange)) == 0
    result = importer.run_import(
        session,
        pricing.PRICES_IMPORT,
        _price_file([[units[0].code, 20100, 19000], [units[1].code.lower(), "20300.50", None]]),
        actor=manager,
        context=context,
    )
    assert result.ok, result.errors
    assert units[0].list_unit_price == Decimal("20100.00")
    assert units[1].list_unit_price == Decimal("20300.50")
    assert session.scalar(select(func.count()).select_from(PriceChange)) == 2


def test_weekly_trend_has_list_and_deal_prices_and_events(session, world, priced):
    building, units = priced
    manager = world.users["manager"]
    pricing.request_adjustment(
        session,
        actor=manager,
        scope=pricing.Scope(building.id),
        method="percent",
        value=Decimal("2"),
        reason="上调",
    )
    frame = queries.weekly_prices(session, manager, building_id=building.id)
    assert len(frame) >= 1
    last = frame.iloc[-1]
    total = sum(u.list_total for u in units)
    area = sum(u.gross_area for u in units)
    assert last["list_price"] == (total / area).quantize(Decimal("0.01"))
    events = queries.adjustment_events(session, manager, building_id=building.id)
    assert list(events["reason"]) == ["上调"]
    assert queries.weekly_prices(
        session, world.users["admin"], project_id=world.projects[1].id
    ).empty
    assert isinstance(frame.iloc[0]["week"], date)


def test_other_projects_adjustments_are_invisible(session, world):
    building = make_building(session, world.projects[1])
    admin = world.users["admin"]
    pricing.request_adjustment(
        session,
        actor=admin,
        scope=pricing.Scope(building.id),
        method="percent",
        value=Decimal("1"),
        reason="x",
    )
    assert queries.adjustments_frame(session, world.users["manager"]).empty
    assert len(queries.adjustments_frame(session, admin)) == 1
    assert isinstance(world.users["manager"], User)
