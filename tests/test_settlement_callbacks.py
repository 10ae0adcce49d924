"""面积补差 callbacks through the Flask client as real roles: finance lists and generates the
settlement, the list exports as shown; a consultant is refused (403), no session 401."""

from __future__ import annotations

import base64
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from data_layer.commands import deals as deal_cmd
from data_layer.models import (
    AuditEntry,
    Customer,
    Project,
    Receivable,
    ReceivableKind,
    Unit,
    User,
)
from pages.finance import settlement_ids as ids
from tests import dash_client
from tests.conftest import login
from tests.test_deals_support import make_plans

PROJECT = "shell-project.value"


@pytest.fixture(scope="module")
def signed(app_env):
    """A contracted deal whose unit measured 2% larger than its contract area."""
    db = app_env.server.extensions["loupan_db"]
    with db.writer() as s:
        project = s.scalar(select(Project).where(Project.code == "P1"))
        lump, _mortgage = make_plans(s, project)
        consultant = s.scalar(select(User).where(User.username == "consultant"))
        customer = s.scalar(select(Customer).where(Customer.name == "张伟"))
        unit = s.scalar(select(Unit).where(Unit.project_id == project.id).order_by(Unit.id))
        deal = deal_cmd.sign_contract(
            s,
            actor=consultant,
            contract_no="HT-ST-001",
            unit_id=unit.id,
            customer_id=customer.id,
            plan_id=lump.id,
            deposit=Decimal("50000"),
        )
        unit.measured_gross_area = (deal.area * Decimal("1.02")).quantize(Decimal("0.01"))
        unit.measured_internal_area = unit.internal_area
        expected = ((unit.measured_gross_area - deal.area) * deal.deal_unit_price).quantize(
            Decimal("0.01")
        )
        return {
            "db": db,
            "deal_id": deal.id,
            "unit": unit.code,
            "project_id": project.id,
            "expected": expected,
        }


def client_as(app, username):
    client = app.server.test_client()
    if username:
        assert login(client, username).status_code == 302
    return client


def rows(app, client, signed):
    response = dash_client.post(
        client, app, f"{ids.GRID}.rowData", {PROJECT: signed["project_id"]}, PROJECT
    )
    return dash_client.response_of(response)[ids.GRID]["rowData"]


def generate(app, client, signed, selected=None):
    return dash_client.post(
        client,
        app,
        f"{ids.FEEDBACK}.children",
        {
            f"{ids.GENERATE}.n_clicks": 1,
            f"{ids.GRID}.selectedRows": selected
            if selected is not None
            else [{"id": signed["deal_id"]}],
            f"{ids.DUE}.date": "2026-12-31",
        },
        f"{ids.GENERATE}.n_clicks",
    )


def settlements(signed):
    with signed["db"].writer() as s:
        return [
            (r.amount, r.cancelled)
            for r in s.scalars(
                select(Receivable).where(
                    Receivable.deal_id == signed["deal_id"],
                    Receivable.kind == ReceivableKind.SETTLEMENT,
                )
            )
        ]


def test_others_are_refused(app_env, signed):
    consultant = client_as(app_env, "consultant")
    assert generate(app_env, consultant, signed).status_code == 403
    response = dash_client.post(
        consultant, app_env, f"{ids.GRID}.rowData", {PROJECT: signed["project_id"]}, PROJECT
    )
    assert response.status_code == 403
    manager = client_as(app_env, "manager")  # reads, may not settle
    assert [r["unit"] for r in rows(app_env, manager, signed)] == [signed["unit"]]
    assert generate(app_env, manager, signed).status_code == 403
    anonymous = client_as(app_env, None)
    assert generate(app_env, anonymous, signed).status_code == 401
    response = dash_client.post(
        anonymous, app_env, f"{ids.GRID}.rowData", {PROJECT: signed["project_id"]}, PROJECT
    )
    assert response.status_code == 401
    assert settlements(signed) == []


def test_finance_generates_the_settlement(app_env, signed):
    client = client_as(app_env, "finance")
    [row] = rows(app_env, client, signed)
    assert row["state"] == "未补差" and row["selectable"] is True
    assert Decimal(str(row["amount"])) == signed["expected"]
    assert row["error_pct"] == 2.0
    empty = dash_client.response_of(generate(app_env, client, signed, selected=[]))
    assert "请先勾选" in dash_client.text_of(empty[ids.FEEDBACK]["children"])
    done = dash_client.response_of(generate(app_env, client, signed))
    assert "已生成 1 笔补差应收" in dash_client.text_of(done[ids.FEEDBACK]["children"])
    assert settlements(signed) == [(signed["expected"], False)]
    [row] = rows(app_env, client, signed)
    assert row["state"] == "已生成" and row["selectable"] is False
    again = dash_client.response_of(generate(app_env, client, signed))
    assert "已按该实测面积" in dash_client.text_of(again[ids.FEEDBACK]["children"])
    assert len(settlements(signed)) == 1


def test_export_as_shown_is_audited(app_env, signed):
    client = client_as(app_env, "finance")
    shown = rows(app_env, client, signed)
    response = dash_client.post(
        client,
        app_env,
        f"{ids.DOWNLOAD}.data",
        {
            f"{ids.EXPORT}.n_clicks": 1,
            PROJECT: signed["project_id"],
            f"{ids.GRID}.virtualRowData": shown,
        },
        f"{ids.EXPORT}.n_clicks",
    )
    data = dash_client.response_of(response)[ids.DOWNLOAD]["data"]
    book = load_workbook(io.BytesIO(base64.b64decode(data["content"])))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    assert header[:2] == ["房间", "业主"] and "应补差额(+补/−退)" in header
    assert sheet.cell(2, 1).value == signed["unit"]
    amount = sheet.cell(2, header.index("应补差额(+补/−退)") + 1).value
    assert Decimal(str(amount)) == signed["expected"]
    with signed["db"].writer() as s:
        assert s.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "export.settlement")
        )


def test_template_download(app_env, signed):
    client = client_as(app_env, "finance")
    response = dash_client.post(
        client,
        app_env,
        f"{ids.IMPORT}-template-download.data",
        {f"{ids.IMPORT}-template-button.n_clicks": 1, PROJECT: signed["project_id"]},
        f"{ids.IMPORT}-template-button.n_clicks",
    )
    data = dash_client.response_of(response)[f"{ids.IMPORT}-template-download"]["data"]
    book = load_workbook(io.BytesIO(base64.b64decode(data["content"])))
    assert [c.value for c in book.worksheets[0][1]][:3] == [
        "房间编码",
        "实测建筑面积",
        "实测套内面积",
    ]
    consultant = client_as(app_env, "consultant")
    response = dash_client.post(
        consultant,
        app_env,
        f"{ids.IMPORT}-template-download.data",
        {f"{ids.IMPORT}-template-button.n_clicks": 1, PROJECT: signed["project_id"]},
        f"{ids.IMPORT}-template-button.n_clicks",
    )
    assert response.status_code == 403
