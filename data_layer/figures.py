"""Pre-aggregated daily figures for the executive overview, kept exact by every write.

The overview sums a year of receipts, receivables and visitors across every project; on the
bench data (2,000,000 receipts, 1,000,000 customers) those scans take seconds. Instead each
project's figures are kept per day:

    received     audited receipts (reversals and refunds count negative) by received_on
    due_amount   receivables not cancelled, by due_on (count = number of receivables)
    due_paid     what was paid of them
    visits       customers by first_contact_on
    converted    those of them who bought (stage 'deal')
    sales        live subscribed or signed deals by sale day (subscribed, else contracted):
                 amount = deal total, count = units
    sales_area   their area (in the amount column: two places, as areas are kept)

Every ORM flush that adds, changes or deletes a Receipt, Receivable or Customer writes the
change of these figures (new contribution − old contribution) as rows of `figure_delta`, in
the same transaction: a figure is right the moment the write commits, and concurrent writers
only insert (no shared total row to wait on, which matters at an opening, 开盘). `compact()`
folds the deltas into `figure_day` (run it from cron: `python -m dashboard compact-figures`);
readers add both. Writes that bypass the ORM (the demo loader's bulk inserts) are followed by
`rebuild()`, which recomputes everything from the base tables; `drift()` compares the two and
is what the tests assert on after every kind of write.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from sqlalchemy import (
    delete,
    event,
    func,
    insert,
    inspect,
    literal,
    or_,
    select,
    true,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session

from .models import (
    Area,
    Customer,
    CustomerStage,
    Deal,
    DealStage,
    DealState,
    FigureDay,
    FigureDelta,
    Money,
    Receipt,
    ReceiptStatus,
    Receivable,
)

ZERO = Decimal("0")
# The columns whose values decide a row's contribution (loaded before a change: active history).
TRACKED = {
    Receipt: ("project_id", "received_on", "status", "amount"),
    Receivable: ("project_id", "due_on", "cancelled", "amount", "paid"),
    Customer: ("project_id", "first_contact_on", "stage"),
    Deal: ("project_id", "state", "stage", "subscribed_on", "contracted_on", "deal_total", "area"),
}
SALE_STAGES = (DealStage.SUBSCRIBED.value, DealStage.CONTRACTED.value)
Key = tuple[int, date, str]


def _value(enum_or_text) -> str | None:
    return getattr(enum_or_text, "value", enum_or_text)


def contribution(model, values: dict) -> list[tuple[Key, Decimal, int]]:
    """What one row adds to the figures, from its column values (None = the column default)."""
    project, get = values.get("project_id"), values.get
    if model is Receipt:
        day = get("received_on")
        if _value(get("status")) != ReceiptStatus.AUDITED.value or day is None:
            return []
        return [((project, day, "received"), Decimal(get("amount") or 0), 1)]
    if model is Receivable:
        day = get("due_on")
        if get("cancelled") or day is None:
            return []
        return [
            ((project, day, "due_amount"), Decimal(get("amount") or 0), 1),
            ((project, day, "due_paid"), Decimal(get("paid") or 0), 0),
        ]
    if model is Deal:
        day = get("subscribed_on") or get("contracted_on")
        live = _value(get("state")) in (None, DealState.LIVE.value)  # None: the default, live
        if not live or _value(get("stage")) not in SALE_STAGES or day is None:
            return []
        return [
            ((project, day, "sales"), Decimal(get("deal_total") or 0), 1),
            ((project, day, "sales_area"), Decimal(get("area") or 0), 0),
        ]
    if model is Customer:
        day = get("first_contact_on")
        if day is None:
            return []
        out = [((project, day, "visits"), ZERO, 1)]
        if _value(get("stage")) == CustomerStage.DEAL.value:
            out.append(((project, day, "converted"), ZERO, 1))
        return out
    return []


def _current(obj, names) -> dict:
    return {name: getattr(obj, name) for name in names}


def _previous(obj, names) -> dict:
    """The values as loaded from the database (before this flush's changes)."""
    state = inspect(obj)
    out = {}
    for name in names:
        history = state.attrs[name].history
        if history.deleted:
            out[name] = history.deleted[0]
        elif history.unchanged:
            out[name] = history.unchanged[0]
        else:  # not loaded and not changed: the current value is the stored one
            out[name] = getattr(obj, name)
    return out


def _changed(obj, names) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


class _Deltas:
    """(amount, count) summed per (project, day, metric)."""

    def __init__(self) -> None:
        self.totals: dict[Key, list] = defaultdict(lambda: [ZERO, 0])

    def add(self, items: Iterable[tuple[Key, Decimal, int]], sign: int = 1) -> None:
        for key, amount, count in items:
            total = self.totals[key]
            total[0] += sign * Decimal(amount or 0)
            total[1] += sign * int(count or 0)

    def add_rows(self, rows: Iterable[tuple]) -> None:
        """Rows of (project_id, day, metric, amount, count)."""
        self.add(((p, d, m), a, c) for p, d, m, a, c in rows)

    def rows(self) -> list[dict]:
        return [
            {"project_id": p, "day": d, "metric": m, "amount": a, "count": c}
            for (p, d, m), (a, c) in sorted(self.totals.items())
            if a or c
        ]

    def write(self, session: Session) -> None:
        """Insert the non-zero changes as delta rows."""
        rows = self.rows()
        if rows:
            session.connection().execute(insert(FigureDelta), rows)


_PENDING = "loupan_figures_deleted"


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context, _instances) -> None:
    # Deleted rows: read their values while they can still be loaded.
    gone = _Deltas()
    for obj in session.deleted:
        names = TRACKED.get(type(obj))
        if names is not None:
            gone.add(contribution(type(obj), _previous(obj, names)), -1)
    if gone.totals:
        session.info.setdefault(_PENDING, []).append(gone)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context) -> None:
    deltas = _Deltas()
    for earlier in session.info.pop(_PENDING, []):
        deltas.add((k, a, c) for k, (a, c) in earlier.totals.items())
    for obj in session.new:
        names = TRACKED.get(type(obj))
        if names is not None:
            deltas.add(contribution(type(obj), _current(obj, names)))
    for obj in session.dirty:
        names = TRACKED.get(type(obj))
        if names is not None and _changed(obj, names):
            deltas.add(contribution(type(obj), _previous(obj, names)), -1)
            deltas.add(contribution(type(obj), _current(obj, names)))
    deltas.write(session)


