"""Excel exports of the finance grids through the Flask client (收款登记's receivables and
receipts, 退款单, 收据审核, 催款 summary and detail, 收款日报 totals and receipts, 回款分析's
drill-down, 业绩考核): each file is the grid as shown, read again in the user's projects, with
exact amounts, and audited."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from dashboard import shell
from data_layer import localtime
from data_layer.commands import deals as deal_cmd
from data_layer.commands import finance as fin_cmd
from data_layer.models import Customer, Project, Receivable, Unit, User
from pages.finance import ids
from tests import dash_client
from tests.conftest import login
from tests.factories import make_building, make_customer
from tests.test_crm_exports import column_state, export_table, last_audit
from tests.test_deals_support import make_plans

TODAY = localtime.today()


@pytest.fixture(scope="module")
def money(app_env):
    """P1: 张伟 (consultant) subscribed 60 days ago and 李娜 (consultant2) 40 days ago; P2:
    王强 (consultant3) 60 days ago. One audited receipt each, received today; a pending extra
    discount on 张伟's deal and on 王强's."""
    db = app_env.server.extensions["loupan_db"]
    with db.writer() as s:
        users = {u.username: u for u in s.scalars(select(User))}
        p1, p2 = (s.scalar(select(Project).where(Project.code == c)) for c in ("P1", "P2"))
        make_building(s, p2, code="9", floors=1, per_floor=2)
        customers = {c.name: c for c in s.scalars(select(Customer))}
        customers["王强"] = make_customer(s, p2, users["consultant3"], "王强", "13600002222")
        plans = {p.id: make_plans(s, p)[0] for p in (p1, p2)}
        deals = {}
        for name, who, project, days in (
            ("张伟", "consultant", p1, 60),
            ("李娜", "consultant2", p1, 40),
            ("王强", "consultant3", p2, 60),
        ):
            unit = s.scalar(
                select(Unit)
                .where(Unit.project_id == project.id, Unit.status == "available")
                .order_by(Unit.id)
            )
            deals[name] = deal_cmd.subscribe(
                s,
                actor=users[who],
                unit_id=unit.id,
                customer_id=customers[name].id,
                plan_id=plans[project.id].id,
                deposit=Decimal("20000"),
                today=TODAY - timedelta(days=days),
            )
        receipts = {
            name: fin_cmd.record_receipt(
                s,
                actor=users["admin"],
                deal_id=deal.id,
                amount=Decimal("1000.25"),
                method="transfer",
                received_on=TODAY,
            ).id
            for name, deal in deals.items()
        }
        fin_cmd.audit_receipts(s, actor=users["admin"], receipt_ids=list(receipts.values()))
        approvals = {
            name: deal_cmd.request_change(
                s,
                actor=users[who],
                deal_id=deals[name].id,
                kind="discount",
                reason="老客户",
                extra_discount=Decimal("1000"),
            ).id
            for name, who in (("张伟", "consultant"), ("王强", "consultant3"))
        }
        receivables = {
            name: [
                r.id
                for r in s.scalars(
                    select(Receivable).where(Receivable.deal_id == deal.id).order_by(Receivable.seq)
                )
            ]
            for name, deal in deals.items()
        }
        return {
            "deals": {n: d.id for n, d in deals.items()},
            "receipts": receipts,
            "approvals": approvals,
            "receivables": receivables,
            "units": {n: d.unit_id for n, d in deals.items()},
            "buildings": {n: s.get(Unit, d.unit_id).building_id for n, d in deals.items()},
        }


def by_id(*values, field="id"):
    return [{field: v} for v in values]


def test_deal_receivables_and_receipts_export_exact_amounts_of_the_chosen_deal(app_env, money):
    deal = {f"{ids.RC_DEAL}.value": money["deals"]["张伟"]}
    first, second = money["receivables"]["张伟"][:2]
    table = export_table(
        app_env,
        "finance",
        ids.RC_RECEIVABLES,
        ids.RC_RECEIVABLES_EXPORT,
        ids.RC_RECEIVABLES_DOWNLOAD,
        deal,
        by_id(second, first, *money["receivables"]["王强"]),
        column_state("kind", "amount", "paid", "seq", hidden={"seq"}),
    )
    assert table[0][:3] == ["款项", "应收金额", "已收金额"]
    assert len(table) == 3 and all(isinstance(r[1], Decimal | int | float) for r in table[1:])
    assert Decimal(str(table[2][2])) == Decimal("1000.25")  # the first instalment got the money
    receipts = export_table(
        app_env,
        "finance",
        ids.RC_RECEIPTS,
        ids.RC_RECEIPTS_EXPORT,
        ids.RC_RECEIPTS_DOWNLOAD,
        deal,
        by_id(money["receipts"]["王强"], money["receipts"]["张伟"]),
    )
    assert [r[2] for r in receipts[1:]] == ["滨江壹号"]
    # A P2 deal asked for by a P1 finance user gives an empty file.
    other = {f"{ids.RC_DEAL}.value": money["deals"]["王强"]}
    args = (ids.RC_RECEIPTS, ids.RC_RECEIPTS_EXPORT, ids.RC_RECEIPTS_DOWNLOAD, other)
    assert export_table(app_env, "finance", *args, by_id(money["receipts"]["王强"]))[1:] == []


def test_dunning_detail_and_summary_export_as_shown(app_env, money):
    mine = money["receivables"]["李娜"] + money["receivables"]["张伟"]
    detail = export_table(
        app_env,
        "finance",
        ids.DN_GRID,
        ids.DN_GRID_EXPORT,
        ids.DN_GRID_DOWNLOAD,
        {},
        by_id(*money["receivables"]["王强"], *mine, field="receivable_id"),
        column_state("customer", "mobile", "open", "project", hidden={"project"}),
    )
    assert detail[0][:3] == ["客户", "手机", "欠款金额"]
    customers = [r[0] for r in detail[1:]]
    assert customers and set(customers) == {"李娜", "张伟"}
    assert customers == sorted(customers, key=lambda n: n != "李娜")  # the grid's order
    assert last_audit(app_env, "export.overdue").after["personal_data"] is True
    summary = export_table(
        app_env,
        "finance",
        ids.DN_SUMMARY,
        ids.DN_EXPORT,
        ids.DN_DOWNLOAD,
        {f"{ids.DN_BY}.value": "consultant"},
        [{"key": "Consultant3"}, {"key": "Consultant2"}],
    )
    assert summary[0][0] == "置业顾问/项目" and [r[0] for r in summary[1:]] == ["Consultant2"]


def test_daily_report_exports_its_totals_and_its_receipts_separately(app_env, money):
    day = {f"{ids.DR_DATE}.date": TODAY.isoformat(), f"{shell.PROJECT_SELECT}.value": None}
    receipts = export_table(
        app_env,
        "finance",
        ids.DR_GRID,
        ids.DR_GRID_EXPORT,
        ids.DR_GRID_DOWNLOAD,
        day,
        by_id(money["receipts"]["李娜"], money["receipts"]["王强"], money["receipts"]["张伟"]),
    )
    assert receipts[0][:2] == ["收据编号", "收款日期"]
    assert [r[4] for r in receipts[1:]] == ["李娜", "张伟"]
    assert [Decimal(str(r[8])) for r in receipts[1:]] == [Decimal("1000.25")] * 2
    totals = export_table(
        app_env,
        "finance",
        ids.DR_TOTALS,
        ids.DR_EXPORT,
        ids.DR_DOWNLOAD,
        day,
        [{"group": "合计", "name": "净额（全部收据）"}, {"group": "合计", "name": "收款"}],
    )
    assert [(r[1], r[2], Decimal(str(r[3]))) for r in totals[1:]] == [
        ("净额（全部收据）", 2, Decimal("2000.50")),
        ("收款", None, Decimal("2000.50")),
    ]


def test_collections_drill_down_exports_the_clicked_bar(app_env, money):
    client = app_env.server.test_client()
    login(client, "finance")
    start = TODAY.replace(day=1).isoformat()
    click = {"points": [{"customdata": ["deposit", start]}]}
    values = {f"{ids.CO_CHART}.clickData": click, f"{ids.CO_GRAIN}.value": "month"}
    out = dash_client.response_of(
        dash_client.post(
            client, app_env, f"{ids.CO_DRILL}.rowData", values, f"{ids.CO_CHART}.clickData"
        )
    )
    assert len(out[ids.CO_DRILL]["rowData"]) == 2

    def drilled(source, shown):
        grid = (ids.CO_DRILL, ids.CO_DRILL_EXPORT, ids.CO_DRILL_DOWNLOAD)
        values = {f"{ids.CO_DRILL_SOURCE}.data": source}
        return export_table(app_env, "finance", *grid, values, shown)

    receipts = by_id(money["receipts"]["王强"], money["receipts"]["张伟"])
    table = drilled(out[ids.CO_DRILL_SOURCE]["data"], receipts)
    assert [r[4] for r in table[1:]] == ["张伟"]
    # An aging bar lists overdue receivables, keyed by the receivable.
    receivables = by_id(*money["receivables"]["王强"], *money["receivables"]["张伟"])
    table = drilled({"project": None, "bucket": "31–60天"}, receivables)
    assert table[1:] and {r[4] for r in table[1:]} == {"张伟"}
    # Nothing clicked yet: nothing to export.
    values = {f"{ids.CO_DRILL_EXPORT}.n_clicks": 1}
    response = dash_client.post(client, app_env, f"{ids.CO_DRILL_DOWNLOAD}.data", values)
    assert response.status_code == 204


def test_receipt_audit_export_keeps_the_users_projects(app_env, money):
    table = export_table(
        app_env,
        "finance",
        "fin-au-grid",
        ids.AU_EXPORT,
        ids.AU_DOWNLOAD,
        {f"{ids.AU_STATUS}.value": "audited"},
        by_id(*reversed(money["receipts"].values())),
    )
    assert [r[4] for r in table[1:]] == ["李娜", "张伟"]
    assert last_audit(app_env, "export.receipts").after == {"rows": 2}
