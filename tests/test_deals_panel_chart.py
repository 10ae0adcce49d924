"""The deal block under the 销控表's unit panel shows only what that panel lacks (customer,
consultant, 保留至, the actions); 交易登记, where nothing else shows the unit, keeps the table."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from data_layer import localtime
from data_layer.commands import deals as deal_cmd
from data_layer.models import Customer, Project, Unit, User
from pages.deals import ids
from pages.inventory import ids as inventory_ids
from tests import dash_client
from tests.conftest import login
from tests.test_deals_support import make_plans

text_of = dash_client.text_of


@pytest.fixture(scope="module")
def units(app_env):
    db = app_env.server.extensions["loupan_db"]
    with db.writer() as s:
        p1 = s.scalar(select(Project).where(Project.code == "P1"))
        lump, _mortgage = make_plans(s, p1)
        codes = {u.code: u.id for u in s.scalars(select(Unit).where(Unit.project_id == p1.id))}
        consultant = s.scalar(select(User).where(User.username == "consultant"))
        customer = s.scalar(select(Customer).where(Customer.name == "张伟"))
        deal_cmd.subscribe(
            s,
            actor=consultant,
            unit_id=codes["1-1-201"],
            customer_id=customer.id,
            plan_id=lump.id,
            deposit="20000",
        )
    return codes


def _panel(client, app, unit_id, pathname):
    response = dash_client.post(
        client,
        app,
        f"{inventory_ids.UNIT_ACTIONS}.children",
        {f"{inventory_ids.SELECTED_UNIT}.data": unit_id, "shell-url.pathname": pathname},
        f"{inventory_ids.SELECTED_UNIT}.data",
    )
    return dash_client.response_of(response)[inventory_ids.UNIT_ACTIONS]["children"]


def _shown(component) -> str:
    return json.dumps(component, ensure_ascii=False)


def test_the_chart_shows_only_what_the_unit_panel_lacks(app_env, units):
    client = app_env.server.test_client()
    login(client, "manager")
    sold = _panel(client, app_env, units["1-1-201"], "/deals/chart")
    text = text_of(sold)
    assert "张伟（认购）" in text and "置业顾问" in text
    for repeated in ("房间 1-1-201", "建筑面积", "表价总价", "底价总价", "状态"):
        assert repeated not in text
    free = _panel(client, app_env, units["1-1-101"], "/deals/chart")
    assert "deal-panel-table" not in _shown(free)  # nothing to add but the buttons
    assert "认购" in text_of(free) and "建筑面积" not in text_of(free)


def test_the_register_keeps_the_full_table(app_env, units):
    client = app_env.server.test_client()
    login(client, "manager")
    for pathname in ("/deals/register", None):
        text = text_of(_panel(client, app_env, units["1-1-201"], pathname))
        for shown in ("房间 1-1-201", "建筑面积", "表价总价", "认购", "张伟（认购）", "置业顾问"):
            assert shown in text
    free = _panel(client, app_env, units["1-1-101"], "/deals/register")
    assert "deal-panel-table" in _shown(free) and "建筑面积" in text_of(free)


def test_a_deal_made_on_the_chart_redraws_the_short_block(app_env, units):
    db = app_env.server.extensions["loupan_db"]
    with db.factory() as s:
        customer_id = s.scalar(select(Customer.id).where(Customer.name == "张伟"))
    client = app_env.server.test_client()
    login(client, "consultant")
    until = (localtime.today() + timedelta(days=2)).isoformat()
    values = {
        f"{ids.SUBMIT}.n_clicks": 1,
        f"{ids.MODAL_ACTION}.data": "reserve",
        f"{ids.MODAL_UNIT}.data": units["1-1-102"],
        f"{ids.F_CUSTOMER}.value": customer_id,
        f"{ids.F_UNTIL}.date": until,
        f"{ids.F_EXTRA}.value": "0",
        f"{ids.F_HOMES}.value": "1",
        f"{ids.MODAL_TOKEN}.data": uuid.uuid4().hex,
        "shell-url.pathname": "/deals/chart",
    }
    _key, body = dash_client.request(app_env, f"{ids.PANEL_SUMMARY}.children", values)
    for output in body["outputs"]:  # the DONE store's id is a pattern (a dict)
        if output["id"].startswith("{"):
            output["id"] = json.loads(output["id"])
    out = dash_client.response_of(dash_client.send(client, body))
    assert "已预留 1-1-102" in text_of(out[ids.FEEDBACK]["children"])
    text = text_of(out[ids.PANEL_SUMMARY]["children"])
    assert "张伟（" in text and until in text
    assert "建筑面积" not in text and "房间 1-1-102" not in text
