"""Regenerate the README's screenshots: a fresh demo database, the app on a local port, and the
system Chromium visiting every menu page as a role that may open it.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--only PATH ...]
"""

from __future__ import annotations

import argparse
import contextlib
import re
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Which demo account shows each page best: the first role in this order that may open it.
ROLE_ORDER = ["manager", "consultant", "finance", "marketing", "aftersales", "exec", "admin"]
ROLE_CODES = {"exec": "executive"}


def slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.strip("/").lower()).strip("-") or "desktop"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--only", nargs="*", help="page paths to shoot (default: every page)")
    parser.add_argument("--width", type=int, default=1440)
    parser.add_argument("--height", type=int, default=900)
    args = parser.parse_args()
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    import dash
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    from dashboard import create_app
    from dashboard.settings import Settings
    from data_layer import authz, demo
    from data_layer.db import Database
    from data_layer.migrate import upgrade
    from data_layer.models import RoleCode, User
    from tests.browser import browser, live_server, log_in

    folder = Path(tempfile.mkdtemp(prefix="loupan-shots-"))
    url = f"sqlite:///{folder / 'demo.db'}"
    upgrade(url)
    demo.load(Database(url), scale="small", seed=42, progress=lambda _m: None, today=date.today())
    app = create_app(Settings(database_url=url, secret_key="screenshots", instance_dir=folder))

    shots: list[tuple[str, str]] = []
    for page in sorted(dash.page_registry.values(), key=lambda p: p.get("order") or 0):
        if not page.get("nav_module") or (args.only and page["path"] not in args.only):
            continue
        for username in ROLE_ORDER:
            probe = User(role_code=RoleCode(ROLE_CODES.get(username, username)), active=True)
            if authz.has(probe, page.get("permission", "")):
                shots.append((username, page["path"]))
                break

    with live_server(app) as base, browser() as b:
        context = b.new_context(viewport={"width": args.width, "height": args.height})
        page = context.new_page()
        page.goto(f"{base}/login")
        page.screenshot(path=str(out / "login.png"))
        current = None
        for username, path in shots:
            if username != current:
                context.clear_cookies()
                log_in(page, base, username, demo.DEMO_PASSWORD)
                current = username
            page.goto(base + path)
            # Live pages poll every second and never go idle: wait a bounded time.
            with contextlib.suppress(PlaywrightTimeout):
                page.wait_for_load_state("networkidle", timeout=15000)
            page.wait_for_timeout(1500)  # let charts and grids finish drawing
            target = out / f"{slug(path)}.png"
            page.screenshot(path=str(target), full_page=True)
            print(f"{username:<11} {path:<32} → {target}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
