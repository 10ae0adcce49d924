"""One rejected upload lists every error of every row at once (a bad cell or a repeated key
does not hide its row's other checks, nor the other rows'), writes nothing, and reads in the
viewer's language: the list-price import (价格导入) and the marketing imports (费用计划,
实际费用), whose problems are each reported under the column they concern."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import func, select

from data_layer.commands import marketing, pricing
from data_layer.errors import ValidationError
from data_layer.excel import importer
from data_layer.excel.marketing_import import BUDGET_SPEC, EXPENSE_SPEC
from data_layer.models import (
    MarketingBudget,
    MarketingExpense,
    PriceAdjustment,
    PriceChange,
    RoleCode,
    Unit,
    UnitStatus,
)
from tests.factories import make_building, make_user


def xlsx(headers, rows) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def listed(result, choice_prefixes=()) -> list[tuple[int, str, str]]:
    """(row, column, message) of every error; a choice's message (which lists the dictionary's
    values) is cut to its start, given by (row, column) → start."""
    prefixes = dict(choice_prefixes)
    out = []
    for e in result.errors:
        start = prefixes.get((e.row, e.column))
        if start is not None:
            assert e.message.startswith(start), e.message
            out.append((e.row, e.column, start))
        else:
            out.append((e.row, e.column, e.message))
    return out


# ---------------------------------------------------------------------------------------------
# 价格导入


@pytest.fixture
def bad_prices(session, world):
    building = make_building(session, world.projects[0], floors=3, per_floor=2)
    units = list(
        session.scalars(
            select(Unit).where(Unit.building_id == building.id).order_by(Unit.floor, Unit.position)
        )
    )
    units[3].status = UnitStatus.SUBSCRIBED
    session.flush()
    rows = [
        [units[0].code, 20100, 19000],  # row 2: good
        ["NOPE", "abc", None],  # row 3: a non-number price and an unknown unit
        [units[1].code, 20100, 21000],  # row 4: floor price above the list price
        [units[2].code, 18000, None],  # row 5: list price below the unit's current floor
        # row 6: repeats row 2's code, and a bad floor price (its current floor is not used)
        [units[0].code, 18500, "x"],
        [units[3].code, 30000, 25000],  # row 7: a subscribed unit
        ["", 20000, 19000],  # row 8: no code
    ]
    before = [(u.list_unit_price, u.floor_unit_price) for u in units]
    result = importer.run_import(
        session,
        pricing.PRICES_IMPORT,
        xlsx(["房间编码", "表价单价", "底价单价"], rows),
        actor=world.users["manager"],
        context={"project_id": world.projects[0].id},
    )
    return result, units, before


def test_every_error_of_a_price_file_is_listed_at_once_and_no_price_changes(session, bad_prices):
    result, units, before = bad_prices
    assert not result.ok and result.written == 0 and result.total == 7
    assert listed(result) == [
        (3, "表价单价", "应为数字，而不是「abc」"),
        (3, "房间编码", "本项目没有房间「NOPE」"),  # hidden by the bad price before
        (4, "底价单价", "底价 21000 高于表价 20100"),
        (5, "表价单价", "表价 18000 低于该房间现底价 19000.00，请同时填写新的底价单价"),
        (6, "底价单价", "应为数字，而不是「x」"),
        (6, "房间编码", f"「{units[0].code}」与第 2 行重复"),  # once, not also as unknown
        (7, "房间编码", f"「{units[3].code}」已认购或签约，不能改价"),
        (8, "房间编码", "「房间编码」必填"),
    ]
    assert (count(session, PriceChange), count(session, PriceAdjustment)) == (0, 0)
    for unit in units:
        session.refresh(unit)
    assert [(u.list_unit_price, u.floor_unit_price) for u in units] == before


def test_price_errors_read_in_english_for_an_english_viewer(bad_prices):
    result, units, _before = bad_prices
    assert [r["message"] for r in result.error_records("en")] == [
        "Must be a number, not “abc”",
        "No unit “NOPE” in this project",
        "Floor price 21000 above list price 20100",
        "List price 18000 is below the unit's current floor price 19000.00; "
        "give a new floor price too",
        "Must be a number, not “x”",
        f"“{units[0].code}” repeats row 2",
        f"“{units[3].code}” is subscribed or signed: its price cannot change",
        "“房间编码” is required",
    ]


# ---------------------------------------------------------------------------------------------
# 费用计划 (budget) import


@pytest.fixture
def bad_budget(session, world):
    p1_only = make_user(session, "marketing_p1", RoleCode.MARKETING, [world.projects[0]])
    session.add(
        MarketingBudget(
            project_id=world.projects[0].id,
            month=date(2026, 5, 1),
            channel="online",
            category="media",
            amount=Decimal("777.00"),
        )
    )
    session.flush()
    rows = [
        ["滨江壹号", "2026-03", "网络", "媒体广告", 1000],  # row 2: good
        ["不存在的项目", "2026-13", "飞鸽传书", "媒体广告", 500],  # row 3: three bad cells
        ["滨江壹号", "2026-03", "网络", "媒体广告", 2000],  # row 4: repeats row 2
        # row 5: a negative amount, and row 2's plan cell written another way
        ["滨江壹号", "2026年3月", "网络", "媒体广告", -5],
        ["西湖花园", "2026-04", "网络", "媒体广告", 100],  # row 6: a project out of scope
        ["", "", "网络", "", 100],  # row 7: month and category missing
    ]
    result = importer.run_import(
        session,
        BUDGET_SPEC,
        xlsx([c.header for c in BUDGET_SPEC.columns], rows),
        actor=p1_only,
        context={"actor": p1_only, "project_id": world.projects[0].id},
    )
    return result


def test_every_error_of_a_budget_file_is_listed_under_its_column(session, bad_budget):
    result = bad_budget
    key = "项目+月份+渠道+费用类别"
    assert not result.ok and result.written == 0
    assert listed(result, {(3, "渠道"): "「飞鸽传书」不是可选值（可选："}) == [
        (3, "渠道", "「飞鸽传书」不是可选值（可选："),
        (3, "项目", "项目“不存在的项目”不存在。"),  # hidden by the bad channel before
        (3, "月份", "月份“2026-13”格式不正确，应为 2026-03。"),
        (4, key, "与第 2 行重复"),  # once: the plan's own check of it is left out
        (5, "计划金额", "不能小于 0"),
        (5, key, "与第 2 行重复（同一项目、月份、渠道和类别）。"),  # found at writing before
        (6, "项目", "您无权编辑项目“西湖花园”的营销费用。"),
        (7, "月份", "「月份」必填"),
        (7, "费用类别", "「费用类别」必填"),
    ]
    assert count(session, MarketingBudget) == 1  # only the one there before
    assert session.scalar(select(MarketingBudget.amount)) == Decimal("777.00")

    english = {(r["row"], r["column"]): r["message"] for r in result.error_records("en")}
    assert english[(3, "项目")] == "No project “不存在的项目”."
    assert english[(3, "月份")] == "The month “2026-13” is not like 2026-03."
    assert english[(3, "渠道")].startswith("“飞鸽传书” is not one of the choices (")
    assert english[(5, key)] == "Repeats row 2 (same project, month, channel and category)."
    assert english[(6, "项目")] == "You may not edit the marketing costs of project “西湖花园”."
    assert english[(7, "月份")] == "“月份” is required"


# ---------------------------------------------------------------------------------------------
# 实际费用 (expenses) import


@pytest.fixture
def bad_expenses(session, world):
    user = world.users["marketing"]
    marketing.save_campaign(
        session,
        actor=user,
        project_id=world.projects[0].id,
        name="春季电视",
        channel="tv",
        starts_on="2026-03-01",
        ends_on="2026-03-31",
    )
    rows = [
        ["滨江壹号", "2026-03-01", "网络", "媒体广告", None, "甲公司", "A1", 1000],  # row 2: good
        # row 3: a bad date, a bad amount, and a campaign of another channel
        ["滨江壹号", "2026-02-30", "网络", "媒体广告", "春季电视", "", "", "abc"],
        # row 4: an unknown channel and an unknown project (its campaign is not looked for)
        ["不存在的项目", "2026-03-04", "飞鸽传书", "媒体广告", "春季电视", "", "", 10],
        # row 5: a zero amount and an unknown campaign
        ["滨江壹号", "2026-03-05", "网络", "媒体广告", "没有这个活动", "", "", 0],
    ]
    before = count(session, MarketingExpense)
    result = importer.run_import(
        session,
        EXPENSE_SPEC,
        xlsx([c.header for c in EXPENSE_SPEC.columns], rows),
        actor=user,
        context={"actor": user, "project_id": None},
    )
    return result, before


def test_every_error_of_an_expense_file_is_listed_under_its_column(session, bad_expenses):
    result, before = bad_expenses
    assert not result.ok and result.written == 0 and result.total == 4
    assert listed(result, {(4, "渠道"): "「飞鸽传书」不是可选值（可选："}) == [
        (3, "费用日期", "应为日期（如 2026-03-01），而不是「2026-02-30」"),
        (3, "金额", "应为数字，而不是「abc」"),
        (3, "广告活动", "广告活动“春季电视”属于渠道“电视”，与所填渠道不一致。"),
        (4, "渠道", "「飞鸽传书」不是可选值（可选："),
        (4, "项目", "项目“不存在的项目”不存在。"),
        (5, "金额", "不能小于 0.01"),
        (5, "广告活动", "本项目没有广告活动“没有这个活动”。"),
    ]
    assert count(session, MarketingExpense) == before == 0

    english = {(r["row"], r["column"]): r["message"] for r in result.error_records("en")}
    assert english[(3, "广告活动")] == (
        "The campaign “春季电视” belongs to the channel “电视”, not the one given."
    )
    assert english[(3, "费用日期")] == "Must be a date (like 2026-03-01), not “2026-02-30”"
    assert english[(4, "项目")] == "No project “不存在的项目”."
    assert english[(5, "广告活动")] == "No campaign “没有这个活动” in this project."
    assert english[(5, "金额")] == "Must not be less than 0.01"


def test_a_refused_expense_form_is_refused_in_english_too(session, world):
    with pytest.raises(ValidationError) as err:
        marketing.record_expense(
            session,
            actor=world.users["marketing"],
            project_id=world.projects[0].id,
            spent_on="2026-03-03",
            channel="online",
            category="media",
            amount="-5",
        )
    assert err.value.message == "金额不能为负数。"
    assert err.value.message_en == "The amount may not be negative."
    assert [(e.row, e.field) for e in err.value.errors["rows"]] == [(1, "amount")]
    assert count(session, MarketingExpense) == 0
