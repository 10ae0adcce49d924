"""Real browser: a consultant registers a walk-in visitor, sees the duplicate warning for a
mobile another consultant owns, finds the new customer in the list and opens them, then opens
the funnel and clicks a stage to list its customers."""

import pytest

from tests.browser import PageWatcher, browser, chromium_available, live_server, log_in
from tests.conftest import skip_or_fail
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(app_env):
    if not chromium_available():
        skip_or_fail("Chromium is not installed at /usr/bin/chromium")
    with live_server(app_env) as base_url, browser() as b:
        yield base_url, b


def idle(page):
    page.wait_for_load_state("networkidle")
    page.wait_for_function("!document.querySelector('._dash-loading')")


def test_walk_in_duplicate_list_and_funnel(site):
    base_url, b = site
    context = b.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    watcher = PageWatcher(page, base_url)
    log_in(page, base_url, "consultant", PASSWORD)

    page.goto(base_url + "/crm/register")
    idle(page)
    page.fill("#crm-reg-name", "王小明")
    page.fill("#crm-reg-mobile", "136 5555 6666")
    page.wait_for_selector("text=该手机号在本项目尚未登记")
    page.click("#crm-reg-submit")
    page.wait_for_selector("text=已登记客户 王小明")
    # The form is cleared and the new customer is in today's list.
    assert page.input_value("#crm-reg-name") == ""
    page.wait_for_selector("#crm-reg-recent .ag-row >> text=王小明")

    # A mobile another consultant owns: the owner and the date are shown while typing.
    page.fill("#crm-reg-name", "李娜")
    page.fill("#crm-reg-mobile", "13912345678")
    alert = page.wait_for_selector("#crm-dup-alert")
    text = alert.inner_text()
    assert "Consultant2" in text and "已登记" in text and "保护期" in text
    page.click("#crm-reg-submit")
    page.wait_for_selector("text=该手机号已登记")

    # Find the new customer in the list and open their page.
    page.goto(base_url + "/crm/customers")
    idle(page)
    page.fill("#crm-list-search", "王小明")
    page.wait_for_function(
        "document.querySelectorAll('#crm-list-grid .ag-center-cols-container .ag-row').length === 1"
    )
    row = page.locator("#crm-list-grid .ag-center-cols-container .ag-row").first
    assert "13655556666" in row.inner_text()
    page.locator("#crm-list-grid .ag-pinned-left-cols-container a, #crm-list-grid a").first.click()
    page.wait_for_selector("#crm-detail-name")
    assert page.inner_text("#crm-detail-name") == "王小明"

    # The funnel: click the first stage, its customers are listed (only this consultant's).
    page.goto(base_url + "/analytics/customers")
    idle(page)
    page.wait_for_selector("#crm-an-funnel .funnellayer .point path")
    page.wait_for_selector("#crm-an-funnel-table .ag-row >> text=100.0%")
    page.locator("#crm-an-funnel .funnellayer .point path").first.click(force=True)
    page.wait_for_function(
        "document.querySelector('#crm-an-stage-title').innerText.includes('位客户')"
    )
    title = page.inner_text("#crm-an-stage-title")
    assert "新增来访来电：2 位客户" in title  # 张伟 of the test world and 王小明
    names = page.locator("#crm-an-stage-grid .ag-center-cols-container .ag-row").all_inner_texts()
    assert len(names) == 2
    assert not any("李娜" in n for n in names)
    # The filters are in the address, so the view can be shared.
    assert "start=" in page.url and "end=" in page.url
    assert watcher.errors == [], watcher.errors
    context.close()