def record_rows(session: Session, model, rows: Iterable[dict]) -> None:
    """The figures of rows written without the ORM (bulk inserts)."""
    if model not in TRACKED:
        return
    deltas = _Deltas()
    for row in rows:
        deltas.add(contribution(model, row))
    deltas.write(session)


# ------------------------------------------------------------------------------ from scratch


def _from_base_tables():
    """Every figure recomputed from the base tables: (project_id, day, metric, amount, count)."""
    paid = type_coerce(func.coalesce(func.sum(Receivable.paid), 0), Money())
    amount = type_coerce(func.coalesce(func.sum(Receivable.amount), 0), Money())
    received = type_coerce(func.coalesce(func.sum(Receipt.amount), 0), Money())
    zero = type_coerce(literal(0), Money())
    sale_day = func.coalesce(Deal.subscribed_on, Deal.contracted_on)
    sold = (
        Deal.state == DealState.LIVE,
        Deal.stage.in_([DealStage.SUBSCRIBED, DealStage.CONTRACTED]),
        sale_day.is_not(None),
    )
    sales = type_coerce(func.coalesce(func.sum(Deal.deal_total), 0), Money())
    # Areas are kept with two places like money: the same stored integers on SQLite.
    area = type_coerce(func.coalesce(func.sum(Deal.area), 0), Area())
    return [
        select(
            Receipt.project_id,
            Receipt.received_on,
            literal("received"),
            received,
            func.count(),
        )
        .where(Receipt.status == ReceiptStatus.AUDITED)
        .group_by(Receipt.project_id, Receipt.received_on),
        select(
            Receivable.project_id, Receivable.due_on, literal("due_amount"), amount, func.count()
        )
        .where(Receivable.cancelled.is_(False))
        .group_by(Receivable.project_id, Receivable.due_on),
        select(Receivable.project_id, Receivable.due_on, literal("due_paid"), paid, literal(0))
        .where(Receivable.cancelled.is_(False))
        .group_by(Receivable.project_id, Receivable.due_on),
        select(
            Customer.project_id, Customer.first_contact_on, literal("visits"), zero, func.count()
        )
        .where(Customer.first_contact_on.is_not(None))
        .group_by(Customer.project_id, Customer.first_contact_on),
        select(
            Customer.project_id,
            Customer.first_contact_on,
            literal("converted"),
            zero,
            func.count(),
        )
        .where(Customer.first_contact_on.is_not(None), Customer.stage == CustomerStage.DEAL)
        .group_by(Customer.project_id, Customer.first_contact_on),
        select(Deal.project_id, sale_day, literal("sales"), sales, func.count())
        .where(*sold)
        .group_by(Deal.project_id, sale_day),
        select(Deal.project_id, sale_day, literal("sales_area"), area, literal(0))
        .where(*sold)
        .group_by(Deal.project_id, sale_day),
    ]


