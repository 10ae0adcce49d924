"""Inventory and pricing callbacks through the Flask client: the chart, its live fingerprint
poll, the unit panel, release, a batch adjustment with preview, approvals, the plan image route,
and a change committed by another process showing up in the chart within 2 seconds."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from dashboard import shell
from data_layer.commands import base as base_commands
from data_layer.db import Database
from data_layer.models import Building, Layout, Unit, UnitStatus, User
from pages.inventory import ids
from tests import dash_client
from tests.conftest import login, own_database_url
from tests.factories import make_building, make_world

ROOT = Path(__file__).resolve().parent.parent

CHART_OUTPUT = (
    f"..{ids.CHART_GRAPH}.figure...{ids.CHART_LEGEND}.children...{ids.CHART_INFO}.children..."
    f"{ids.FINGERPRINT}.data...{ids.CHART_CELLS}.data.."
)
CHART_INPUTS = [
    (ids.BUILDING_SELECT, "value"),
    (ids.FILTER_LAYOUT, "value"),
    (ids.FILTER_ORIENTATION, "value"),
    (ids.FILTER_STATUS, "value"),
    (ids.FILTER_AREA_MIN, "value"),
    (ids.FILTER_AREA_MAX, "value"),
    (ids.FILTER_PRICE_MIN, "value"),
    (ids.FILTER_PRICE_MAX, "value"),
    (ids.LIVE_INTERVAL, "n_intervals"),
]


def dash_post(client, output: str, inputs: list, state: list = (), changed: str | None = None):
    """Post the callback `output` with (id, property, value) inputs and state; by default its
    first input is the one that changed."""
    inputs_ = [{"id": i, "property": p, "value": v} for i, p, v in inputs]
    state_ = [{"id": i, "property": p, "value": v} for i, p, v in state]
    changed = changed or f"{inputs[0][0]}.{inputs[0][1]}"
    return dash_client.send(client, dash_client.body(output, inputs_, state_, changed))


def chart(client, building_id, *, statuses=None, area_min=None, tick=None, known=None):
    values = [building_id, [], [], statuses or [], area_min, None, None, None, tick]
    inputs = [(i, p, v) for (i, p), v in zip(CHART_INPUTS, values, strict=True)]
    changed = f"{ids.LIVE_INTERVAL}.n_intervals" if tick else None
    return dash_post(client, CHART_OUTPUT, inputs, [(ids.FINGERPRINT, "data", known)], changed)


response_of = dash_client.response_of


text_of = dash_client.text_of


@pytest.fixture(scope="module")
def app_data(app_env):
    db = app_env.server.extensions["loupan_db"]
    with db.writer() as s:
        building = s.scalar(select(Building).order_by(Building.id))
        project_id = building.project_id
        layout = Layout(project_id=project_id, name="A户型", rooms=3, halls=2, baths=1)
        s.add(layout)
        s.flush()
        for unit in s.scalars(select(Unit).where(Unit.building_id == building.id)):
            unit.layout_id = layout.id
        manager = s.scalar(select(User).where(User.username == "manager"))
        base_commands.set_layout_plan(
            s,
            actor=manager,
            layout_id=layout.id,
            content=b"\x89PNG\r\n\x1a\n" + b"\x00" * 32,
            folder=app_env.server.config["LOUPAN_SETTINGS"].instance_dir / "plans",
        )
        return {"building_id": building.id, "layout_id": layout.id, "project_id": project_id}


def test_chart_has_legend_sell_through_and_a_cell_per_unit(app_env, app_data):
    client = app_env.server.test_client()
    login(client, "consultant")
    out = response_of(chart(client, app_data["building_id"]))
    figure = out[ids.CHART_GRAPH]["figure"]
    trace = figure["data"][0]
    assert trace["type"] == "heatmap"
    cells = [c for row in trace["customdata"] for c in row if c is not None]
    assert len(cells) == 6
    legend = text_of(out[ids.CHART_LEGEND]["children"])
    assert "待售" in legend and "6 套" in legend and "去化率" in legend
    assert len(out[ids.CHART_CELLS]["data"]) == 6
    # Payload stays small: the whole response well under the 171 kB of a Div grid.
    assert len(json.dumps(figure)) < 20_000


def test_filters_dim_units_outside_the_band(app_env, app_data):
    client = app_env.server.test_client()
    login(client, "consultant")
    out = response_of(chart(client, app_data["building_id"], area_min=91))
    info = out[ids.CHART_INFO]["children"]
    assert "符合筛选 3 套" in info  # 91.50 m² units (position 2) of 3 floors
    z = [v for row in out[ids.CHART_GRAPH]["figure"]["data"][0]["z"] for v in row]
    assert sum(1 for v in z if v >= 7) == 3  # dimmed ones are shifted past the 7 statuses


def test_live_tick_without_change_sends_nothing(app_env, app_data):
    client = app_env.server.test_client()
    login(client, "consultant")
    known = response_of(chart(client, app_data["building_id"]))[ids.FINGERPRINT]["data"]
    tick = chart(client, app_data["building_id"], tick=5, known=known)
    assert tick.status_code == 204


def test_a_tick_corrects_a_chart_drawn_with_older_filters(app_env, app_data):
    """A slow answer drawn without the filter lands after the filtered one (the browser then
    shows it): the next tick, sent with the filter, must redraw instead of answering 204."""
    client = app_env.server.test_client()
    login(client, "consultant")
    stale = response_of(chart(client, app_data["building_id"]))[ids.FINGERPRINT]["data"]
    tick = chart(client, app_data["building_id"], area_min=91, tick=6, known=stale)
    assert tick.status_code == 200
    assert "符合筛选 3 套" in response_of(tick)[ids.CHART_INFO]["children"]
    shown = response_of(tick)[ids.FINGERPRINT]["data"]
    again = chart(client, app_data["building_id"], area_min=91, tick=7, known=shown)
    assert again.status_code == 204


def test_unit_panel_shows_plan_prices_and_history(app_env, app_data):
    client = app_env.server.test_client()
    login(client, "manager")
    db = app_env.server.extensions["loupan_db"]
    with db.factory() as s:
        unit_id = s.scalar(
            select(Unit.id).where(Unit.building_id == app_data["building_id"]).order_by(Unit.id)
        )
    release = dash_post(
        client,
        f"{ids.RELEASE_FEEDBACK}.children",
        [
            (ids.RELEASE_BUTTON, "n_clicks", 1),
            (ids.WITHDRAW_BUTTON, "n_clicks", None),
            (ids.VIRTUAL_SOLD_BUTTON, "n_clicks", None),
            (ids.VIRTUAL_UNSOLD_BUTTON, "n_clicks", None),
            (ids.NOT_FOR_SALE_BUTTON, "n_clicks", None),
        ],
        [
            (ids.RELEASE_GRID, "selectedRows", [{"id": unit_id}]),
            (ids.RELEASE_BATCH, "value", "首开"),
            (ids.WITHDRAW_REASON, "value", None),
        ],
    )
    # Already for sale (factory units are available): refused with a reason, nothing changed.
    assert "只有未放盘" in text_of(response_of(release)[ids.RELEASE_FEEDBACK]["children"])
    withdraw = dash_post(
        client,
        f"{ids.RELEASE_FEEDBACK}.children",
        [
            (ids.RELEASE_BUTTON, "n_clicks", None),
            (ids.WITHDRAW_BUTTON, "n_clicks", 1),
            (ids.VIRTUAL_SOLD_BUTTON, "n_clicks", None),
            (ids.VIRTUAL_UNSOLD_BUTTON, "n_clicks", None),
            (ids.NOT_FOR_SALE_BUTTON, "n_clicks", None),
        ],
        [
            (ids.RELEASE_GRID, "selectedRows", [{"id": unit_id}]),
            (ids.RELEASE_BATCH, "value", None),
            (ids.WITHDRAW_REASON, "value", "调整户型"),
        ],
        changed=f"{ids.WITHDRAW_BUTTON}.n_clicks",
    )
    assert "已撤盘 1 套" in text_of(response_of(withdraw)[ids.RELEASE_FEEDBACK]["children"])
    panel = dash_post(
        client,
        f"{ids.UNIT_DETAIL}.children",
        [(ids.SELECTED_UNIT, "data", unit_id), (ids.FINGERPRINT, "data", "x")],
    )
    text = text_of(response_of(panel)[ids.UNIT_DETAIL]["children"])
    assert "未放盘" in text and "调整户型" in text and "A户型" in text
    assert "20,000.00" in text  # list price per m², shown with the amount precision
    plan = client.get(f"/plans/{app_data['layout_id']}")
    assert plan.status_code == 200 and plan.mimetype == "image/png"
    assert plan.headers["Cache-Control"].startswith("private")


def test_plan_image_needs_login_and_project_access(app_env, app_data):
    client = app_env.server.test_client()
    assert client.get(f"/plans/{app_data['layout_id']}").status_code in (302, 401)
    login(client, "consultant3")  # a consultant of the other project
    assert client.get(f"/plans/{app_data['layout_id']}").status_code == 404


def test_batch_adjustment_preview_then_apply_changes_the_chart(app_env, app_data):
    client = app_env.server.test_client()
    login(client, "manager")
    building_id = app_data["building_id"]
    before = response_of(chart(client, building_id))
    # An output with allow_duplicate carries a hash in its key: look the key up.
    output = next(key for key in app_env.callback_map if f"..{ids.ADJ_SUMMARY}.children" in key)

    def adjust(button, signature):
        return dash_post(
            client,
            output,
            [(ids.ADJ_PREVIEW, "n_clicks", 1), (ids.ADJ_APPLY, "n_clicks", 1)],
            [
                (ids.PRICE_BUILDING, "value", building_id),
                (ids.ADJ_FLOOR_FROM, "value", 2),
                (ids.ADJ_FLOOR_TO, "value", 3),
                (ids.ADJ_LAYOUTS, "value", []),
                (ids.ADJ_METHOD, "value", "amount"),
                (ids.ADJ_VALUE, "value", 300),
                (ids.ADJ_FLOOR_PRICE, "value", True),
                (ids.ADJ_REASON, "value", "二期开盘上调"),
                (ids.ADJ_SIGNATURE, "data", signature),
                (ids.PRICE_REFRESH, "data", 0),
            ],
            changed=f"{button}.n_clicks",
        )

    preview = response_of(adjust(ids.ADJ_PREVIEW, None))
    rows = preview[ids.ADJ_GRID]["rowData"]
    assert len(rows) == 4 and {r["new_unit_price"] for r in rows} == {20300.0}
    assert "原总价" in text_of(preview[ids.ADJ_SUMMARY]["children"])
    signature = preview[ids.ADJ_SIGNATURE]["data"]
    stale = response_of(adjust(ids.ADJ_APPLY, "something else"))
    assert "重新预览" in text_of(stale[ids.ADJ_FEEDBACK]["children"])
    applied = response_of(adjust(ids.ADJ_APPLY, signature))
    assert "已生效" in text_of(applied[ids.ADJ_FEEDBACK]["children"])
    after = response_of(chart(client, building_id))
    assert after[ids.FINGERPRINT]["data"] != before[ids.FINGERPRINT]["data"]
    hover = {
        c[1]: c[4]
        for row in after[ids.CHART_GRAPH]["figure"]["data"][0]["customdata"]
        for c in row
        if c
    }
    assert sorted(set(hover.values())) == ["20,000.00", "20,300.00"]


def test_consultant_cannot_adjust_or_approve(app_env, app_data):
    client = app_env.server.test_client()
    login(client, "consultant")
    response = dash_post(
        client,
        f"{ids.APPROVAL_FEEDBACK}.children",
        [(ids.APPROVE, "n_clicks", 1), (ids.REJECT, "n_clicks", None)],
        [(ids.APPROVAL_GRID, "selectedRows", [{"id": 1}]), (ids.APPROVAL_NOTE, "value", "")],
    )
    assert response.status_code == 403


# ---------------------------------------------------------------------------------------------
# Two processes: a change committed elsewhere shows in the chart within 2 seconds.

CHANGER = """
import sys
from sqlalchemy import select
from data_layer.db import Database
from data_layer.commands import inventory
from data_layer.models import Unit, User
db = Database(sys.argv[1])
with db.writer() as s:
    manager = s.scalar(select(User).where(User.username == "manager"))
    unit = s.scalar(select(Unit).where(Unit.code == sys.argv[2]))
    inventory.withdraw_units(s, actor=manager, unit_ids=[unit.id], reason="另一进程撤盘")
