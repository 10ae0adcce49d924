"""Benchmark: concurrent subscriptions and the collections chart (回款分析), on SQLite and
MariaDB.

    .venv/bin/python bench/bench_deals.py [--backends sqlite,mysql] [--receipts 2000000]
                                          [--runs 30] [--reload] [--skip-race] [--skip-chart]
                                          [--threads 4,32] [--processes 2,4,8]

1. Race: 200 subscription attempts on 50 units (4 customers per unit), all submitted at once,
   each through data_layer.commands.deals.subscribe on its own connection, served by a pool
   of threads or of processes (a server's workers: README's deployment runs gunicorn with 4).
   Exactly 50 must win (one per unit), the other 150 get the Chinese refusal naming the
   holder; reported as attempts per second and deals per second. Process workers are warm
   (imported, connected) before the clock starts. First, one worker alone measures a winning
   and a losing attempt (wall and CPU) and prints the ceiling that follows on this machine.
2. Chart: the collections callback (回款分析: received per month by type, due, cumulative rate,
   aging) through Flask and Dash, logged in as finance, versus the raw SQL aggregates that
   produce the same figures, for one year of one project, on N generated receipts
   (instance/bench/deals.db and MariaDB database `loupan_bench_deals`, reused by later runs;
   each allocated to its deal's receivables, one in 50 split between two kinds).
   Goals: callback ≤ 1.3 × raw (median), callback p95 < 300 ms.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import re
import statistics
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, text  # noqa: E402

from data_layer.bulk import bulk_insert  # noqa: E402
from data_layer.db import Database  # noqa: E402
from data_layer.migrate import upgrade  # noqa: E402
from data_layer.models import (  # noqa: E402
    Building,
    Company,
    Customer,
    Deal,
    DealStage,
    DealState,
    PaymentPlan,
    PlanKind,
    Project,
    Receipt,
    ReceiptAllocation,
    ReceiptStatus,
    Receivable,
    ReceivableKind,
    RoleCode,
    Unit,
    UnitStatus,
    User,
)
from data_layer.models.deals import splits_kinds  # noqa: E402

MYSQL_SERVER = os.environ.get("LOUPAN_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/test")
PASSWORD = "Bench2026x"
UNITS, ATTEMPTS = 50, 200
TODAY = date(2026, 12, 4)
KINDS = [
    (ReceivableKind.DEPOSIT, 0.15),
    (ReceivableKind.DOWN_PAYMENT, 0.25),
    (ReceivableKind.INSTALLMENT, 0.10),
    (ReceivableKind.FULL_PAYMENT, 0.10),
    (ReceivableKind.MORTGAGE, 0.30),
    (ReceivableKind.PROVIDENT, 0.05),
    (ReceivableKind.FEE, 0.05),
]
SPLIT_EVERY = 50  # one generated receipt in 50 pays two kinds of receivable (split_kinds)


def mysql_url(name: str, fresh: bool) -> str:
    from sqlalchemy.engine import make_url

    admin = Database(MYSQL_SERVER)
    with admin.engine.begin() as conn:
        if fresh:
            conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        conn.execute(text(f"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4"))
    admin.dispose()
    return make_url(MYSQL_SERVER).set(database=name).render_as_string(hide_password=False)


def sqlite_url(name: str, fresh: bool) -> str:
    folder = ROOT / "instance" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.db"
    if fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    return f"sqlite:///{path}"


def url_for(backend: str, name: str, fresh: bool) -> str:
    return (
        mysql_url(f"loupan_bench_{name}", fresh) if backend == "mysql" else sqlite_url(name, fresh)
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# ---------------------------------------------------------------------------------------------
# 1. The race


def race_setup(db: Database) -> dict:
    """A company, project, manager, 50 units, 200 customers and a plan (committed)."""
    from data_layer.commands.users import hash_password

    tag = uuid.uuid4().hex[:6]
    with db.writer() as s:
        company = Company(code=f"B{tag}", name="压测公司")
        s.add(company)
        s.flush()
        project = Project(company_id=company.id, code=f"R{tag}", name=f"压测{tag}", city="杭州")
        s.add(project)
        s.flush()
        user = User(
            username=f"race{tag}",
            display_name="压测经理",
            role_code=RoleCode.MANAGER,
            password_hash=hash_password(PASSWORD),
            projects=[project],
        )
        s.add(user)
        building = Building(
            project_id=project.id, code="1", name="1栋", floors=10, units_per_floor=5
        )
        s.add(building)
        s.flush()
        units = []
        for i in range(UNITS):
            unit = Unit(
                project_id=project.id,
                building_id=building.id,
                floor=i // 5 + 1,
                position=i % 5 + 1,
                code=f"1-1-{i // 5 + 1}{i % 5 + 1:02d}",
                gross_area=Decimal("100.00"),
                internal_area=Decimal("85.00"),
                shared_area=Decimal("15.00"),
                list_unit_price=Decimal("20000"),
                list_total=Decimal("2000000"),
                floor_total=Decimal("1800000"),
                status=UnitStatus.AVAILABLE,
            )
            s.add(unit)
            units.append(unit)
        customers = []
        for i in range(ATTEMPTS):
            c = Customer(
                project_id=project.id,
                consultant_id=user.id,
                name=f"客户{i}",
                mobile=f"13{i:09d}",
                first_contact_on=TODAY,
            )
            customers.append(c)
            s.add(c)
        s.flush()
        plan = PaymentPlan(
            project_id=project.id,
            name="一次性",
            kind=PlanKind.LUMP_SUM,
            discount_rate=Decimal("0.98"),
            active=True,
        )
        s.add(plan)
        s.flush()
        return {
            "user_id": user.id,
            "plan_id": plan.id,
            "project_id": project.id,
            "jobs": [
                {"unit_id": units[i % UNITS].id, "customer_id": customers[i].id}
                for i in range(ATTEMPTS)
            ],
        }


def _attempt(session, *, user_id, plan_id, unit_id, customer_id):
    from data_layer.commands.deals import subscribe

    actor = session.get(User, user_id)
    return subscribe(
        session,
        actor=actor,
        unit_id=unit_id,
        customer_id=customer_id,
        plan_id=plan_id,
        deposit=Decimal("50000"),
        today=TODAY,
    ).id


def _one(db: Database, ctx: dict, job: dict) -> str:
    from data_layer.errors import DomainError

    for _ in range(5):
        try:
            db.run(_attempt, user_id=ctx["user_id"], plan_id=ctx["plan_id"], **job)
            return "won"
        except DomainError as err:
            return "refused:" + err.message
        except Exception as err:  # a deadlock or lock timeout is retried, as a worker would
            if "Deadlock" in str(err) or "lock" in str(err).lower():
                continue
            return f"error:{type(err).__name__}:{err}"
    return "error:retries"


_PROCESS_DB: Database | None = None


def _process_init(url: str, ready) -> None:
    """A warm worker, as a server's would be: modules imported, a pooled connection open.
    It says so on `ready`: the clock starts once every worker is warm (on a 2-core machine
    eight workers take seconds to import, which is start-up, not subscriptions)."""
    global _PROCESS_DB
    import data_layer.commands.deals  # noqa: F401

    _PROCESS_DB = Database(url)
    with _PROCESS_DB.factory() as s:
        s.execute(select(func.count()).select_from(User)).scalar()
    ready.put(os.getpid())


def _process_job(args) -> str:
    ctx, job, start_at = args
    while time.time() < start_at:
        time.sleep(0.0005)
    return _one(_PROCESS_DB, ctx, job)


def race(url: str, mode: str, workers: int) -> dict:
    """200 attempts submitted at once to `workers` threads or processes (a server's pool:
    gunicorn's workers, or a threaded server's threads), each with its own connection."""
    db = Database(url, pool_size=40, max_overflow=10) if "mysql" in url else Database(url)
    ctx = race_setup(db)
    jobs = list(ctx.pop("jobs"))
    random.Random(1).shuffle(jobs)
    if mode == "threads":
        gate = threading.Event()

        def run(job):
            gate.wait()
            return _one(db, ctx, job)

        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(run, job) for job in jobs]
            time.sleep(0.5)
            started = time.perf_counter()
            gate.set()
            results = [f.result() for f in futures]
            elapsed = time.perf_counter() - started
    else:
        mp = multiprocessing.get_context("spawn")
        ready = mp.Queue()
        with mp.Pool(workers, initializer=_process_init, initargs=(url, ready)) as pool:
            for _ in range(workers):
                ready.get(timeout=300)
            start_at = time.time() + 0.5
            args = [(ctx, job, start_at) for job in jobs]
            pending = pool.map_async(_process_job, args, chunksize=1)
            while time.time() < start_at:
                time.sleep(0.001)
            started = time.perf_counter()
            results = pending.get()
            elapsed = time.perf_counter() - started
    with db.factory() as s:
        live = s.execute(
            select(Deal.unit_id, func.count())
            .where(Deal.project_id == ctx["project_id"], Deal.state == DealState.LIVE)
            .group_by(Deal.unit_id)
        ).all()
        sold = s.scalar(
            select(func.count())
            .select_from(Unit)
            .where(Unit.project_id == ctx["project_id"], Unit.status == UnitStatus.SUBSCRIBED)
        )
    db.dispose()
    won = sum(r == "won" for r in results)
    refused = [r for r in results if r.startswith("refused:")]
    errors = [r for r in results if r.startswith("error:")]
    return {
        "won": won,
        "refused": len(refused),
        "errors": errors[:3],
        "error_count": len(errors),
        "units_with_deal": len(live),
        "double_sales": sum(1 for _, n in live if n > 1),
        "units_subscribed": sold,
        "refusal_ok": all("已被" in r and r.endswith("认购") for r in refused),
        "seconds": elapsed,
        "attempts_per_s": len(results) / elapsed,
        "deals_per_s": won / elapsed,
    }


def attempt_costs(url: str) -> dict:
    """One worker, one attempt after another: what a winning and a losing attempt cost in
    wall time and in this process's CPU. On a machine whose cores are all busy, the race can
    at best reach cores × 50 / (50 winners' + 150 losers' time): a ceiling, not a goal."""
    db = Database(url)
    warm = race_setup(db)  # first statements compile and caches fill: not what is measured
    for job in warm.pop("jobs")[:: UNITS // 5]:
        _one(db, warm, job)
    ctx = race_setup(db)
    jobs = ctx.pop("jobs")
    winners, losers = jobs[:UNITS], jobs[UNITS:]  # job i is unit i % 50
    costs = {}
    for name, part in (("win", winners), ("lose", losers)):
        cpu, wall = time.process_time(), time.perf_counter()
        results = [_one(db, ctx, job) for job in part]
        costs[name] = (
            (time.perf_counter() - wall) / len(part) * 1000,
            (time.process_time() - cpu) / len(part) * 1000,
        )
        assert all(r == "won" if name == "win" else r.startswith("refused:") for r in results)
    db.dispose()
    per_deal = costs["win"][0] + 3 * costs["lose"][0]
    # SQLite: writers take turns on one write lock, so one core's worth.
    costs["cores"] = 1 if url.startswith("sqlite") else os.cpu_count() or 1
    costs["ceiling"] = costs["cores"] * 1000 / per_deal
    return costs


# ---------------------------------------------------------------------------------------------
# 2. The collections chart


def chart_prepare(url: str, receipts: int) -> dict:
    upgrade(url)
    db = Database(url)
    with db.factory() as s:
        project = s.scalar(select(Project).where(Project.code == "BENCH1"))
        have = s.scalar(select(func.count()).select_from(Receipt)) if project else 0
        allocated = s.scalar(select(func.count()).select_from(ReceiptAllocation)) if have else 0
    if have and not allocated:
        # Generated before receipts were allocated: 回款分析 reads the allocations now.
        raise SystemExit(f"{url}: receipts without allocations: run with --reload")
    if have and allocated > have * (1 + 2 / SPLIT_EVERY):
        # Generated with one split receipt in four: not the mix this benchmark measures.
        raise SystemExit(f"{url}: too many split receipts (old data): run with --reload")
    if project is None or have < receipts:
        if project is not None:
            raise SystemExit(f"{url}: {have} receipts, not {receipts}: run with --reload")
        print(f"  generating {receipts:,} receipts …", flush=True)
        t0 = time.perf_counter()
        generate(db, receipts, random.Random(2026))
        print(f"  generated in {time.perf_counter() - t0:.0f} s", flush=True)
    with db.factory() as s:
        projects = list(
            s.scalars(select(Project.id).where(Project.code.like("BENCH%")).order_by(Project.id))
        )
    db.dispose()
    return {"projects": projects}


def generate(db: Database, receipts: int, rng: random.Random) -> None:
    """4 projects; deals with receivables; `receipts` audited receipts over three years,
    allocated to their deals' receivables."""
    from data_layer.commands.users import hash_password

    with db.writer() as s:
        company = Company(code="BENCH", name="压测集团")
        s.add(company)
        s.flush()
        projects = [
            Project(company_id=company.id, code=f"BENCH{i}", name=f"压测项目{i}", city="杭州")
            for i in range(1, 5)
        ]
        s.add_all(projects)
        s.flush()
        s.add(
            User(
                username="bench_fin",
                display_name="压测财务",
                role_code=RoleCode.FINANCE,
                password_hash=hash_password(PASSWORD),
                projects=projects,
            )
        )
        s.flush()
        consultant = s.scalar(select(User.id).where(User.username == "bench_fin"))
        company_id = company.id
        project_ids = [p.id for p in projects]
    deals_per_project = 2000
    start = date(2024, 1, 1)
    days = (TODAY - start).days
    with db.writer() as s:
        next_id = {"building": 1, "unit": 1, "customer": 1, "deal": 1, "receivable": 1}
        for table, key in (
            (Building, "building"),
            (Unit, "unit"),
            (Customer, "customer"),
            (Deal, "deal"),
            (Receivable, "receivable"),
        ):
            next_id[key] = (s.scalar(select(func.max(table.id))) or 0) + 1
        buildings, units, customers, deals, receivables = [], [], [], [], []
        for p in project_ids:
            b_id = next_id["building"]
            next_id["building"] += 1
            buildings.append(
                {
                    "id": b_id,
                    "project_id": p,
                    "code": "1",
                    "name": "1栋",
                    "floors": 40,
                    "sections": 1,
                    "units_per_floor": 50,
                }
            )
            for i in range(deals_per_project):
                u, c, d = next_id["unit"], next_id["customer"], next_id["deal"]
                next_id["unit"] += 1
                next_id["customer"] += 1
                next_id["deal"] += 1
                total = Decimal(rng.randrange(1_500_000, 6_000_000))
                units.append(
                    {
                        "id": u,
                        "project_id": p,
                        "building_id": b_id,
                        "floor": i // 50 + 1,
                        "position": i % 50 + 1,
                        "code": f"1-1-{i // 50 + 1}{i % 50 + 1:02d}",
                        "gross_area": Decimal("100.00"),
                        "internal_area": Decimal("85.00"),
                        "shared_area": Decimal("15.00"),
                        "list_total": total,
                        "status": UnitStatus.SUBSCRIBED,
                    }
                )
                customers.append(
                    {
                        "id": c,
                        "project_id": p,
                        "consultant_id": consultant,
                        "name": f"客户{c}",
                        "mobile": f"1{p:02d}{c:08d}",
                        "first_contact_on": start,
                    }
                )
                subscribed = start + timedelta(days=rng.randrange(days))
                deals.append(
                    {
                        "id": d,
                        "project_id": p,
                        "unit_id": u,
                        "live_unit_id": u,
                        "customer_id": c,
                        "consultant_id": consultant,
                        "stage": DealStage.SUBSCRIBED,
                        "state": DealState.LIVE,
                        "deal_total": total,
                        "subscribed_on": subscribed,
                    }
                )
                for seq, (kind, share) in enumerate(KINDS, 1):
                    r = next_id["receivable"]
                    next_id["receivable"] += 1
                    receivables.append(
                        {
                            "id": r,
                            "project_id": p,
                            "deal_id": d,
                            "seq": seq,
                            "kind": kind,
                            "payer": "buyer",
                            "due_on": subscribed + timedelta(days=30 * seq),
                            "amount": (total * Decimal(str(share))).quantize(Decimal("0.01")),
                            "paid": Decimal("0"),
                            "cancelled": False,
                        }
                    )
        bulk_insert(s, Building, buildings)
        bulk_insert(s, Unit, units)
        bulk_insert(s, Customer, customers)
        bulk_insert(s, Deal, deals)
        bulk_insert(s, Receivable, receivables)
        first_receipt = (s.scalar(select(func.max(Receipt.id))) or 0) + 1
        first_allocation = (s.scalar(select(func.max(ReceiptAllocation.id))) or 0) + 1
    deal_rows = [(d["id"], d["project_id"], d["subscribed_on"]) for d in deals]
    kinds = [k for k, _ in KINDS]
    line_of = {(r["deal_id"], r["kind"]): r["id"] for r in receivables}
    next_allocation = first_allocation
    batch = 100_000
    made = 0
    while made < receipts:
        n = min(batch, receipts - made)
        rows, allocations = [], []
        for i in range(n):
            deal_id, project_id, _day0 = deal_rows[rng.randrange(len(deal_rows))]
            rid = first_receipt + made + i
            k = rng.randrange(len(kinds))
            amount = Decimal(rng.randrange(100_00, 500_000_00)) / 100
            # Allocated in full to the deal's lines; one receipt in fifty also pays 100 of the
            # next line (定金 and 房款 in one transfer, split_kinds), about an office's share.
            parts = [(kinds[k], amount)]
            if i % SPLIT_EVERY == 0 and amount > 200:
                parts = [(kinds[k], amount - 100), (kinds[(k + 1) % len(kinds)], Decimal(100))]
            rows.append(
                {
                    "id": rid,
                    "company_id": company_id,
                    "project_id": project_id,
                    "deal_id": deal_id,
                    "number": f"SJ{rid:010d}",
                    "payer": "客户",
                    "method": "transfer",
                    "kind": kinds[k],
                    "amount": amount,
                    "received_on": start + timedelta(days=rng.randrange(days)),
                    "status": ReceiptStatus.AUDITED,
                    "notes": "",
                    "split_kinds": splits_kinds(kind for kind, _ in parts),
                }
            )
            for kind, part in parts:
                allocations.append(
                    {
                        "id": next_allocation,
                        "receipt_id": rid,
                        "receivable_id": line_of[(deal_id, kind)],
                        "amount": part,
                    }
                )
                next_allocation += 1
        with db.writer() as s:
            bulk_insert(s, Receipt, rows)
            bulk_insert(s, ReceiptAllocation, allocations)
        made += n
        print(f"    {made:,} receipts", flush=True)


