"""Excel exports of the desktop's reminder grids through the Flask client: the grid as shown
(filtered rows in their order, visible columns), the viewer's scope and masking, audited."""

from __future__ import annotations

import base64
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from data_layer import localtime
from data_layer.models import AuditEntry, Customer
from pages.desktop import ids
from tests import dash_client
from tests.conftest import login

COLUMNS = [
    {"field": "name", "headerName": "客户"},
    {"field": "mobile", "headerName": "手机"},
    {"field": "level", "headerName": "等级", "hide": True},
    {"field": "next_follow_up_on", "headerName": "下次跟进"},
]


@pytest.fixture(scope="module")
def due(app_env):
    """Both customers of the test world are due for a follow-up today."""
    db = app_env.server.extensions["loupan_db"]
    with db.writer() as s:
        customers = list(s.scalars(select(Customer).order_by(Customer.id)))
        for customer in customers:
            customer.next_follow_up_on = localtime.today()
        return {c.name: c.id for c in customers}


def export(app_env, username: str, shown=None, state=None) -> list[list]:
    client = app_env.server.test_client()
    login(client, username)
    values = {
        f"{ids.FOLLOW_UPS_EXPORT}.n_clicks": 1,
        f"{ids.FOLLOW_UPS}.virtualRowData": shown,
        f"{ids.FOLLOW_UPS}.columnDefs": COLUMNS,
        f"{ids.FOLLOW_UPS}.columnState": state,
    }
    out = dash_client.response_of(
        dash_client.post(client, app_env, f"{ids.FOLLOW_UPS_DOWNLOAD}.data", values)
    )
    data = out[ids.FOLLOW_UPS_DOWNLOAD]["data"]
    assert data["filename"] == "follow_ups.xlsx"
    sheet = load_workbook(io.BytesIO(base64.b64decode(data["content"]))).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_follow_ups_export_is_the_grid_as_shown(app_env, due):
    table = export(app_env, "manager")
    assert table[0] == ["客户", "手机", "下次跟进"]
    assert sorted(r[0] for r in table[1:]) == ["张伟", "李娜"]
    assert "13812345678" in [r[1] for r in table[1:]]  # a manager sees full numbers
    # Filtered to one customer in the grid: only that one.
    assert [r[0] for r in export(app_env, "manager", [{"id": due["李娜"]}])[1:]] == ["李娜"]


def test_follow_ups_export_keeps_scope_and_masking(app_env, due):
    # A consultant exports only their own customers, even when the request names others.
    shown = [{"id": due["李娜"]}, {"id": due["张伟"]}]
    assert [r[0] for r in export(app_env, "consultant", shown)[1:]] == ["张伟"]
    # Marketing sees masked numbers, in the file too; the export is audited as such.
    table = export(app_env, "marketing")
    assert table[1:] and all("****" in r[1] for r in table[1:])
    db = app_env.server.extensions["loupan_db"]
    with db.factory() as s:
        entry = s.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "export.follow_ups")
            .order_by(AuditEntry.id.desc())
        ).first()
    assert entry.after == {"rows": len(table) - 1, "personal_data": False}


def test_follow_ups_export_follows_moved_and_hidden_columns(app_env, due):
    # 下次跟进 moved first, 手机 hidden, 等级 shown again by the user: the file follows.
    state = [
        {"colId": "next_follow_up_on", "hide": False},
        {"colId": "name", "hide": False},
        {"colId": "mobile", "hide": True},
        {"colId": "level", "hide": False},
    ]
    shown = [{"id": due["张伟"]}, {"id": 99999}, {"id": due["李娜"]}]
    table = export(app_env, "consultant", shown, state)
    assert table[0] == ["下次跟进", "客户", "等级"]
    assert [r[1] for r in table[1:]] == ["张伟"]  # 李娜 is consultant2's
