"""Benchmark: the funnel callback (客户分析) on 1,000,000 customers versus the raw SQL
aggregates that produce the same figures, on SQLite and MariaDB.

    .venv/bin/python bench/bench_crm.py [--backends sqlite,mysql] [--runs 40] [--reload]

Data: generated here with bulk inserts (10 projects × 100,000 customers over three years,
4 % of them with a deal; 60 consultants in 30 teams) into instance/bench/crm.db and the MariaDB
database `loupan_bench_crm` on LOUPAN_TEST_MYSQL_URL's server, reused by later runs.

Measured side by side in one run, for one project and one quarter (a different project and
quarter each run), as the executive:
- raw:      the two aggregate statements on the DBAPI cursor (customer counts on the covering
            index ix_customer_funnel; subscriptions and contracts through the deals);
- callback: the funnel callback through Flask and Dash (/_dash-update-component, logged in),
            which checks the session and permission, applies the viewer's scope, runs the same
            aggregates through SQLAlchemy and returns the dict figure and the rate table.
Then: the figures of both agree, and a customer registered through the command appears in the
next callback at once (no cache to go stale).
Goals: callback ≤ 1.3 × raw (median), callback p95 < 300 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from floor import floor_body, post_floor  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

from data_layer.bulk import bulk_insert  # noqa: E402
from data_layer.db import Database  # noqa: E402
from data_layer.migrate import upgrade  # noqa: E402
from data_layer.models import (  # noqa: E402
    Building,
    Company,
    Customer,
    Deal,
    Project,
    RoleCode,
    Team,
    Unit,
    User,
    project_member,
)

MYSQL_SERVER = os.environ.get("LOUPAN_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/test")
MYSQL_DB = "loupan_bench_crm"
PROJECTS = 10
CUSTOMERS = 1_000_000
DEAL_SHARE = 0.04
START = date(2024, 1, 1)
DAYS = 3 * 365
PASSWORD = "Bench2026"
CHANNELS = ["referral", "walkby", "outdoor", "online", "newspaper", "tv", "sms", "owner"]
LOST = ["price", "location", "layout", "competitor", "funds", "unreachable"]

RAW_CUSTOMERS = """
SELECT count(*),
       coalesce(sum(CASE WHEN visit_count >= 2 OR opportunity_on IS NOT NULL OR stage = 'deal'
                         THEN 1 ELSE 0 END), 0),
       coalesce(sum(CASE WHEN opportunity_on IS NOT NULL OR stage = 'deal' THEN 1 ELSE 0 END), 0)
FROM customer
WHERE project_id = {p} AND first_contact_on >= '{start}' AND first_contact_on <= '{end}'
"""
RAW_DEALS = """
SELECT count(DISTINCT CASE WHEN d.subscribed_on IS NOT NULL OR d.contracted_on IS NOT NULL
                           THEN c.id END),
       count(DISTINCT CASE WHEN d.contracted_on IS NOT NULL THEN c.id END),
       count(DISTINCT CASE WHEN (d.subscribed_on IS NOT NULL OR d.contracted_on IS NOT NULL)
                            AND NOT (c.opportunity_on IS NOT NULL OR c.stage = 'deal')
                           THEN c.id END),
       count(DISTINCT CASE WHEN (d.subscribed_on IS NOT NULL OR d.contracted_on IS NOT NULL)
                            AND NOT (c.visit_count >= 2 OR c.opportunity_on IS NOT NULL
                                     OR c.stage = 'deal')
                           THEN c.id END)
