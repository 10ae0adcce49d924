"""The marketing and overview callbacks through the Flask client: a write shows at once in
the cached figures; bad input gets a Chinese message and writes nothing; scoping and masking."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from data_layer.models import MarketingExpense, Project, User
from pages.analytics import ids as ov_ids
from pages.marketing import ids
from tests import dash_client
from tests.conftest import login
from tests.factories import World
from tests.test_overview_queries import make_sales

MARCH = ("2026-03-01", "2026-03-31")


@pytest.fixture(scope="module")
def app(app_env):
    db = app_env.server.extensions["loupan_db"]
    with db.writer() as s:
        projects = list(s.scalars(select(Project).order_by(Project.code)))
        users = {u.username: u for u in s.scalars(select(User))}
        world = World(company=projects[0].company, projects=projects)
        world.users = {
            "executive": users["exec"],
            "consultant": users["consultant"],
            "consultant_p2": users["consultant3"],
            "marketing": users["marketing"],
        }
        make_sales(s, world, codes=("M1", "M9"))
    return app_env


post = dash_client.post  # (client, app, "id.prop", values by "id.prop", trigger)
_response = dash_client.response_of


def _text(component) -> str:
    return json.dumps(component, ensure_ascii=False)


def _effect(client, app) -> dict:
    response = _response(
        post(
            client,
            app,
            f"{ids.EFF_CHANNEL_GRID}.rowData",
            {f"{ids.EFF_PERIOD}.start_date": MARCH[0], f"{ids.EFF_PERIOD}.end_date": MARCH[1]},
        )
    )
    rows = response[ids.EFF_CHANNEL_GRID]["rowData"]
    return {row["channel"]: row for row in rows}


def _expense_count(app) -> int:
    db = app.server.extensions["loupan_db"]
    with db.factory() as s:
        return s.scalar(select(func.count()).select_from(MarketingExpense))


def _project_id(app, code: str) -> int:
    db = app.server.extensions["loupan_db"]
    with db.factory() as s:
        return s.scalar(select(Project.id).where(Project.code == code))


def _save_expense(client, app, amount, channel="tv"):
    return post(
        client,
        app,
        f"{ids.EXP_FEEDBACK}.children",
        {
            f"{ids.EXP_SAVE}.n_clicks": 1,
            f"{ids.EXP_PROJECT}.value": _project_id(app, "P1"),
            f"{ids.EXP_DATE}.date": "2026-03-20",
            f"{ids.EXP_CHANNEL}.value": channel,
            f"{ids.EXP_CATEGORY}.value": "media",
            f"{ids.EXP_AMOUNT}.value": amount,
            f"{ids.EXP_VENDOR}.value": "电视台",
        },
        trigger=f"{ids.EXP_SAVE}.n_clicks",
    )


def test_expense_added_by_marketing_shows_at_once_in_the_effectiveness_table(app):
    client = app.server.test_client()
    login(client, "marketing")
    before = _effect(client, app)
    assert before["online"]["spend"] == 35000.0
    assert "tv" not in before
    feedback = _response(_save_expense(client, app, 2500.5))[ids.EXP_FEEDBACK]["children"]
    assert "已记录费用" in _text(feedback)
    after = _effect(client, app)
    assert after["tv"]["spend"] == 2500.5  # the cached table was not served stale
    assert after["online"]["spend"] == 35000.0


def test_negative_amount_and_unknown_channel_get_chinese_messages_and_write_nothing(app):
    client = app.server.test_client()
    login(client, "marketing")
    count = _expense_count(app)
    negative = _response(_save_expense(client, app, -10))[ids.EXP_FEEDBACK]["children"]
    assert "金额不能为负数" in _text(negative)
    unknown = _response(_save_expense(client, app, 10, channel="carrier-pigeon"))
    assert "未知的渠道" in _text(unknown[ids.EXP_FEEDBACK]["children"])
    assert _expense_count(app) == count


def test_executive_overview_cards_and_reversed_period(app):
    client = app.server.test_client()
    login(client, "exec")
    values = {f"{ov_ids.PERIOD}.start_date": MARCH[0], f"{ov_ids.PERIOD}.end_date": MARCH[1]}
    response = _response(post(client, app, f"{ov_ids.CARDS}.children", values))
    cards = _text(response[ov_ids.CARDS]["children"])
    assert "450.00 万元" in cards  # 4,500,000 of sales in March across both projects
    assert "回款" in cards
    rows = response[ov_ids.PROJECT_GRID]["rowData"]
    assert {r["project"] for r in rows} == {"滨江壹号", "西湖花园"}
    reversed_period = {
        f"{ov_ids.PERIOD}.start_date": MARCH[1],
        f"{ov_ids.PERIOD}.end_date": MARCH[0],
    }
    response = _response(post(client, app, f"{ov_ids.CARDS}.children", reversed_period))
    assert "结束日期不能早于开始日期" in _text(response[ov_ids.ERROR]["children"])


def test_overview_drill_down_stays_within_scope(app):
    client = app.server.test_client()
    login(client, "exec")
    p2 = _project_id(app, "P2")
    response = _response(
        post(
            client,
            app,
            f"{ov_ids.NAVIGATE}.href",
            {f"{ov_ids.PROJECT_CHART}.clickData": {"points": [{"customdata": p2}]}},
            trigger=f"{ov_ids.PROJECT_CHART}.clickData",
        )
    )
    assert response[ov_ids.NAVIGATE]["href"] == f"/analytics/overview?project={p2}"
    values = {
        f"{ov_ids.PERIOD}.start_date": MARCH[0],
        f"{ov_ids.PERIOD}.end_date": MARCH[1],
        f"{ov_ids.PROJECT}.data": p2,
    }
    response = _response(post(client, app, f"{ov_ids.CARDS}.children", values))
    assert [r["project"] for r in response[ov_ids.PROJECT_GRID]["rowData"]] == ["西湖花园"]
    assert "100.00 万元" in _text(response[ov_ids.CARDS]["children"])
    # The manager of P1 cannot drill into P2.
    manager = app.server.test_client()
    login(manager, "manager")
    response = post(
        manager,
        app,
        f"{ov_ids.NAVIGATE}.href",
        {f"{ov_ids.PROJECT_CHART}.clickData": {"points": [{"customdata": p2}]}},
        trigger=f"{ov_ids.PROJECT_CHART}.clickData",
    )
    assert response.status_code == 204 or "href" not in response.get_data(as_text=True)


def test_marketing_sees_no_collections_card_and_no_leadership_query(app):
    client = app.server.test_client()
    login(client, "marketing")
    values = {f"{ov_ids.PERIOD}.start_date": MARCH[0], f"{ov_ids.PERIOD}.end_date": MARCH[1]}
    cards = _text(_response(post(client, app, f"{ov_ids.CARDS}.children", values)))
    assert "回款率" not in cards
    query = post(client, app, f"{ov_ids.Q_GRID}.rowData", {f"{ov_ids.Q_KIND}.value": "customers"})
    assert query.status_code == 403


def test_leadership_query_of_customers_for_an_executive(app):
    client = app.server.test_client()
    login(client, "exec")
    response = _response(
        post(
            client,
            app,
            f"{ov_ids.Q_GRID}.rowData",
            {
                f"{ov_ids.Q_KIND}.value": "customers",
                f"{ov_ids.Q_PERIOD}.start_date": MARCH[0],
                f"{ov_ids.Q_PERIOD}.end_date": MARCH[1],
            },
        )
    )
    rows = response[ov_ids.Q_GRID]["rowData"]
    assert len(rows) == 4
    assert "13800000001" in {r["mobile"] for r in rows}


def test_budget_cell_edit_in_the_grid_is_saved(app):
    client = app.server.test_client()
    login(client, "marketing")
    p1 = _project_id(app, "P1")
    change = [
        {
            "colId": "m05",
            "value": 1234.5,
            "oldValue": 0,
            "data": {"project_id": p1, "channel": "online", "category": "media"},
        }
    ]
    response = _response(
        post(
            client,
            app,
            f"{ids.BUDGET_GRID}.rowData",
            {f"{ids.BUDGET_YEAR}.value": 2026, f"{ids.BUDGET_GRID}.cellValueChanged": change},
            trigger=f"{ids.BUDGET_GRID}.cellValueChanged",
        )
    )
    rows = response[ids.BUDGET_GRID]["rowData"]
    online = next(r for r in rows if r["channel"] == "online" and r["project_id"] == p1)
    assert online["m05"] == 1234.5 and online["m03"] == 40000.0
    assert Decimal(str(online["total"])) == Decimal("41234.5")
    bad = [{**change[0], "value": -1}]
    response = _response(
        post(
            client,
            app,
            f"{ids.BUDGET_GRID}.rowData",
            {f"{ids.BUDGET_YEAR}.value": 2026, f"{ids.BUDGET_GRID}.cellValueChanged": bad},
            trigger=f"{ids.BUDGET_GRID}.cellValueChanged",
        )
    )
    assert "金额不能为负数" in _text(response[ids.BUDGET_FEEDBACK]["children"])
    rows = response[ids.BUDGET_GRID]["rowData"]
    online = next(r for r in rows if r["channel"] == "online" and r["project_id"] == p1)
    assert online["m05"] == 1234.5
