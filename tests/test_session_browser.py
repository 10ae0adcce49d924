"""Real browser: a page left open when its session ends (the account is disabled elsewhere)
goes to the login page by itself, without console errors, and returns to that page after
logging in again."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from data_layer.commands import users as user_commands
from data_layer.models import Building, User
from pages.inventory import ids
from tests.browser import PageWatcher, browser, chromium_available, live_server, log_in
from tests.conftest import skip_or_fail
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_an_open_page_goes_to_login_when_the_session_ends(app_env):
    if not chromium_available():
        skip_or_fail("Chromium is not installed at /usr/bin/chromium")
    db = app_env.server.extensions["loupan_db"]
    with db.factory() as s:
        building_id = s.scalar(select(Building.id).order_by(Building.id))
        consultant_id = s.scalar(select(User.id).where(User.username == "consultant2"))

    def set_active(active: bool) -> None:
        with db.writer() as s:
            admin = s.scalar(select(User).where(User.username == "admin"))
            user_commands.set_active(s, actor=admin, user_id=consultant_id, active=active)

    with live_server(app_env) as base_url, browser() as b:
        page = b.new_context(viewport={"width": 1400, "height": 900}).new_page()
        watcher = PageWatcher(page, base_url)
        log_in(page, base_url, "consultant2", PASSWORD)
        chart_url = f"{base_url}/deals/chart?building={building_id}"
        page.goto(chart_url)
        page.wait_for_function(
            f"document.querySelector('#{ids.CHART_INFO}')?.innerText.includes('共')",
            timeout=90_000,
        )
        try:
            set_active(False)
            # The live chart's next poll (each second) is refused: the page leaves by itself.
            page.wait_for_url(f"{base_url}/login**", timeout=30_000)
            assert "next=%2Fdeals%2Fchart" in page.url
            page.fill("#username", "consultant2")
            page.fill("#password", PASSWORD)
            page.click("#login-submit")
            assert "停用" in page.inner_text("body")
        finally:
            set_active(True)
        page.fill("#username", "consultant2")
        page.fill("#password", PASSWORD)
        page.click("#login-submit")
        page.wait_for_url(f"{base_url}/deals/chart?building={building_id}", timeout=30_000)
    # The refused poll and the refused login are the only errors (Chromium logs each 401 it
    # receives); nothing from Dash or the page's scripts.
    refusals = ("HTTP 401", "status of 401")
    assert [e for e in watcher.errors if not any(r in e for r in refusals)] == []
    assert any("HTTP 401" in e and "_dash-update-component" in e for e in watcher.errors)