FROM customer c {hint} JOIN deal d ON d.customer_id = c.id
WHERE c.project_id = {p} AND c.first_contact_on >= '{start}' AND c.first_contact_on <= '{end}'
"""
# The best plan on each backend: SQLite picks the covering index itself; MariaDB needs to be
# told (it would read every customer of the project through a ref on project_id).
HINTS = {"sqlite": "", "mysql": "FORCE INDEX (ix_customer_funnel)"}


def sqlite_url() -> str:
    folder = ROOT / "instance" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'crm.db'}"


def mysql_url(reload: bool) -> str:
    from sqlalchemy.engine import make_url

    admin = Database(MYSQL_SERVER)
    with admin.engine.begin() as conn:
        if reload:
            conn.execute(text(f"DROP DATABASE IF EXISTS `{MYSQL_DB}`"))
        conn.execute(text(f"CREATE DATABASE IF NOT EXISTS `{MYSQL_DB}` CHARACTER SET utf8mb4"))
    admin.dispose()
    return make_url(MYSQL_SERVER).set(database=MYSQL_DB).render_as_string(hide_password=False)


def generate(db: Database, rng: random.Random) -> None:
    """1,000,000 customers, their deals and the people, in bulk (minutes, once)."""
    from data_layer.commands.users import hash_password

    started = time.perf_counter()
    with db.writer() as s:
        company = Company(code="BENCH", name="基准集团")
        s.add(company)
        s.flush()
        projects = []
        for i in range(PROJECTS):
            p = Project(
                company_id=company.id,
                code=f"B{i:02d}",
                name=f"基准项目{i:02d}",
                city="杭州",
                protection_days=30,
            )
            s.add(p)
            projects.append(p)
        s.flush()
        secret = hash_password(PASSWORD)
        s.add(
            User(
                username="bench_exec",
                display_name="基准高管",
                role_code=RoleCode.EXECUTIVE,
                password_hash=secret,
            )
        )
        consultants: dict[int, list[int]] = {}
        for p in projects:
            consultants[p.id] = []
            for t in range(3):
                team = Team(project_id=p.id, name=f"{t + 1}组")
                s.add(team)
                s.flush()
                for k in range(2):
                    u = User(
                        username=f"c{p.id}_{t}_{k}",
                        display_name=f"顾问{p.id}-{t}{k}",
                        role_code=RoleCode.CONSULTANT,
                        password_hash=secret,
                        team_id=team.id,
                    )
                    s.add(u)
                    s.flush()
                    s.execute(project_member.insert().values(user_id=u.id, project_id=p.id))
                    consultants[p.id].append(u.id)
            b = Building(project_id=p.id, code="1", name="1栋", floors=40, units_per_floor=120)
            s.add(b)
        s.flush()
        buildings = {b.project_id: b.id for b in s.scalars(select(Building))}
        unit_rows = []
        per_project_units = int(CUSTOMERS / PROJECTS * DEAL_SHARE) + 10
        for p in projects:
            for n in range(per_project_units):
                floor, position = divmod(n, 120)
                unit_rows.append(
                    {
                        "project_id": p.id,
                        "building_id": buildings[p.id],
                        "floor": floor + 1,
                        "position": position + 1,
                        "code": f"1-1-{floor + 1}{position + 1:03d}",
                        "gross_area": Decimal("100.00"),
                        "internal_area": Decimal("80.00"),
                        "shared_area": Decimal("20.00"),
                        "status": "subscribed",
                    }
                )
        bulk_insert(s, Unit, unit_rows)
        units = {}
        for uid, pid in s.execute(select(Unit.id, Unit.project_id).order_by(Unit.id)):
            units.setdefault(pid, []).append(uid)
        project_ids = [p.id for p in projects]
    print(f"  people and units ready ({time.perf_counter() - started:.1f} s)")
    next_id = 1
    per_project = CUSTOMERS // PROJECTS
    for pid in project_ids:
        with db.writer() as s:
            customers, deals = [], []
            unit_pool = list(units[pid])
            for _n in range(per_project):
                day = START + timedelta(days=rng.randrange(DAYS))
                visits = rng.choices((0, 1, 2, 3, 4), (25, 45, 18, 8, 4))[0]
                draw = rng.random()
                stage, level, opp, lost_on, reason = "lead", "", None, None, ""
                if draw < DEAL_SHARE and unit_pool:
                    stage, level = "deal", "A"
                    opp = day + timedelta(days=rng.randrange(20))
                elif draw < 0.35:
                    stage, level = "opportunity", rng.choice("ABCD")
                    opp = day + timedelta(days=rng.randrange(20))
                elif draw < 0.6:
                    stage, reason = "lost", rng.choice(LOST)
                    lost_on = day + timedelta(days=rng.randrange(60))
                cid = next_id
                next_id += 1
                consultant = rng.choice(consultants[pid])
                customers.append(
                    {
                        "id": cid,
                        "project_id": pid,
                        "consultant_id": consultant,
                        "name": f"客户{cid}",
                        "mobile": f"13{cid:09d}",
                        "gender": "",
                        "channel": rng.choice(CHANNELS),
                        "first_contact": "visit" if visits else "call",
                        "first_contact_on": day,
                        "stage": stage,
                        "level": level,
                        "lost_reason": reason,
                        "intended_layout": "",
                        "purpose": "",
                        "visit_count": visits,
                        "follow_up_count": visits,
                        "last_contact_on": day,
                        "assigned_at": datetime.combine(day, datetime.min.time()),
                        "notes": "",
                        "opportunity_on": opp,
                        "lost_on": lost_on,
                        "created_at": datetime.combine(day, datetime.min.time()),
                    }
                )
                if stage == "deal":
                    sub = opp + timedelta(days=rng.randrange(30))
                    signed = (
                        sub + timedelta(days=rng.randrange(5, 30)) if rng.random() < 0.7 else None
                    )
                    deals.append(
                        {
                            "project_id": pid,
                            "unit_id": unit_pool.pop(),
                            "customer_id": cid,
                            "consultant_id": consultant,
                            "stage": "contracted" if signed else "subscribed",
                            "state": "live",
                            "subscribed_on": sub,
                            "contracted_on": signed,
                            "deal_total": Decimal("2000000.00"),
                            "created_at": datetime.combine(sub, datetime.min.time()),
                        }
                    )
            bulk_insert(s, Customer, customers)
            bulk_insert(s, Deal, deals)
        print(
            f"  project {pid}: {len(customers):,} customers, {len(deals):,} deals "
            f"({time.perf_counter() - started:.1f} s)"
        )
    if db.engine.dialect.name == "sqlite":
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    else:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE TABLE customer, deal")


def prepare(url: str, reload: bool) -> Database:
    if reload and url.startswith("sqlite"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    upgrade(url)
    db = Database(url)
    with db.factory() as s:
        have = s.scalar(select(func.count()).select_from(Customer))
    if have < CUSTOMERS:
        if have:
            raise SystemExit(f"{url}: {have} customers, not {CUSTOMERS}: run with --reload")
        print(f"generating {CUSTOMERS:,} customers into {url.split('@')[-1]}")
        generate(db, random.Random(2026))
    return db


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def funnel_body(app, project_id: int, start: date, end: date) -> dict:
    from pages.crm import ids

    key = next(k for k in app.callback_map if f"{ids.AN_FUNNEL}.figure" in k)
    cb = app.callback_map[key]
    values = {
        f"{ids.AN_PROJECT}.value": project_id,
        f"{ids.AN_DATES}.start_date": start.isoformat(),
        f"{ids.AN_DATES}.end_date": end.isoformat(),
    }
    outputs = [
        {"id": p.rpartition(".")[0], "property": p.rpartition(".")[2]}
        for p in key.strip(".").split("...")
    ]
    return {
        "output": key,
        "outputs": outputs,
        "inputs": [{**i, "value": values.get(f"{i['id']}.{i['property']}")} for i in cb["inputs"]],
        "changedPropIds": [f"{ids.AN_PROJECT}.value"],
    }


def login(client) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    response = client.post(
        "/login", data={"username": "bench_exec", "password": PASSWORD, "csrf": token}
    )
    assert response.status_code == 302, response.status_code


def run_backend(name: str, url: str, runs: int) -> dict:
    from dashboard import create_app
    from dashboard.settings import Settings
    from pages.crm import ids

    db = Database(url)
    with db.factory() as s:
        projects = list(s.scalars(select(Project.id).order_by(Project.id)))
    settings = Settings(database_url=url, secret_key="bench", instance_dir=ROOT / "instance")
    app = create_app(settings)
    client = app.server.test_client()
    login(client)
    rng = random.Random(7)
    quarters = [
        (date(y, m, 1), date(y + (m == 10), (m + 3) % 12 or 12, 1) - timedelta(days=1))
        for y in (2024, 2025, 2026)
        for m in (1, 4, 7, 10)
    ]
    raw_times, cb_times, floor_times = [], [], []
    floor = floor_body(app)
    raw_conn = db.engine.raw_connection()
    cursor = raw_conn.cursor()
    for i in range(runs + 3):
        project_id = rng.choice(projects)
        start, end = rng.choice(quarters)
        params = {"p": project_id, "start": start.isoformat(), "end": end.isoformat()}
        order = (0, 1) if i % 2 else (1, 0)  # alternate who runs first (cache warmth)
        for which in order:
            if which == 0:
                t0 = time.perf_counter()
                cursor.execute(RAW_CUSTOMERS.format(**params))
                new, returning, opportunity = cursor.fetchone()
                cursor.execute(RAW_DEALS.format(hint=HINTS[db.engine.dialect.name], **params))
                subscribed, contracted, unmarked, unreturned = cursor.fetchone()
                raw_ms = (time.perf_counter() - t0) * 1000
            else:
                t0 = time.perf_counter()
                response = client.post(
                    "/_dash-update-component", json=funnel_body(app, project_id, start, end)
                )
                cb_ms = (time.perf_counter() - t0) * 1000
                assert response.status_code == 200, response.get_data(as_text=True)[:300]
                figure = response.get_json()["response"][ids.AN_FUNNEL]["figure"]
        expected = [
            int(new),
            int(returning) + int(unreturned),  # nested stages: see queries/funnel.py
            int(opportunity) + int(unmarked),
            int(subscribed),
            int(contracted),
        ]
        got = figure["data"][0]["x"] if figure["data"] else [0] * 5
        assert got == expected, (project_id, start, got, expected)
        t0 = time.perf_counter()
        post_floor(client, floor)
        floor_ms = (time.perf_counter() - t0) * 1000
        if i >= 3:  # the first runs warm the caches of both
            raw_times.append(raw_ms)
            cb_times.append(cb_ms)
            floor_times.append(floor_ms)
    cursor.close()
    raw_conn.close()
    # Correct right after a write: register one customer today, the next call counts them.
    from data_layer.commands import crm as commands

    today = date.today()
    with db.factory() as s:
        consultant = s.scalars(
            select(User).where(User.role_code == RoleCode.CONSULTANT).order_by(User.id)
        ).first()
        project_id = sorted(consultant.project_ids)[0]

    def count_today():
        r = client.post("/_dash-update-component", json=funnel_body(app, project_id, today, today))
        data = r.get_json()["response"][ids.AN_FUNNEL]["figure"]["data"]
        return data[0]["x"][0] if data else 0

    before = count_today()
    mobile = f"199{random.randrange(10**8):08d}"
    with db.writer() as s:
        actor = s.get(User, consultant.id)
        commands.register_customer(
            s, actor=actor, project_id=project_id, values={"name": "基准新客", "mobile": mobile}
        )
    after = count_today()
    with db.writer() as s:  # leave the data set as it was
        s.execute(
            text(
                "DELETE FROM customer_assignment WHERE customer_id IN "
                "(SELECT id FROM customer WHERE mobile = :m)"
            ),
            {"m": mobile},
        )
        s.execute(
            text(
                "DELETE FROM follow_up WHERE customer_id IN "
                "(SELECT id FROM customer WHERE mobile = :m)"
            ),
            {"m": mobile},
        )
        s.execute(text("DELETE FROM customer WHERE mobile = :m"), {"m": mobile})
    app.server.extensions["loupan_db"].dispose()
    db.dispose()
    return {
        "backend": name,
        "raw_median": statistics.median(raw_times),
        "raw_p95": percentile(raw_times, 0.95),
        "cb_median": statistics.median(cb_times),
        "cb_p95": percentile(cb_times, 0.95),
        "floor": statistics.median(floor_times),
        "fresh": after == before + 1,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,mysql")
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--reload", action="store_true")
    args = parser.parse_args()
    results = []
    for backend in args.backends.split(","):
        url = sqlite_url() if backend == "sqlite" else mysql_url(args.reload)
        try:
            prepare(url, args.reload).dispose()
        except Exception as err:  # report the backend and go on
            print(f"{backend}: unavailable ({type(err).__name__}: {err})")
            continue
        results.append(run_backend(backend, url, args.runs))
    print()
    print("Funnel of one project and quarter, 1,000,000 customers (ms)")
    print(
        f"{'backend':<8} {'raw med':>8} {'raw p95':>8} {'cb med':>8} {'cb p95':>8} "
        f"{'ratio':>6} {'floor':>6} {'fresh':>6}"
    )
    ok = True
    for r in results:
        ratio = r["cb_median"] / r["raw_median"]
        print(
            f"{r['backend']:<8} {r['raw_median']:8.1f} {r['raw_p95']:8.1f} "
            f"{r['cb_median']:8.1f} {r['cb_p95']:8.1f} {ratio:6.2f} {r['floor']:6.1f} "
            f"{r['fresh']!s:>6}"
        )
        ok = ok and r["fresh"] and r["cb_p95"] < 300
    print("goal: ratio ≤ 1.30, callback p95 < 300 ms, a new customer counted at once")
    print(
        "floor: an authenticated callback returning constants (Flask, session, user, Dash "
        "dispatch), measured beside; no callback can take less"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