COLUMNS = ["project_id", "day", "metric", "amount", "count"]


def rebuild(session: Session) -> None:
    """Recompute every figure from the base tables (after bulk loads, or to repair)."""
    session.execute(delete(FigureDelta))
    session.execute(delete(FigureDay))
    for query in _from_base_tables():
        session.execute(insert(FigureDay).from_select(COLUMNS, query))


def compact(session: Session, limit: int = 200_000) -> int:
    """Fold committed deltas into the daily rows; returns how many deltas were folded. Only
    the deltas read here are deleted (by id): one committed meanwhile stays for next time."""
    rows = session.execute(
        select(
            FigureDelta.id,
            FigureDelta.project_id,
            FigureDelta.day,
            FigureDelta.metric,
            FigureDelta.amount,
            FigureDelta.count,
        )
        .order_by(FigureDelta.id)
        .limit(limit)
        # Locked: a second compaction running at the same time waits, then finds them gone
        # (SQLite: the writer lock of BEGIN IMMEDIATE serialises compactions the same way).
        .with_for_update()
    ).all()
    if not rows:
        return 0
    folded = _Deltas()
    folded.add_rows(r[1:] for r in rows)
    for (project, day, metric), (amount, count) in sorted(folded.totals.items()):
        row = session.get(FigureDay, (project, day, metric), with_for_update=True)
        if row is None:
            session.add(
                FigureDay(project_id=project, day=day, metric=metric, amount=amount, count=count)
            )
        else:
            row.amount += amount
            row.count += count
    session.flush()
    ids = [r[0] for r in rows]
    for start in range(0, len(ids), 1000):
        session.execute(delete(FigureDelta).where(FigureDelta.id.in_(ids[start : start + 1000])))
    return len(ids)


def _all_rows():
    day = select(*(getattr(FigureDay, c) for c in COLUMNS))
    delta = select(*(getattr(FigureDelta, c) for c in COLUMNS))
    return union_all(day, delta).subquery("figures")


DUE = ("due_amount", "due_paid")


def _in_projects(table, projects: list[int] | None):
    """The projects filter; None when the viewer sees every project (rows of other projects,
    e.g. inactive ones, are then dropped by the caller: cheaper than an IN list)."""
    return table.project_id.in_(projects) if projects is not None else true()


