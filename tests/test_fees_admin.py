"""费用设置: the administrator adds dated versions of fee rules and deed-tax rates; nothing is
overwritten, old deals keep their fees, bad input is refused in Chinese."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from data_layer import localtime
from data_layer.commands import deals as deal_cmd
from data_layer.commands import fees as cmd
from data_layer.errors import PermissionDenied, ValidationError
from data_layer.models import AuditEntry, DeedTaxRate, FeeRule, Receivable, ReceivableKind
from data_layer.queries import fees as q
from tests.conftest import login
from tests.test_callback_security import callback_bodies
from tests.test_deals_commands import subscribe
from tests.test_deals_support import make_market
from tests.test_finance_callbacks import post

TODAY = date(2026, 12, 4)
RATES = {
    "first_home_small": "1",
    "first_home_large": "1.5",
    "second_home_small": "1",
    "second_home_large": "2",
    "other_home_rate": "3",
}


@pytest.fixture
def market(session):
    return make_market(session)


def add_rule(session, market, **kw):
    values = dict(
        code="maintenance",
        name="维修基金",
        formula="area * 80",
        effective_from=TODAY,
        city="杭州",
        today=TODAY,
    )
    values.update(kw)
    return cmd.add_fee_rule(session, actor=market.user("admin"), **values)


def add_rate(session, market, **kw):
    values = dict(
        city="杭州",
        effective_from=TODAY,
        area_threshold="140",
        rates_percent=dict(RATES),
        today=TODAY,
    )
    values.update(kw)
    return cmd.add_deed_tax_rate(session, actor=market.user("admin"), **values)


def refused(call, *args, **kw) -> str:
    with pytest.raises(ValidationError) as err:
        call(*args, **kw)
    return err.value.message


# --- fee rules ----------------------------------------------------------------------------------


def test_a_new_version_is_added_and_nothing_is_overwritten(session, market):
    first = add_rule(session, market)
    second = add_rule(session, market, formula="area * 100", effective_from=date(2027, 1, 1))
    assert session.get(FeeRule, first.id).formula == "area * 80"  # kept as it was
    frame = q.fee_rules_frame(session, market.user("admin"), today=TODAY)
    assert list(zip(frame["formula"], frame["status"], strict=True)) == [
        ("area * 100", "待生效"),
        ("area * 80", "现行"),
    ]
    assert set(frame["scope"]) == {"杭州"}
    assert second.effective_from == date(2027, 1, 1)
    audited = session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "fee.rule_add")
    )
    assert audited == 2


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("area * ", "公式有误"),
        ("__import__('os')", "公式有误"),
        ("area * rate", "未知的变量：rate"),
        ("price / 0", "除数为零"),
        ("0 - area", "负数"),
        ("", "公式有误"),
    ],
)
def test_a_bad_formula_is_refused(session, market, formula, expected):
    assert expected in refused(add_rule, session, market, formula=formula)
    assert session.scalar(select(func.count()).select_from(FeeRule)) == 0


def test_a_from_date_in_the_past_or_not_after_the_current_version_is_refused(session, market):
    assert "不能早于今天" in refused(
        add_rule, session, market, effective_from=TODAY - timedelta(days=1)
    )
    add_rule(session, market, effective_from=date(2027, 1, 1))
    message = refused(add_rule, session, market, effective_from=date(2027, 1, 1))
    assert "必须晚于当前版本的生效日期（2027-01-01）" in message
    # Another city or a project has versions of its own.
    add_rule(session, market, city="武汉", effective_from=TODAY)
    add_rule(session, market, project_id=market.world.projects[0].id, effective_from=TODAY)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("code", "Maintenance!", "费用代码"),
        ("code", "deed_tax", "契税税率"),
        ("name", "", "费用名称"),
        ("effective_from", None, "生效日期"),
    ],
)
def test_other_bad_fee_input_is_refused(session, market, field, value, expected):
    assert expected in refused(add_rule, session, market, **{field: value})


def test_only_the_administrator_edits_fees(session, market):
    for role in ("manager", "finance", "executive"):
        with pytest.raises(PermissionDenied):
            cmd.add_fee_rule(
                session,
                actor=market.user(role),
                code="x",
                name="x",
                formula="1",
                effective_from=TODAY,
            )
        with pytest.raises(PermissionDenied):
            q.fee_rules_frame(session, market.user(role))


def test_old_deals_keep_their_fees_and_new_contracts_use_the_new_version(session, market):
    add_rule(session, market, effective_from=TODAY)
    old = subscribe(session, market)
    deal_cmd.sign_contract(
        session, actor=market.user("consultant"), deal_id=old.id, contract_no="HT-1", today=TODAY
    )
    add_rule(session, market, formula="area * 100", effective_from=TODAY + timedelta(days=1))

    def fees(deal):
        return sorted(
            session.scalars(
                select(Receivable.amount).where(
                    Receivable.deal_id == deal.id, Receivable.kind == ReceivableKind.FEE
                )
            )
        )

    assert fees(old) == [Decimal("8000.00"), Decimal("19600.00")]  # 100 m² × 80; deed tax 1%
    later = TODAY + timedelta(days=1)
    new = deal_cmd.sign_contract(
        session,
        actor=market.user("consultant"),
        unit_id=market.units[1].id,
        customer_id=market.customers[2].id,
        plan_id=market.lump.id,
        deposit=Decimal("50000"),
        contract_no="HT-2",
        today=later,
    )
    assert fees(new) == [Decimal("10000.00"), Decimal("19600.00")]
    assert fees(old) == [Decimal("8000.00"), Decimal("19600.00")]


# --- deed-tax rates -----------------------------------------------------------------------------


def test_a_deed_tax_version_is_stored_in_fractions_and_listed_in_percent(session, market):
    row = add_rate(session, market, rates_percent={**RATES, "second_home_large": "3"})
    assert row.second_home_large == Decimal("0.0300") and row.first_home_large == Decimal("0.015")
    frame = q.deed_tax_frame(session, market.user("admin"), today=TODAY)
    assert list(frame["city"]) == ["全部城市", "杭州"]
    assert list(frame["source"]) == ["设置", "设置"]  # the national rates are seeded rows
    assert list(frame["status"]) == ["现行", "现行"]
    hz = frame.iloc[1]
    assert (hz["second_home_large"], hz["area_threshold"]) == (Decimal("3.00"), Decimal("140.00"))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"rates_percent": {**RATES, "first_home_small": "101"}}, "0% 到 100%"),
        ({"rates_percent": {**RATES, "other_home_rate": "-1"}}, "0% 到 100%"),
        ({"rates_percent": {**RATES, "first_home_large": "1.505"}}, "两位小数"),
        ({"rates_percent": {**RATES, "second_home_small": ""}}, "请填写二套（小面积）税率"),
        ({"rates_percent": {**RATES, "second_home_small": "abc"}}, "请填写二套（小面积）税率"),
        ({"area_threshold": "0"}, "面积分界"),
        ({"area_threshold": "大"}, "面积分界"),
        ({"effective_from": TODAY - timedelta(days=1)}, "不能早于今天"),
    ],
)
def test_bad_deed_tax_input_is_refused(session, market, change, expected):
    before = session.scalar(select(func.count()).select_from(DeedTaxRate))
    assert expected in refused(add_rate, session, market, **change)
    assert session.scalar(select(func.count()).select_from(DeedTaxRate)) == before


def test_deed_tax_from_date_must_follow_the_current_version(session, market):
    add_rate(session, market, effective_from=date(2027, 1, 1))
    assert "晚于当前版本" in refused(add_rate, session, market, effective_from=date(2027, 1, 1))
    add_rate(session, market, effective_from=date(2027, 1, 2))


def test_a_city_of_its_own_leaves_other_cities_on_the_built_in_rates(session, market):
    add_rate(session, market, city="武汉", rates_percent={**RATES, "first_home_small": "2"})
    deal = subscribe(session, market)
    lines = deal_cmd.fee_lines(session, deal, market.units[0], TODAY)  # the project is in 杭州
    assert lines[0] == ("deed_tax", "契税", Decimal("19600.00"))


# --- the screen ---------------------------------------------------------------------------------


def post_deed_tax(app, client, values: dict, rates: dict):
    key, body = next((k, b) for k, b in callback_bodies(app) if "admin-dt-grid.rowData" in k)
    cb = app.callback_map[key]
    body["inputs"] = [{"id": "admin-dt-add", "property": "n_clicks", "value": 1}]
    state = []
    for s in cb["state"]:
        if s["id"].startswith("{"):
            prop = s["property"]
            state.append(
                [
                    {
                        "id": {"type": "admin-dt-rate", "field": f},
                        "property": prop,
                        "value": v if prop == "value" else {"type": "admin-dt-rate", "field": f},
                    }
                    for f, v in rates.items()
                ]
            )
        else:
            state.append(
                {
                    "id": s["id"],
                    "property": s["property"],
                    "value": values.get(f"{s['id']}.{s['property']}"),
                }
            )
    body["state"] = state
    body["changedPropIds"] = ["admin-dt-add.n_clicks"]
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json()["response"]


def test_fee_screen_adds_versions_and_explains_refusals(app_env):
    client = app_env.server.test_client()
    login(client, "admin")
    tomorrow = (localtime.today() + timedelta(days=1)).isoformat()
    values = {
        "admin-fee-add.n_clicks": 1,
        "admin-fee-code.value": "stamp",
        "admin-fee-name.value": "印花税",
        "admin-fee-formula.value": "price * 0.0005 +",
        "admin-fee-from.date": tomorrow,
    }
    out = post(app_env, client, "admin-fee-grid.rowData", values)
    assert "公式有误" in json.dumps(out["admin-fee-feedback"], ensure_ascii=False)
    values["admin-fee-formula.value"] = "round_half_up(price * 0.0005, 2)"
    out = post(app_env, client, "admin-fee-grid.rowData", values)
    assert "已新增“印花税”的新版本" in json.dumps(out["admin-fee-feedback"], ensure_ascii=False)
    rows = out["admin-fee-grid"]["rowData"]
    assert [(r["code"], r["scope"], r["status"]) for r in rows] == [("stamp", "全部城市", "待生效")]
    values["admin-fee-from.date"] = "2020-01-01"
    out = post(app_env, client, "admin-fee-grid.rowData", values)
    assert "不能早于今天" in json.dumps(out["admin-fee-feedback"], ensure_ascii=False)

    picked = post(
        app_env,
        client,
        "admin-fee-code.value",
        {"admin-fee-grid.selectedRows": [{"id": rows[0]["id"]}]},
    )
    assert picked["admin-fee-formula"]["value"] == "round_half_up(price * 0.0005, 2)"

    bad = post_deed_tax(
        app_env,
        client,
        {"admin-dt-from.date": tomorrow, "admin-dt-threshold.value": "140"},
        {**RATES, "second_home_large": "120"},
    )
    assert "0% 到 100%" in json.dumps(bad["admin-dt-feedback"], ensure_ascii=False)
    good = post_deed_tax(
        app_env,
        client,
        {"admin-dt-from.date": tomorrow, "admin-dt-threshold.value": "140"},
        RATES,
    )
    assert "已新增契税税率版本" in json.dumps(good["admin-dt-feedback"], ensure_ascii=False)
    assert [r["source"] for r in good["admin-dt-grid"]["rowData"]] == ["设置", "设置"]

    download = post(app_env, client, "admin-fee-download.data", {"admin-fee-export.n_clicks": 1})
    assert download["admin-fee-download"]["data"]["filename"].startswith("fee_rules-")

    finance = app_env.server.test_client()
    login(finance, "finance")
    body = next(b for k, b in callback_bodies(app_env) if "admin-fee-grid" in k)
    assert finance.post("/_dash-update-component", json=body).status_code == 403