def collections_body(app, project_id: int, start: date, end: date) -> dict:
    from dashboard import shell
    from pages.finance import ids

    key = next(k for k in app.callback_map if f"{ids.CO_CHART}.figure" in k)
    cb = app.callback_map[key]
    values = {
        f"{shell.PROJECT_SELECT}.value": project_id,
        f"{ids.CO_START}.date": start.isoformat(),
        f"{ids.CO_END}.date": end.isoformat(),
        f"{ids.CO_GRAIN}.value": "month",
    }
    outputs = [
        {"id": p.rpartition(".")[0], "property": p.rpartition(".")[2]}
        for p in key.strip(".").split("...")
    ]
    return {
        "output": key,
        "outputs": outputs,
        "inputs": [{**i, "value": values.get(f"{i['id']}.{i['property']}")} for i in cb["inputs"]],
        "changedPropIds": [f"{ids.CO_GRAIN}.value"],
    }


RAW = [
    # received per day and type, as 回款分析 reads it: every audited receipt under its own type
    # (covering index ix_receipt_collections) …
    "SELECT received_on, kind, SUM(amount) FROM receipt WHERE project_id = :p AND "
    "status = 'audited' AND received_on >= :s AND received_on <= :e GROUP BY received_on, kind",
    # … and the split receipts' money moved from their own type to the types of the
    # receivables their allocations paid (ix_receipt_split)
    "SELECT received_on, kind, -SUM(amount) FROM receipt WHERE split_kinds = 1 AND "
    "project_id = :p AND status = 'audited' AND received_on >= :s AND received_on <= :e "
    "GROUP BY received_on, kind UNION ALL "
    "SELECT r.received_on, v.kind, SUM(a.amount) FROM receipt r "
    "JOIN receipt_allocation a ON a.receipt_id = r.id JOIN receivable v ON v.id = a.receivable_id "
    "WHERE r.split_kinds = 1 AND r.project_id = :p AND r.status = 'audited' AND "
    "r.received_on >= :s AND r.received_on <= :e GROUP BY r.received_on, v.kind",
    # due per day
    "SELECT due_on, SUM(amount) FROM receivable WHERE project_id = :p AND cancelled = :f AND "
    "kind != 'refund' AND due_on >= :s AND due_on <= :e GROUP BY due_on",
    # history before the window (cumulative rate)
    "SELECT SUM(amount) FROM receipt WHERE project_id = :p AND status = 'audited' AND "
    "received_on < :s",
    "SELECT SUM(amount) FROM receivable WHERE project_id = :p AND cancelled = :f AND "
    "kind != 'refund' AND due_on < :s",
    # aging buckets
    "SELECT CASE WHEN due_on >= :d30 THEN 0 WHEN due_on >= :d60 THEN 1 WHEN due_on >= :d90 "
    "THEN 2 ELSE 3 END AS b, SUM(amount), SUM(paid) FROM receivable WHERE project_id = :p AND "
    "due_on < :t AND cancelled = :f AND kind != 'refund' AND paid < amount GROUP BY b",
]