def _grouped(table, projects: list[int] | None, start: date, end: date):
    """One table's figures per (project, metric, inside the window?): rows in [start, end],
    and the due metrics before start too (the overdue balance is over all of history)."""
    inside = (table.day >= start).label("inside")
    return (
        select(
            table.project_id,
            table.metric,
            inside,
            type_coerce(func.sum(table.amount), Money()),
            func.sum(table.count),
        )
        .where(
            _in_projects(table, projects),
            table.day <= end,
            or_(table.day >= start, table.metric.in_(DUE)),
        )
        .group_by(table.project_id, table.metric, inside)
    )


def totals(
    session: Session, projects: list[int], start: date, end: date, every: bool = False
) -> dict[int, dict[str, Decimal | int]]:
    """Per project: received in [start, end]; due and paid in [start, end] and up to end;
    visits and converted in [start, end]. The compacted rows and the recent deltas are each
    grouped, then united: one round trip. `every`: the viewer sees all projects (no filter)."""
    names = ("received", "due", "due_paid", "all_due", "all_paid", "visits", "converted")
    out = {p: dict.fromkeys(names, ZERO) for p in projects}
    wanted = None if every else projects
    query = union_all(
        _grouped(FigureDay, wanted, start, end), _grouped(FigureDelta, wanted, start, end)
    )
    for project, metric, inside, amount, count in session.execute(query):
        t = out.get(project)
        if t is None:
            continue
        amount, count = Decimal(amount or 0), int(count or 0)
        if metric in DUE:
            t["all_due" if metric == "due_amount" else "all_paid"] += amount
        if not inside:
            continue
        if metric == "received":
            t["received"] += amount
        elif metric == "due_amount":
            t["due"] += amount
        elif metric == "due_paid":
            t["due_paid"] += amount
        elif metric in ("visits", "converted"):
            t[metric] += count
    for t in out.values():
        t["visits"], t["converted"] = int(t["visits"]), int(t["converted"])
    return out


def monthly_sales(
    session: Session, projects: list[int], start: date, end: date, every: bool = False
) -> list[tuple]:
    """(project_id, 'YYYY-MM', sales amount, units, area) of the months in [start, end]."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    wanted = None if every else projects

    def grouped(table):
        month = (
            func.strftime("%Y-%m", table.day) if sqlite else func.date_format(table.day, "%Y-%m")
        )
        month = month.label("month")
        return (
            select(
                table.project_id,
                month,
                table.metric,
                type_coerce(func.sum(table.amount), Money()),
                func.sum(table.count),
            )
            .where(
                _in_projects(table, wanted),
                table.day >= start,
                table.day <= end,
                table.metric.in_(("sales", "sales_area")),
            )
            .group_by(table.project_id, month, table.metric)
        )

    keep = set(projects)
    sums: dict[tuple[int, str], list] = defaultdict(lambda: [ZERO, 0, ZERO])
    query = union_all(grouped(FigureDay), grouped(FigureDelta))
    for project, key, metric, amount, count in session.execute(query):
        if project not in keep:
            continue
        row = sums[(project, key)]
        if metric == "sales":
            row[0] += Decimal(amount or 0)
            row[1] += int(count or 0)
        else:
            row[2] += Decimal(amount or 0)
    return [(p, m, a, n, ar) for (p, m), (a, n, ar) in sorted(sums.items())]


def drift(session: Session) -> list[tuple]:
    """Where the kept figures differ from the base tables: [] when they agree."""
    kept, fresh = _Deltas(), _Deltas()
    kept.add_rows(session.execute(select(_all_rows())))
    for query in _from_base_tables():
        fresh.add_rows(session.execute(query))
    out = []
    for key in sorted(set(kept.totals) | set(fresh.totals)):
        a, b = kept.totals.get(key, [ZERO, 0]), fresh.totals.get(key, [ZERO, 0])
        if a[0] != b[0] or a[1] != b[1]:
            out.append((key, tuple(a), tuple(b)))
    return out
