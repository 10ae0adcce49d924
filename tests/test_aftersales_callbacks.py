"""按揭办理 / 产权办理 callbacks through the Flask client as real roles: the clerk ticks the
checklist and moves a case on; viewers read; everyone else is refused on the server."""

from __future__ import annotations

import base64
import io
import json
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from data_layer.models import (
    AftersalesCase,
    AftersalesDocument,
    AftersalesStep,
    AuditEntry,
    CaseStatus,
)
from pages.aftersales import case_ids as ids
from tests import dash_client
from tests.conftest import login
from tests.test_deals_support import subscribe_in_app

DOCS = [
    "id_card",
    "hukou",
    "marriage",
    "income",
    "bank_statement",
    "contract",
    "down_payment_receipt",
]


@pytest.fixture(scope="module")
def signed(app_env):
    """A contracted deal on a mortgage plan in the app's database."""
    db = app_env.server.extensions["loupan_db"]
    with db.writer() as s:
        deal, unit = subscribe_in_app(s, mortgage=True, contract_no="HT-AS-001")
        return {"deal_id": deal.id, "unit": unit.code, "db": db}


def client_as(app, username):
    client = app.server.test_client()
    if username:
        assert login(client, username).status_code == 302
    return client


def values(deal_id, **extra):
    base = {
        f"{ids.KIND}.data": "mortgage",
        f"{ids.CURRENT}.data": deal_id,
        f"{ids.REFRESH}.data": 3,
    }
    return {**base, **{k.replace("__", "."): v for k, v in extra.items()}}


def write(app, client, deal_id, trigger, **extra):
    return dash_client.post(
        client, app, f"{ids.FEEDBACK}.children", values(deal_id, **extra), trigger
    )


def case_of(db, deal_id):
    with db.factory() as s:
        case = s.scalar(select(AftersalesCase).where(AftersalesCase.deal_id == deal_id))
        if case is None:
            return None, 0, 0
        docs = s.scalar(select(func.count()).where(AftersalesDocument.case_id == case.id))
        steps = s.scalar(select(func.count()).where(AftersalesStep.case_id == case.id))
        return case.status, docs, steps


def test_clerk_ticks_documents_and_submits_through_the_callbacks(app_env, signed):
    deal_id, db = signed["deal_id"], signed["db"]
    client = client_as(app_env, "aftersales")
    listed = dash_client.response_of(
        dash_client.post(
            client, app_env, f"{ids.GRID}.rowData", values(deal_id), f"{ids.REFRESH}.data"
        )
    )
    rows = listed[ids.GRID]["rowData"]
    assert [(r["deal_id"], r["status_label"], r["documents"]) for r in rows] == [
        (deal_id, "待办", "0/7")
    ]
    assert listed[ids.CHART]["figure"]["data"][0]["y"] == [1, 0, 0]

    # Submitting with nothing received is refused, in Chinese, naming the documents.
    out = dash_client.response_of(
        write(
            app_env, client, deal_id, f"{ids.ADVANCE}.n_clicks", **{f"{ids.ADVANCE}__n_clicks": 1}
        )
    )
    text = dash_client.text_of(out[ids.FEEDBACK]["children"])
    assert "资料未收齐，不能送办" in text and "首付款收据" in text
    assert case_of(db, deal_id) == (None, 0, 0)

    out = dash_client.response_of(
        write(app_env, client, deal_id, f"{ids.DOCS}.value", **{f"{ids.DOCS}__value": DOCS})
    )
    assert "已收：身份证复印件、户口本" in dash_client.text_of(out[ids.FEEDBACK]["children"])
    assert out[ids.REFRESH]["data"] == 4
    assert case_of(db, deal_id) == (CaseStatus.PENDING, 7, 0)

    out = dash_client.response_of(
        write(
            app_env, client, deal_id, f"{ids.ADVANCE}.n_clicks", **{f"{ids.ADVANCE}__n_clicks": 1}
        )
    )
    assert "已登记为「送办」" in dash_client.text_of(out[ids.FEEDBACK]["children"])
    assert case_of(db, deal_id) == (CaseStatus.SUBMITTED, 7, 1)

    # 退回 without a reason is refused; the panel shows the new state and the history.
    out = dash_client.response_of(
        write(app_env, client, deal_id, f"{ids.BACK}.n_clicks", **{f"{ids.BACK}__n_clicks": 1})
    )
    assert "请填写退回原因" in dash_client.text_of(out[ids.FEEDBACK]["children"])
    panel = dash_client.response_of(
        dash_client.post(
            client, app_env, f"{ids.PANEL}.children", values(deal_id), f"{ids.REFRESH}.data"
        )
    )
    shown = json.dumps(panel[ids.PANEL]["children"], ensure_ascii=False)
    assert signed["unit"] in shown and "待办 → 送办" in shown and ids.ADVANCE in shown
    assert panel[ids.CURRENT]["data"] == deal_id

    # Details: a loan above the deal total is refused, a good one is saved.
    out = dash_client.response_of(
        write(
            app_env,
            client,
            deal_id,
            f"{ids.SAVE}.n_clicks",
            **{
                f"{ids.SAVE}__n_clicks": 1,
                f"{ids.BANK}__value": "招商银行",
                f"{ids.LOAN}__value": "99999999",
            },
        )
    )
    assert "超过成交总价" in dash_client.text_of(out[ids.FEEDBACK]["children"])
    out = dash_client.response_of(
        write(
            app_env,
            client,
            deal_id,
            f"{ids.SAVE}.n_clicks",
            **{
                f"{ids.SAVE}__n_clicks": 1,
                f"{ids.BANK}__value": "招商银行",
                f"{ids.LOAN}__value": "1,000,000",
            },
        )
    )
    assert "办理信息已保存" in dash_client.text_of(out[ids.FEEDBACK]["children"])
    with db.factory() as s:
        case = s.scalar(select(AftersalesCase).where(AftersalesCase.deal_id == deal_id))
        assert (case.bank, case.loan_amount) == ("招商银行", Decimal("1000000.00"))