def raw_once(db: Database, project_id: int, start: date, end: date, sqlite: bool) -> list:
    params = {
        "p": project_id,
        "f": False,
        "t": TODAY,
        "d30": TODAY - timedelta(days=30),
        "d60": TODAY - timedelta(days=60),
        "d90": TODAY - timedelta(days=90),
    }
    if sqlite:  # dates are ISO text there
        params = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in params.items()}
        params.update(s=start.isoformat(), e=end.isoformat())
    else:
        params.update(s=start, e=end)
    out = []
    with db.engine.connect() as conn:
        for sql in RAW:
            out.append(conn.execute(text(sql), params).all())
    return out


def chart(url: str, runs: int, backend: str) -> dict:
    from dashboard import create_app
    from dashboard.settings import Settings

    info = chart_prepare(url, 0)
    db = Database(url)
    settings = Settings(database_url=url, secret_key="bench", instance_dir=ROOT / "instance")
    app = create_app(settings)
    client = app.server.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    assert (
        client.post(
            "/login", data={"username": "bench_fin", "password": PASSWORD, "csrf": token}
        ).status_code
        == 302
    )
    raw_ms, cb_ms = [], []
    windows = [
        (date(y, m, 1), date(y + 1, m, 1) - timedelta(days=1))
        for y in (2024, 2025)
        for m in (1, 4, 7, 10)
    ]
    for i in range(runs + 2):
        project_id = info["projects"][i % len(info["projects"])]
        start, end = windows[i % len(windows)]
        t0 = time.perf_counter()
        raw_once(db, project_id, start, end, backend == "sqlite")
        t1 = time.perf_counter()
        response = client.post(
            "/_dash-update-component", json=collections_body(app, project_id, start, end)
        )
        t2 = time.perf_counter()
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        if i >= 2:  # warm-up
            raw_ms.append((t1 - t0) * 1000)
            cb_ms.append((t2 - t1) * 1000)
    db.dispose()
    return {
        "raw_median": statistics.median(raw_ms),
        "callback_median": statistics.median(cb_ms),
        "ratio": statistics.median(cb_ms) / statistics.median(raw_ms),
        "callback_p95": percentile(cb_ms, 0.95),
        "raw_p95": percentile(raw_ms, 0.95),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backends", default="sqlite,mysql")
    parser.add_argument("--receipts", type=int, default=2_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--reload", action="store_true")
    parser.add_argument("--skip-race", action="store_true")
    parser.add_argument("--skip-chart", action="store_true")
    parser.add_argument(
        "--threads",
        default="4,32",
        help="thread pool sizes to race with (comma-separated)",
    )
    parser.add_argument(
        "--processes",
        default="2,4,8",
        help="process pool sizes (2 = this machine's cores; README's deployment: 4 workers)",
    )
    args = parser.parse_args()
    ok = True
    for backend in args.backends.split(","):
        print(f"== {backend}")
        if not args.skip_race:
            url = url_for(backend, "deals_race", fresh=True)
            upgrade(url)
            pools = [("threads", int(n)) for n in args.threads.split(",") if n]
            pools += [("processes", int(n)) for n in args.processes.split(",") if n]
            costs = attempt_costs(url)
            print(
                f"  one attempt after another: winning {costs['win'][0]:.1f} ms "
                f"({costs['win'][1]:.1f} ms of Python CPU), losing {costs['lose'][0]:.1f} ms "
                f"({costs['lose'][1]:.1f} ms) → at best {costs['ceiling']:.0f} deals/s on "
                f"{costs['cores']} core(s) doing nothing else",
                flush=True,
            )
            for mode, workers in pools:
                r = race(url, mode, workers)
                good = (
                    r["won"] == UNITS
                    and r["double_sales"] == 0
                    and r["error_count"] == 0
                    and r["refusal_ok"]
                    and r["units_subscribed"] == UNITS
                )
                ok &= good
                print(
                    f"  race [{workers:2} {mode:9}] {ATTEMPTS} attempts on {UNITS} units: "
                    f"{r['won']} won, {r['refused']} refused, {r['error_count']} errors, "
                    f"{r['double_sales']} double sales — {r['seconds']:.2f} s, "
                    f"{r['attempts_per_s']:.0f} attempts/s, {r['deals_per_s']:.0f} deals/s "
                    f"{'OK' if good else 'FAILED ' + str(r['errors'])}",
                    flush=True,
                )
        if not args.skip_chart:
            url = url_for(backend, "deals", fresh=args.reload)
            chart_prepare(url, args.receipts)
            c = chart(url, args.runs, backend)
            good = c["ratio"] <= 1.3 and c["callback_p95"] < 300
            print(
                f"  collections chart, {args.receipts:,} receipts, one project-year by month: "
                f"raw SQL median {c['raw_median']:.1f} ms (p95 {c['raw_p95']:.1f}), callback "
                f"median {c['callback_median']:.1f} ms (p95 {c['callback_p95']:.1f}) → ratio "
                f"{c['ratio']:.2f}× {'OK' if good else 'ABOVE GOAL'}",
                flush=True,
            )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
