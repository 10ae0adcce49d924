"""Deal, finance and calculator callbacks through the Flask client, as real roles."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import select

from data_layer.commands import deals as deal_cmd
from data_layer.models import (
    Customer,
    Deal,
    DealStage,
    DealState,
    PaymentPlan,
    PlanKind,
    Project,
    Receipt,
    Unit,
    User,
)
from tests import dash_client
from tests.conftest import login
from tests.test_deals_support import subscribe_in_app


def post(app, client, output: str, values: dict, changed: str | None = None):
    """Post the callback producing `output` ("id.prop"), inputs/state by id.prop, as if its
    first input changed (unless `changed` says otherwise); the updated properties."""
    _key, cb = dash_client.callback(app, output)
    first = cb["inputs"][0]
    changed = changed or f"{first['id']}.{first['property']}"
    return dash_client.response_of(dash_client.post(client, app, output, values, changed))


@pytest.fixture(scope="module")
def booked(app_env):
    """A plan and one subscribed deal in the app's database."""
    db = app_env.server.extensions["loupan_db"]
    with db.writer() as s:
        deal, unit = subscribe_in_app(s)
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


def lump_plan(s, project):
    return s.scalar(
        select(PaymentPlan).where(
            PaymentPlan.project_id == project.id, PaymentPlan.kind == PlanKind.LUMP_SUM
        )
    )


@pytest.fixture(scope="module")
def cancelled(app_env):
    """A deal of 李娜 with 1,000 received and audited, then cancelled (退房) with approval."""
    from data_layer.commands import finance as fin_cmd

    db = app_env.server.extensions["loupan_db"]
    with db.writer() as s:
        project = s.scalar(select(Project).where(Project.code == "P1"))
        plan = lump_plan(s, project)
        user = {u.username: u for u in s.scalars(select(User))}
        customer = s.scalar(select(Customer).where(Customer.name == "李娜"))
        unit = s.scalar(
            select(Unit).where(Unit.project_id == project.id).order_by(Unit.id.desc()).limit(1)
        )
        deal = deal_cmd.subscribe(
            s,
            actor=user["consultant2"],
            unit_id=unit.id,
            customer_id=customer.id,
            plan_id=plan.id,
            deposit=Decimal("50000"),
        )
        receipt = fin_cmd.record_receipt(
            s, actor=user["finance"], deal_id=deal.id, amount=Decimal("1000"), method="cash"
        )
        fin_cmd.audit_receipts(s, actor=user["finance"], receipt_ids=[receipt.id])
        req = deal_cmd.request_change(s, actor=user["consultant2"], deal_id=deal.id, kind="cancel")
        deal_cmd.decide(s, actor=user["manager"], approval_id=req.id, approve=True)
        return {"deal_id": deal.id}


def test_refund_form_pays_out_a_cancelled_deal_and_refuses_overpaying(app_env, booked, cancelled):
    client = app_env.server.test_client()
    login(client, "finance")
    listed = post(app_env, client, "fin-rf-grid.rowData", {"fin-rf-feedback.children": None})
    assert [o["value"] for o in listed["fin-rf-deal"]["options"]] == [cancelled["deal_id"]]
    assert "待退 ¥1,000.00" in listed["fin-rf-deal"]["options"][0]["label"]
    row = listed["fin-rf-grid"]["rowData"][0]
    assert (row["state"], row["open"]) == ("已退房", 1000.0)
    picked = post(app_env, client, "fin-rf-deal.value", {"fin-rf-grid.selectedRows": [row]})
    assert picked["fin-rf-amount"]["value"] == "1000.00"
    values = {
        "fin-rf-submit.n_clicks": 1,
        "fin-rf-deal.value": cancelled["deal_id"],
        "fin-rf-amount.value": "1000.01",
        "fin-rf-method.value": "transfer",
        "fin-rf-date.date": "2026-12-04",
        "fin-rf-token.data": "rf-1",
    }
    out = post(app_env, client, "fin-rf-feedback.children", values)
    assert "不能多退" in json.dumps(out, ensure_ascii=False)
    values.update({"fin-rf-amount.value": "400", "fin-rf-token.data": "rf-2"})
    out = json.dumps(post(app_env, client, "fin-rf-feedback.children", values), ensure_ascii=False)
    assert "已登记退款单 TK" in out and "¥400.00" in out
    out = post(app_env, client, "fin-rf-feedback.children", values)  # the same form again
    assert "请勿重复点击" in json.dumps(out, ensure_ascii=False)
    values.update({"fin-rf-deal.value": booked["deal_id"], "fin-rf-token.data": "rf-3"})
    out = post(app_env, client, "fin-rf-feedback.children", values)
    assert "仍在进行中" in json.dumps(out, ensure_ascii=False)
    vouchers = post(
        app_env, client, "fin-rf-vouchers.rowData", {"fin-rf-deal.value": cancelled["deal_id"]}
    )
    assert [(r["amount"], r["kind"]) for r in vouchers["fin-rf-vouchers"]["rowData"]] == [
        (-400.0, "退款")
    ]
    download = post(app_env, client, "fin-rf-download.data", {"fin-rf-export.n_clicks": 1})
    assert download["fin-rf-download"]["data"]["filename"].startswith("refunds-")
    page = client.get(f"/finance/receipt?id={vouchers['fin-rf-vouchers']['rowData'][0]['id']}")
    assert page.status_code == 200


