"""Real browser: a consultant opens a unit on the sales control chart, makes a 置业计划书 for a
customer, finds it in the customer's history and opens the print view."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from data_layer.models import Building, Customer, Project, Quote
from pages.inventory import ids as chart_ids
from pages.plan import quote_ids as ids
from tests.browser import PageWatcher, browser, choose, chromium_available, live_server, log_in
from tests.conftest import skip_or_fail
from tests.factories import PASSWORD
from tests.test_deals_support import make_plans

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(app_env):
    if not chromium_available():
        skip_or_fail("Chromium is not installed at /usr/bin/chromium")
    db = app_env.server.extensions["loupan_db"]
    with db.writer() as s:
        project = s.scalar(select(Project).where(Project.code == "P1"))
        make_plans(s, project)
        building = s.scalar(select(Building).where(Building.project_id == project.id))
        customer = s.scalar(select(Customer).where(Customer.name == "张伟"))
        info = {"building_id": building.id, "customer_id": customer.id, "db": db}
    with live_server(app_env) as base_url, browser() as b:
        yield base_url, b, info


def test_quote_from_the_chart_to_the_customer_history_and_print(site, tmp_path):
    base_url, b, info = site
    page = b.new_context(viewport={"width": 1400, "height": 900}).new_page()
    watcher = PageWatcher(page, base_url)
    log_in(page, base_url, "consultant", PASSWORD)

    # Open the bottom-left unit (floor 1, position 1) on the sales control chart.
    page.goto(f"{base_url}/deals/chart?building={info['building_id']}")
    page.wait_for_selector(f"#{chart_ids.CHART_GRAPH} .nsewdrag", timeout=90_000)
    box = page.locator(f"#{chart_ids.CHART_GRAPH} .nsewdrag").first.bounding_box()
    x, y = box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 5 / 6
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    page.wait_for_selector("#unit-quote-link", timeout=60_000)
    code = page.inner_text("#unit-code")
    page.click("#unit-quote-link")

    # The form opens with the unit chosen; pick the customer and the mortgage plan.
    page.wait_for_url(re.compile(r"/plan/quote\?unit=\d+"))
    page.wait_for_function(
        f"document.querySelector('#{ids.UNIT}')?.innerText.includes('{code}')", timeout=60_000
    )
    choose(page, f"#{ids.CUSTOMER}", "张伟")
    choose(page, f"#{ids.PLAN}", "按揭99折")
    page.wait_for_function(f"document.querySelector('#{ids.DOWN}').value === '30'", timeout=30_000)
    page.fill(f"#{ids.EXTRA}", "5000")
    page.click(f"#{ids.TRY}")
    page.wait_for_selector(".quote-sheet #quote-monthly", timeout=60_000)
    assert "试算" in page.inner_text(f"#{ids.FEEDBACK}")
    page.screenshot(path=str(tmp_path / "quote-form.png"), full_page=True)

    page.click(f"#{ids.SAVE}")
    page.wait_for_selector("#plan-qt-print-link", timeout=60_000)
    saved = page.inner_text(f"#{ids.FEEDBACK}")
    number = re.search(r"ZY\d{10}", saved).group(0)
    with info["db"].factory() as s:
        quote = s.scalar(select(Quote).where(Quote.number == number))
        assert quote.customer_id == info["customer_id"] and quote.extra_discount == 5000

    # The customer's page lists it in time order; its link opens the print view.
    page.goto(f"{base_url}/crm/customer/{info['customer_id']}")
    page.wait_for_selector("#crm-detail-quotes", timeout=60_000)
    assert number in page.inner_text("#crm-detail-quotes")
    page.wait_for_function(
        f"document.querySelector('#crm-detail-timeline')?.innerText.includes('{number}')",
        timeout=30_000,
    )
    page.click(f"#crm-detail-quotes a:has-text('{number}')")
    page.wait_for_selector(f"#{ids.PRINT_SHEET}", timeout=60_000)
    sheet = page.inner_text(f"#{ids.PRINT_SHEET}")
    assert number in sheet and code in sheet and "等额本息" in sheet
    page.emulate_media(media="print")
    assert not page.locator(".loupan-navbar").is_visible()
    page.screenshot(path=str(tmp_path / "quote-print.png"), full_page=True)
    assert watcher.errors == [], watcher.errors