def test_export_writes_the_list_and_is_audited(app_env, signed):
    client = client_as(app_env, "aftersales")
    out = dash_client.response_of(
        dash_client.post(
            client,
            app_env,
            f"{ids.DOWNLOAD}.data",
            {**values(signed["deal_id"]), f"{ids.EXPORT}.n_clicks": 1},
            f"{ids.EXPORT}.n_clicks",
        )
    )
    book = load_workbook(io.BytesIO(base64.b64decode(out[ids.DOWNLOAD]["data"]["content"])))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["房间", "业主", "手机"] and "贷款金额" in header
    assert sheet.cell(2, 1).value == signed["unit"]
    with signed["db"].factory() as s:
        assert (
            s.scalar(select(func.count()).where(AuditEntry.action == "export.aftersales_mortgage"))
            == 1
        )


@pytest.mark.parametrize("username", ["consultant", "finance", "exec", "manager", "marketing"])
def test_other_roles_cannot_write(app_env, signed, username):
    before = case_of(signed["db"], signed["deal_id"])
    client = client_as(app_env, username)
    response = write(
        app_env, client, signed["deal_id"], f"{ids.DOCS}.value", **{f"{ids.DOCS}__value": []}
    )
    assert response.status_code == 403
    assert case_of(signed["db"], signed["deal_id"]) == before


def test_viewers_read_and_the_rest_are_refused(app_env, signed):
    for username, status in (("exec", 200), ("admin", 200), ("consultant", 403), ("finance", 403)):
        client = client_as(app_env, username)
        response = dash_client.post(
            client, app_env, f"{ids.GRID}.rowData", values(signed["deal_id"]), f"{ids.REFRESH}.data"
        )
        assert response.status_code == status, username
    anonymous = client_as(app_env, None)
    for output in (f"{ids.GRID}.rowData", f"{ids.FEEDBACK}.children", f"{ids.PANEL}.children"):
        response = dash_client.post(anonymous, app_env, output, values(signed["deal_id"]))
        assert response.status_code == 401, output


def test_a_click_on_a_bar_filters_that_status(app_env, signed):
    client = client_as(app_env, "exec")
    click = {"points": [{"x": "送办", "y": 1, "customdata": "submitted"}]}
    out = dash_client.response_of(
        dash_client.post(client, app_env, f"{ids.STATUS}.value", {f"{ids.CHART}.clickData": click})
    )
    assert out[ids.STATUS]["value"] == "submitted"
    response = dash_client.post(
        client, app_env, f"{ids.STATUS}.value", {f"{ids.CHART}.clickData": {"points": []}}
    )
    assert response.status_code == 204