def test_swap_form_needs_the_new_contract_number_of_a_signed_deal(app_env):
    db = app_env.server.extensions["loupan_db"]
    with db.writer() as s:
        project = s.scalar(select(Project).where(Project.code == "P1"))
        plan = lump_plan(s, project)
        consultant = s.scalar(select(User).where(User.username == "consultant"))
        customer = s.scalar(select(Customer).where(Customer.name == "张伟"))
        free = s.scalars(
            select(Unit).where(Unit.project_id == project.id, Unit.status == "available")
        ).all()
        deal = deal_cmd.sign_contract(
            s,
            actor=consultant,
            unit_id=free[0].id,
            customer_id=customer.id,
            plan_id=plan.id,
            deposit=Decimal("50000"),
            contract_no="HT-SWAP-1",
        )
        deal_id, target = deal.id, free[1].id
    client = app_env.server.test_client()
    login(client, "consultant")
    values = {
        "deals-ch-submit.n_clicks": 1,
        "deals-ch-deal.value": deal_id,
        "deals-ch-kind.value": "swap",
        "deals-ch-unit.value": target,
        "deals-ch-token.data": "sw-1",
    }
    out = post(app_env, client, "deals-ch-feedback.children", values)
    assert "请填写合同编号" in json.dumps(out, ensure_ascii=False)
    values.update({"deals-ch-contract.value": "HT-SWAP-2", "deals-ch-token.data": "sw-2"})
    out = post(app_env, client, "deals-ch-feedback.children", values)
    assert "已提交变更申请" in json.dumps(out, ensure_ascii=False)
    manager = app_env.server.test_client()
    login(manager, "manager")
    pending = post(app_env, manager, "deals-ap-grid.rowData", {"deals-ap-status.value": "pending"})
    row = next(r for r in pending["deals-ap-grid"]["rowData"] if r["deal_id"] == deal_id)
    assert "新合同 HT-SWAP-2" in row["what"]
    out = post(
        app_env,
        manager,
        "deals-ap-grid.rowData",
        {
            "deals-ap-approve.n_clicks": 1,
            "deals-ap-status.value": "pending",
            "deals-ap-grid.selectedRows": [row],
        },
        changed="deals-ap-approve.n_clicks",
    )
    assert "变更已生效" in json.dumps(out, ensure_ascii=False)
    with db.factory() as s:
        old = s.get(Deal, deal_id)
        new = s.scalar(select(Deal).where(Deal.live_unit_id == target))
        assert old.state == DealState.SWAPPED
        assert (new.contract_no, new.stage) == ("HT-SWAP-2", DealStage.CONTRACTED)


def test_collections_rate_axis_has_whole_ticks_and_room_above_100_percent():
    """The cumulative rate's axis counts in whole twenties (not ticks synchronised with the
    money axis) and stretches when money paid ahead of its due date passes 100 %."""
    from datetime import date

    from callbacks.finance import collections_figure
    from data_layer.queries import collections as coll

    months = [date(2026, 10, 1), date(2026, 11, 1)]
    zero = [Decimal("0")] * 2
    data = coll.Collections(
        grain="month",
        periods=months,
        received={code: list(zero) for code, _ in coll.SERIES}
        | {"deposit": [Decimal("50000"), Decimal("90000")]},
        due=[Decimal("50000"), Decimal("20000")],
        cumulative_rate=[Decimal("100.0"), Decimal("200.0")],
        aging={},
        total_received=Decimal("140000"),
        total_due=Decimal("70000"),
    )
    axis = collections_figure(data)["layout"]["yaxis2"]
    assert axis["tickmode"] == "linear" and axis["dtick"] == 20
    assert axis["range"][0] == 0 and axis["range"][1] >= 200
    data_low = coll.Collections(**{**data.__dict__, "cumulative_rate": [None, Decimal("42.0")]})
    assert collections_figure(data_low)["layout"]["yaxis2"]["range"] == [0, 105]
