"""Benchmark: the sales control chart callback and the 50,000-unit Excel import, on SQLite and
MariaDB, each against its bare lower bound measured side by side in the same run.

    .venv/bin/python bench/bench_inventory.py [--backends sqlite,mysql] [--projects 40]
                                              [--units-per-project 6900] [--runs 40]
                                              [--rows 50000] [--reload] [--skip-import]
                                              [--skip-chart] [--imports 3]

1. Chart: the 销控表 callback for a 40-floor × 8-unit building (320 units) through Flask and
   Dash, logged in as a manager (query, legend, sell-through, heatmap figure, JSON), versus the
   plain SQL query that fetches the same 320 units (raw DBAPI cursor). Also the live tick (the
   1-second fingerprint poll, answered 204 when nothing changed). Data: `--projects` projects of
   about `--units-per-project` units each, like the `bench` demo scale (40 × 6,900), in
   instance/bench/inventory.db and MariaDB database `loupan_bench_inventory`, reused by later
   runs. Goals: callback < 100 ms and ≤ 1.5 × plain SQL (median).
   Also printed: the framework's floor, an authenticated callback of the same page returning
   constants, and the chart's own work (callback − floor). On SQLite the plain query (~0.6 ms
   in process) costs about as much as that floor (Flask + cookie + login + Dash dispatch):
   redraws are served from a per-process cache keyed by the building's fingerprint (one
   aggregate statement that also checks scope and reads the precision settings), holding the
   response's JSON ready-made.
2. Import: a 50,000-row × 14-column units file (instance/bench/units50k.xlsx), end to end
   through data_layer.excel.importer.run_import (parse, validate every cell and row, check
   against the database, write units and their first price) into a fresh project, versus
   python-calamine's bare parse of the same file. Goal on SQLite: import ≤ 3 × bare parse.
   With --skip-chart the chart's data set is not generated: the import then writes into a unit
   table holding only what earlier chart runs left there (nothing in a new database).
"""

from __future__ import annotations

import argparse
import io
import os
import random
import re
import statistics
import sys
import time
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
    Project,
    RoleCode,
    Unit,
    UnitStatus,
    User,
    project_member,
)

MYSQL_BASE = os.environ.get("LOUPAN_BENCH_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/")
MYSQL_DB = "loupan_bench_inventory"
PASSWORD = "Bench2026x"
FLOORS, PER_FLOOR = 40, 8  # the benchmarked building
STATUSES = [
    (UnitStatus.AVAILABLE, 45),
    (UnitStatus.CONTRACTED, 30),
    (UnitStatus.SUBSCRIBED, 8),
    (UnitStatus.UNRELEASED, 10),
    (UnitStatus.RESERVED, 3),
    (UnitStatus.HELD, 2),
    (UnitStatus.NOT_FOR_SALE, 2),
]


