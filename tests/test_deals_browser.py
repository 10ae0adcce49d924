"""Real browser: a consultant subscribes a unit on 交易登记, finance records the deposit and
prints the receipt with the amount in Chinese capitals."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from data_layer.models import Deal, DealState, Project, Receipt, ReceiptStatus, Unit, UnitStatus
from tests.browser import PageWatcher, browser, chromium_available, live_server, log_in
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
    with live_server(app_env) as base_url, browser() as b:
        yield base_url, b, db


def choose_first(page, dropdown_id: str) -> None:
    page.click(f"#{dropdown_id}")
    page.get_by_role("option").first.click()


def test_subscribe_on_the_unit_panel_then_print_the_receipt(site):
    base_url, b, db = site
    context = b.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    watcher = PageWatcher(page, base_url)
    log_in(page, base_url, "consultant", PASSWORD)
    page.goto(base_url + "/deals/register")
    page.wait_for_load_state("networkidle")
    cell = page.locator(
        "#deals-reg-units .ag-row .ag-cell[col-id='status_label']", has_text="待售"
    ).first
    cell.click()
    page.wait_for_selector("#deal-panel-table")
    code = page.locator("#deal-panel-table td").first.inner_text()
    page.get_by_role("button", name="认购").click()
    page.wait_for_selector("#deal-modal", state="visible")
    choose_first(page, "deal-f-customer")
    choose_first(page, "deal-f-plan")
    page.fill("#deal-f-deposit", "50000")
    page.wait_for_selector("#deal-preview table")
    page.click("#deal-submit")
    page.wait_for_selector("#deal-feedback .alert-success")
    assert f"认购成功：{code}" in page.inner_text("#deal-feedback")
    # A second click on the same form is refused, not a twin.
    page.click("#deal-submit")
    page.wait_for_selector("#deal-feedback .alert-danger")
    assert "请勿重复点击" in page.inner_text("#deal-feedback")
    with db.factory() as s:
        unit = s.scalar(select(Unit).where(Unit.code == code))
        deals = s.scalars(select(Deal).where(Deal.unit_id == unit.id)).all()
        assert len(deals) == 1 and deals[0].state == DealState.LIVE
        assert unit.status == UnitStatus.SUBSCRIBED
        deal_id = deals[0].id
    assert watcher.errors == []
    context.close()

    context = b.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    watcher = PageWatcher(page, base_url)
    log_in(page, base_url, "finance", PASSWORD)
    page.goto(f"{base_url}/finance/receipts?deal={deal_id}")
    page.wait_for_load_state("networkidle")
    page.wait_for_selector("#fin-rc-receivables .ag-row")
    page.fill("#fin-rc-amount", "50000.05")
    page.click("#fin-rc-submit")
    page.wait_for_selector("#fin-rc-print-link")
    with db.factory() as s:
        receipt = s.scalar(select(Receipt).where(Receipt.deal_id == deal_id))
        assert receipt.amount == Decimal("50000.05")
        assert receipt.status == ReceiptStatus.DRAFT
    with context.expect_page() as opened:  # the link opens the receipt in a new tab
        page.click("#fin-rc-print-link")
    printed = opened.value
    printed.wait_for_load_state("networkidle")
    printed.wait_for_selector("#receipt-capital")
    assert printed.inner_text("#receipt-capital") == "人民币伍万元零伍分"
    assert printed.inner_text("#receipt-amount") == "¥50,000.05"
    assert re.search(r"SJ\d{10}", printed.inner_text("#receipt-number"))
    assert watcher.errors == []
    context.close()
