"""Real browser: a manager opens a building's sales control chart, filters it, opens a unit and
sees its status history; a change committed meanwhile appears without a reload."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from data_layer.commands import inventory as commands
from data_layer.models import Building, Unit, User
from pages.inventory import ids
from tests.browser import PageWatcher, browser, chromium_available, live_server, log_in
from tests.conftest import skip_or_fail
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(app_env):
    if not chromium_available():
        skip_or_fail("Chromium is not installed at /usr/bin/chromium")
    db = app_env.server.extensions["loupan_db"]
    with db.writer() as s:
        building = s.scalar(select(Building).order_by(Building.id))
        manager = s.scalar(select(User).where(User.username == "manager"))
        top_left = s.scalar(select(Unit).where(Unit.code == f"{building.code}-1-301"))
        commands.withdraw_units(s, actor=manager, unit_ids=[top_left.id], reason="样板间调整")
        info = {"building_id": building.id, "code": top_left.code, "db": db}
    with live_server(app_env) as base_url, browser() as b:
        yield base_url, b, info


def test_open_chart_filter_open_unit_and_see_history(site):
    base_url, b, info = site
    page = b.new_context(viewport={"width": 1400, "height": 900}).new_page()
    watcher = PageWatcher(page, base_url)
    log_in(page, base_url, "manager", PASSWORD)
    page.goto(f"{base_url}/deals/chart?building={info['building_id']}")
    # Generous timeouts: test machines may be busy; the chart itself answers in milliseconds.
    page.wait_for_function(
        f"document.querySelector('#{ids.CHART_INFO}')?.innerText.includes('共 6 套')",
        timeout=90_000,
    )
    page.wait_for_selector(f"#{ids.CHART_GRAPH} .nsewdrag", timeout=30_000)
    legend = page.inner_text(f"#{ids.CHART_LEGEND}")
    assert "未放盘" in legend and "去化率" in legend

    # Filter: units of at least 91 m² (position 2 of each floor).
    page.fill(f"#{ids.FILTER_AREA_MIN}", "91")
    page.press(f"#{ids.FILTER_AREA_MIN}", "Enter")
    page.wait_for_function(
        f"document.querySelector('#{ids.CHART_INFO}').innerText.includes('符合筛选 3 套')",
        timeout=60_000,
    )

    # Open the top-left unit (3rd floor, position 1): its panel shows the withdrawal.
    box = page.locator(f"#{ids.CHART_GRAPH} .nsewdrag").first.bounding_box()
    x, y = box["x"] + box["width"] * 0.25, box["y"] + box["height"] / 6
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    page.wait_for_selector("#unit-code", timeout=60_000)
    assert page.inner_text("#unit-code") == info["code"]
    history = page.inner_text("#unit-status-history")
    assert "样板间调整" in history and "未放盘" in history
    assert page.locator(f"#{ids.UNIT_ACTIONS}").count() == 1  # the deals area's slot

    # Live: another writer releases the unit; the chart and the panel follow without reload.
    db = info["db"]
    with db.writer() as s:
        manager = s.scalar(select(User).where(User.username == "manager"))
        unit = s.scalar(select(Unit).where(Unit.code == info["code"]))
        commands.release_units(s, actor=manager, unit_ids=[unit.id], batch_name="加推")
    page.wait_for_function(
        "document.querySelector('#unit-status-history').innerText.includes('放盘：加推')",
        timeout=20_000,
    )
    legend = " ".join(page.inner_text(f"#{ids.CHART_LEGEND}").split())
    assert "未放盘 0 套" in legend and "待售 6 套" in legend
    assert watcher.errors == []
