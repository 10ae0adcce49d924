"""The mortgage calculator (按揭计算器): the schedule it computes, and its Excel export as shown
(the grid's rows in the grid's order, its visible columns, exact amounts)."""

from __future__ import annotations

import base64
import io
from decimal import Decimal

from openpyxl import load_workbook

from pages.plan import mortgage_ids as ids
from tests import dash_client
from tests.conftest import login

FORM = {
    f"{ids.PRICE}.value": 2000000,
    f"{ids.DOWN_RATIO}.value": 30,
    f"{ids.KIND}.value": "commercial",
    f"{ids.METHOD}.value": "equal_installment",
    f"{ids.YEARS}.value": 30,
    f"{ids.COMMERCIAL}.value": None,
    f"{ids.COMMERCIAL_RATE}.value": 4.9,
    f"{ids.PROVIDENT}.value": None,
    f"{ids.PROVIDENT_RATE}.value": 3.1,
}


def test_schedule_exports_as_shown(app_env):
    client = app_env.server.test_client()
    login(client, "consultant")
    computed = dash_client.response_of(
        dash_client.post(
            client,
            app_env,
            f"{ids.SCHEDULE}.rowData",
            {**FORM, f"{ids.CALCULATE}.n_clicks": 1},
            f"{ids.CALCULATE}.n_clicks",
        )
    )
    rows = computed[ids.SCHEDULE]["rowData"]
    assert len(rows) == 360 and rows[0]["month"] == 1
    # The grid sorted by month descending, showing three of its columns in another order.
    shown = [{"month": r["month"]} for r in sorted(rows, key=lambda r: -r["month"])[:3]]
    state = [{"colId": "interest"}, {"colId": "month"}, {"colId": "payment"}]
    state += [{"colId": "principal", "hide": True}, {"colId": "remaining", "hide": True}]
    response = dash_client.post(
        client,
        app_env,
        f"{ids.DOWNLOAD}.data",
        {
            **FORM,
            f"{ids.EXPORT}.n_clicks": 1,
            f"{ids.SCHEDULE}.virtualRowData": shown,
            f"{ids.SCHEDULE}.columnDefs": None,
            f"{ids.SCHEDULE}.columnState": state,
        },
        f"{ids.EXPORT}.n_clicks",
    )
    data = dash_client.response_of(response)[ids.DOWNLOAD]["data"]
    sheet = load_workbook(io.BytesIO(base64.b64decode(data["content"]))).active
    values = list(sheet.values)
    assert values[0] == ("利息", "期数", "月供")
    assert [v[1] for v in values[1:]] == [360, 359, 358]
    # 1,400,000 at 4.9% over 30 years: 7,430.17 a month, to the cent; the last month takes
    # the rounding left over so that the loan is repaid exactly.
    assert [Decimal(str(v[2])) for v in values[2:]] == [Decimal("7430.17")] * 2
    assert Decimal(str(values[1][2])) == Decimal("7433.44")
    assert Decimal(str(values[1][0])) == Decimal("30.23")
