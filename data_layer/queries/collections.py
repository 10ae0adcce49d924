"""回款分析: money received per day/week/month by type against receivables due, the cumulative
collection rate and the outstanding amount by aging bucket. Aggregated in SQL per day (served
by ix_receipt_collections, ix_receipt_split for the split receipts, and ix_receivable_due),
then rolled up to weeks or months here."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import String, func, select, true, type_coerce, union_all
from sqlalchemy.orm import Session

from .. import authz, localtime
from ..models import (
    Money,
    Receipt,
    ReceiptAllocation,
    ReceiptStatus,
    Receivable,
    ReceivableKind,
    User,
)
from ..models.types import Stored
from .finance import KIND_LABELS, aging_totals, receipts_frame

GRAINS = ("day", "week", "month")
# Chart series in this order; provident-fund money is shown with the mortgage money.
SERIES = (
    ("deposit", "定金"),
    ("down_payment", "首付款"),
    ("installment", "分期款"),
    ("full_payment", "一次性房款"),
    ("mortgage", "按揭/公积金"),
    ("fee", "税费"),
    ("settlement", "面积补差"),
    ("refund", "退款"),  # refund vouchers (退款单): negative, so every total is net money
)
SERIES_OF_KIND = {k: k for k, _ in SERIES} | {"provident": "mortgage"}


def period_start(day: date, grain: str) -> date:
    if grain == "month":
        return day.replace(day=1)
    if grain == "week":
        return day - timedelta(days=day.weekday())
    return day


def period_end(start: date, grain: str) -> date:
    if grain == "month":
        nxt = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
        return nxt - timedelta(days=1)
    if grain == "week":
        return start + timedelta(days=6)
    return start


def periods(start: date, end: date, grain: str) -> list[date]:
    out, cursor = [], period_start(start, grain)
    while cursor <= end:
        out.append(cursor)
        cursor = period_end(cursor, grain) + timedelta(days=1)
    return out


@dataclass(frozen=True)
class Collections:
    grain: str
    periods: list[date]
    received: dict[str, list[Decimal]]  # series code -> amount per period
    due: list[Decimal]
    cumulative_rate: list[Decimal | None]  # percent, all history up to the period's end
    aging: dict[str, Decimal]
    total_received: Decimal
    total_due: Decimal


def _scoped(query, viewer: User, column, project_id: int | None):
    query = authz.restrict(query, viewer, column)
    if project_id:
        query = query.where(column == project_id)
    return query


def _stored_sum(column):
    # Added up per period in Python, converted to yuan once per period (see types.Stored).
    return type_coerce(func.sum(column), Stored())


def _raw_day(column):
    # Days as stored (ISO text on SQLite): a few hundred distinct ones, each parsed once.
    return type_coerce(column, String())


def _received_query(viewer: User, project_id, start: date, end: date):
    """(day, kind, amount) of audited receipts (reversals count negative) under their own kind,
    as stored: an index-only scan of ix_receipt_collections. A receipt that is not split pays
    receivables of its own kind only (every command sets the kind from its lines and
    allocates the whole amount; one without allocations counts under its own kind), so this
    is already the money by kind of receivable paid except for the split ones, which
    _split_query corrects."""
    query = (
        select(
            _raw_day(Receipt.received_on),
            type_coerce(Receipt.kind, String()),
            _stored_sum(Receipt.amount),
        )
        .where(
            Receipt.status == ReceiptStatus.AUDITED,
            Receipt.received_on >= start,
            Receipt.received_on <= end,
        )
        .group_by(Receipt.received_on, Receipt.kind)
    )
    return _scoped(query, viewer, Receipt.project_id, project_id)


def _split_query(viewer: User, project_id, start: date, end: date):
    """(day, kind, amount) that moves the money of the audited split receipts (split_kinds:
    定金 and 房款 in one transfer) from the receipt's own kind to the kinds of the receivables
    its allocations paid: minus the receipt's amount under its kind, plus each allocation
    under its receivable's kind (a reversal is negative on both sides, so it subtracts from
    the kinds its original paid). Added to _received_query it counts a split receipt in each
    series it paid; the total does not change. Only the few split receipts are read (through
    ix_receipt_split), with their allocations."""

    def split(query):
        query = query.where(
            Receipt.split_kinds == true(),
            Receipt.status == ReceiptStatus.AUDITED,
            Receipt.received_on >= start,
            Receipt.received_on <= end,
        )
        return _scoped(query, viewer, Receipt.project_id, project_id)

    own = split(
        select(
            _raw_day(Receipt.received_on),
            type_coerce(Receipt.kind, String()),
            _stored_sum(-Receipt.amount),
        ).group_by(Receipt.received_on, Receipt.kind)
    )
    paid = split(
        select(
            _raw_day(Receipt.received_on),
            type_coerce(Receivable.kind, String()),
            _stored_sum(ReceiptAllocation.amount),
        )
        .select_from(Receipt)
        .join(ReceiptAllocation, ReceiptAllocation.receipt_id == Receipt.id)
        .join(Receivable, Receivable.id == ReceiptAllocation.receivable_id)
        .group_by(Receipt.received_on, Receivable.kind)
    )
    return union_all(own, paid)


def _due_query(viewer: User, project_id, start: date, end: date):
    query = (
        select(_raw_day(Receivable.due_on), _stored_sum(Receivable.amount))
        .where(
            Receivable.cancelled.is_(False),
            Receivable.kind != ReceivableKind.REFUND,
            Receivable.due_on >= start,
            Receivable.due_on <= end,
        )
        .group_by(Receivable.due_on)
    )
    return _scoped(query, viewer, Receivable.project_id, project_id)


def _before(connection, viewer: User, project_id, start: date) -> tuple[Decimal, Decimal]:
    received = select(type_coerce(func.sum(Receipt.amount), Money())).where(
        Receipt.status == ReceiptStatus.AUDITED, Receipt.received_on < start
    )
    due = select(type_coerce(func.sum(Receivable.amount), Money())).where(
        Receivable.cancelled.is_(False),
        Receivable.kind != ReceivableKind.REFUND,
        Receivable.due_on < start,
    )
    r = connection.scalar(_scoped(received, viewer, Receipt.project_id, project_id))
    d = connection.scalar(_scoped(due, viewer, Receivable.project_id, project_id))
    return Decimal(r or 0), Decimal(d or 0)


class _Periods:
    """Index of the period a stored day falls in, each distinct day worked out once."""

    def __init__(self, keys: list[date], grain: str):
        self._index = {k: i for i, k in enumerate(keys)}
        self._grain = grain
        self._of: dict = {}

    def __call__(self, stored) -> int:
        index = self._of.get(stored)
        if index is None:
            day = date.fromisoformat(stored) if isinstance(stored, str) else stored
            index = self._of[stored] = self._index[period_start(day, self._grain)]
        return index


def collections(
    session: Session,
    viewer: User,
    project_id: int | None,
    start: date,
    end: date,
    grain: str = "month",
    today: date | None = None,
) -> Collections:
    authz.require(viewer, "finance.view")
    if grain not in GRAINS:
        grain = "month"
    if project_id is not None and not authz.scope(viewer).allows_project(project_id):
        project_id = None
    keys = periods(start, end, grain)
    period = _Periods(keys, grain)
    # Core execution and stored values: a year by day is thousands of rows, and converting
    # each one (ORM rows, dates, enums, Decimals) cost more than a tenth of the SQL's time.
    connection = session.connection()
    stored: dict[str, list] = {code: [0] * len(keys) for code, _ in SERIES}
    for query in (_received_query, _split_query):
        for day, kind, amount in connection.execute(query(viewer, project_id, start, end)):
            series = SERIES_OF_KIND.get(kind, "full_payment")
            stored[series][period(day)] += amount or 0
    stored_due = [0] * len(keys)
    for day, amount in connection.execute(_due_query(viewer, project_id, start, end)):
        stored_due[period(day)] += amount or 0
    to_yuan = functools.partial(Money().process_result_value, dialect=connection.dialect)
    received = {code: [to_yuan(v) for v in values] for code, values in stored.items()}
    due = [to_yuan(v) for v in stored_due]
    got, owed = _before(connection, viewer, project_id, start)
    rates: list[Decimal | None] = []
    for i in range(len(keys)):
        got += sum((received[code][i] for code, _ in SERIES), Decimal("0"))
        owed += due[i]
        rates.append((got / owed * 100).quantize(Decimal("0.1")) if owed else None)
    total_received = sum((sum(v, Decimal("0")) for v in received.values()), Decimal("0"))
    return Collections(
        grain=grain,
        periods=keys,
        received=received,
        due=due,
        cumulative_rate=rates,
        aging=aging_totals(session, viewer, project_id, today or localtime.today()),
        total_received=total_received,
        total_due=sum(due, Decimal("0")),
    )


def series_label(code: str) -> str:
    return dict(SERIES).get(code, KIND_LABELS.get(code, code))


def kinds_of_series(code: str) -> list[str]:
    return [k for k, s in SERIES_OF_KIND.items() if s == code]


def series_receipts(
    session: Session, viewer: User, project_id: int | None, series: str, start: date, end: date
):
    """The audited receipts behind one series' bar (start..end), each once with the money it
    put into the series as `part`: the parts add up to the bar."""
    return receipts_frame(
        session,
        viewer,
        project_id,
        start=start,
        end=end,
        status="audited",
        allocated_to=kinds_of_series(series),
    )