db.dispose()
"""


@pytest.fixture(params=["sqlite", pytest.param("mysql", marks=pytest.mark.mysql)])
def live_app(request, tmp_path):
    from dashboard import create_app
    from dashboard.settings import Settings

    with own_database_url(request.param, "live", tmp_path) as url:
        db = Database(url)
        with db.writer() as s:
            world = make_world(s)
            building = make_building(s, world.projects[0], code="7", floors=4, per_floor=2)
            building_id = building.id
        db.dispose()
        app = create_app(Settings(database_url=url, secret_key="t", instance_dir=tmp_path))
        yield app, url, building_id
        app.server.extensions["loupan_db"].dispose()


def test_another_process_change_shows_within_two_seconds(live_app):
    app, url, building_id = live_app
    client = app.server.test_client()
    login(client, "consultant")
    first = response_of(chart(client, building_id))
    known = first[ids.FINGERPRINT]["data"]
    assert "未放盘 0 套" in text_of(first[ids.CHART_LEGEND]["children"])
    process = subprocess.run(
        [sys.executable, "-c", CHANGER, url, "7-1-302"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert process.returncode == 0, process.stderr
    committed = time.monotonic()
    tick = 1
    while True:
        response = chart(client, building_id, tick=tick, known=known)
        if response.status_code == 200:
            break
        assert response.status_code == 204
        assert time.monotonic() - committed < 2.0, "the change did not show within 2 s"
        time.sleep(0.2)
        tick += 1
    elapsed = time.monotonic() - committed
    out = response_of(response)
    assert "未放盘 1 套" in text_of(out[ids.CHART_LEGEND]["children"])
    assert elapsed < 2.0
    # The unit's panel shows the other process's change in its history.
    with Database(url).factory() as s:
        unit_id = s.scalar(select(Unit.id).where(Unit.code == "7-1-302"))
        assert s.get(Unit, unit_id).status == UnitStatus.UNRELEASED
    panel = dash_post(
        client,
        f"{ids.UNIT_DETAIL}.children",
        [(ids.SELECTED_UNIT, "data", unit_id), (ids.FINGERPRINT, "data", "y")],
    )
    assert "另一进程撤盘" in text_of(response_of(panel)[ids.UNIT_DETAIL]["children"])
    assert shell.PROJECT_SELECT  # the chart page lives in the shell


def test_a_cached_drawing_is_never_served_outside_the_viewers_scope(app_env, app_data):
    """Redraws come from a per-process cache; the scope check runs before it on every call."""
    manager = app_env.server.test_client()
    login(manager, "manager")
    drawn = response_of(chart(manager, app_data["building_id"]))
    assert drawn[ids.CHART_GRAPH]["figure"]["data"]
    outsider = app_env.server.test_client()
    login(outsider, "consultant3")  # a consultant of the other project only
    out = response_of(chart(outsider, app_data["building_id"]))
    assert out[ids.CHART_GRAPH]["figure"]["data"] == []
    assert out[ids.FINGERPRINT]["data"] is None
    assert "权限" in out[ids.CHART_INFO]["children"]


def test_precision_and_language_changes_redraw_a_cached_chart(app_env, app_data):
    from data_layer.commands import users as user_commands

    db = app_env.server.extensions["loupan_db"]
    client = app_env.server.test_client()
    login(client, "consultant2")
    before = response_of(chart(client, app_data["building_id"]))
    area = before[ids.CHART_GRAPH]["figure"]["data"][0]["customdata"][0][0][3]
    assert area == "90.50"
    with db.writer() as s:
        admin = s.scalar(select(User).where(User.username == "admin"))
        base_commands.set_precision(s, actor=admin, area=1, unit_price=2, amount=2)
    try:
        after = response_of(chart(client, app_data["building_id"]))
        assert after[ids.CHART_GRAPH]["figure"]["data"][0]["customdata"][0][0][3] == "90.5"
    finally:
        with db.writer() as s:
            admin = s.scalar(select(User).where(User.username == "admin"))
            base_commands.set_precision(s, actor=admin, area=2, unit_price=2, amount=2)
    with db.writer() as s:
        me = s.scalar(select(User).where(User.username == "consultant2"))
        user_commands.set_language(s, actor=me, language="en")
    try:
        english = response_of(chart(client, app_data["building_id"]))
        assert "Sell-through by units" in text_of(english[ids.CHART_LEGEND]["children"])
        assert "待售" in text_of(before[ids.CHART_LEGEND]["children"])
    finally:
        with db.writer() as s:
            me = s.scalar(select(User).where(User.username == "consultant2"))
            user_commands.set_language(s, actor=me, language="zh")
