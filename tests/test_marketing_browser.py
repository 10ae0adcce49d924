"""Real browser journeys: an executive changes the overview's period and drills into a
project; a marketing user records an expense and sees the effectiveness table update."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from data_layer import localtime
from data_layer.models import Project, User
from tests.browser import (
    PageWatcher,
    browser,
    choose,
    chromium_available,
    live_server,
    log_in,
)
from tests.conftest import skip_or_fail
from tests.factories import PASSWORD, World
from tests.test_overview_queries import make_sales

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(app_env):
    if not chromium_available():
        skip_or_fail("Chromium is not installed at /usr/bin/chromium")
    db = app_env.server.extensions["loupan_db"]
    with db.writer() as s:
        projects = list(s.scalars(select(Project).order_by(Project.code)))
        users = {u.username: u for u in s.scalars(select(User))}
        world = World(company=projects[0].company, projects=projects)
        world.users = {
            "executive": users["exec"],
            "consultant": users["consultant"],
            "consultant_p2": users["consultant3"],
            "marketing": users["marketing"],
        }
        make_sales(s, world, codes=("B1", "B9"))
        p2 = projects[1].id
    with live_server(app_env) as base_url, browser() as b:
        yield base_url, b, p2


def settle(page):
    page.wait_for_load_state("networkidle")
    page.wait_for_function("!document.querySelector('._dash-loading')")
    page.wait_for_function("!document.querySelector('[data-dash-is-loading=\"true\"]')")


def test_executive_changes_the_period_and_drills_into_a_project(site):
    base_url, b, p2 = site
    context = b.new_context(viewport={"width": 1024, "height": 768})  # a tablet
    page = context.new_page()
    watcher = PageWatcher(page, base_url)
    log_in(page, base_url, "exec", PASSWORD)
    page.goto(f"{base_url}/analytics/overview?start=2026-03-01&end=2026-03-31")
    settle(page)
    sales = page.locator("#ov-kpi-sales_amount")
    sales.wait_for()
    assert sales.inner_text() == "450.00 万元"
    # Another period: last month has none of these March sales.
    page.click("#ov-preset")
    page.get_by_text("上月", exact=True).click()
    page.wait_for_function(
        "document.querySelector('#ov-kpi-sales_amount')?.innerText !== '450.00 万元'"
    )
    page.goto(f"{base_url}/analytics/overview?start=2026-03-01&end=2026-03-31")
    settle(page)
    page.locator("#ov-kpi-sales_amount").wait_for()
    # Drill into 西湖花园 from the project table.
    page.locator("#ov-project-grid .ag-row").filter(has_text="西湖花园").first.click()
    page.wait_for_url(re.compile(rf"project={p2}"))
    settle(page)
    page.wait_for_function(
        "document.querySelector('#ov-kpi-sales_amount')?.innerText === '100.00 万元'"
    )
    assert "西湖花园" in page.locator("#ov-header").inner_text()
    # No horizontal scrolling of the page itself on a tablet.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1024
    assert watcher.errors == [], watcher.errors
    context.close()


def test_marketing_adds_an_expense_and_sees_the_effectiveness_table_update(site):
    base_url, b, _p2 = site
    context = b.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    watcher = PageWatcher(page, base_url)
    log_in(page, base_url, "marketing", PASSWORD)
    # From the March sales of the test data to today (when the expense is recorded).
    effect_url = f"{base_url}/marketing/effect?start=2026-01-01&end={localtime.today().isoformat()}"
    page.goto(effect_url)
    settle(page)
    grid = page.locator("#mk-eff-channel-grid")
    grid.locator(".ag-row").first.wait_for()
    assert grid.locator(".ag-row").filter(has_text="电视").count() == 0

    page.goto(f"{base_url}/marketing/expenses")
    settle(page)
    for field, text in (
        ("#mk-exp-project", "滨江壹号"),
        ("#mk-exp-channel", "电视"),
        ("#mk-exp-category", "媒体广告"),
    ):
        choose(page, field, text)
    page.fill("#mk-exp-vendor", "市电视台")
    page.fill("#mk-exp-amount", "-5")
    page.click("#mk-exp-save")
    feedback = page.locator("#mk-exp-feedback")
    page.wait_for_function("document.querySelector('#mk-exp-feedback')?.innerText.trim()")
    assert "金额不能为负数" in feedback.inner_text(), feedback.inner_text()
    page.fill("#mk-exp-amount", "2500")
    page.click("#mk-exp-save")
    page.wait_for_function(
        "document.querySelector('#mk-exp-feedback')?.innerText.includes('已记录费用')"
    )
    page.locator("#mk-exp-grid .ag-row").filter(has_text="市电视台").first.wait_for()

    page.goto(effect_url)
    settle(page)
    # The pinned channel column and the figures are two halves of the row (row-id = code).
    grid.locator('.ag-pinned-left-cols-container .ag-row[row-id="tv"]').wait_for()
    figures = grid.locator('.ag-center-cols-container .ag-row[row-id="tv"]')
    assert "2,500.00" in figures.inner_text()
    # Click a channel: its funnel (aggregated, no names or phones) is drawn.
    online = '.ag-pinned-left-cols-container .ag-row[row-id="online"] .ag-cell'
    grid.locator(online).first.click()
    page.wait_for_function(
        "document.querySelector('#mk-eff-funnel-chart')?.textContent.includes('网络 · 流失')"
    )
    assert "138" not in page.locator("#mk-eff-funnel-chart").text_content()
    assert watcher.errors == [], watcher.errors
    context.close()
