"""Real browser: the after-sales clerk opens 按揭办理, selects an owner, ticks the documents,
submits the file (送办) and sees the status change in the panel, the list and the chart."""

from __future__ import annotations

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlalchemy import func, select

from data_layer.models import (
    AftersalesCase,
    AftersalesStep,
    CaseStatus,
)
from pages.aftersales import case_ids as ids
from tests.browser import PageWatcher, browser, chromium_available, live_server, log_in
from tests.conftest import skip_or_fail
from tests.factories import PASSWORD
from tests.test_deals_support import subscribe_in_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(app_env):
    if not chromium_available():
        skip_or_fail("Chromium is not installed at /usr/bin/chromium")
    db = app_env.server.extensions["loupan_db"]
    with db.writer() as s:
        deal, unit = subscribe_in_app(s, mortgage=True, contract_no="HT-BR-001")
        info = {"deal_id": deal.id, "unit": unit.code, "db": db}
    with live_server(app_env) as base_url, browser() as b:
        yield base_url, b, info


def test_clerk_ticks_documents_and_submits_the_mortgage_file(site):
    base_url, b, info = site
    page = b.new_context(viewport={"width": 1500, "height": 1000}).new_page()
    watcher = PageWatcher(page, base_url)
    log_in(page, base_url, "aftersales", PASSWORD)
    page.goto(f"{base_url}/aftersales/mortgage")
    page.wait_for_selector(f"#{ids.GRID} .ag-center-cols-container .ag-row", timeout=90_000)
    assert "按揭办理" in page.inner_text("h1")
    page.wait_for_selector(f"#{ids.CHART} .bars", timeout=30_000)

    page.locator(f"#{ids.GRID} .ag-center-cols-container .ag-row").first.click()
    page.wait_for_selector("#as-case-title", timeout=30_000)
    assert info["unit"] in page.inner_text("#as-case-title")
    assert page.inner_text("#as-case-status-now") == "待办"

    # Tick the checklist one document after another; each tick is saved at once.
    boxes = page.locator(f"#{ids.DOCS} input[type=checkbox]")
    count = boxes.count()
    assert count == 7
    for i in range(count):
        # A tick landing while the panel redraws from the previous one can be drawn over (the
        # redraw shows the server's state without it): the clerk sees it unticked and ticks
        # again, as this does. What is saved is checked below.
        for attempt in range(3):
            box = page.locator(f"#{ids.DOCS} input[type=checkbox]").nth(i)
            if not box.is_checked():
                box.check()
            try:
                page.wait_for_function(
                    f"document.querySelector('#{ids.PANEL}')?.innerText"
                    f".includes('资料清单（{i + 1}/7）')",
                    timeout=20_000,
                )
                break
            except PlaywrightTimeout:
                if attempt == 2:
                    raise
    page.click(f"#{ids.ADVANCE}")
    page.wait_for_function(
        f"document.querySelector('#{ids.FEEDBACK}')?.innerText.includes('已登记为「送办」')",
        timeout=30_000,
    )
    page.wait_for_function(
        "document.querySelector('#as-case-status-now')?.innerText == '送办'", timeout=30_000
    )
    assert "待办 → 送办" in page.inner_text("#as-case-history")
    page.wait_for_function(
        f"document.querySelector('#{ids.GRID} .ag-center-cols-container')"
        ".innerText.includes('7/7')",
        timeout=30_000,
    )
    # The next step is 已办 now.
    assert page.inner_text(f"#{ids.ADVANCE}") == "已办"
    with info["db"].factory() as s:
        case = s.scalar(select(AftersalesCase).where(AftersalesCase.deal_id == info["deal_id"]))
        assert case.status == CaseStatus.SUBMITTED
        assert s.scalar(select(func.count()).where(AftersalesStep.case_id == case.id)) == 1
    assert watcher.errors == []
