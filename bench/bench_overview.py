"""Benchmark: the executive overview's callback on the `bench` data versus the raw SQL
aggregates it needs, on SQLite and MariaDB, with a cold and a warm cache.

    .venv/bin/python bench/bench_overview.py [--backends sqlite,mysql] [--runs 7]

Data: the `bench` demo (`python -m dashboard demo --scale bench`: 40 projects, 1,000,000
customers, 200,000 deals) loaded once into instance/bench/ (SQLite) and the MariaDB database
`loupan_bench_overview` (from LOUPAN_TEST_MYSQL_URL's server), and reused by later runs
(--reload to load again). Without the demo module, a smaller data set is generated here.

Measured side by side in one run, for the period "this year" across all projects, as the
executive:
- raw:   the SQL aggregates the callback needs (hand-written, run on the DBAPI cursor);
- cold:  the callback through Flask/Dash with an empty cache (every figure computed);
- warm:  the same callback again (the figures from the cache; one data-version query).
Goals: cold ≤ 1.3 × raw, warm < 50 ms, p95 < 300 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from data_layer.db import Database  # noqa: E402
from data_layer.migrate import upgrade  # noqa: E402

MYSQL_SERVER = os.environ.get("LOUPAN_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/test")
MYSQL_DB = "loupan_bench_overview"


def sqlite_url(path: str | None = None) -> str:
    if path:
        return f"sqlite:///{Path(path).resolve()}"
    folder = ROOT / "instance" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'overview.db'}"


def mysql_url(reload: bool) -> str:
    from sqlalchemy.engine import make_url

    base = make_url(MYSQL_SERVER)
    admin = Database(MYSQL_SERVER)
    with admin.engine.begin() as conn:
        if reload:
            conn.execute(text(f"DROP DATABASE IF EXISTS `{MYSQL_DB}`"))
        conn.execute(text(f"CREATE DATABASE IF NOT EXISTS `{MYSQL_DB}` CHARACTER SET utf8mb4"))
    admin.dispose()
    return base.set(database=MYSQL_DB).render_as_string(hide_password=False)


def prepare(url: str, reload: bool, source: str = "demo") -> None:
    if reload and url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    upgrade(url)
    db = Database(url)
    try:
        with db.engine.connect() as conn:
            customers = conn.execute(text("SELECT COUNT(*) FROM customer")).scalar()
        if customers:
            print(f"  data present: {customers:,} customers")
            return
        started = time.perf_counter()
        try:
            from data_layer import demo
        except ImportError:
            demo = None
        if demo is not None and source == "demo":
            demo.load(db, scale="bench", progress=lambda _m: None)
        else:
            generate(db)
            # As after any bulk load (the demo loader does the same): the daily figures are
            # recomputed once instead of leaving every row's delta to the next compaction.
            from data_layer import figures

            with db.writer() as session:
                figures.rebuild(session)
        print(f"  data loaded in {time.perf_counter() - started:.0f} s")
    finally:
        db.dispose()


def generate(db: Database, projects: int = 10, units: int = 3000, customers: int = 30000) -> None:
    """A smaller stand-in for the bench demo (used only when data_layer.demo is missing)."""
    import random
    from datetime import timedelta
    from decimal import Decimal

    from data_layer.bulk import bulk_insert
    from data_layer.commands.users import hash_password
    from data_layer.models import (
        Building,
        Company,
        Customer,
        Deal,
        MarketingExpense,
        Project,
        Receipt,
        Receivable,
        RoleCode,
        SalesPlan,
        Unit,
        User,
    )

    rng = random.Random(7)
    today = date.today()
    with db.writer() as s:
        company = Company(code="B", name="基准")
        s.add(company)
        s.flush()
        s.add(
            User(
                username="exec",
                display_name="高管",
                role_code=RoleCode.EXECUTIVE,
                password_hash=hash_password("Loupan2026"),
            )
        )
        consultant = User(
            username="c", display_name="顾问", role_code=RoleCode.CONSULTANT, password_hash="x"
        )
        s.add(consultant)
        s.flush()
        uid = cid = did = rid = 0
        for p in range(projects):
            project = Project(company_id=company.id, code=f"B{p:02d}", name=f"项目{p}", city="杭州")
            s.add(project)
            s.flush()
            building = Building(
                project_id=project.id, code="1", name="1栋", floors=30, units_per_floor=units // 30
            )
            s.add(building)
            s.flush()
            unit_rows, customer_rows, deal_rows, recv_rows, receipt_rows = [], [], [], [], []
            for n in range(units):
                uid += 1
                area = Decimal(rng.randint(7000, 14000)) / 100
                price = Decimal(rng.randint(15000, 40000))
                sold = rng.random() < 0.5
                unit_rows.append(
                    dict(
                        id=uid,
                        project_id=project.id,
                        building_id=building.id,
                        floor=n // 30 + 1,
                        position=n % 30 + 1,
                        code=f"1-{n}",
                        gross_area=area,
                        internal_area=area,
                        shared_area=0,
                        list_unit_price=price,
                        list_total=area * price,
                        status="subscribed" if sold else "available",
                    )
                )
            for _n in range(customers):
                cid += 1
                day = today - timedelta(days=rng.randint(0, 700))
                customer_rows.append(
                    dict(
                        id=cid,
                        project_id=project.id,
                        consultant_id=consultant.id,
                        name="客户",
                        mobile=f"1380{cid:07d}",
                        channel=rng.choice(["online", "outdoor", "referral", "tv"]),
                        first_contact_on=day,
                        stage=rng.choice(["lead", "opportunity", "deal", "lost"]),
                    )
                )
            for row in unit_rows:
                if row["status"] != "subscribed":
                    continue
                did += 1
                day = today - timedelta(days=rng.randint(0, 700))
                deal_rows.append(
                    dict(
                        id=did,
                        project_id=project.id,
                        unit_id=row["id"],
                        live_unit_id=row["id"],
                        customer_id=rng.randint(cid - customers + 1, cid),
                        consultant_id=consultant.id,
                        stage="subscribed",
                        state="live",
                        area=row["gross_area"],
                        deal_total=row["list_total"],
                        subscribed_on=day,
                    )
                )
                for k in range(3):
                    rid += 1
                    amount = (row["list_total"] / 3).quantize(Decimal("0.01"))
                    recv_rows.append(
                        dict(
                            id=rid,
                            project_id=project.id,
                            deal_id=did,
                            seq=k,
                            kind="installment",
                            due_on=day + timedelta(days=90 * k),
                            amount=amount,
                            paid=amount if k == 0 else 0,
                        )
                    )
                    receipt_rows.append(
                        dict(
                            id=rid,
                            company_id=company.id,
                            project_id=project.id,
                            deal_id=did,
                            number=f"R{rid}",
                            payer="客户",
                            method="transfer",
                            kind="installment",
                            amount=amount,
                            received_on=day + timedelta(days=90 * k),
                            status="audited",
                        )
                    )
            bulk_insert(s, Unit, unit_rows)
            bulk_insert(s, Customer, customer_rows)
            bulk_insert(s, Deal, deal_rows)
            bulk_insert(s, Receivable, recv_rows)
            bulk_insert(s, Receipt, receipt_rows)
            month = date(today.year - 1, 1, 1)
            plans, spend = [], []
            while month <= today:
                plans.append(
                    dict(
                        project_id=project.id,
                        month=month,
                        target_units=40,
                        target_amount=Decimal("40000000"),
                    )
                )
                for channel in ("online", "outdoor", "tv"):
                    spend.append(
                        dict(
                            project_id=project.id,
                            spent_on=month,
                            channel=channel,
                            category="media",
                            amount=Decimal(rng.randint(1, 9) * 10000),
                        )
                    )
                month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
            bulk_insert(s, SalesPlan, plans)
            bulk_insert(s, MarketingExpense, spend)
        s.execute(
            text(
                "INSERT INTO audit_log (at, username, action, entity, subject, ip, success)"
                " VALUES (CURRENT_TIMESTAMP, 'bench', 'bench.load', '', '', '', 1)"
            )
        )


# ------------------------------------------------------------------ the raw SQL


def raw_queries(dialect: str) -> list[str]:
    """What the overview needs from the database: projects, plan, stock by status, money in
    and due, visits, and sales and spend by project and month (project totals are sums of
    the months)."""

    def month(col: str) -> str:
        return (
            f"strftime('%Y-%m', {col})" if dialect == "sqlite" else f"DATE_FORMAT({col}, '%Y-%m')"
        )

    sale_day = "COALESCE(subscribed_on, contracted_on)"
    live = "state = 'live' AND stage IN ('subscribed', 'contracted')"
    return [
        "SELECT id FROM project WHERE active = 1 ORDER BY code",
        f"SELECT project_id, {month('month')} m, CASE WHEN team_id IS NULL AND user_id IS NULL "
        "THEN 0 WHEN user_id IS NULL THEN 1 ELSE 2 END lvl, SUM(target_units), "
        "SUM(target_amount) FROM sales_plan WHERE month >= :s AND month <= :e "
        "GROUP BY project_id, m, lvl",
        "SELECT project_id, status, COUNT(*), SUM(gross_area), SUM(list_total) FROM unit "
        "GROUP BY project_id, status",
        "SELECT project_id, SUM(amount) FROM receipt WHERE status = 'audited' "
        "AND received_on >= :s AND received_on <= :e GROUP BY project_id",
        "SELECT project_id, SUM(CASE WHEN due_on >= :s THEN amount END), "
        "SUM(CASE WHEN due_on >= :s THEN paid END), SUM(amount), SUM(paid) FROM receivable "
        "WHERE cancelled = 0 AND due_on <= :e GROUP BY project_id",
        "SELECT project_id, COUNT(*), SUM(CASE WHEN stage = 'deal' THEN 1 ELSE 0 END) "
        "FROM customer WHERE first_contact_on >= :s AND first_contact_on <= :e "
        "GROUP BY project_id",
        f"SELECT project_id, {month(sale_day)} m, SUM(deal_total), COUNT(*), SUM(area) FROM deal "
        f"WHERE {live} AND {sale_day} >= :s AND {sale_day} <= :e GROUP BY project_id, m",
        f"SELECT project_id, {month('spent_on')} m, SUM(amount) FROM marketing_expense "
        "WHERE spent_on >= :s AND spent_on <= :e GROUP BY project_id, m",
    ]


def figure_queries(dialect: str) -> list[str]:
    """What the overview reads now: the same small tables, the stock from its covering index,
    and money, visitors and sales from the daily figures (data_layer/figures.py) instead of
    the receipt, receivable, customer and deal tables: compacted rows and recent deltas, each
    grouped by one statement."""
    month = "strftime('%Y-%m', day)" if dialect == "sqlite" else "DATE_FORMAT(day, '%Y-%m')"
    base = raw_queries(dialect)
    out = base[:3]
    for table in ("figure_day", "figure_delta"):
        out.append(
            f"SELECT project_id, metric, day >= :s AS inside, SUM(amount), SUM(count) "
            f"FROM {table} WHERE day <= :e AND (day >= :s OR metric IN "
            "('due_amount', 'due_paid')) GROUP BY project_id, metric, inside"
        )
        out.append(
            f"SELECT project_id, {month} m, metric, SUM(amount), SUM(count) FROM {table} "
            "WHERE day >= :s AND day <= :e AND metric IN ('sales', 'sales_area') "
            "GROUP BY project_id, m, metric"
        )
    return [*out, base[-1]]


def run_raw(db: Database, start: date, end: date, queries=raw_queries) -> float:
    statements = [text(q) for q in queries(db.engine.dialect.name)]
    started = time.perf_counter()
    with db.engine.connect() as conn:
        for statement in statements:
            conn.execute(statement, {"s": start, "e": end}).fetchall()
    return (time.perf_counter() - started) * 1000


# ------------------------------------------------------------------ the callback


def overview_body(app, start: date, end: date) -> dict:
    from pages.analytics import ids

    app.server.test_client().get("/healthz")
    for key, cb in app.callback_map.items():
        if f"{ids.CARDS}.children" in key:
            values = {
                f"{ids.PERIOD}.start_date": start.isoformat(),
                f"{ids.PERIOD}.end_date": end.isoformat(),
                f"{ids.MEASURE}.data": "sales_amount",
            }
            outputs = []
            for part in key.strip(".").split("..."):
                ident, _, prop = part.rpartition(".")
                outputs.append({"id": ident, "property": prop})
            return {
                "output": key,
                "outputs": outputs,
                "inputs": [
                    {
                        "id": i["id"],
                        "property": i["property"],
                        "value": values.get(f"{i['id']}.{i['property']}"),
                    }
                    for i in cb["inputs"]
                ],
                "state": [],
                "changedPropIds": [],
            }
    raise RuntimeError("overview callback not found")


def login(client, username="exec", password="Loupan2026") -> None:
    import re

    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf": token}
    )
    if response.status_code != 302:
        raise RuntimeError(f"login as {username} failed")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def bench(url: str, label: str, runs: int) -> dict:
    from dashboard import create_app
    from dashboard.settings import Settings
    from data_layer import cache as aggregate_cache

    instance = ROOT / "instance" / "bench" / f"app-{label}"
    instance.mkdir(parents=True, exist_ok=True)
    settings = Settings(database_url=url, secret_key="bench", instance_dir=instance)
    app = create_app(settings)
    store = aggregate_cache.backend(None, instance)
    client = app.server.test_client()
    login(client)
    today = date.today()
    start, end = date(today.year, 1, 1), today
    body = overview_body(app, start, end)
    db = app.server.extensions["loupan_db"]

    def call() -> float:
        started = time.perf_counter()
        response = client.post("/_dash-update-component", json=body)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(response.get_data(as_text=True)[:300])
        return elapsed

    # One untimed pass of each warms the database's own page cache alike.
    run_raw(db, start, end)
    store.clear()
    call()
    run_raw(db, start, end, figure_queries)
    raw, needed, cold, warm = [], [], [], []
    for _ in range(runs):
        raw.append(run_raw(db, start, end))
        needed.append(run_raw(db, start, end, figure_queries))
        store.clear()
        cold.append(call())
        warm.append(call())
    app.server.extensions["loupan_db"].dispose()
    return {
        "label": label,
        "raw": statistics.median(raw),
        "needed": statistics.median(needed),
        "cold": statistics.median(cold),
        "warm": statistics.median(warm),
        "p95": percentile(cold + warm, 0.95),
        "cold_p95": percentile(cold, 0.95),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backends", default="sqlite,mysql")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--reload", action="store_true", help="load the bench data again")
    parser.add_argument("--sqlite", help="an SQLite file with the bench data already loaded")
    parser.add_argument("--load-only", action="store_true", help="prepare the data, no timing")
    parser.add_argument(
        "--mysql-source",
        choices=("demo", "generated"),
        default="generated",
        help="MariaDB data: the bench demo (hours to load on this machine) or the smaller set "
        "generated here (10 projects, 300,000 customers)",
    )
    args = parser.parse_args()
    results = []
    for backend in args.backends.split(","):
        print(f"[{backend}] preparing data …", flush=True)
        url = sqlite_url(args.sqlite) if backend == "sqlite" else mysql_url(args.reload)
        prepare(url, args.reload, "demo" if backend == "sqlite" else args.mysql_source)
        if args.load_only:
            continue
        results.append(bench(url, backend, args.runs))
    if not results:
        return 0
    print()
    print("overview callback vs raw SQL aggregates (median of runs, ms; period: this year)")
    print("  raw SQL:   the scans of the base tables that the daily figures replace")
    print("  needed:    the raw SQL of what the callback reads now (figures, stock index, plan)")
    print(
        f"{'backend':<8} {'raw SQL':>9} {'needed':>9} {'cold':>9} {'cold/needed':>12} "
        f"{'warm':>8} {'p95':>8}"
    )
    ok = True
    for r in results:
        ratio = r["cold"] / r["needed"] if r["needed"] else float("inf")
        print(
            f"{r['label']:<8} {r['raw']:>9.1f} {r['needed']:>9.1f} {r['cold']:>9.1f} "
            f"{ratio:>11.2f}× {r['warm']:>8.1f} {r['p95']:>8.1f}"
        )
        ok &= ratio <= 1.3 and r["warm"] < 50 and r["p95"] < 300
    print(
        "goals: cold ≤ 1.3× needed raw SQL, warm < 50 ms, p95 < 300 ms:",
        "met" if ok else "NOT met",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
