"""Fixes in the inventory, pricing and base-data areas: the price import checks a list price
against the unit's current floor price and says when it waits for approval; rule pricing
previews and applies the form's rule; the 销控表's unit panel shows 底价 only to those who may
approve below it; 虚拟销控's actions only for editors, ticks cleared after an action; number
fields refuse empty or out-of-range values; templates never write formulas; every code category
has a label; the 房源定义 grid's headers translated; the demo's initial prices in the history."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import func, select

from data_layer.commands import pricing
from data_layer.errors import DomainError
from data_layer.excel import importer
from data_layer.excel.importer import Column, ImportSpec
from data_layer.models import (
    AdjustmentStatus,
    Building,
    PriceChange,
    PriceRule,
    SalesPlan,
    Unit,
    User,
)
from data_layer.queries import base as base_queries
from pages.base import ids as base_ids
from pages.inventory import ids
from tests import dash_client
from tests.conftest import login
from tests.factories import make_building

response_of = dash_client.response_of


text_of = dash_client.text_of


def find(component, ident: str) -> dict | None:
    """The serialised component with id `ident` inside a tree."""
    if isinstance(component, list):
        for child in component:
            found = find(child, ident)
            if found is not None:
                return found
    elif isinstance(component, dict):
        props = component.get("props", {})
        if props.get("id") == ident:
            return component
        return find(props.get("children"), ident)
    return None


def _units(session, building):
    return list(
        session.scalars(
            select(Unit).where(Unit.building_id == building.id).order_by(Unit.floor, Unit.position)
        )
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


# ---------------------------------------------------------------------------------------------
# 1. Price import and direct prices against the current floor price


def test_import_of_a_list_price_below_the_current_floor_is_refused_by_row_and_column(
    session, world
):
    building = make_building(session, world.projects[0], code="F")
    units = _units(session, building)  # list 20000, floor 19000
    result = importer.run_import(
        session,
        pricing.PRICES_IMPORT,
        _price_file([[units[0].code, 19500, None], [units[1].code, 18500, None]]),
        actor=world.users["manager"],
        context={"project_id": world.projects[0].id},
    )
    assert not result.ok
    errors = [(e.row, e.column) for e in result.errors]
    assert errors == [(3, "表价单价")]  # 19500 ≥ the floor 19000 is fine; 18500 is not
    assert "低于" in result.errors[0].message and "19000" in result.errors[0].message
    assert session.scalar(select(func.count()).select_from(PriceChange)) == 0
    assert units[1].list_unit_price == Decimal("20000.00")


def test_direct_list_price_below_the_kept_floor_price_is_refused(session, world):
    building = make_building(session, world.projects[0], code="G")
    unit = _units(session, building)[0]
    with pytest.raises(DomainError) as refused:
        pricing.set_prices(
            session,
            actor=world.users["manager"],
            prices=[{"unit_id": unit.id, "list_unit_price": "18500", "floor_unit_price": None}],
            reason="降价",
        )
    assert "底价" in refused.value.message
    assert unit.list_unit_price == Decimal("20000.00")
    # With a new floor price too, the same list price is accepted.
    pricing.set_prices(
        session,
        actor=world.users["manager"],
        prices=[{"unit_id": unit.id, "list_unit_price": "19800", "floor_unit_price": "18000"}],
        reason="降价",
    )
    assert unit.list_unit_price == Decimal("19800.00")
    assert unit.floor_unit_price == Decimal("18000.00")


def test_batch_cut_keeping_the_floor_price_may_not_go_below_it(session, world):
    building = make_building(session, world.projects[0], code="B", floors=1)
    manager = world.users["manager"]

    def cut(percent):
        return pricing.preview_adjustment(
            session,
            actor=manager,
            scope=pricing.Scope(building.id),
            method="percent",
            value=Decimal(percent),
            include_floor_price=False,
        )

    with pytest.raises(DomainError) as refused:
        cut("-10")  # 18000 < the kept floor 19000
    assert "低于底价" in refused.value.message and "B-1-101" in refused.value.message
    assert {i.new_unit_price for i in cut("-4").items} == {Decimal("19200.00")}
    # With the floor price moved as well, the same cut is fine.
    preview = pricing.preview_adjustment(
        session,
        actor=manager,
        scope=pricing.Scope(building.id),
        method="percent",
        value=Decimal("-10"),
        include_floor_price=True,
    )
    assert {i.new_floor_unit_price for i in preview.items} == {Decimal("17100.00")}


def test_an_import_waiting_for_approval_says_so(session, world):
    building = make_building(session, world.projects[0], code="H")
    units = _units(session, building)
    notices: list = []
    result = importer.run_import(
        session,
        pricing.PRICES_IMPORT,
        _price_file([[units[0].code, 23000, None]]),  # +15 %: above the 5 % threshold
        actor=world.users["manager"],
        context={"project_id": world.projects[0].id, "notices": notices},
    )
    assert result.ok, result.errors
    assert units[0].list_unit_price == Decimal("20000.00")  # not yet: waits for approval
    assert len(notices) == 1
    zh, en = notices[0]
    assert "审批" in zh and "approv" in en
    small: list = []
    result = importer.run_import(
        session,
        pricing.PRICES_IMPORT,
        _price_file([[units[1].code, 20100, None]]),
        actor=world.users["manager"],
        context={"project_id": world.projects[0].id, "notices": small},
    )
    assert result.ok and small == []  # applied at once: nothing to add


# ---------------------------------------------------------------------------------------------
# 2. Rule pricing previews and applies the form's rule


def test_rule_preview_and_apply_use_the_given_rule_and_save_it(session, world):
    building = make_building(session, world.projects[0], code="R")
    manager = world.users["manager"]
    pricing.save_price_rule(
        session,
        actor=manager,
        building_id=building.id,
        base_unit_price=Decimal("20000"),
        formula="",
        floor_ratio=Decimal("0.95"),
        floor_factors="",
        orientation_factors="",
        layout_factors="",
    )
    form = pricing.RuleValues(
        base_unit_price=Decimal("20500"), formula="", floor_ratio=Decimal("0.95")
    )
    scope = pricing.Scope(building.id)
    preview = pricing.preview_rule(session, actor=manager, scope=scope, rule=form)
    assert {i.new_unit_price for i in preview.items} == {Decimal("20500.00")}
    rule = session.scalar(select(PriceRule).where(PriceRule.building_id == building.id))
    assert rule.base_unit_price == Decimal("20000.00")  # a preview saves nothing
    adjustment = pricing.apply_rule(session, actor=manager, scope=scope, reason="规则", rule=form)
    assert adjustment.status == AdjustmentStatus.APPLIED
    assert rule.base_unit_price == Decimal("20500.00")
    assert {u.list_unit_price for u in _units(session, building)} == {Decimal("20500.00")}


# ---------------------------------------------------------------------------------------------
# Callbacks


@pytest.fixture(scope="module")
def app_data(app_env):
    db = app_env.server.extensions["loupan_db"]
    with db.writer() as s:
        from data_layer.models import Project

        project = s.scalar(select(Project).where(Project.code == "P1"))
        rule_building = make_building(s, project, code="R")
        unit_id = s.scalar(select(Unit.id).where(Unit.building_id != rule_building.id))
        return {
            "project_id": project.id,
            "rule_building": rule_building.id,
            "unit_id": unit_id,
        }


def test_import_screen_says_the_imported_prices_wait_for_approval(app_env, monkeypatch):
    """The import screen's job (run here in-process) adds the writer's notice to 已导入."""
    import base64

    import dash
    from dash import State

    from dashboard import background, imports
    from dashboard.db import reader

    jobs = {}

    def in_process(_app, _permission, *_dependencies, **_kwargs):
        def keep(func):
            jobs["run"] = func
            return func

        return keep

    monkeypatch.setattr(background, "callback", in_process)
    db = app_env.server.extensions["loupan_db"]
    with db.writer() as s:
        from data_layer.models import Project

        project = s.scalar(select(Project).where(Project.code == "P1"))
        building = make_building(s, project, code="I")
        code, project_id = _units(s, building)[0].code, project.id
    imports.register(
        dash.Dash(__name__),
        "test-price-import",
        spec=pricing.PRICES_IMPORT,
        permission="pricing.edit",
        context=lambda user, _b: {"project_id": project_id},
        state=[State("test-building", "value")],
    )
    content = base64.b64encode(_price_file([[code, 23000, None]])).decode()
    with app_env.server.test_request_context():
        manager = reader().scalar(select(User).where(User.username == "manager"))
        status, _errors, _box = jobs["run"](
            lambda _p: None, f"data:x;base64,{content}", "价格.xlsx", None, user=manager
        )
    text = text_of(status)
    assert "已导入 1 行" in text and "审批" in text and "调价单" in text


def _rule_post(app, client, trigger, building_id, base, reason=""):
    values = {
        f"{ids.PRICE_BUILDING}.value": building_id,
        f"{ids.RULE_BASE}.value": base,
        f"{ids.RULE_FORMULA}.value": "base * floor_k * orientation_k * layout_k",
        f"{ids.RULE_FLOOR_RATIO}.value": 0.95,
        f"{ids.RULE_FLOORS}.value": "",
        f"{ids.RULE_ORIENTATIONS}.value": "",
        f"{ids.RULE_LAYOUTS}.value": "",
        f"{ids.RULE_REASON}.value": reason,
        f"{trigger}.n_clicks": 1,
    }
    response = dash_client.post(
        client, app, f"{ids.RULE_FEEDBACK}.children", values, f"{trigger}.n_clicks"
    )
    return text_of(response_of(response)[ids.RULE_FEEDBACK]["children"])


def test_rule_buttons_use_what_the_form_shows(app_env, app_data):
    client = app_env.server.test_client()
    login(client, "manager")
    building_id = app_data["rule_building"]
    # Saved rule: the current prices (20000, floor 0.95).
    assert "已保存" in _rule_post(app_env, client, ids.RULE_SAVE, building_id, 20000)
    # The form now says 20500: the preview shows it (not "the same as the current prices").
    preview = _rule_post(app_env, client, ids.RULE_PREVIEW, building_id, 20500)
    assert "11,193,000.00" in preview  # 546 m² × 20,500
    applied = _rule_post(app_env, client, ids.RULE_APPLY, building_id, 20500, reason="按规则")
    assert "已生效" in applied
    db = app_env.server.extensions["loupan_db"]
    with db.factory() as s:
        prices = set(s.scalars(select(Unit.list_unit_price).where(Unit.building_id == building_id)))
        rule = s.scalar(select(PriceRule).where(PriceRule.building_id == building_id))
    assert prices == {Decimal("20500.00")}
    assert rule.base_unit_price == Decimal("20500.00")


def _panel_text(app, username, unit_id) -> str:
    client = app.server.test_client()
    login(client, username)
    response = dash_client.post(
        client,
        app,
        f"{ids.UNIT_DETAIL}.children",
        {f"{ids.SELECTED_UNIT}.data": unit_id, f"{ids.FINGERPRINT}.data": "x"},
        f"{ids.SELECTED_UNIT}.data",
    )
    return text_of(response_of(response)[ids.UNIT_DETAIL]["children"])


def test_unit_panel_shows_the_floor_price_only_to_those_who_may_approve(app_env, app_data):
    consultant = _panel_text(app_env, "consultant", app_data["unit_id"])
    assert "表价" in consultant and "20,000.00" in consultant
    assert "底价" not in consultant and "19,000.00" not in consultant
    manager = _panel_text(app_env, "manager", app_data["unit_id"])
    assert "底价" in manager and "19,000.00" in manager


def _page(app, username, path):
    from tests.test_callback_security import ROUTER, callback_bodies

    client = app.server.test_client()
    login(client, username)
    body = dict(callback_bodies(app))[ROUTER]
    for item in body["inputs"]:
        item["value"] = {"pathname": path, "search": ""}.get(item["property"])
    return response_of(dash_client.send(client, body))["_pages_content"]["children"]


def test_virtual_chart_actions_only_for_roles_that_may_release(app_env):
    for username, hidden in (("consultant", True), ("manager", False)):
        bar = find(_page(app_env, username, "/analytics/virtual"), ids.RELEASE_ACTIONS)
        assert bar is not None
        assert (bar["props"].get("style") == {"display": "none"}) is hidden, username
        assert find(bar, ids.RELEASE_BUTTON) is not None  # one callback serves the buttons


def test_a_done_release_action_clears_the_ticked_units(app_env, app_data):
    client = app_env.server.test_client()
    login(client, "manager")
    values = {
        f"{ids.WITHDRAW_BUTTON}.n_clicks": 1,
        f"{ids.RELEASE_GRID}.selectedRows": [{"id": app_data["unit_id"]}],
        f"{ids.WITHDRAW_REASON}.value": "调整",
    }
    done = response_of(
        dash_client.post(
            client,
            app_env,
            f"{ids.RELEASE_FEEDBACK}.children",
            values,
            f"{ids.WITHDRAW_BUTTON}.n_clicks",
        )
    )[ids.RELEASE_FEEDBACK]["children"]
    assert "已撤盘 1 套" in text_of(done)
    again = dash_client.post(
        client,
        app_env,
        f"{ids.RELEASE_FEEDBACK}.children",
        values,
        f"{ids.WITHDRAW_BUTTON}.n_clicks",
    )
    refused = response_of(again)[ids.RELEASE_FEEDBACK]["children"]
    assert refused["props"]["color"] == "danger"

    def clear(message):
        return dash_client.post(
            client,
            app_env,
            f"{ids.RELEASE_GRID}.selectedRows",
            {f"{ids.RELEASE_FEEDBACK}.children": message},
            f"{ids.RELEASE_FEEDBACK}.children",
        )

    assert response_of(clear(done))[ids.RELEASE_GRID]["selectedRows"] == []
    assert clear(refused).status_code == 204  # a refusal keeps the ticks to try again


# ---------------------------------------------------------------------------------------------
# 5. Number fields: empty or out of range is refused, never saved as a default


def _plan(app, client, project_id, units, area=100, amount=1000):
    values = {
        f"{base_ids.PLAN_SAVE}.n_clicks": 1,
        "shell-project.value": project_id,
        f"{base_ids.PLAN_YEAR}.value": 2026,
        f"{base_ids.PLAN_MONTH}.value": 3,
        f"{base_ids.PLAN_UNITS}.value": units,
        f"{base_ids.PLAN_AREA}.value": area,
        f"{base_ids.PLAN_AMOUNT}.value": amount,
    }
    response = dash_client.post(
        client, app, f"{base_ids.PLAN_FEEDBACK}.children", values, f"{base_ids.PLAN_SAVE}.n_clicks"
    )
    return response_of(response)[base_ids.PLAN_FEEDBACK]["children"]


def test_sales_plan_refuses_an_empty_or_negative_target(app_env, app_data):
    from dashboard import shell

    assert shell.PROJECT_SELECT == "shell-project"
    client = app_env.server.test_client()
    login(client, "manager")
    db = app_env.server.extensions["loupan_db"]
    # −3 arrives as None (the field's min is 0); so does an empty field.
    for units, area, amount in ((None, 100, 1000), (5, None, 1000), (5, 100, None), (2.5, 1, 1)):
        refused = _plan(app_env, client, app_data["project_id"], units, area, amount)
        assert refused["props"]["color"] == "danger"
        assert "请填写" in text_of(refused)
    with db.factory() as s:
        assert s.scalar(select(func.count()).select_from(SalesPlan)) == 0
    saved = _plan(app_env, client, app_data["project_id"], 0, 0, 0)
    assert "已保存" in text_of(saved)
    with db.factory() as s:
        plan = s.scalar(select(SalesPlan))
        assert plan.target_units == 0 and plan.month == date(2026, 3, 1)


def test_code_sort_and_project_days_are_not_defaulted(app_env):
    client = app_env.server.test_client()
    login(client, "admin")
    response = dash_client.post(
        client,
        app_env,
        f"{base_ids.CODE_FEEDBACK}.children",
        {
            f"{base_ids.CODE_SAVE}.n_clicks": 1,
            f"{base_ids.CODE_CATEGORY}.value": "channel",
            f"{base_ids.CODE_CODE}.value": "x-new",
            f"{base_ids.CODE_LABEL}.value": "新渠道",
            f"{base_ids.CODE_SORT}.value": None,
            f"{base_ids.CODE_ACTIVE}.value": True,
        },
        f"{base_ids.CODE_SAVE}.n_clicks",
    )
    assert "请填写排序" in text_of(response_of(response)[base_ids.CODE_FEEDBACK]["children"])
    response = dash_client.post(
        client,
        app_env,
        f"{base_ids.PROJECT_FEEDBACK}.children",
        {
            f"{base_ids.PROJECT_SAVE}.n_clicks": 1,
            f"{base_ids.PROJECT_CODE}.value": "P9",
            f"{base_ids.PROJECT_NAME}.value": "新项目",
            f"{base_ids.PROJECT_CITY}.value": "杭州",
            f"{base_ids.PROJECT_PROTECTION}.value": None,
            f"{base_ids.PROJECT_HOLD}.value": 3,
            f"{base_ids.PROJECT_ACTIVE}.value": True,
        },
        f"{base_ids.PROJECT_SAVE}.n_clicks",
    )
    text = text_of(response_of(response)[base_ids.PROJECT_FEEDBACK]["children"])
    assert "请填写客户保护天数" in text


# ---------------------------------------------------------------------------------------------
# 6. Templates never hold formulas


def test_template_writes_dictionary_labels_as_text(session):
    spec = ImportSpec(
        name="测试",
        columns=[
            Column("名称", "name", required=True),
            Column("朝向", "orientation", "choice", choices={"=1+2": "A", "@SUM(1)": "B"}),
        ],
    )
    content = importer.template_xlsx(spec, session, {})
    wb = openpyxl.load_workbook(io.BytesIO(content))
    options = wb["选项"]
    cells = [options.cell(row=r, column=2) for r in (1, 2)]
    assert [c.value for c in cells] == ["=1+2", "@SUM(1)"]
    assert all(c.data_type == "s" for c in cells)
    guide_cells = [c for row in wb["填写说明"].iter_rows() for c in row if c.value]
    assert not [c for c in guide_cells if c.data_type == "f"]
    assert any("=1+2" in str(c.value) for c in guide_cells)


# ---------------------------------------------------------------------------------------------
# 7. Every code category has a label


def test_every_code_category_has_a_label(session):
    categories = base_queries.code_categories(session)
    assert "cancel_reason" in categories
    assert [c for c in categories if c not in base_queries.CATEGORY_LABELS] == []


# ---------------------------------------------------------------------------------------------
# 8. 房源定义 headers in English


def test_unit_definition_grid_headers_follow_the_language(app_env, app_data):
    from data_layer.commands import users as user_commands

    db = app_env.server.extensions["loupan_db"]
    client = app_env.server.test_client()
    login(client, "admin")

    def headers():
        response = dash_client.post(
            client,
            app_env,
            f"{base_ids.UNITS_GRID}.columnDefs",
            {f"{base_ids.UNITS_BUILDING}.value": app_data["rule_building"]},
            f"{base_ids.UNITS_BUILDING}.value",
        )
        return [c["headerName"] for c in response_of(response)[base_ids.UNITS_GRID]["columnDefs"]]

    assert "房间编码" in headers()
    with db.writer() as s:
        me = s.scalar(select(User).where(User.username == "admin"))
        user_commands.set_language(s, actor=me, language="en")
    try:
        english = headers()
        assert "Unit code" in english and "Gross area" in english
        assert not [h for h in english if any("\u4e00" <= ch <= "\u9fff" for ch in h)]
    finally:
        with db.writer() as s:
            me = s.scalar(select(User).where(User.username == "admin"))
            user_commands.set_language(s, actor=me, language="zh")


def test_batch_preview_grid_headers_are_translated():
    import flask

    from callbacks import pricing as pricing_callbacks
    from dashboard import format as formatting

    english = flask.Flask("english")
    english.config["LOUPAN_LANGUAGE"] = "en"
    with english.app_context():
        columns = pricing_callbacks._preview_columns(formatting.Formatter(base_queries.Precision()))
    headers = [c["headerName"] for c in columns]
    assert "Unit code" in headers
    assert not [h for h in headers if any("\u4e00" <= ch <= "\u9fff" for ch in h)]


# ---------------------------------------------------------------------------------------------
# 9. Demo: every priced unit's first price is in the history


def test_demo_records_every_priced_units_first_price(tmp_path):
    from data_layer import demo
    from data_layer.db import Database
    from data_layer.migrate import upgrade
    from data_layer.models import PriceAdjustment, PriceAdjustmentItem

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    upgrade(url)
    db = Database(url)
    try:
        demo.load(db, scale="small", seed=7, progress=lambda _m: None, today=date(2026, 11, 20))
        with db.factory() as s:
            priced = set(s.scalars(select(Unit.id).where(Unit.list_unit_price.is_not(None))))
            first = {}
            for change in s.scalars(select(PriceChange).order_by(PriceChange.at, PriceChange.id)):
                first.setdefault(change.unit_id, change)
            assert priced and priced <= set(first)
            assert all(c.old_list_unit_price is None for c in first.values())
            assert all(c.reason and c.batch for c in first.values())
            # Every history row still belongs to an adjustment, item for item.
            codes = set(s.scalars(select(PriceAdjustment.code)))
            assert set(s.scalars(select(PriceChange.batch))) == codes
            items = s.scalar(select(func.count()).select_from(PriceAdjustmentItem))
            assert items == s.scalar(select(func.count()).select_from(PriceChange))
            buildings = set(s.scalars(select(Building.id)))
            assert buildings
    finally:
        db.dispose()


def test_dictionary_labels_follow_the_language(session, app_env):
    """Orientation and use read from the dictionary in the viewer's language: the 销控表's
    orientation filter and the unit panel say North-south in English (they said 南北)."""
    from data_layer.queries import base as base_queries
    from data_layer.queries import crm as crm_queries
    from pages.inventory import ids as inventory_ids
    from tests.conftest import login

    assert base_queries.code_labels(session, "orientation")["NS"] == "南北"
    assert base_queries.code_labels(session, "orientation", "en")["NS"] == "North-south"
    assert {"label": "North-south", "value": "NS"} in base_queries.code_options(
        session, "orientation", "en"
    )
    assert crm_queries.code_labels is base_queries.code_labels
    from data_layer.queries import deals as deal_queries

    assert deal_queries.code_options is base_queries.code_options
    db = app_env.server.extensions["loupan_db"]
    with db.writer() as s:
        from data_layer.commands import users as user_commands
        from data_layer.models import User

        consultant = s.scalar(select(User).where(User.username == "consultant"))
        user_commands.set_language(s, actor=consultant, language="en")
    client = app_env.server.test_client()
    login(client, "consultant")
    try:
        response = dash_client.post(
            client,
            app_env,
            f"{inventory_ids.FILTER_ORIENTATION}.options",
            {f"{inventory_ids.BUILDING_SELECT}.value": None},
        )
        options = dash_client.response_of(response)[inventory_ids.FILTER_ORIENTATION]["options"]
        assert {"label": "North-south", "value": "NS"} in options
    finally:
        with db.writer() as s:
            consultant = s.scalar(select(User).where(User.username == "consultant"))
            user_commands.set_language(s, actor=consultant, language="zh")
