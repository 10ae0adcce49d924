"""Excel export of 计划书列表 through the Flask client: the grid as shown (rows, order, visible
columns) with exact amounts, only the consultant's own quotes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from dashboard import shell
from data_layer.models import Quote, Unit
from pages.plan import quote_ids as ids
from tests.test_crm_callbacks import customer_id, logged_in
from tests.test_crm_exports import column_state, export_table, last_audit
from tests.test_quotes_callbacks import env, form, run  # noqa: F401 (env: the fixture)


@pytest.fixture(scope="module")
def quotes(env):  # noqa: F811 (the imported fixture)
    """Two quotes of 张伟 (consultant: units 101 and 102) and one of 李娜 (consultant2)."""
    app, plan_id, unit_id = env
    with app.server.extensions["loupan_db"].factory() as s:
        other_unit = s.scalar(select(Unit.id).where(Unit.code == "1-1-102"))
    mine = logged_in(app, "consultant")
    zhang = customer_id(app, "张伟")
    run(mine, app, form(unit_id, plan_id, zhang, token="x-1"), ids.SAVE)
    run(mine, app, form(other_unit, plan_id, zhang, token="x-2"), ids.SAVE)
    theirs = logged_in(app, "consultant2")
    run(theirs, app, form(unit_id, plan_id, customer_id(app, "李娜"), token="x-3"), ids.SAVE)
    with app.server.extensions["loupan_db"].factory() as s:
        return {
            (q.customer_id == zhang, q.unit_id): q.id
            for q in s.scalars(select(Quote).order_by(Quote.id))
        } | {"app": app, "unit": unit_id, "other_unit": other_unit}


def test_quote_list_exports_the_consultants_quotes_as_shown(quotes):
    app = quotes["app"]
    first, second = quotes[(True, quotes["unit"])], quotes[(True, quotes["other_unit"])]
    foreign = quotes[(False, quotes["unit"])]  # 李娜's, consultant2's customer
    shown = [{"id": second}, {"id": foreign}, {"id": first}]
    state = column_state("unit", "number", "deal_total", "project", hidden={"project"})
    values = {f"{shell.PROJECT_SELECT}.value": None}
    grid = (ids.LIST_GRID, ids.LIST_EXPORT, ids.LIST_DOWNLOAD)
    table = export_table(app, "consultant", *grid, values, shown, state)
    assert table[0][:3] == ["房间", "编号", "成交总价"]
    assert "项目" not in table[0] and "查看" not in table[0]
    assert [r[0] for r in table[1:]] == ["1-1-102", "1-1-101"]
    assert "李娜" not in {c for r in table for c in r}
    # 90.50 m² × 20,000 with 按揭 99折 = 1,791,900.00, exact.
    assert Decimal(str(table[2][2])) == Decimal("1791900.00")
    assert last_audit(app, "export.quotes").after == {"rows": 2, "personal_data": False}
