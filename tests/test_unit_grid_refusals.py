"""房源定义's unit grid: a refused edit names every problem at once (one line per unit and
problem, Chinese and English) and writes nothing, not even the edit's good units."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from data_layer.commands import base as commands
from data_layer.errors import ValidationError
from data_layer.models import AuditEntry, Building, PriceChange, Unit, UnitStatus
from tests import dash_client
from tests.conftest import login
from tests.factories import make_building

FIELDS = ("code", "gross_area", "internal_area", "shared_area", "list_total", "floor_total")


def _state(session, building_id):
    session.expire_all()
    units = session.scalars(
        select(Unit).where(Unit.building_id == building_id).order_by(Unit.id)
    ).all()
    return (
        [tuple(getattr(u, f) for f in FIELDS) for u in units],
        session.scalar(select(func.count()).select_from(PriceChange)),
        session.scalar(select(func.count()).select_from(AuditEntry)),
    )


def test_three_bad_units_and_a_good_one_are_refused_together(session, world):
    building = make_building(session, world.projects[0], floors=2, per_floor=2)
    big, unequal, sold, good = session.scalars(
        select(Unit).where(Unit.building_id == building.id).order_by(Unit.id)
    ).all()
    sold.status = UnitStatus.CONTRACTED
    session.flush()
    before = _state(session, building.id)
    changes = [
        {"id": big.id, "internal_area": "999"},
        {"id": good.id, "gross_area": "100.00", "internal_area": "80.00"},
        {"id": unequal.id, "gross_area": "100", "internal_area": "80", "shared_area": "30"},
        {"id": sold.id, "gross_area": "101"},
    ]
    with pytest.raises(commands.UnitGridRefused) as refused:
        commands.update_units(session, actor=world.users["manager"], changes=changes)
    err = refused.value
    assert isinstance(err, ValidationError)
    assert err.message.splitlines() == [
        f"{big.code}：套内面积大于建筑面积。",
        f"{unequal.code}：套内面积 + 公摊面积 ≠ 建筑面积。",
        f"{sold.code} 已认购或签约，面积以合同为准，实测面积请走面积补差。",
    ]
    assert err.text("en").splitlines() == [
        f"{big.code}: internal area exceeds gross area.",
        f"{unequal.code}: internal + shared ≠ gross.",
        f"{sold.code} is sold: its area is the contract's.",
    ]
    assert err.lines("zh") == err.message.splitlines()
    assert "3" in err.heading("zh") and "3 problems" in err.heading("en")
    assert _state(session, building.id) == before  # the good unit too: nothing written

    # Alone, the good unit is saved (so it was refused only for the others' sake).
    assert commands.update_units(session, actor=world.users["manager"], changes=changes[1:2]) == 1
    assert good.gross_area == Decimal("100.00") and good.shared_area == Decimal("20.00")


def test_field_and_code_problems_are_listed_per_unit(session, world):
    building = make_building(session, world.projects[0], floors=2, per_floor=2)
    a, b, c, d = session.scalars(
        select(Unit).where(Unit.building_id == building.id).order_by(Unit.id)
    ).all()
    before = _state(session, building.id)
    changes = [
        {"id": a.id, "code": "", "gross_area": "abc", "internal_area": "1.234"},
        {"id": b.id, "code": d.code},  # held by another unit of the project
        {"id": c.id, "code": "X-1"},  # taken twice in the same edit
        {"id": d.id, "code": "x-1", "gross_area": "0", "internal_area": "0", "shared_area": "0"},
    ]
    with pytest.raises(commands.UnitGridRefused) as refused:
        commands.update_units(session, actor=world.users["manager"], changes=changes)
    assert refused.value.message.splitlines() == [
        f"{a.code}：请填写房间编码。",
        f"{a.code}：建筑面积应为数字。",
        f"{a.code}：套内面积最多两位小数。",
        f"{b.code}：房间编码「{d.code}」在本项目已存在。",
        f"{c.code}：房间编码「X-1」在本项目已存在。",
        f"{d.code}：建筑面积必须大于 0。",
        f"{d.code}：房间编码「x-1」在本项目已存在。",
    ]
    assert _state(session, building.id) == before


def test_a_long_refusal_shows_twenty_lines_then_the_rest_counted(session, world):
    building = make_building(session, world.projects[0], floors=12, per_floor=2)
    units = session.scalars(select(Unit).where(Unit.building_id == building.id)).all()
    before = _state(session, building.id)
    with pytest.raises(commands.UnitGridRefused) as refused:
        commands.update_units(
            session,
            actor=world.users["manager"],
            changes=[{"id": u.id, "internal_area": "500"} for u in units],
        )
    err = refused.value
    assert len(err.problems) == 24
    assert len(err.lines("zh")) == 21 and err.lines("zh")[-1] == "…另有 4 条"
    assert err.lines("en")[-1] == "… and 4 more"
    assert _state(session, building.id) == before


def test_the_unit_grid_lists_every_problem(app_env):
    db = app_env.server.extensions["loupan_db"]
    with db.writer() as s:
        building = s.scalars(select(Building).where(Building.code == "1")).first()
        units = s.scalars(
            select(Unit).where(Unit.building_id == building.id).order_by(Unit.id)
        ).all()
        building_id, codes, ids = building.id, [u.code for u in units], [u.id for u in units]
        before = [(u.gross_area, u.internal_area, u.shared_area, u.code) for u in units]
    client = app_env.server.test_client()
    login(client, "manager")
    edits = {
        str(ids[0]): {"internal_area": 999},
        str(ids[1]): {"gross_area": 100, "internal_area": 80, "shared_area": 30},
        str(ids[2]): {"code": ""},
        str(ids[3]): {"gross_area": 100, "internal_area": 80},
    }
    out = dash_client.response_of(
        dash_client.post(
            client,
            app_env,
            "base-units-feedback.children",
            {
                "base-units-save.n_clicks": 1,
                "base-units-building.value": building_id,
                "base-units-edits.data": edits,
            },
            "base-units-save.n_clicks",
        )
    )
    alert = out["base-units-feedback"]["children"]
    items = [
        dash_client.text_of(li)
        for part in alert["props"]["children"]
        if part["type"] == "Ul"
        for li in part["props"]["children"]
    ]
    assert items == [
        f"{codes[0]}：套内面积大于建筑面积。",
        f"{codes[1]}：套内面积 + 公摊面积 ≠ 建筑面积。",
        f"{codes[2]}：请填写房间编码。",
    ]
    assert alert["props"]["color"] == "danger"
    assert "3 处问题" in dash_client.text_of(alert)
    with db.writer() as s:
        units = s.scalars(select(Unit).where(Unit.id.in_(ids)).order_by(Unit.id)).all()
        assert [(u.gross_area, u.internal_area, u.shared_area, u.code) for u in units] == before
