"""Audit fixes of the deals area: a hold's snapshotted price, the refused subscriber's panel,
the 已换房 filter, English action verbs and messages, readable history, the swap's price
difference for the approver and the unit panel's precision."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from decimal import Decimal

import dash
import pytest
from sqlalchemy import select

from data_layer import localtime
from data_layer.commands import base as base_commands
from data_layer.commands import deals as deal_cmd
from data_layer.commands import pricing
from data_layer.commands import users as user_commands
from data_layer.errors import ValidationError
from data_layer.models import Customer, DealApproval, DealState, Project, Unit, User
from data_layer.rules.money import money
from pages.deals import ids
from pages.inventory import ids as inventory_ids
from tests import dash_client
from tests.conftest import login
from tests.test_deals_support import make_market, make_plans

TODAY = localtime.today()


def _raise_price(session, admin, unit, unit_price: str) -> None:
    pricing.set_prices(
        session,
        actor=admin,
        prices=[{"unit_id": unit.id, "list_unit_price": Decimal(unit_price)}],
        reason="调价",
    )
    session.flush()
    session.refresh(unit)


# ---------------------------------------------------------------------------------------------
# 1. A hold or reservation keeps its snapshotted price when it becomes a subscription


@pytest.mark.parametrize("first", ["hold", "reserve"])
def test_subscription_of_a_hold_keeps_the_snapshotted_list_price(session, first):
    m = make_market(session)
    unit, customer = m.units[0], m.customers[0]
    consultant, admin = m.user("consultant"), m.user("admin")
    if first == "hold":
        deal_cmd.hold(
            session, actor=consultant, unit_id=unit.id, customer_id=customer.id, deposit="5000"
        )
    else:
        deal_cmd.reserve(
            session,
            actor=consultant,
            unit_id=unit.id,
            customer_id=customer.id,
            until=TODAY + timedelta(days=3),
        )
    _raise_price(session, admin, unit, "20800.00")
    assert unit.list_total == Decimal("2080000.00")
    deal = deal_cmd.subscribe(
        session,
        actor=consultant,
        unit_id=unit.id,
        customer_id=customer.id,
        plan_id=m.lump.id,
        deposit="20000",
        extra_discount="1000",
    )
    assert deal.list_total == Decimal("2000000.00")
    assert deal.list_unit_price == Decimal("20000.00")
    # The plan's 98折 and the extra discount apply to the snapshotted list price.
    assert deal.deal_total == money(Decimal("2000000") * Decimal("0.98")) - 1000
    assert deal.deal_total == Decimal("1959000.00")
    assert deal_cmd.pending_approval(session, deal.id) is None  # the floor scaled with it


def test_a_reservation_converted_to_a_hold_keeps_its_price(session):
    m = make_market(session)
    unit, customer = m.units[1], m.customers[0]
    consultant = m.user("consultant")
    deal_cmd.reserve(
        session,
        actor=consultant,
        unit_id=unit.id,
        customer_id=customer.id,
        until=TODAY + timedelta(days=3),
    )
    _raise_price(session, m.user("admin"), unit, "20500.00")
    deal = deal_cmd.hold(
        session, actor=consultant, unit_id=unit.id, customer_id=customer.id, deposit="5000"
    )
    assert deal.list_total == Decimal("2000000.00")


def test_a_fresh_subscription_still_takes_the_units_current_price(session):
    m = make_market(session)
    unit = m.units[2]
    _raise_price(session, m.user("admin"), unit, "20800.00")
    deal = deal_cmd.subscribe(
        session,
        actor=m.user("consultant"),
        unit_id=unit.id,
        customer_id=m.customers[0].id,
        plan_id=m.lump.id,
        deposit="20000",
    )
    assert deal.list_total == Decimal("2080000.00")


# ---------------------------------------------------------------------------------------------
# 4. The deposit messages have English


@pytest.mark.parametrize(
    ("deposit", "zh", "en"),
    [
        ("999999", "定金不得超过房价的20%", "The deposit may not exceed 20% of the price"),
        ("abc", "无法识别的数字", "The deposit is not a number"),
        ("0", "定金必须大于0", "The deposit must be above zero"),
    ],
)
def test_deposit_refusals_have_english(session, deposit, zh, en):
    m = make_market(session)
    with pytest.raises(ValidationError) as refused:
        deal_cmd.subscribe(
            session,
            actor=m.user("consultant"),
            unit_id=m.units[0].id,
            customer_id=m.customers[0].id,
            plan_id=m.lump.id,
            deposit=deposit,
        )
    assert zh in refused.value.text("zh")
    assert en in refused.value.text("en") and zh not in refused.value.text("en")


# ---------------------------------------------------------------------------------------------
# 6. The approver sees a swap's price difference


def test_swap_request_records_and_shows_the_price_difference(session):
    m = make_market(session)
    consultant, manager = m.user("consultant"), m.user("manager")
    old, new = m.units[0], m.units[3]
    _raise_price(session, m.user("admin"), new, "20500.00")
    deal = deal_cmd.subscribe(
        session,
        actor=consultant,
        unit_id=old.id,
        customer_id=m.customers[0].id,
        plan_id=m.lump.id,
        deposit="20000",
    )
    approval = deal_cmd.request_change(
        session, actor=consultant, deal_id=deal.id, kind="swap", new_unit_id=new.id
    )
    expected = Decimal("49000.00")  # (2,050,000 − 2,000,000) × 0.98
    assert Decimal(approval.payload["price_difference"]) == expected
    assert deal_cmd.swap_price_differences(session, [approval.id]) == {approval.id: expected}
    # Still pending: a later price change shows at once (what approving would do).
    _raise_price(session, m.user("admin"), new, "20600.00")
    assert deal_cmd.swap_price_differences(session, [approval.id])[approval.id] == Decimal(
        "58800.00"
    )
    deal_cmd.decide(session, actor=manager, approval_id=approval.id, approve=True)
    session.refresh(approval)
    assert Decimal(approval.payload["price_difference"]) == Decimal("58800.00")
    assert deal_cmd.swap_price_differences(session, [approval.id])[approval.id] == Decimal(
        "58800.00"
    )


# ---------------------------------------------------------------------------------------------
# Through the Flask client


@pytest.fixture(scope="module")
def panel_data(app_env):
    db = app_env.server.extensions["loupan_db"]
    with db.writer() as s:
        p1 = s.scalar(select(Project).where(Project.code == "P1"))
        lump, _mortgage = make_plans(s, p1)
        units = {u.code: u.id for u in s.scalars(select(Unit).where(Unit.project_id == p1.id))}
        customers = {c.name: c.id for c in s.scalars(select(Customer))}
        return {"plan": lump.id, "units": units, "customers": customers}


def _user(s, username):
    return s.scalar(select(User).where(User.username == username))


text_of = dash_client.text_of


def _buttons(component) -> list[str]:
    found = []
    if isinstance(component, list):
        for c in component:
            found += _buttons(c)
    elif isinstance(component, dict):
        props = component.get("props", {})
        ident = props.get("id")
        if isinstance(ident, dict) and ident.get("type") == ids.ACTION:
            found.append(text_of(props.get("children")))
        found += _buttons(props.get("children"))
    return found


def _panel(client, app, unit_id):
    response = dash_client.post(
        client,
        app,
        f"{inventory_ids.UNIT_ACTIONS}.children",
        {f"{inventory_ids.SELECTED_UNIT}.data": unit_id},
        f"{inventory_ids.SELECTED_UNIT}.data",
    )
    return dash_client.response_of(response)[inventory_ids.UNIT_ACTIONS]["children"]


@pytest.fixture
def app(app_env):
    return app_env


def test_refused_subscriber_sees_the_unit_as_it_is_now(app, panel_data):
    """Two consultants subscribe the same unit: the loser's panel shows 认购 and the holder,
    with no actions left, next to the Chinese refusal."""
    db = app.server.extensions["loupan_db"]
    unit_id = panel_data["units"]["1-1-101"]
    loser = app.server.test_client()
    login(loser, "consultant2")
    before = _panel(loser, app, unit_id)
    assert "待售" in text_of(before) and "认购" in _buttons(before)
    with db.writer() as s:  # 张伟's consultant is quicker
        deal_cmd.subscribe(
            s,
            actor=_user(s, "consultant"),
            unit_id=unit_id,
            customer_id=panel_data["customers"]["张伟"],
            plan_id=panel_data["plan"],
            deposit="20000",
        )
    values = {
        f"{ids.SUBMIT}.n_clicks": 1,
        f"{ids.MODAL_ACTION}.data": "subscribe",
        f"{ids.MODAL_UNIT}.data": unit_id,
        f"{ids.F_CUSTOMER}.value": panel_data["customers"]["李娜"],
        f"{ids.F_PLAN}.value": panel_data["plan"],
        f"{ids.F_DEPOSIT}.value": "20000",
        f"{ids.F_EXTRA}.value": "0",
        f"{ids.F_CONTRACT}.value": "",
        f"{ids.F_HOMES}.value": "1",
        f"{ids.MODAL_TOKEN}.data": uuid.uuid4().hex,
    }
    _key, body = dash_client.request(app, f"{ids.PANEL_SUMMARY}.children", values)
    for output in body["outputs"]:  # the DONE store's id is a pattern (a dict)
        if output["id"].startswith("{"):
            output["id"] = json.loads(output["id"])
    out = dash_client.response_of(dash_client.send(loser, body))
    assert "1-1-101 已被 张伟 认购" in text_of(out[ids.FEEDBACK]["children"])
    summary = out[ids.PANEL_SUMMARY]["children"]
    assert "认购" in text_of(summary) and "待售" not in text_of(summary)
    assert "张伟" in text_of(summary)
    assert _buttons(summary) == []
    assert out[deal_ids_done()]["data"]  # the lists showing the unit refresh


def deal_ids_done() -> str:
    return json.dumps({"id": "panel", "type": ids.DONE}, separators=(",", ":"))


def test_unit_panel_uses_the_precision_settings(app, panel_data):
    db = app.server.extensions["loupan_db"]
    client = app.server.test_client()
    login(client, "consultant")
    unit_id = panel_data["units"]["1-1-202"]  # 91.50 m² × 20,000
    assert "91.50 m²" in text_of(_panel(client, app, unit_id))
    assert "¥1,830,000.00" in text_of(_panel(client, app, unit_id))
    with db.writer() as s:
        base_commands.set_precision(s, actor=_user(s, "admin"), area=1, unit_price=2, amount=0)
    try:
        shown = text_of(_panel(client, app, unit_id))
        assert "91.5 m²" in shown and "¥1,830,000" in shown and "¥1,830,000.00" not in shown
    finally:
        with db.writer() as s:
            base_commands.set_precision(s, actor=_user(s, "admin"), area=2, unit_price=2, amount=2)


def test_english_buttons_are_verbs(app, panel_data):
    db = app.server.extensions["loupan_db"]
    client = app.server.test_client()
    login(client, "consultant")
    unit_id = panel_data["units"]["1-1-301"]
    assert _buttons(_panel(client, app, unit_id)) == ["预留", "临定", "认购", "直接签约"]
    with db.writer() as s:
        user_commands.set_language(s, actor=_user(s, "consultant"), language="en")
    try:
        panel = _panel(client, app, unit_id)
        assert _buttons(panel) == ["Reserve", "Hold", "Subscribe", "Sign directly"]
        assert "For sale" in text_of(panel)  # the state stays an adjective
    finally:
        with db.writer() as s:
            user_commands.set_language(s, actor=_user(s, "consultant"), language="zh")


def test_deal_list_finds_swapped_deals_and_history_is_readable(app, panel_data):
    db = app.server.extensions["loupan_db"]
    with db.writer() as s:
        consultant = _user(s, "consultant")
        deal = deal_cmd.subscribe(
            s,
            actor=consultant,
            unit_id=panel_data["units"]["1-1-102"],
            customer_id=panel_data["customers"]["张伟"],
            plan_id=panel_data["plan"],
            deposit="20000",
        )
        approval = deal_cmd.request_change(
            s,
            actor=consultant,
            deal_id=deal.id,
            kind="swap",
            new_unit_id=panel_data["units"]["1-1-201"],
        )
        approval_id, deal_id = approval.id, deal.id
    # The approver sees the difference (1-1-201 is 1 m² smaller: −20,000 × 0.98).
    manager_client = app.server.test_client()
    login(manager_client, "manager")
    values = {f"{ids.AP_STATUS}.value": "pending"}
    rows = dash_client.response_of(
        dash_client.post(manager_client, app, f"{ids.AP_GRID}.rowData", values)
    )[ids.AP_GRID]["rowData"]
    row = next(r for r in rows if r["id"] == approval_id)
    assert row["price_difference"] == -19600.0
    with db.writer() as s:
        deal_cmd.decide(s, actor=_user(s, "manager"), approval_id=approval_id, approve=True)
        assert s.get(DealApproval, approval_id).status.value == "approved"
    client = app.server.test_client()
    login(client, "consultant")
    rows = dash_client.response_of(
        dash_client.post(
            client, app, f"{ids.LIST_GRID}.rowData", {f"{ids.LIST_STATE}.value": "swapped"}
        )
    )[ids.LIST_GRID]["rowData"]
    assert [r["id"] for r in rows] == [deal_id] and rows[0]["state"] == "已换房"
    # Every deal state can be chosen in the filter.
    page = next(p for p in dash.page_registry.values() if p["path"] == "/deals/list")
    layout = page["layout"].__defaults__[0]  # the page's own, inside the permission guard
    with app.server.test_request_context():
        options = {o["value"] for o in layout().children[1].children[0].children.options}
    assert options == {s.value for s in DealState}
    # The history reads 标签：值 with formatted amounts, not key=value.
    chosen = {f"{ids.LIST_GRID}.selectedRows": [{"id": deal_id}]}
    detail = dash_client.response_of(
        dash_client.post(client, app, f"{ids.LIST_DETAIL}.children", chosen)
    )[ids.LIST_DETAIL]["children"]
    shown = str(detail)
    assert "定金：¥20,000.00" in shown and "成交总价：¥1,793,400.00" in shown
    assert "差价：-¥19,600.00" in shown
    assert "deal_total=" not in shown and "deposit=" not in shown
    assert "换至房间：1-1-201" in shown and "原因" not in shown
    with db.writer() as s:
        user_commands.set_language(s, actor=_user(s, "consultant"), language="en")
    try:
        english = str(
            dash_client.response_of(
                dash_client.post(client, app, f"{ids.LIST_DETAIL}.children", chosen)
            )[ids.LIST_DETAIL]["children"]
        )
        assert "Deposit: ¥20,000.00" in english or "Deposit：¥20,000.00" in english
        assert "定金" not in english
    finally:
        with db.writer() as s:
            user_commands.set_language(s, actor=_user(s, "consultant"), language="zh")


def test_preview_of_a_held_unit_quotes_the_holds_price(app, panel_data):
    db = app.server.extensions["loupan_db"]
    unit_id = panel_data["units"]["1-1-302"]  # 91.50 m² × 20,000 = 1,830,000
    with db.writer() as s:
        deal_cmd.hold(
            s,
            actor=_user(s, "consultant"),
            unit_id=unit_id,
            customer_id=panel_data["customers"]["张伟"],
            deposit="5000",
        )
        pricing.set_prices(
            s,
            actor=_user(s, "admin"),
            prices=[{"unit_id": unit_id, "list_unit_price": Decimal("20500.00")}],
            reason="调价",
        )
    client = app.server.test_client()
    login(client, "consultant")
    values = {
        f"{ids.F_PLAN}.value": panel_data["plan"],
        f"{ids.F_EXTRA}.value": "0",
        f"{ids.MODAL_ACTION}.data": "subscribe",
        f"{ids.MODAL_UNIT}.data": unit_id,
    }
    shown = text_of(
        dash_client.response_of(dash_client.post(client, app, f"{ids.PREVIEW}.children", values))[
            ids.PREVIEW
        ]["children"]
    )
    assert "¥1,830,000.00" in shown and "¥1,793,400.00" in shown  # list, 98折
    assert "1,875,750" not in shown  # 91.50 × 20,500


def test_a_link_opens_its_deal_on_the_deal_list_within_the_viewers_scope(app, panel_data):
    """交易列表?deal=<id> (回款分析's drill-down links there) lists every state and opens the
    deal's detail at once; a consultant who may not see that deal is told so, nothing shown."""
    from tests.factories import make_building

    db = app.server.extensions["loupan_db"]
    with db.writer() as s:
        p1 = s.scalar(select(Project).where(Project.code == "P1"))
        building = make_building(s, p1, code="L")
        unit = s.scalar(select(Unit).where(Unit.building_id == building.id).order_by(Unit.id))
        deal = deal_cmd.subscribe(
            s,
            actor=_user(s, "consultant"),
            unit_id=unit.id,
            customer_id=panel_data["customers"]["张伟"],
            plan_id=panel_data["plan"],
            deposit="20000",
        )
        deal_id, code = deal.id, unit.code
    page = next(p for p in dash.page_registry.values() if p["path"] == "/deals/list")
    layout = page["layout"].__defaults__[0]
    with app.server.test_request_context():
        tree = layout(deal=str(deal_id))
        assert tree.children[1].children[0].children.value is None  # every state
        assert any(getattr(c, "data", None) == deal_id for c in tree.children)
        assert layout(deal="x").children[1].children[0].children.value == "live"
    focus = {f"{ids.LIST_FOCUS}.data": deal_id}
    owner = app.server.test_client()
    login(owner, "consultant")
    shown = str(
        dash_client.response_of(
            dash_client.post(
                owner, app, f"{ids.LIST_DETAIL}.children", focus, f"{ids.LIST_FOCUS}.data"
            )
        )[ids.LIST_DETAIL]["children"]
    )
    assert code in shown and "定金" in shown
    other = app.server.test_client()
    login(other, "consultant2")
    refused = str(
        dash_client.response_of(
            dash_client.post(
                other, app, f"{ids.LIST_DETAIL}.children", focus, f"{ids.LIST_FOCUS}.data"
            )
        )[ids.LIST_DETAIL]["children"]
    )
    assert "无权查看" in refused and code not in refused


def test_deal_grids_show_stage_and_state_in_the_viewers_language(app, panel_data):
    """交易列表's 阶段/状态/合同状态 cells follow the language (exports keep the labels)."""
    db = app.server.extensions["loupan_db"]
    client = app.server.test_client()
    login(client, "manager")

    def rows():
        response = dash_client.post(client, app, f"{ids.LIST_GRID}.rowData", {})
        return dash_client.response_of(response)[ids.LIST_GRID]["rowData"]

    chinese = rows()
    assert chinese and {r["state"] for r in chinese} <= {
        "在途",
        "已过期",
        "已退房",
        "已挞定",
        "已换房",
    }
    with db.writer() as s:
        user_commands.set_language(s, actor=_user(s, "manager"), language="en")
    try:
        english = rows()
    finally:
        with db.writer() as s:
            user_commands.set_language(s, actor=_user(s, "manager"), language="zh")
    assert [r["id"] for r in english] == [r["id"] for r in chinese]
    for row in english:
        for field in ("stage", "state", "contract_status"):
            assert not any("\u4e00" <= ch <= "\u9fff" for ch in row[field] or ""), row[field]
    assert {r["state"] for r in english} <= {"Live", "Expired", "Cancelled", "Forfeited", "Swapped"}
