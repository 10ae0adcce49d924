"""Real browser on the demo data: every demo account logs in and visits every page its menu
shows, with no console error, no failed request and no request outside the server."""

import contextlib

import dash
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from data_layer import authz
from data_layer.demo import DEMO_PASSWORD as PASSWORD
from data_layer.models import RoleCode, User
from tests.browser import PageWatcher, browser, chromium_available, live_server, log_in
from tests.conftest import skip_or_fail

pytestmark = pytest.mark.browser

ROLE_USERS = {
    RoleCode.ADMIN: "admin",
    RoleCode.EXECUTIVE: "exec",
    RoleCode.MANAGER: "manager",
    RoleCode.CONSULTANT: "consultant",
    RoleCode.FINANCE: "finance",
    RoleCode.MARKETING: "marketing",
    RoleCode.AFTERSALES: "aftersales",
}


@pytest.fixture(scope="module")
def site(demo_app):
    if not chromium_available():
        skip_or_fail("Chromium is not installed at /usr/bin/chromium")
    with live_server(demo_app) as base_url, browser() as b:
        yield base_url, b


def pages_for(role: RoleCode) -> list[str]:
    probe = User(role_code=role, active=True)
    return [
        page["path"]
        for page in dash.page_registry.values()
        if page.get("nav_module") and authz.has(probe, page.get("permission", ""))
    ]


def wait_idle(page):
    page.wait_for_selector("#_pages_content", state="attached")
    # A live page polls every second and may never go idle; its errors are still collected.
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_load_state("networkidle", timeout=6000)
    page.wait_for_timeout(300)


@pytest.mark.parametrize("role", list(ROLE_USERS))
def test_role_visits_every_page_it_may_open(site, role):
    base_url, b = site
    context = b.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    watcher = PageWatcher(page, base_url)
    log_in(page, base_url, ROLE_USERS[role], PASSWORD)
    paths = pages_for(role)
    assert "/" in paths
    for path in paths:
        page.goto(base_url + path)
        wait_idle(page)
        assert page.locator("#page-forbidden").count() == 0, path
        assert page.locator(".loupan-navbar").is_visible()
        # Nothing wider than the window: no horizontal scroll bar on any page.
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, (path, overflow)
    # The menu lists exactly the modules with pages the role may open.
    menu_text = page.locator(".loupan-navbar").inner_text()
    if role == RoleCode.ADMIN:
        assert "系统管理" in menu_text
    else:
        assert "系统管理" not in menu_text
    assert watcher.errors == [], watcher.errors
    context.close()


def test_language_switch_is_kept_per_user(site):
    base_url, b = site
    context = b.new_context()
    page = context.new_page()
    watcher = PageWatcher(page, base_url)
    log_in(page, base_url, "aftersales", PASSWORD)
    wait_idle(page)
    assert "桌面" in page.locator(".loupan-navbar").inner_text()
    page.click("#shell-lang-en")
    page.wait_for_function(
        "document.querySelector('.loupan-navbar')?.innerText.includes('Desktop')"
    )
    page.goto(base_url + "/")
    wait_idle(page)
    assert "Desktop" in page.locator(".loupan-navbar").inner_text()
    # Another user on another browser still sees Chinese.
    other = b.new_context().new_page()
    log_in(other, base_url, "finance", PASSWORD)
    wait_idle(other)
    assert "桌面" in other.locator(".loupan-navbar").inner_text()
    page.click("#shell-lang-zh")
    page.wait_for_function("document.querySelector('.loupan-navbar')?.innerText.includes('桌面')")
    assert watcher.errors == [], watcher.errors
    context.close()


def test_wrong_password_shows_a_chinese_message(site):
    base_url, b = site
    page = b.new_page()
    page.goto(f"{base_url}/login")
    page.fill("#username", "manager")
    page.fill("#password", "wrong-password")
    page.click("#login-submit")
    assert "用户名或密码错误" in page.locator("#login-error").inner_text()
    page.close()
