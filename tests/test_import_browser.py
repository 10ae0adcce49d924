"""Real browser journeys through every Excel import screen (营销费用计划, 实际费用, 房间资料,
线索客户): download the template, fill it, upload it and see the rows; then upload a file with
bad rows and see every bad row listed in Chinese, download that list, and find nothing written."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from dashboard.imports import ids as import_ids
from data_layer import localtime
from data_layer.excel.crm_import import lead_spec
from data_layer.excel.marketing_import import BUDGET_SPEC, EXPENSE_SPEC
from data_layer.models import Customer, MarketingBudget, MarketingExpense, Unit
from tests.browser import PageWatcher, browser, choose, chromium_available, live_server, log_in
from tests.conftest import skip_or_fail
from tests.factories import PASSWORD
from tests.test_inventory_commands import HEADERS, _row

pytestmark = pytest.mark.browser

CHINESE = re.compile(r"[\u4e00-\u9fff]")
TODAY = localtime.today()
MONTH = f"{TODAY:%Y-%m}"


@pytest.fixture(scope="module")
def site(app_env):
    if not chromium_available():
        skip_or_fail("Chromium is not installed at /usr/bin/chromium")
    with live_server(app_env) as base_url, browser() as b:
        yield base_url, b, app_env.server.extensions["loupan_db"]


@dataclass
class Journey:
    """One import screen: who opens which page, the import panel's prefix, the template's
    headers, the rows of a good file and of a bad file (with the Excel rows that are wrong),
    and what counts the rows it writes."""

    username: str
    path: str
    prefix: str
    headers: list[str]
    good: list[list]
    bad: list[list]
    bad_rows: set[int]
    model: type
    shown: str  # where on the page (a selector) the good file's rows appear once imported
    text: str  # a text of the good file seen there
    project: str | None = None  # choose this project at the top first
    listed_on: str | None = None  # the page showing the rows, when not the import page
    import_tab: str | None = None  # the tab holding the import panel
    rows_tab: str | None = None  # the tab showing the rows


def count(db, model) -> int:
    with db.factory() as s:
        return s.scalar(select(func.count()).select_from(model))


def idle(page):
    page.wait_for_load_state("networkidle")
    page.wait_for_function("!document.querySelector('._dash-loading')")


def choose_project(page, name: str) -> None:
    choose(page, "#shell-project", name)
    idle(page)


def open_tab(page, label: str | None) -> None:
    if label:
        page.locator(".nav-tabs .nav-link", has_text=label).click()


def download(page, button: str) -> bytes:
    with page.expect_download() as info:
        page.click(f"#{button}")
    assert info.value.suggested_filename.endswith(".xlsx")
    return Path(info.value.path()).read_bytes()


def filled(template: bytes, rows: list[list], folder: Path, name: str) -> Path:
    """The downloaded template with `rows` below its header (its drop-downs kept)."""
    book = load_workbook(io.BytesIO(template))
    sheet = book.worksheets[0]
    for row in rows:
        sheet.append(row)
    path = folder / name
    book.save(path)
    return path


def upload(page, prefix: str, path: Path) -> None:
    page.locator(f"#{import_ids(prefix).upload} input[type=file]").set_input_files(str(path))


def status_says(page, prefix: str, text: str) -> None:
    page.wait_for_function(
        f"document.querySelector('#{import_ids(prefix).status}')?.innerText.includes({text!r})",
        timeout=90_000,
    )


def error_table(page, prefix: str) -> list[tuple[int, str, str]]:
    grid = f"#{import_ids(prefix).errors} .ag-center-cols-container .ag-row"
    page.wait_for_selector(grid)
    rows = page.locator(grid)
    return [
        (
            int(rows.nth(i).locator('[col-id="row"]').inner_text()),
            rows.nth(i).locator('[col-id="column"]').inner_text(),
            rows.nth(i).locator('[col-id="message"]').inner_text(),
        )
        for i in range(rows.count())
    ]


def walk(site, journey: Journey, folder: Path) -> None:
    base_url, b, db = site
    context = b.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    page = context.new_page()
    watcher = PageWatcher(page, base_url)
    log_in(page, base_url, journey.username, PASSWORD)
    page.goto(base_url + journey.path)
    idle(page)
    if journey.project:
        choose_project(page, journey.project)
    open_tab(page, journey.import_tab)
    names = import_ids(journey.prefix)

    # The template: the spec's headers, and nothing else on the data sheet.
    template = download(page, names.template_button)
    sheet = load_workbook(io.BytesIO(template)).worksheets[0]
    assert [c.value for c in sheet[1]] == journey.headers
    assert sheet.max_row == 1

    # A good file: written whole, its rows appear.
    before = count(db, journey.model)
    upload(page, journey.prefix, filled(template, journey.good, folder, "good.xlsx"))
    status_says(page, journey.prefix, f"已导入 {len(journey.good)} 行")
    assert count(db, journey.model) == before + len(journey.good)
    if journey.listed_on:
        page.goto(base_url + journey.listed_on)
        idle(page)
    open_tab(page, journey.rows_tab)
    page.locator(journey.shown).get_by_text(journey.text).first.wait_for(timeout=30_000)
    if journey.listed_on:
        page.goto(base_url + journey.path)
        idle(page)
    open_tab(page, journey.import_tab)

    # A file with bad rows: every bad row listed in Chinese, nothing written.
    written = count(db, journey.model)
    upload(page, journey.prefix, filled(template, journey.bad, folder, "bad.xlsx"))
    status_says(page, journey.prefix, "整个文件未导入")
    errors = error_table(page, journey.prefix)
    assert {row for row, _column, _message in errors} == journey.bad_rows, errors
    assert all(CHINESE.search(message) for _row, _column, message in errors), errors
    assert count(db, journey.model) == written
    # The error list downloads as Excel with the same rows.
    listed = load_workbook(io.BytesIO(download(page, names.error_button))).active
    assert listed.max_row - 1 == len(errors)
    assert {r[0] for r in listed.iter_rows(min_row=2, values_only=True)} == journey.bad_rows
    assert watcher.errors == [], watcher.errors
    context.close()


def test_marketing_plan_import(site, tmp_path):
    walk(
        site,
        Journey(
            username="marketing",
            path="/marketing/budget",
            prefix="mk-budget-import",
            headers=[c.header for c in BUDGET_SPEC.columns],
            good=[
                ["滨江壹号", MONTH, "网络", "媒体广告", 51234],
                ["西湖花园", MONTH, "网络", "活动", 8000],
            ],
            bad=[
                ["滨江壹号", MONTH, "网络", "媒体广告", 100],
                ["滨江壹号", MONTH, "飞鸽传书", "媒体广告", 100],
                ["滨江壹号", MONTH, "网络", "媒体广告", -5],
                ["不存在的项目", MONTH, "网络", "媒体广告", 10],
                ["滨江壹号", "十三月", "网络", "活动", 10],
            ],
            bad_rows={3, 4, 5, 6},
            model=MarketingBudget,
            shown="#mk-budget-grid",
            text="西湖花园",
        ),
        tmp_path,
    )


def test_marketing_expense_import(site, tmp_path):
    walk(
        site,
        Journey(
            username="marketing",
            path="/marketing/expenses",
            prefix="mk-exp-import",
            headers=[c.header for c in EXPENSE_SPEC.columns],
            good=[
                ["滨江壹号", TODAY.isoformat(), "网络", "媒体广告", None, "云帆传媒", "F-1", 1200],
                ["西湖花园", TODAY.isoformat(), "网络", "活动", None, "西子会展", "F-2", 800.5],
            ],
            bad=[
                ["滨江壹号", TODAY.isoformat(), "网络", "媒体广告", None, "甲", "", 10],
                ["滨江壹号", "昨天", "网络", "媒体广告", None, "乙", "", 10],
                ["滨江壹号", TODAY.isoformat(), "网络", "媒体广告", None, "丙", "", 0],
                ["滨江壹号", TODAY.isoformat(), "网络", "媒体广告", "没有的活动", "丁", "", 10],
            ],
            bad_rows={3, 4, 5},
            model=MarketingExpense,
            shown="#mk-exp-grid",
            text="云帆传媒",
        ),
        tmp_path,
    )


def unit_row(code, floor, position, **changes):
    """A row of the units file for building 1 of the test world (no layout defined there)."""
    return _row(code, floor, position, **{"楼栋": "1", "户型": None, **changes})


def test_units_import(site, tmp_path):
    walk(
        site,
        Journey(
            username="manager",
            path="/base/units",
            prefix="base-units-import",
            headers=HEADERS,
            good=[unit_row("1-1-901", 9, 1), unit_row("1-1-902", 9, 2)],
            bad=[
                unit_row("1-1-1001", 10, 1),
                unit_row("1-1-1002", 10, 2, 楼栋="99"),
                unit_row("1-1-1003", 10, 3, 建筑面积=-10),
                unit_row("1-1-101", 10, 4),
                unit_row("1-1-1005", 10, 5, 公摊面积=10),
            ],
            bad_rows={3, 4, 5, 6},
            model=Unit,
            shown="#base-units-grid",
            text="1-1-901",
            import_tab="Excel 导入",
            rows_tab="房间资料",
        ),
        tmp_path,
    )


def test_leads_import(site, tmp_path):
    walk(
        site,
        Journey(
            username="manager",
            path="/crm/import",
            prefix="crm-leads",
            headers=[c.header for c in lead_spec().columns],
            good=[
                ["周一", "13700000001", None, "来访", "网络"],
                ["吴二", "13700000002", None, "来电"],
            ],
            bad=[
                ["郑三", "13700000003", None, "来访"],
                ["王四", "1370000", None, "来访"],
                ["", "13700000005", None, "来访", "飞鸽传书"],
                ["冯五", "13700000003", None, "来电"],
                ["李娜", "13912345678", None, "来访"],
            ],
            bad_rows={3, 4, 5, 6},
            model=Customer,
            shown="#crm-list-grid",
            text="吴二",
            listed_on="/crm/customers",
            project="滨江壹号",
        ),
        tmp_path,
    )
