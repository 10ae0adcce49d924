"""Marketing cost: commands refuse bad input and write nothing; effectiveness figures; the
Excel imports are all-or-nothing; cached figures change right after a write."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from data_layer import cache as aggregate_cache
from data_layer.commands import marketing as commands
from data_layer.errors import PermissionDenied, ValidationError
from data_layer.excel import importer
from data_layer.excel.marketing_import import BUDGET_SPEC, EXPENSE_SPEC
from data_layer.models import AuditEntry, Campaign, MarketingBudget, MarketingExpense, RoleCode
from data_layer.queries import marketing as queries
from data_layer.queries import overview
from tests.factories import make_user
from tests.test_overview_queries import MARCH, make_sales

D = Decimal


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def expense(world, **changes):
    row = dict(
        project_id=world.projects[0].id,
        spent_on="2026-03-03",
        channel="online",
        category="media",
        amount="100.00",
    )
    row.update(changes)
    return row


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"amount": "-5"}, "金额不能为负数"),
        ({"amount": "0"}, "金额必须大于 0"),
        ({"amount": "abc"}, "不是有效的数字"),
        ({"channel": "pigeon"}, "未知的渠道（认知途径）“pigeon”"),
        ({"category": "bribes"}, "未知的费用类别"),
        ({"spent_on": "2026-02-30"}, "格式不正确"),
        ({"campaign": "没有这个活动"}, "本项目没有广告活动"),
    ],
)
def test_bad_expense_is_refused_in_chinese_and_nothing_is_written(session, world, changes, message):
    before = (count(session, MarketingExpense), count(session, AuditEntry))
    with pytest.raises(ValidationError) as err:
        commands.record_expense(
            session, actor=world.users["marketing"], **expense(world, **changes)
        )
    assert message in err.value.message
    assert (count(session, MarketingExpense), count(session, AuditEntry)) == before


def test_batch_with_one_bad_row_writes_nothing_and_names_every_bad_row(session, world):
    rows = [
        expense(world),
        expense(world, amount="-1"),
        expense(world),
        expense(world, channel="x"),
    ]
    with pytest.raises(commands.BatchRefused) as err:
        commands.record_expenses(session, actor=world.users["marketing"], rows=rows, first_row=2)
    assert [e.row for e in err.value.rows] == [3, 5]
    assert "有 2 行数据有误，全部未保存" in err.value.message
    assert count(session, MarketingExpense) == 0


def test_expense_is_recorded_with_audit_and_label_input(session, world):
    saved = commands.record_expense(
        session,
        actor=world.users["marketing"],
        **expense(world, channel="户外广告", category="印刷物料", amount="1,234.565"),
    )
    assert (saved.channel, saved.category, saved.amount) == ("outdoor", "print", D("1234.57"))
    entry = session.scalar(select(AuditEntry).where(AuditEntry.entity == "marketing_expense"))
    assert entry.action == "marketing.expense.form" and entry.entity_id == saved.id


def test_expense_in_a_project_outside_scope_is_refused(session, world):
    local = make_user(session, "marketing_p1", RoleCode.MARKETING, [world.projects[0]])
    with pytest.raises(ValidationError) as err:
        commands.record_expense(
            session, actor=local, **expense(world, project_id=world.projects[1].id)
        )
    assert "您无权编辑项目" in err.value.message
    with pytest.raises(PermissionDenied):
        commands.record_expense(session, actor=world.users["executive"], **expense(world))
    assert count(session, MarketingExpense) == 0


def test_campaign_period_whose_end_precedes_its_start_is_refused(session, world):
    with pytest.raises(ValidationError) as err:
        commands.save_campaign(
            session,
            actor=world.users["marketing"],
            project_id=world.projects[0].id,
            name="秋季",
            channel="online",
            starts_on="2026-09-30",
            ends_on="2026-09-01",
        )
    assert "结束日期不能早于开始日期" in err.value.message
    assert count(session, Campaign) == 0


def test_campaign_and_expense_channels_must_match(session, world):
    campaign = make_sales(session, world)
    with pytest.raises(ValidationError) as err:
        commands.record_expense(
            session,
            actor=world.users["marketing"],
            **expense(world, channel="tv", campaign_id=campaign.id),
        )
    assert "与所填渠道不一致" in err.value.message


def test_budget_cells_are_replaced_not_duplicated(session, world):
    marketing = world.users["marketing"]
    pid = world.projects[0].id
    commands.set_budget(
        session,
        actor=marketing,
        project_id=pid,
        month="2026-05",
        channel="tv",
        category="media",
        amount="1000",
    )
    commands.set_budget(
        session,
        actor=marketing,
        project_id=pid,
        month=date(2026, 5, 17),
        channel="电视",
        category="media",
        amount="2500.5",
    )
    rows = session.scalars(select(MarketingBudget)).all()
    assert [(r.month, r.amount) for r in rows] == [(date(2026, 5, 1), D("2500.50"))]
    with pytest.raises(ValidationError):
        commands.set_budget(
            session,
            actor=marketing,
            project_id=pid,
            month="2026-05",
            channel="tv",
            category="media",
            amount="-1",
        )
    assert session.scalars(select(MarketingBudget.amount)).all() == [D("2500.50")]
    pivot = queries.budget_pivot(session, marketing, 2026)
    assert pivot[0]["m05"] == D("2500.50") and pivot[0]["total"] == D("2500.50")


def test_effectiveness_per_channel(session, world):
    make_sales(session, world)
    frame = queries.by_channel(session, world.users["marketing"], *MARCH).set_index("channel")
    online = frame.loc["online"]
    assert online["spend"] == D("35000.00")
    assert (online["visits"], online["opportunities"], online["deals"]) == (4, 3, 2)
    assert online["deal_amount"] == D("2800000.00")
    assert online["cost_per_visit"] == D("8750.00")
    assert online["cost_per_deal"] == D("17500.00")
    assert online["cost_per_10k"] == D("125.00")
    outdoor = frame.loc["outdoor"]
    assert (outdoor["spend"], outdoor["visits"], outdoor["deals"]) == (D("12000.00"), 0, 1)
    assert outdoor["cost_per_visit"] is None
    assert outdoor["cost_per_10k"] == D("70.59")  # 12,000 ÷ 170 (万元)


def test_effectiveness_per_campaign_and_plan_vs_actual(session, world):
    make_sales(session, world)
    marketing = world.users["marketing"]
    campaigns = queries.by_campaign(session, marketing, *MARCH)
    row = campaigns.iloc[0]
    assert (row["campaign"], row["spend"], row["visits"], row["deals"]) == (
        "春季网络推广",
        D("30000.00"),
        3,
        1,
    )
    assert row["cost_per_deal"] == D("30000.00")
    plan = queries.plan_vs_actual(
        session, marketing, date(2026, 3, 1), date(2026, 4, 30), project_id=world.projects[0].id
    )
    assert list(plan["month"]) == ["2026-03", "2026-04"]
    march = plan.iloc[0]
    assert (march["plan"], march["actual"], march["variance"]) == (
        D("50000.00"),
        D("42000.00"),
        D("-8000.00"),
    )
    assert march["variance_rate"] == D("-0.1600")
    assert plan.iloc[1]["plan"] == D("0") and plan.iloc[1]["actual"] == D("9999.00")


def test_channel_funnel_is_aggregated_without_personal_data(session, world):
    make_sales(session, world)
    funnel = queries.channel_funnel(session, world.users["marketing"], "online", *MARCH)
    assert list(funnel["customers"]) == [4, 3, 2]
    assert set(funnel.columns) == {"step", "customers", "share"}
    assert funnel.attrs["levels"] == {"A": 1}


def _xlsx(rows):
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_expense_import_with_bad_rows_writes_nothing_and_lists_each_error(session, world):
    user = world.users["marketing"]
    headers = [c.header for c in EXPENSE_SPEC.columns]
    content = _xlsx(
        [
            headers,
            ["滨江壹号", "2026-03-01", "网络", "媒体广告", None, "甲公司", "A1", 1000],
            ["滨江壹号", "2026-03-02", "飞鸽传书", "媒体广告", None, "", "", 200],
            ["滨江壹号", "2026-03-03", "网络", "媒体广告", None, "", "", -5],
            ["不存在的项目", "2026-03-04", "网络", "媒体广告", None, "", "", 10],
        ]
    )
    result = importer.run_import(
        session, EXPENSE_SPEC, content, actor=user, context={"actor": user, "project_id": None}
    )
    assert not result.ok
    rows = sorted({e.row for e in result.errors})
    assert rows == [3, 4, 5]
    assert count(session, MarketingExpense) == 0
    good = _xlsx([headers, ["", "2026-03-01", "网络", "媒体广告", None, "甲公司", "A1", 1000.5]])
    result = importer.run_import(
        session,
        EXPENSE_SPEC,
        good,
        actor=user,
        context={"actor": user, "project_id": world.projects[0].id},
    )
    assert result.ok and result.written == 1
    saved = session.scalar(select(MarketingExpense))
    assert (saved.project_id, saved.amount) == (world.projects[0].id, D("1000.50"))


def test_budget_import_replaces_cells(session, world):
    user = world.users["marketing"]
    headers = [c.header for c in BUDGET_SPEC.columns]
    content = _xlsx(
        [
            headers,
            ["P1", "2026-03", "网络", "媒体广告", 1000],
            ["P1", "2026-04", "网络", "媒体广告", 2000],
        ]
    )
    result = importer.run_import(
        session, BUDGET_SPEC, content, actor=user, context={"actor": user, "project_id": None}
    )
    assert result.ok, result.errors
    assert sorted(session.scalars(select(MarketingBudget.amount))) == [D("1000.00"), D("2000.00")]


def test_cached_figure_changes_right_after_a_write(session, world, tmp_path):
    make_sales(session, world)
    store = aggregate_cache.LocalCache(tmp_path / "cache")
    executive = world.users["executive"]

    def cost():
        frame = aggregate_cache.cached(
            store,
            session,
            "overview.projects",
            ("all", MARCH),
            lambda: overview.project_figures(session, executive, *MARCH),
        )
        return overview.totals(frame).marketing_cost

    assert cost() == D("47000.00")
    version = aggregate_cache.data_version(session)
    # A second read is served from the cache (same version, no recomputation).
    calls = []
    aggregate_cache.cached(
        store, session, "overview.projects", ("all", MARCH), lambda: calls.append(1)
    )
    assert calls == []
    commands.record_expense(
        session, actor=world.users["marketing"], **expense(world, amount="3000")
    )
    assert aggregate_cache.data_version(session) != version
    assert cost() == D("50000.00")
