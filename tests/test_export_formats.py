"""Exports show numbers with the places the screen shows (数据设置), keeping exact values."""

import io
from decimal import Decimal

from openpyxl import load_workbook

from dashboard.exports import excel_format
from dashboard.format import grid_number, number_column
from data_layer.excel.export import to_xlsx


def test_grid_number_formats_become_excel_formats():
    assert excel_format(grid_number(",.2f")) == "#,##0.00"
    assert excel_format(number_column("x", "X", 0)) == "#,##0"
    assert excel_format(number_column("x", "X", 3)) == "#,##0.000"
    assert excel_format(grid_number(".1%")) == "0.0%"
    assert excel_format({"field": "name"}) is None
    assert excel_format({"valueFormatter": {"function": "evil()"}}) is None


def test_the_file_keeps_exact_values_under_the_screens_format():
    content = to_xlsx(
        [("amount", "金额", "#,##0.00"), ("rate", "比率", "0.0%"), ("name", "名称", None)],
        [{"amount": Decimal("3695604.20"), "rate": Decimal("0.125"), "name": "=1+1"}],
    )
    sheet = load_workbook(io.BytesIO(content)).active
    amount, rate, name = sheet[2]
    assert amount.value == Decimal("3695604.2") or float(amount.value) == 3695604.2
    assert amount.number_format == "#,##0.00" and rate.number_format == "0.0%"
    assert name.value == "=1+1" and name.data_type == "s"
    assert sheet["A1"].value == "金额"


def test_a_grid_export_carries_the_screens_number_formats(app_env):
    """交易登记's units grid exported: money columns as #,##0.00, exact values kept."""
    import base64

    from sqlalchemy import select

    from data_layer.models import Project, Unit
    from pages.deals import ids
    from tests import dash_client
    from tests.conftest import login

    with app_env.server.extensions["loupan_db"].factory() as s:
        project = s.scalar(select(Project).where(Project.code == "P1"))
        unit = s.scalar(select(Unit).where(Unit.project_id == project.id).order_by(Unit.id))
        building_id, list_total = unit.building_id, unit.list_total
    client = app_env.server.test_client()
    login(client, "manager")
    values = {f"{ids.REG_EXPORT}.n_clicks": 1, f"{ids.REG_BUILDING}.value": building_id}
    response = dash_client.post(
        client, app_env, f"{ids.REG_DOWNLOAD}.data", values, f"{ids.REG_EXPORT}.n_clicks"
    )
    data = dash_client.response_of(response)[ids.REG_DOWNLOAD]["data"]
    sheet = load_workbook(io.BytesIO(base64.b64decode(data["content"]))).active
    headers = [c.value for c in sheet[1]]
    column = headers.index("表价总价") + 1
    cells = [sheet.cell(row=r, column=column) for r in range(2, sheet.max_row + 1)]
    assert cells and all(c.number_format == "#,##0.00" for c in cells if c.value is not None)
    assert any(Decimal(str(c.value)) == list_total for c in cells)
