"""Release/withdraw, virtual-sold flags, the chart's legend, sell-through and fingerprint, the
unit panel, and the units Excel import (all-or-nothing)."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import func, insert, select, update

from data_layer.commands import inventory as commands
from data_layer.errors import DomainError, PermissionDenied
from data_layer.excel import importer
from data_layer.models import Layout, PriceChange, ReleaseBatch, Unit, UnitStatus, UnitStatusChange
from data_layer.queries import inventory as queries
from tests.factories import make_building


def _units(session, building):
    return list(
        session.scalars(
            select(Unit).where(Unit.building_id == building.id).order_by(Unit.floor, Unit.position)
        )
    )


def test_release_needs_a_price_and_records_the_batch_and_history(session, world):
    building = make_building(session, world.projects[0], status=UnitStatus.UNRELEASED)
    units = _units(session, building)
    manager = world.users["manager"]
    units[0].list_total = None
    session.flush()
    with pytest.raises(DomainError) as err:
        commands.release_units(
            session, actor=manager, unit_ids=[u.id for u in units[:2]], batch_name="一期一批"
        )
    assert "没有表价" in err.value.message
    assert units[1].status == UnitStatus.UNRELEASED  # nothing half-done
    batch = commands.release_units(
        session, actor=manager, unit_ids=[u.id for u in units[1:4]], batch_name="一期一批"
    )
    assert [u.status for u in units[1:4]] == [UnitStatus.AVAILABLE] * 3
    assert {u.release_batch_id for u in units[1:4]} == {batch.id}
    assert session.scalar(select(func.count()).select_from(ReleaseBatch)) == 1
    history = session.scalars(
        select(UnitStatusChange).where(UnitStatusChange.unit_id == units[1].id)
    ).all()
    assert [(h.from_status, h.to_status) for h in history] == [
        (UnitStatus.UNRELEASED, UnitStatus.AVAILABLE)
    ]
    # Released twice: refused.
    with pytest.raises(DomainError):
        commands.release_units(session, actor=manager, unit_ids=[units[1].id], batch_name="再放")


def test_withdraw_only_units_for_sale(session, world):
    building = make_building(session, world.projects[0])
    units = _units(session, building)
    units[0].status = UnitStatus.SUBSCRIBED
    session.flush()
    manager = world.users["manager"]
    with pytest.raises(DomainError):
        commands.withdraw_units(
            session, actor=manager, unit_ids=[units[0].id, units[1].id], reason="调整"
        )
    assert units[1].status == UnitStatus.AVAILABLE
    assert (
        commands.withdraw_units(session, actor=manager, unit_ids=[units[1].id], reason="调整") == 1
    )
    assert units[1].status == UnitStatus.UNRELEASED


def test_consultant_and_other_project_manager_cannot_release(session, world):
    building = make_building(session, world.projects[1], status=UnitStatus.UNRELEASED)
    ids = [u.id for u in _units(session, building)]
    for who in ("consultant", "manager"):  # the manager belongs to project 1 only
        with pytest.raises(PermissionDenied):
            commands.release_units(session, actor=world.users[who], unit_ids=ids, batch_name="x")


def test_chart_legend_sell_through_filters_and_virtual_view(session, world):
    building = make_building(session, world.projects[0], floors=3, per_floor=2)
    units = _units(session, building)  # 6 units, each list_total = area × 20000
    units[0].status = UnitStatus.SUBSCRIBED
    units[1].status = UnitStatus.CONTRACTED
    units[2].status = UnitStatus.UNRELEASED
    units[3].virtual_sold = True
    session.flush()
    viewer = world.users["consultant"]
    chart = queries.chart(session, viewer, building.id)
    legend = {row.status: row for row in chart.legend}
    assert legend["available"].count == 3
    assert legend["subscribed"].count == 1 and legend["contracted"].count == 1
    assert legend["subscribed"].area == units[0].gross_area
    assert legend["contracted"].amount == units[1].list_total
    assert sum(r.count for r in chart.legend) == 6
    # sold 2 of 5 released (the unreleased one does not count)
    assert chart.sell_through["count"] == Decimal("0.4000")
    sold_amount = units[0].list_total + units[1].list_total
    released_amount = sum(u.list_total for u in units) - units[2].list_total
    assert chart.sell_through["amount"] == (sold_amount / released_amount).quantize(
        Decimal("0.0001")
    )
    assert chart.floors == [3, 2, 1] and chart.columns == [(1, 1), (1, 2)]
    # Filters: area band selects the position-2 units (91.50 m²; position 1 is 90.50).
    filtered = queries.chart(
        session,
        viewer,
        building.id,
        queries.ChartFilters(area_min=Decimal("91"), statuses=("available",)),
    )
    assert filtered.matched == 2
    matched = {u[1] for u in filtered.units if u[-1]}
    assert matched == {units[3].code, units[5].code}
    # The customer-facing view shows the virtual-sold unit as sold, without its price.
    virtual = queries.chart(session, viewer, building.id, virtual=True)
    vlegend = {row.status: row.count for row in virtual.legend}
    assert vlegend == {"available": 2, "sold": 3, "closed": 1}
    shown = {u[1]: u for u in virtual.units}
    assert shown[units[3].code][5] == "sold" and shown[units[3].code][8] is None


def test_fingerprint_changes_with_status_and_price(session, world):
    building = make_building(session, world.projects[0])
    units = _units(session, building)
    viewer = world.users["consultant"]
    first = queries.fingerprint(session, viewer, building.id)
    assert first == queries.chart(session, viewer, building.id).fingerprint
    commands.set_virtual_sold(
        session, actor=world.users["manager"], unit_ids=[units[0].id], sold=True
    )
    second = queries.fingerprint(session, viewer, building.id)
    assert second != first
    units[1].list_unit_price = Decimal("21000.00")  # any UPDATE adds 1 to revision (onupdate)
    session.flush()
    assert queries.fingerprint(session, viewer, building.id) != second


def _revisions(session, building) -> dict[int, int]:
    query = select(Unit.id, Unit.revision).where(Unit.building_id == building.id)
    return {unit_id: revision for unit_id, revision in session.execute(query)}


def test_every_update_adds_one_to_the_units_revision_by_orm_and_by_core(session, world):
    building = make_building(session, world.projects[0])
    units = _units(session, building)
    start = _revisions(session, building)
    assert all(1_700_000_000_000 < r < 10**13 for r in start.values())  # the clock, in ms
    units[0].orientation = "南北"
    session.flush()
    session.execute(
        update(Unit).where(Unit.id.in_([units[0].id, units[1].id])).values(virtual_sold=True)
    )
    now = _revisions(session, building)
    assert now[units[0].id] == start[units[0].id] + 2
    assert now[units[1].id] == start[units[1].id] + 1
    assert all(now[u.id] == start[u.id] for u in units[2:])


def test_a_unit_replacing_a_deleted_one_under_the_same_id_moves_the_fingerprint(session, world):
    """SQLite hands the highest rowid out again once its row is gone: a unit deleted and
    defined again between two polls keeps count and max(id); its new revision moves the sum."""
    building = make_building(session, world.projects[0])
    viewer = world.users["consultant"]
    last = _units(session, building)[-1]
    values = {c.key: getattr(last, c.key) for c in Unit.__table__.columns if c.key != "revision"}
    before = queries.fingerprint(session, viewer, building.id)
    session.delete(last)
    session.flush()
    session.execute(insert(Unit), [values])
    after = queries.fingerprint(session, viewer, building.id)
    assert after.split(":")[:2] == before.split(":")[:2]  # same count, same max(id)
    assert after != before


def test_chart_is_scoped_to_the_viewers_projects(session, world):
    building = make_building(session, world.projects[1])
    with pytest.raises(PermissionDenied):
        queries.chart(session, world.users["consultant"], building.id)
    assert queries.chart(session, world.users["consultant_p2"], building.id).total == 6


def test_the_version_statement_is_built_once_but_checks_each_viewer(session, world):
    """queries.version is one statement per kind of scope with the viewer as a parameter:
    whoever ran it first, the next viewer gets their own answer."""
    building = make_building(session, world.projects[1])
    _units(session, building)
    member, outsider, admin = (world.users[k] for k in ("consultant_p2", "consultant", "admin"))
    for viewer, allowed in [(member, True), (outsider, False), (admin, True), (member, True)]:
        if allowed:
            version = queries.version(session, viewer, building.id)
            assert version.project_id == world.projects[1].id
            assert version.fingerprint.startswith("6:")
        else:
            with pytest.raises(PermissionDenied):
                queries.version(session, viewer, building.id)
    with pytest.raises(DomainError):
        queries.version(session, admin, building.id + 10_000)


def test_unit_detail_has_areas_layout_prices_and_histories(session, world):
    project = world.projects[0]
    layout = Layout(
        project_id=project.id, name="A户型", rooms=3, halls=2, baths=1, plan_image="1-1-abc.png"
    )
    session.add(layout)
    building = make_building(session, project, status=UnitStatus.UNRELEASED)
    unit = _units(session, building)[0]
    unit.layout_id = layout.id
    session.flush()
    commands.release_units(
        session, actor=world.users["manager"], unit_ids=[unit.id], batch_name="首开"
    )
    detail = queries.unit_detail(session, world.users["consultant"], unit.id)
    assert detail["layout"] == "A户型" and detail["layout_rooms"] == "3室2厅1卫"
    assert detail["plan_image"] == "1-1-abc.png"
    assert detail["gross_area"] == unit.gross_area and detail["shared_area"] == Decimal("15.00")
    assert detail["status_label"] == "待售" and detail["release_batch"] == "首开"
    assert [(h["from"], h["to"]) for h in detail["status_history"]] == [("未放盘", "待售")]


# ---------------------------------------------------------------------------------------------
# Units import

HEADERS = [c.header for c in commands.UNIT_COLUMNS]


def _xlsx(rows) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _row(code, floor=5, position=1, **over):
    values = {
        "楼栋": "9",
        "单元": 1,
        "楼层": floor,
        "房号": position,
        "房间编码": code,
        "户型": "A户型",
        "朝向": "南北",
        "用途": "住宅",
        "装修": "毛坯",
        "建筑面积": 89.5,
        "套内面积": 72.3,
        "公摊面积": 17.2,
        "表价单价": 20000,
        "底价单价": 19000,
    }
    values.update(over)
    return [values[h] for h in HEADERS]


@pytest.fixture
def import_world(session, world):
    project = world.projects[0]
    make_building(session, project, code="9", floors=1, per_floor=1)  # 9-1-101 exists
    session.add(Layout(project_id=project.id, name="A户型"))
    session.flush()
    return world


def _count(session, project):
    return session.scalar(
        select(func.count()).select_from(Unit).where(Unit.project_id == project.id)
    )


def test_units_import_accepts_a_good_file(session, import_world):
    project = import_world.projects[0]
    before = _count(session, project)
    rows = [
        _row("9-1-501"),
        _row("9-1-502", position=2, 表价单价=None, 底价单价=None),
        _row("9-1-601", floor=6, 公摊面积=None),
    ]
    result = importer.run_import(
        session,
        commands.UNITS_IMPORT,
        _xlsx(rows),
        actor=import_world.users["manager"],
        context={"project_id": project.id},
    )
    assert result.ok, result.errors
    assert result.written == 3 and _count(session, project) == before + 3
    unit = session.scalar(select(Unit).where(Unit.code == "9-1-501"))
    assert unit.status == UnitStatus.UNRELEASED and unit.orientation == "NS"
    assert unit.list_total == Decimal("1790000.00") and unit.floor_total == Decimal("1700500.00")
    assert session.scalar(select(Unit.shared_area).where(Unit.code == "9-1-601")) == Decimal(
        "17.20"
    )
    history = session.scalars(select(PriceChange).where(PriceChange.unit_id == unit.id)).all()
    assert len(history) == 1 and history[0].new_list_total == Decimal("1790000.00")


BAD_UNIT_ROWS = {
    "unknown building": (_row("X-1", 7, 楼栋="99"), "楼栋"),
    "unknown layout": (_row("X-1", 7, 户型="Z户型"), "户型"),
    "unknown orientation": (_row("X-1", 7, 朝向="斜向"), "朝向"),
    "negative area": (_row("X-1", 7, 建筑面积=-10), "建筑面积"),
    "absurd area": (_row("X-1", 7, 建筑面积=50000), "建筑面积"),
    "internal larger": (_row("X-1", 7, 套内面积=95, 公摊面积=None), "套内面积"),
    "areas do not add up": (_row("X-1", 7, 公摊面积=10), "公摊面积"),
    "floor above list": (_row("X-1", 7, 底价单价=21000), "底价单价"),
    "code exists in db": (_row("9-1-101", 7), "房间编码"),
    "position taken in db": (_row("X-1", 1, 1), "房号"),
    "text in number": (_row("X-1", 7, 楼层="五"), "楼层"),
}


@pytest.mark.parametrize("case", list(BAD_UNIT_ROWS))
def test_units_import_rejects_each_error_and_writes_nothing(session, import_world, case):
    project = import_world.projects[0]
    before = _count(session, project)
    bad, column = BAD_UNIT_ROWS[case]
    rows = [_row("9-1-501"), bad, _row("9-1-801", floor=8)]
    result = importer.run_import(
        session,
        commands.UNITS_IMPORT,
        _xlsx(rows),
        actor=import_world.users["manager"],
        context={"project_id": project.id},
    )
    assert not result.ok
    assert _count(session, project) == before
    assert (3, column) in [(e.row, e.column) for e in result.errors], result.errors


def test_units_import_rejects_duplicate_codes_in_the_file(session, import_world):
    project = import_world.projects[0]
    rows = [_row("9-1-501"), _row("9-1-501", floor=7)]
    result = importer.run_import(
        session,
        commands.UNITS_IMPORT,
        _xlsx(rows),
        actor=import_world.users["manager"],
        context={"project_id": project.id},
    )
    assert not result.ok and result.errors[0].row == 3 and "重复" in result.errors[0].message
