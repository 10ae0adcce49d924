"""Excel exports of the 营销管理 grids through the Flask client (费用计划, 实际费用, 广告活动 and
the three grids of 广告效果分析): the grid's filtered and sorted rows and its columns as the
user arranged them, exact amounts, only the user's projects."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from dashboard import shell
from data_layer.commands import marketing as commands
from data_layer.models import Campaign, MarketingExpense, Project, User
from pages.marketing import ids
from tests.test_crm_exports import column_state, export_table, last_audit
from tests.test_marketing_callbacks import app  # noqa: F401 (the fixture: make_sales)

MARCH = {"start_date": "2026-03-01", "end_date": "2026-03-31"}


@pytest.fixture(scope="module")
def spend(app):  # noqa: F811 (the imported fixture)
    """make_sales' marketing (P1: a campaign, expenses, a plan; P2: an expense) plus a plan
    and a campaign in P2."""
    with app.server.extensions["loupan_db"].writer() as s:
        p1, p2 = s.scalars(select(Project).order_by(Project.code))
        marketing = s.scalar(select(User).where(User.username == "marketing"))
        row = dict(project_id=p2.id, month="2026-03", channel="online", category="media")
        commands.save_budget(s, actor=marketing, rows=[{**row, "amount": "7000"}])
        commands.save_campaign(
            s,
            actor=marketing,
            project_id=p2.id,
            name="西湖开盘",
            channel="online",
            starts_on="2026-03-01",
            ends_on="2026-03-31",
            budget="8000",
        )
        return {
            "p1": p1.id,
            "p2": p2.id,
            "expenses": {
                (e.project_id, str(e.amount)): e.id for e in s.scalars(select(MarketingExpense))
            },
            "campaigns": {c.name: c.id for c in s.scalars(select(Campaign))},
        }


def test_budget_export_is_the_plan_grid_of_the_users_projects(app_env, spend):
    p1, p2 = spend["p1"], spend["p2"]
    shown = [
        {"key": f"{p2}|online|media"},
        {"key": f"{p1}|outdoor|media"},
        {"key": f"{p1}|online|media"},
    ]
    values = {f"{ids.BUDGET_YEAR}.value": 2026, f"{shell.PROJECT_SELECT}.value": None}
    months = [f"m{m:02d}" for m in range(1, 13) if m != 3]
    state = column_state("channel_label", "m03", "total", "project", *months, hidden=months)
    table = export_table(
        app_env,
        "manager",  # P1 only
        ids.BUDGET_GRID,
        ids.BUDGET_EXPORT,
        ids.BUDGET_DOWNLOAD,
        values,
        shown,
        state,
    )
    assert table[0] == ["渠道", "3月", "全年合计", "项目", "费用类别"]
    assert [(r[0], Decimal(str(r[1])), r[3]) for r in table[1:]] == [
        ("户外广告", Decimal("10000"), "滨江壹号"),
        ("网络", Decimal("40000"), "滨江壹号"),
    ]
    assert last_audit(app_env, "export.marketing_plan").after == {"rows": 2}


def test_expenses_and_campaigns_export_as_shown_in_scope(app_env, spend):
    expenses = spend["expenses"]
    period = {f"{ids.EXP_PERIOD}.{k}": v for k, v in MARCH.items()}
    shown = [
        {"id": expenses[(spend["p2"], "5000.00")]},
        {"id": expenses[(spend["p1"], "12000.00")]},
        {"id": expenses[(spend["p1"], "30000.00")]},
        {"id": expenses[(spend["p1"], "9999.00")]},  # April: not in the March grid
    ]
    table = export_table(
        app_env, "manager", ids.EXP_GRID, ids.EXP_EXPORT, ids.EXP_DOWNLOAD, period, shown
    )
    assert table[0][:2] == ["日期", "项目"]
    assert [Decimal(str(r[7])) for r in table[1:]] == [Decimal("12000"), Decimal("30000")]
    campaigns = spend["campaigns"]
    table = export_table(
        app_env,
        "manager",
        ids.CAMP_GRID,
        ids.CAMP_EXPORT,
        ids.CAMP_DOWNLOAD,
        {},
        [{"id": campaigns["西湖开盘"]}, {"id": campaigns["春季网络推广"]}],
    )
    assert [(r[0], Decimal(str(r[5]))) for r in table[1:]] == [("春季网络推广", Decimal("50000"))]


def test_effectiveness_grids_export_as_shown_in_scope(app_env, spend):
    period = {f"{ids.EFF_PERIOD}.{k}": v for k, v in MARCH.items()}

    def effect(name, username, shown, state=None):
        grid = {"channels": ids.EFF_CHANNEL_GRID, "campaigns": ids.EFF_CAMPAIGN_GRID}.get(
            name, ids.EFF_PLAN_GRID
        )
        button, download = ids.EXPORTS[name]
        return export_table(app_env, username, grid, button, download, period, shown, state)

    channels = effect(
        "channels",
        "manager",
        [{"channel": "outdoor"}, {"channel": "online"}],
        column_state("spend", "channel_label", "visits", hidden={"visits"}),
    )
    assert channels[0][:2] == ["费用", "渠道"] and "来访" not in channels[0]
    # The manager's P1 spend only (P2's 5,000 online is not theirs).
    assert [Decimal(str(r[0])) for r in channels[1:]] == [Decimal("12000"), Decimal("30000")]
    campaigns = spend["campaigns"]
    shown = [{"campaign_id": campaigns["西湖开盘"]}, {"campaign_id": campaigns["春季网络推广"]}]
    assert [r[0] for r in effect("campaigns", "manager", shown)[1:]] == ["春季网络推广"]
    assert [r[0] for r in effect("campaigns", "marketing", shown)[1:]] == [
        "西湖开盘",
        "春季网络推广",
    ]
    plan = effect("plan", "marketing", [{"month": "2026-03"}])
    assert plan[0][:3] == ["月份", "计划", "实际"]
    assert [(r[0], Decimal(str(r[1]))) for r in plan[1:]] == [("2026-03", Decimal("57000"))]
