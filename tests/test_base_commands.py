"""Base data: unit generation from a pattern, copying a building, editing units, precision
settings, the code dictionary, layout plans, teams and sales plans."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from dashboard.format import Formatter
from data_layer.commands import base as commands
from data_layer.errors import DomainError, PermissionDenied, ValidationError
from data_layer.models import CodeItem, PriceChange, SalesPlan, Unit, UnitStatus
from data_layer.queries import base as queries
from tests.factories import make_building

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _pattern(**over):
    values = dict(
        floor_from=1,
        floor_to=15,
        sections=2,
        units_per_floor=2,
        skip_floors=(4, 13, 14),
        code_pattern="{b}-{s}-{f}{p:02d}",
        gross_areas=(Decimal("89.50"), Decimal("120.00")),
        internal_areas=(Decimal("72.30"), Decimal("98.00")),
        orientations=("NS", "E"),
    )
    values.update(over)
    return commands.UnitPattern(**values)


def _building(session, world, code="3"):
    return commands.save_building(
        session,
        actor=world.users["manager"],
        project_id=world.projects[0].id,
        code=code,
        name=f"{code}栋",
        floors=15,
        sections=2,
        units_per_floor=2,
    )


def test_generate_units_skips_floors_and_codes_by_pattern(session, world):
    building = _building(session, world)
    count = commands.generate_units(
        session, actor=world.users["manager"], building_id=building.id, pattern=_pattern()
    )
    assert count == 12 * 2 * 2  # floors 1-15 without 4, 13, 14
    codes = set(session.scalars(select(Unit.code).where(Unit.building_id == building.id)))
    assert "3-1-1502" in codes and "3-2-101" in codes
    floors = set(session.scalars(select(Unit.floor).where(Unit.building_id == building.id)))
    assert floors == set(range(1, 16)) - {4, 13, 14}
    unit = session.scalar(select(Unit).where(Unit.code == "3-1-1502"))
    assert unit.gross_area == Decimal("120.00") and unit.shared_area == Decimal("22.00")
    assert unit.orientation == "E" and unit.status == UnitStatus.UNRELEASED
    # Generating again collides with the codes now taken: refused, nothing added.
    with pytest.raises(DomainError) as err:
        commands.generate_units(
            session, actor=world.users["manager"], building_id=building.id, pattern=_pattern()
        )
    assert "已存在" in err.value.message
    assert (
        session.scalar(
            select(func.count()).select_from(Unit).where(Unit.building_id == building.id)
        )
        == 48
    )


def test_skip_floor_text_and_pattern_checks():
    assert commands.parse_skip_floors("4, 13-14，18") == (4, 13, 14, 18)
    with pytest.raises(ValidationError):
        commands.parse_skip_floors("四")
    with pytest.raises(ValidationError):
        commands.unit_code("{b}-{s}", "3", 1, 15, 2)  # no floor or position
    assert commands.unit_code("{b}#{f}{p:02d}", "A", 1, 7, 3) == "A#703"


def test_pattern_giving_duplicate_codes_is_refused(session, world):
    building = _building(session, world)
    with pytest.raises(DomainError) as err:
        commands.generate_units(
            session,
            actor=world.users["manager"],
            building_id=building.id,
            pattern=_pattern(code_pattern="{b}-{f}{p:02d}"),  # sections collide
        )
    assert "重复" in err.value.message
    assert session.scalar(select(func.count()).select_from(Unit)) == 0


def test_copy_building_rewrites_codes_and_starts_unreleased(session, world):
    source = make_building(session, world.projects[0], code="1", floors=2, per_floor=2)
    target = commands.copy_building(
        session,
        actor=world.users["manager"],
        source_id=source.id,
        code="2",
        name="2栋",
        with_prices=True,
    )
    units = session.scalars(select(Unit).where(Unit.building_id == target.id)).all()
    assert sorted(u.code for u in units) == ["2-1-101", "2-1-102", "2-1-201", "2-1-202"]
    assert {u.status for u in units} == {UnitStatus.UNRELEASED}
    assert all(u.list_total is not None for u in units)
    assert session.scalar(select(func.count()).select_from(PriceChange)) == 4
    with pytest.raises(DomainError):  # same building code again
        commands.copy_building(
            session, actor=world.users["manager"], source_id=source.id, code="2", name="2栋"
        )


def test_update_units_checks_areas_and_reprices_totals(session, world):
    building = make_building(session, world.projects[0], floors=1, per_floor=2)
    unit, other = session.scalars(select(Unit).where(Unit.building_id == building.id)).all()
    manager = world.users["manager"]
    with pytest.raises(ValidationError):
        commands.update_units(
            session, actor=manager, changes=[{"id": unit.id, "internal_area": "999"}]
        )
    with pytest.raises(DomainError):
        commands.update_units(session, actor=manager, changes=[{"id": unit.id, "code": other.code}])
    changed = commands.update_units(
        session,
        actor=manager,
        changes=[{"id": unit.id, "gross_area": "100.00", "internal_area": "80.00"}],
    )
    assert changed == 1
    assert unit.shared_area == Decimal("20.00")
    assert unit.list_total == Decimal("2000000.00")  # 20,000 × 100
    history = session.scalars(select(PriceChange).where(PriceChange.unit_id == unit.id)).all()
    assert len(history) == 1 and history[0].new_list_total == Decimal("2000000.00")
    unit.status = UnitStatus.CONTRACTED
    session.flush()
    with pytest.raises(DomainError):
        commands.update_units(
            session, actor=manager, changes=[{"id": unit.id, "gross_area": "101"}]
        )
    with pytest.raises(PermissionDenied):
        commands.update_units(
            session, actor=world.users["consultant"], changes=[{"id": other.id, "use": "shop"}]
        )


def test_precision_settings_are_read_and_honoured(session, world):
    assert queries.precision(session) == queries.Precision(2, 2, 2)
    with pytest.raises(PermissionDenied):
        commands.set_precision(
            session, actor=world.users["manager"], area=1, unit_price=0, amount=2
        )
    commands.set_precision(session, actor=world.users["admin"], area=1, unit_price=0, amount=2)
    fmt = Formatter(queries.precision(session))
    assert fmt.area(Decimal("89.55")) == "89.6"  # half-up
    assert fmt.unit_price(Decimal("20000.50")) == "20,001"
    assert fmt.amount(Decimal("1790000")) == "1,790,000.00"
    with pytest.raises(ValidationError):
        commands.set_precision(session, actor=world.users["admin"], area=9, unit_price=0, amount=2)


def test_code_dictionary_is_admin_only_and_codes_never_change(session, world):
    admin = world.users["admin"]
    with pytest.raises(PermissionDenied):
        commands.save_code_item(
            session, actor=world.users["manager"], category="orientation", code="NE", label="东北"
        )
    item = commands.save_code_item(
        session,
        actor=admin,
        category="orientation",
        code="NE",
        label="东北",
        label_en="North-east",
        sort=9,
    )
    with pytest.raises(DomainError):
        commands.save_code_item(
            session, actor=admin, category="orientation", code="NE", label="又一个"
        )
    with pytest.raises(DomainError):
        commands.save_code_item(
            session, actor=admin, item_id=item.id, category="orientation", code="NE2", label="东北"
        )
    commands.save_code_item(
        session,
        actor=admin,
        item_id=item.id,
        category="orientation",
        code="NE",
        label="东北向",
        active=False,
    )
    assert session.get(CodeItem, item.id).label == "东北向"
    assert "NE" not in {o["value"] for o in queries.code_options(session, "orientation")}
    assert queries.code_labels(session, "orientation")["NE"] == "东北向"


def test_layout_plan_image_is_checked_and_stored(session, world, tmp_path):
    manager = world.users["manager"]
    layout = commands.save_layout(
        session,
        actor=manager,
        project_id=world.projects[0].id,
        name="A户型",
        rooms=3,
        halls=2,
        baths=1,
        gross_area="89.50",
    )
    with pytest.raises(ValidationError):
        commands.set_layout_plan(
            session,
            actor=manager,
            layout_id=layout.id,
            content=b"<svg onload=alert(1)>",
            folder=tmp_path,
        )
    commands.set_layout_plan(
        session, actor=manager, layout_id=layout.id, content=PNG, folder=tmp_path
    )
    assert layout.plan_image.endswith(".png")
    assert (tmp_path / layout.plan_image).read_bytes() == PNG
    assert queries.layout(session, world.users["consultant_p2"], layout.id) is None
    assert queries.layout(session, world.users["consultant"], layout.id).id == layout.id


def test_sales_plans_upsert_per_month_and_target(session, world):
    manager = world.users["manager"]
    project = world.projects[0]
    team = commands.save_team(session, actor=manager, project_id=project.id, name="冲锋组")
    plan = commands.save_sales_plan(
        session,
        actor=manager,
        project_id=project.id,
        month=date(2026, 3, 15),
        team_id=team.id,
        target_units=20,
        target_area="1800.5",
        target_amount="36000000",
    )
    again = commands.save_sales_plan(
        session,
        actor=manager,
        project_id=project.id,
        month=date(2026, 3, 1),
        team_id=team.id,
        target_units=22,
        target_area="2000",
        target_amount="40000000",
    )
    assert again.id == plan.id and plan.month == date(2026, 3, 1) and plan.target_units == 22
    assert session.scalar(select(func.count()).select_from(SalesPlan)) == 1
    frame = queries.sales_plans_frame(session, manager, project.id, 2026)
    assert list(frame["target_amount"]) == [Decimal("40000000.00")]
    consultant = world.users["consultant"]
    commands.assign_team(session, actor=manager, user_id=consultant.id, team_id=team.id)
    staff = queries.staff_frame(session, manager, project.id)
    assert staff.set_index("username").loc["consultant", "team"] == "冲锋组"
    with pytest.raises(PermissionDenied):
        commands.save_sales_plan(
            session,
            actor=consultant,
            project_id=project.id,
            month=date(2026, 4, 1),
            target_units=1,
            target_area="1",
            target_amount="1",
        )