def url_for(backend: str, folder: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{folder / 'inventory.db'}"
    admin = Database(MYSQL_BASE)
    with admin.engine.begin() as conn:
        conn.execute(text(f"CREATE DATABASE IF NOT EXISTS `{MYSQL_DB}` CHARACTER SET utf8mb4"))
    admin.dispose()
    return MYSQL_BASE.rstrip("/") + "/" + MYSQL_DB


def reset(backend: str, url: str, folder: Path) -> None:
    if backend == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            path = folder / f"inventory.db{suffix}"
            if path.exists():
                path.unlink()
        return
    admin = Database(MYSQL_BASE)
    with admin.engine.begin() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS `{MYSQL_DB}`"))
        conn.execute(text(f"CREATE DATABASE `{MYSQL_DB}` CHARACTER SET utf8mb4"))
    admin.dispose()


def base_fixture(db: Database) -> tuple[int, int]:
    """The company and the manager that both benchmarks use (created once); their ids."""
    from data_layer.commands.users import hash_password

    with db.writer() as s:
        company = s.scalar(select(Company).where(Company.code == "BENCH"))
        if company is None:
            company = Company(code="BENCH", name="基准地产")
            s.add(company)
        manager = s.scalar(select(User).where(User.username == "bench_manager"))
        if manager is None:
            manager = User(
                username="bench_manager",
                display_name="基准经理",
                role_code=RoleCode.MANAGER,
                password_hash=hash_password(PASSWORD),
            )
            s.add(manager)
        s.flush()
        return company.id, manager.id


def populate(db: Database, projects: int, units_per_project: int) -> int:
    """Projects of 40 × 8 buildings; returns the id of the benchmarked building."""
    rng = random.Random(7)
    weights = [w for _, w in STATUSES]
    statuses = [s for s, _ in STATUSES]
    company_id, manager_id = base_fixture(db)
    with db.writer() as s:
        company = s.get(Company, company_id)
        manager = s.get(User, manager_id)
        target = None
        for p in range(projects):
            project = Project(
                company_id=company.id, code=f"B{p:03d}", name=f"基准项目{p}", city="杭州"
            )
            s.add(project)
            s.flush()
            s.execute(project_member.insert().values(user_id=manager.id, project_id=project.id))
            buildings = max(1, units_per_project // (FLOORS * PER_FLOOR))
            rows = []
            for b in range(1, buildings + 1):
                building = Building(
                    project_id=project.id,
                    code=str(b),
                    name=f"{b}栋",
                    floors=FLOORS,
                    sections=2,
                    units_per_floor=PER_FLOOR // 2,
                )
                s.add(building)
                s.flush()
                if target is None:
                    target = building.id
                for floor in range(1, FLOORS + 1):
                    for position in range(1, PER_FLOOR + 1):
                        section = 1 + (position - 1) // (PER_FLOOR // 2)
                        gross = Decimal(89 + position * 7) + Decimal("0.35")
                        price = Decimal(18000 + floor * 80 + rng.randint(0, 600))
                        rows.append(
                            {
                                "project_id": project.id,
                                "building_id": building.id,
                                "section": section,
                                "floor": floor,
                                "position": position,
                                "code": f"{b}-{section}-{floor}{position:02d}",
                                "orientation": "NS" if position % 2 else "E",
                                "gross_area": gross,
                                "internal_area": gross - Decimal("18.20"),
                                "shared_area": Decimal("18.20"),
                                "list_unit_price": price,
                                "list_total": (price * gross).quantize(Decimal("0.01")),
                                "floor_unit_price": price - 800,
                                "floor_total": ((price - 800) * gross).quantize(Decimal("0.01")),
                                "status": rng.choices(statuses, weights)[0],
                            }
                        )
            bulk_insert(s, Unit, rows)
    return target


def timed(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def bench_chart(backend: str, url: str, building_id: int, runs: int, folder: Path) -> None:
    from dashboard import create_app
    from dashboard.settings import Settings
    from pages.inventory import ids

    app = create_app(Settings(database_url=url, secret_key="bench", instance_dir=folder))
    client = app.server.test_client()
    page = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    client.post("/login", data={"username": "bench_manager", "password": PASSWORD, "csrf": token})
    output = next(k for k in app.callback_map if f"..{ids.CHART_GRAPH}.figure" in k)
    inputs = [
        (ids.BUILDING_SELECT, "value", building_id),
        (ids.FILTER_LAYOUT, "value", []),
        (ids.FILTER_ORIENTATION, "value", []),
        (ids.FILTER_STATUS, "value", []),
        (ids.FILTER_AREA_MIN, "value", None),
        (ids.FILTER_AREA_MAX, "value", None),
        (ids.FILTER_PRICE_MIN, "value", None),
        (ids.FILTER_PRICE_MAX, "value", None),
        (ids.LIVE_INTERVAL, "n_intervals", None),
    ]

    def body(known=None, tick=False):
        parts = output.strip(".").split("...")
        return {
            "output": output,
            "outputs": [
                {"id": p.rpartition(".")[0], "property": p.rpartition(".")[2]} for p in parts
            ],
            "inputs": [
                {"id": i, "property": p, "value": (1 if tick and i == ids.LIVE_INTERVAL else v)}
                for i, p, v in inputs
            ],
            "state": [{"id": ids.FINGERPRINT, "property": "data", "value": known}],
            "changedPropIds": [
                f"{ids.LIVE_INTERVAL}.n_intervals" if tick else f"{ids.BUILDING_SELECT}.value"
            ],
        }

    first = client.post("/_dash-update-component", json=body())
    assert first.status_code == 200, first.get_data(as_text=True)[:300]
    payload = first.get_data()
    known = first.json["response"][ids.FINGERPRINT]["data"]
    cells = sum(
        1
        for row in first.json["response"][ids.CHART_GRAPH]["figure"]["data"][0]["z"]
        for v in row
        if v is not None
    )

    def callback():
        assert client.post("/_dash-update-component", json=body()).status_code == 200

    reset_body = floor_body(app)

    def floor():
        post_floor(client, reset_body)

    def tick():
        assert (
            client.post("/_dash-update-component", json=body(known, tick=True)).status_code == 204
        )

    db = app.server.extensions["loupan_db"]
    raw = db.engine.raw_connection()
    sql = (
        "SELECT id, code, floor, section, position, status, gross_area, list_unit_price, "
        "list_total, layout_id, orientation, virtual_sold, updated_at FROM unit "
        "WHERE building_id = %s ORDER BY floor DESC, section, position"
    )
    if backend == "sqlite":
        sql = sql.replace("%s", "?")

    def plain():
        cursor = raw.cursor()
        cursor.execute(sql, (building_id,))
        rows = cursor.fetchall()
        cursor.close()
        assert len(rows) == cells

    for fn in (callback, tick, plain, floor):
        timed(fn, 3)  # warm-up
    # Interleave so that all see the same machine load.
    cb, tk, pl, fl = [], [], [], []
    for _ in range(runs):
        cb += timed(callback, 1)
        tk += timed(tick, 1)
        pl += timed(plain, 1)
        fl += timed(floor, 1)
    raw.close()
    units = db.reader().scalar(select(func.count()).select_from(Unit))
    db.scoped.remove()
    m_cb, m_tk, m_pl = statistics.median(cb), statistics.median(tk), statistics.median(pl)
    m_fl = statistics.median(fl)
    print(
        f"\n[{backend}] chart of a {FLOORS}-floor × {PER_FLOOR}-unit building ({cells} cells, "
        f"{units:,} units in the database), response {len(payload) / 1024:.1f} kB"
    )
    print(
        f"  callback (Flask+Dash, query+legend+figure)  median {m_cb:7.2f} ms  "
        f"p95 {p95(cb):7.2f} ms"
    )
    print(
        f"  live tick (fingerprint, 204 when unchanged) median {m_tk:7.2f} ms  "
        f"p95 {p95(tk):7.2f} ms"
    )
    print(
        f"  plain SQL fetching the same units            median {m_pl:7.2f} ms  "
        f"p95 {p95(pl):7.2f} ms"
    )
    print(
        f"  framework floor (callback returning constants) median {m_fl:7.2f} ms  "
        f"p95 {p95(fl):7.2f} ms"
    )
    print(
        f"  ratio callback / plain SQL = {m_cb / m_pl:.2f}×   tick / plain SQL = "
        f"{m_tk / m_pl:.2f}×   floor / plain SQL = {m_fl / m_pl:.2f}×   "
        f"(goal: callback < 100 ms and ≤ 1.5×)"
    )
    print(
        f"  the chart's own work (callback − floor) = {m_cb - m_fl:.2f} ms = "
        f"{(m_cb - m_fl) / m_pl:.2f}× plain SQL"
    )
    app.server.extensions["loupan_db"].dispose()


def import_file(folder: Path, rows: int) -> Path:
    """A units file of `rows` rows × 14 columns: 50 buildings × 40 floors × 25 units."""
    from openpyxl import Workbook

    from data_layer.commands.inventory import UNIT_COLUMNS

    path = folder / f"units{rows // 1000}k.xlsx"
    if path.exists():
        return path
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("房间资料")
    ws.append([c.header for c in UNIT_COLUMNS])
    orientations = ["南北", "东", "西南", "NS"]
    n = 0
    building = 0
    while n < rows:
        building += 1
        for floor in range(1, 41):
            for position in range(1, 26):
                if n >= rows:
                    break
                gross = 80 + (position % 7) * 10 + 0.35
                ws.append(
                    [
                        f"B{building:02d}",
                        1,
                        floor,
                        position,
                        f"B{building:02d}-1-{floor}{position:02d}",
                        "A户型" if position % 2 else "B户型",
                        orientations[position % 4],
                        "住宅",
                        "毛坯",
                        gross,
                        round(gross - 18.2, 2),
                        18.2,
                        18000 + floor * 50,
                        17000 + floor * 50,
                    ]
                )
                n += 1
    wb.save(path)
    return path


def drop_imported(db: Database) -> None:
    """Remove the projects earlier import runs wrote, so that every run inserts into a unit
    table of the same size (the import's cost grows with the table's indexes)."""
    from data_layer.models import Layout, PriceChange

    with db.writer() as s:
        projects = list(s.scalars(select(Project.id).where(Project.code.like("IMP%"))))
        if not projects:
            return
        units = select(Unit.id).where(Unit.project_id.in_(projects))
        s.execute(PriceChange.__table__.delete().where(PriceChange.unit_id.in_(units)))
        for model in (Unit, Layout, Building):
            s.execute(model.__table__.delete().where(model.project_id.in_(projects)))
        s.execute(project_member.delete().where(project_member.c.project_id.in_(projects)))
        s.execute(Project.__table__.delete().where(Project.id.in_(projects)))


IMPORT_STAGES = ("read", "validate", "check", "write")


def _import_once(
    db: Database, spec, importer, content: bytes, rows: int, attempt: int, stages: dict
) -> float:
    """One import into a fresh project (earlier imported projects removed first); ms. The
    time of each stage (from the progress hook: read, validate, check, write incl. commit) is
    appended to stages[stage] in ms."""
    from data_layer.models import Layout

    drop_imported(db)
    with db.writer() as s:
        manager = s.scalar(select(User).where(User.username == "bench_manager"))
        company = s.scalar(select(Company).where(Company.code == "BENCH"))
        code = f"IMP{int(time.time()) % 100000}{attempt}"
        project = Project(company_id=company.id, code=code, name=f"导入基准{code}", city="杭州")
        s.add(project)
        s.flush()
        s.execute(project_member.insert().values(user_id=manager.id, project_id=project.id))
        for b in range(1, rows // 1000 + 2):
            s.add(
                Building(
                    project_id=project.id,
                    code=f"B{b:02d}",
                    name=f"B{b:02d}栋",
                    floors=40,
                    units_per_floor=25,
                )
            )
        s.add_all([Layout(project_id=project.id, name=n) for n in ("A户型", "B户型")])
        project_id = project.id
    with db.factory() as s:
        manager = s.scalar(select(User).where(User.username == "bench_manager"))
        _ = manager.project_ids  # loaded before leaving the session
        s.expunge(manager)
    context = {"project_id": project_id}
    marks: dict[str, float] = {}

    def progress(_done, _total, stage):
        marks.setdefault(stage, time.perf_counter())

    start = time.perf_counter()
    result = importer.run_import(
        db, spec, content, actor=manager, context=context, progress=progress
    )
    elapsed = (time.perf_counter() - start) * 1000
    ends = [*IMPORT_STAGES[1:], "done"]
    for stage, end in zip(IMPORT_STAGES, ends, strict=True):
        stages.setdefault(stage, []).append((marks[end] - marks[stage]) * 1000)
    assert result.ok, result.errors[:5]
    with db.factory() as s:
        written = s.scalar(
            select(func.count()).select_from(Unit).where(Unit.project_id == project_id)
        )
    assert written == rows
    drop_imported(db)
    return elapsed


def bench_import(backend: str, url: str, path: Path, rows: int, imports: int = 3) -> float:
    """Prints the medians; returns the ratio import / bare parse."""
    from python_calamine import CalamineWorkbook

    from data_layer.commands.inventory import UNITS_IMPORT
    from data_layer.excel import importer

    content = path.read_bytes()

    def bare():
        wb = CalamineWorkbook.from_filelike(io.BytesIO(content))
        data = wb.get_sheet_by_index(0).to_python()
        assert len(data) == rows + 1

    timed(bare, 1)
    db = Database(url)
    bare_runs, import_runs = [], []
    stages: dict[str, list[float]] = {}
    for attempt in range(imports):
        bare_runs += timed(bare, 1)  # interleaved: both see the same machine load
        import_runs.append(_import_once(db, UNITS_IMPORT, importer, content, rows, attempt, stages))
    db.dispose()
    bare_ms, import_ms = statistics.median(bare_runs), statistics.median(import_runs)
    print(f"\n[{backend}] import of {rows:,} units × 14 columns ({len(content) / 1e6:.1f} MB)")
    print(f"  python-calamine bare parse      {bare_ms / 1000:7.2f} s   (median of {imports})")
    print(
        f"  import end to end (all checks)  {import_ms / 1000:7.2f} s   "
        f"ratio {import_ms / bare_ms:.2f}× (goal on SQLite ≤ 3×)"
    )
    split = "  ".join(f"{k} {statistics.median(v) / 1000:.2f} s" for k, v in stages.items())
    print(f"  stages (medians): {split}   (write includes the commit)")
    return import_ms / bare_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,mysql")
    parser.add_argument("--projects", type=int, default=40)
    parser.add_argument("--units-per-project", type=int, default=6900)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--reload", action="store_true")
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--skip-chart", action="store_true")
    parser.add_argument("--imports", type=int, default=3, help="imports (and bare parses) timed")
    args = parser.parse_args()
    folder = ROOT / "instance" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    path = None if args.skip_import else import_file(folder, args.rows)
    for backend in args.backends.split(","):
        url = url_for(backend, folder)
        if args.reload:
            reset(backend, url, folder)
        upgrade(url)
        db = Database(url)
        with db.factory() as s:
            building_id = s.scalar(
                select(Building.id)
                .join(Project)
                .where(Project.code == "B000")
                .order_by(Building.id)
            )
        if args.skip_chart:
            base_fixture(db)  # the import needs only the company and the manager
        elif building_id is None:
            start = time.perf_counter()
            building_id = populate(db, args.projects, args.units_per_project)
            print(
                f"[{backend}] generated {args.projects} projects in "
                f"{time.perf_counter() - start:.1f} s"
            )
        db.dispose()
        if not args.skip_chart:
            bench_chart(backend, url, building_id, args.runs, folder)
        if path is not None:
            bench_import(backend, url, path, args.rows, args.imports)


if __name__ == "__main__":
    main()
