"""Deal, finance and calculator callbacks through the Flask client, as real roles."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import select

from data_layer.commands import deals as deal_cmd
from data_layer.models import Customer, Project, Receipt, Unit, User
from tests.conftest import login
from tests.test_callback_security import callback_bodies
from tests.test_deals_support import make_plans


def post(app, client, output_part: str, values: dict, changed: str | None = None):
    """Post the callback whose output contains `output_part`, with inputs/state by id.prop."""
    key, body = next((k, b) for k, b in callback_bodies(app) if output_part in k)
    cb = app.callback_map[key]
    body["inputs"] = [
        {
            "id": i["id"],
            "property": i["property"],
            "value": values.get(f"{i['id']}.{i['property']}"),
        }
        for i in cb["inputs"]
    ]
    body["state"] = [
        {
            "id": s["id"],
            "property": s["property"],
            "value": values.get(f"{s['id']}.{s['property']}"),
        }
        for s in cb["state"]
    ]
    body["changedPropIds"] = [changed or f"{cb['inputs'][0]['id']}.{cb['inputs'][0]['property']}"]
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json()["response"]


@pytest.fixture(scope="module")
def booked(app_env):
    """A plan and one subscribed deal in the app's database."""
    db = app_env.server.extensions["loupan_db"]
    with db.writer() as s:
        project = s.scalar(select(Project).where(Project.code == "P1"))
        lump, _ = make_plans(s, project)
        consultant = s.scalar(select(User).where(User.username == "consultant"))
        customer = s.scalar(select(Customer).where(Customer.name == "张伟"))
        unit = s.scalar(select(Unit).where(Unit.project_id == project.id).order_by(Unit.id))
        deal = deal_cmd.subscribe(
            s,
            actor=consultant,
            unit_id=unit.id,
            customer_id=customer.id,
            plan_id=lump.id,
            deposit=Decimal("50000"),
        )
        return {"deal_id": deal.id, "unit_id": unit.id, "free_unit": unit.id + 1}


def test_mortgage_calculator_shows_the_combined_worked_example(app_env):
    client = app_env.server.test_client()
    login(client, "consultant")
    out = post(
        app_env,
        client,
        "plan-mg-summary.children",
        {
            "plan-mg-calculate.n_clicks": 1,
            "plan-mg-price.value": "1000000",
            "plan-mg-down-ratio.value": "0",
            "plan-mg-kind.value": "combined",
            "plan-mg-method.value": "equal_installment",
            "plan-mg-years.value": 20,
            "plan-mg-commercial.value": "600000",
            "plan-mg-commercial-rate.value": "3.5",
            "plan-mg-provident.value": "400000",
            "plan-mg-provident-rate.value": "2.6",
        },
    )
    text = json.dumps(out["plan-mg-summary"], ensure_ascii=False)
    assert "¥5,618.91" in text
    assert "3,479.76 / 2,139.15" in text
    rows = out["plan-mg-schedule"]["rowData"]
    assert len(rows) == 240
    assert round(sum(r["principal"] for r in rows), 2) == 1000000.00


def test_mortgage_calculator_explains_bad_input(app_env):
    client = app_env.server.test_client()
    login(client, "consultant")
    out = post(
        app_env,
        client,
        "plan-mg-summary.children",
        {
            "plan-mg-calculate.n_clicks": 1,
            "plan-mg-price.value": "abc",
            "plan-mg-years.value": 30,
            "plan-mg-kind.value": "commercial",
        },
    )
    assert "不是有效的数字" in json.dumps(out["plan-mg-feedback"], ensure_ascii=False)


def test_unit_panel_offers_deal_actions_only_to_deal_roles(app_env, booked):
    client = app_env.server.test_client()
    login(client, "consultant")
    out = post(
        app_env,
        client,
        "unit-panel-actions.children",
        {"inventory-selected-unit.data": booked["free_unit"]},
    )
    text = json.dumps(out, ensure_ascii=False)
    assert '"action": "subscribe"' in text and "认购" in text
    taken = json.dumps(
        post(
            app_env,
            client,
            "unit-panel-actions.children",
            {"inventory-selected-unit.data": booked["unit_id"]},
        ),
        ensure_ascii=False,
    )
    assert "张伟" in taken and '"action": "sign_deal"' in taken
    marketing = app_env.server.test_client()
    login(marketing, "marketing")
    out = post(
        app_env,
        marketing,
        "unit-panel-actions.children",
        {"inventory-selected-unit.data": booked["free_unit"]},
    )
    assert out["unit-panel-actions"]["children"] is None


def test_receipt_form_refuses_an_overpayment_in_chinese(app_env, booked):
    client = app_env.server.test_client()
    login(client, "finance")
    values = {
        "fin-rc-submit.n_clicks": 1,
        "fin-rc-deal.value": booked["deal_id"],
        "fin-rc-amount.value": "99999999",
        "fin-rc-method.value": "transfer",
        "fin-rc-date.date": "2026-12-04",
        "fin-rc-token.data": "t-1",
    }
    out = post(app_env, client, "fin-rc-feedback.children", values)
    assert "不能多收" in json.dumps(out, ensure_ascii=False)
    values["fin-rc-amount.value"] = "1000"
    values["fin-rc-token.data"] = "t-2"
    out = post(app_env, client, "fin-rc-feedback.children", values)
    assert "已登记收据" in json.dumps(out, ensure_ascii=False)
    db = app_env.server.extensions["loupan_db"]
    with db.factory() as s:
        amounts = s.scalars(select(Receipt.amount).where(Receipt.deal_id == booked["deal_id"]))
        assert list(amounts) == [Decimal("1000.00")]
