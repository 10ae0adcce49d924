"""Reads for the finance screens: receipts, a printable receipt, the daily report, overdue
receivables by aging bucket and sales performance against the plan."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
from sqlalchemy import case, func, null, select, true, type_coerce
from sqlalchemy.orm import Session, aliased

from .. import authz
from ..commands.finance import TRANSFER_METHOD
from ..localtime import DEFAULT_ZONE, local
from ..models import (
    CodeItem,
    Company,
    Customer,
    Deal,
    DealState,
    Money,
    Project,
    Receipt,
    ReceiptAllocation,
    ReceiptStatus,
    Receivable,
    ReceivableKind,
    SalesPlan,
    Team,
    Unit,
    User,
)
from ..rules.money import chinese_capital, format_amount

KIND_LABELS = {
    "deposit": "定金",
    "down_payment": "首付款",
    "installment": "分期款",
    "full_payment": "一次性房款",
    "mortgage": "按揭款",
    "provident": "公积金贷款",
    "fee": "税费",
    "refund": "退款",
    "settlement": "面积补差",
}
STATUS_LABELS = {"draft": "未审核", "audited": "已审核", "voided": "已作废"}
PAYER_LABELS = {"buyer": "客户", "bank": "银行", "fund": "公积金中心", "developer": "开发商"}
BUCKETS = ("≤30天", "31–60天", "61–90天", ">90天")


def aging_bucket(days_overdue: int) -> str:
    """The aging bucket of a receivable overdue by `days_overdue` days (≥ 1)."""
    if days_overdue <= 30:
        return BUCKETS[0]
    if days_overdue <= 60:
        return BUCKETS[1]
    if days_overdue <= 90:
        return BUCKETS[2]
    return BUCKETS[3]


def _project(viewer: User, project_id: int | None) -> int | None:
    if project_id is not None and not authz.scope(viewer).allows_project(project_id):
        return None
    return project_id


def method_labels(session: Session) -> dict[str, str]:
    labels = {TRANSFER_METHOD: "换房转款"}
    for item in session.scalars(select(CodeItem).where(CodeItem.category == "payment_method")):
        labels[item.code] = item.label
    return labels


RECEIPT_COLUMNS = [
    "id",
    "number",
    "received_on",
    "project",
    "unit",
    "customer",
    "payer",
    "method",
    "kind",
    "amount",
    "status",
    "reversed",
    "reverses",
    "created_by",
    "deal_id",
]


def receipts_frame(
    session: Session,
    viewer: User,
    project_id: int | None,
    *,
    start: date | None = None,
    end: date | None = None,
    status: str | None = None,
    deal_id: int | None = None,
    kind: str | None = None,
    allocated_to: Sequence[str] | None = None,
    limit: int = 5000,
) -> pd.DataFrame:
    """Receipts, newest first. `kind`: the voucher's own kind (a deal's refund vouchers).
    `allocated_to`: the receipts that put money on receivables of these kinds (回款分析's
    series), with that money as the `part` column; a receipt split between kinds is listed
    under each with its part."""
    authz.require(viewer, "finance.view")
    project_id = _project(viewer, project_id)
    creator = aliased(User)
    original = aliased(Receipt)
    reversal = aliased(Receipt)
    part = _allocated_part(list(allocated_to)) if allocated_to is not None else None
    query = (
        select(
            Receipt,
            Unit.code,
            Customer.name,
            Project.name,
            creator.display_name,
            original.number,
            reversal.id,
            *([part] if part is not None else []),
        )
        .join(Deal, Deal.id == Receipt.deal_id)
        .join(Unit, Unit.id == Deal.unit_id)
        .join(Customer, Customer.id == Deal.customer_id)
        .join(Project, Project.id == Receipt.project_id)
        .outerjoin(creator, creator.id == Receipt.created_by)
        .outerjoin(original, original.id == Receipt.reverses_id)
        .outerjoin(reversal, reversal.reverses_id == Receipt.id)
    )
    query = authz.restrict(query, viewer, Receipt.project_id)
    if project_id:
        query = query.where(Receipt.project_id == project_id)
    if start:
        query = query.where(Receipt.received_on >= start)
    if end:
        query = query.where(Receipt.received_on <= end)
    if status:
        query = query.where(Receipt.status == ReceiptStatus(status))
    if deal_id:
        query = query.where(Receipt.deal_id == deal_id)
    if kind:
        query = query.where(Receipt.kind == ReceivableKind(kind))
    if part is not None:
        query = query.where(part.is_not(None))
    methods = method_labels(session)
    rows = [
        {
            "id": r.id,
            "number": r.number,
            "received_on": r.received_on,
            "project": project,
            "unit": code,
            "customer": customer,
            "payer": r.payer,
            "method": methods.get(r.method, r.method),
            "kind": KIND_LABELS[r.kind.value],
            "amount": r.amount,
            "status": STATUS_LABELS[r.status.value],
            "reversed": "已红冲" if reversed_by else "",
            "reverses": orig_no or "",
            "created_by": who or "",
            "deal_id": r.deal_id,
            **({"part": share[0]} if share else {}),
        }
        for r, code, customer, project, who, orig_no, reversed_by, *share in session.execute(
            query.order_by(Receipt.received_on.desc(), Receipt.id.desc()).limit(limit)
        )
    ]
    return pd.DataFrame(rows, columns=RECEIPT_COLUMNS + (["part"] if part is not None else []))


def _allocated_part(kinds: list[str]):
    """Per receipt, the money it puts on receivables of `kinds` (NULL: none), by 回款分析's
    rule: a split receipt (split_kinds) by its allocations' receivables, any other one whole
    under its own kind (the kind of all its lines), without reading its allocations."""
    wanted = [ReceivableKind(k) for k in kinds]
    allocated = (
        select(func.sum(ReceiptAllocation.amount))
        .join(Receivable, Receivable.id == ReceiptAllocation.receivable_id)
        .where(ReceiptAllocation.receipt_id == Receipt.id, Receivable.kind.in_(wanted))
        .scalar_subquery()
    )
    part = case(
        (Receipt.split_kinds == true(), allocated),
        (Receipt.kind.in_(wanted), Receipt.amount),
        else_=null(),
    )
    return type_coerce(part, Money())


def deal_options(session: Session, viewer: User, project_id: int | None) -> list[dict]:
    """Live deals a receipt may be recorded for."""
    authz.require(viewer, "finance.view")
    query = (
        select(Deal.id, Unit.code, Customer.name, Project.name)
        .join(Unit, Unit.id == Deal.unit_id)
        .join(Customer, Customer.id == Deal.customer_id)
        .join(Project, Project.id == Deal.project_id)
        .where(Deal.state == DealState.LIVE, Deal.stage.in_(["held", "subscribed", "contracted"]))
    )
    query = authz.restrict(query, viewer, Deal.project_id)
    if _project(viewer, project_id):
        query = query.where(Deal.project_id == project_id)
    return [
        {"label": f"{unit} {name}（{project}）", "value": deal_id}
        for deal_id, unit, name, project in session.execute(
            query.order_by(Project.name, Unit.code).limit(3000)
        )
    ]


def open_receivables(session: Session, viewer: User, deal_id: int | None) -> list[dict]:
    """A deal's receivables with what is still open (drafts counted as taken)."""
    from ..commands.finance import outstanding

    authz.require(viewer, "finance.view")
    deal = session.get(Deal, deal_id) if deal_id else None
    if deal is None or not authz.scope(viewer).allows_project(deal.project_id):
        return []
    rows = list(
        session.scalars(
            select(Receivable)
            # What the buyer owes: refunds and a negative 面积补差 are paid out on 退款登记.
            .where(
                Receivable.deal_id == deal.id,
                Receivable.kind != ReceivableKind.REFUND,
                Receivable.amount >= 0,
            )
            .order_by(Receivable.seq)
        )
    )
    left = outstanding(session, rows)
    return [
        {
            "id": r.id,
            "seq": r.seq,
            "kind": KIND_LABELS[r.kind.value],
            "payer": PAYER_LABELS.get(r.payer, r.payer),
            "due_on": r.due_on.isoformat(),
            "amount": str(r.amount),
            "paid": str(r.paid),
            "open": str(left[r.id]),
            "allocate": "",
        }
        for r in rows
        if not r.cancelled
    ]


@dataclass(frozen=True)
class PrintedReceipt:
    number: str
    company: str
    project: str
    unit: str
    customer: str
    payer: str
    method: str
    kind: str
    amount: Decimal
    amount_text: str
    capital: str
    received_on: date
    status: str
    notes: str
    lines: list[tuple[str, str]]
    cashier: str
    refund: bool = False  # a 退款单: the developer pays the amount shown


def receipt_for_print(session: Session, viewer: User, receipt_id: int) -> PrintedReceipt | None:
    authz.require(viewer, "finance.view")
    r = session.get(Receipt, receipt_id) if receipt_id else None
    if r is None or not authz.scope(viewer).allows_project(r.project_id):
        return None
    deal = session.get(Deal, r.deal_id)
    customer = session.get(Customer, deal.customer_id)
    refund = r.kind == ReceivableKind.REFUND
    sign = -1 if refund else 1  # a refund voucher prints what is paid out, as a positive sum
    lines = []
    for a in r.allocations:
        rec = session.get(Receivable, a.receivable_id)
        lines.append(
            (f"{KIND_LABELS[rec.kind.value]}（第{rec.seq}期）", format_amount(sign * a.amount))
        )
    creator = session.get(User, r.created_by) if r.created_by else None
    return PrintedReceipt(
        number=r.number,
        company=session.get(Company, r.company_id).name,
        project=session.get(Project, r.project_id).name,
        unit=session.get(Unit, deal.unit_id).code,
        customer=customer.name if customer else "",
        payer=r.payer,
        method=method_labels(session).get(r.method, r.method),
        kind=KIND_LABELS[r.kind.value],
        amount=sign * r.amount,
        amount_text=format_amount(sign * r.amount),
        capital=chinese_capital(sign * r.amount),
        received_on=r.received_on,
        status=STATUS_LABELS[r.status.value],
        notes=r.notes,
        lines=lines,
        cashier=creator.display_name if creator else "",
        refund=refund,
    )


@dataclass(frozen=True)
class DailyReport:
    day: date
    rows: pd.DataFrame  # every receipt of the day, voided ones excluded
    by_method: pd.DataFrame
    by_kind: pd.DataFrame
    total: Decimal  # net: money received less refunds paid out
    count: int
    refunded: Decimal = Decimal("0")  # refund vouchers (退款单) of the day, as a positive sum
    by_status: pd.DataFrame | None = None  # 已审核 / 未审核 subtotals (status, count, amount)

    @property
    def received(self) -> Decimal:
        return self.total + self.refunded


def daily_report(session: Session, viewer: User, project_id: int | None, day: date) -> DailyReport:
    """收款日报: the day's receipts (reversals as negative lines); every total is the sum of
    the listed receipts, so the report adds up by construction. By 款项, a receipt counts
    under the receivables its allocations paid (one split between 定金 and 房款 in both)."""
    frame = receipts_frame(session, viewer, project_id, start=day, end=day)
    frame = frame[frame["status"] != STATUS_LABELS["voided"]].reset_index(drop=True)
    total = sum(frame["amount"], Decimal("0"))
    refunds = frame[frame["kind"] == KIND_LABELS["refund"]]["amount"]

    def group(column: str, lines: pd.DataFrame = frame) -> pd.DataFrame:
        if lines.empty:
            return pd.DataFrame(columns=[column, "count", "amount"])
        grouped = lines.groupby(column, sort=True)["amount"]
        out = pd.DataFrame(
            {"count": grouped.size(), "amount": grouped.apply(lambda s: sum(s, Decimal("0")))}
        ).reset_index()
        return out

    return DailyReport(
        day=day,
        rows=frame,
        by_method=group("method"),
        by_kind=group("kind", _allocation_lines(session, frame)),
        by_status=group("status"),
        total=total,
        count=len(frame),
        refunded=-sum(refunds, Decimal("0")),
    )


def _allocation_lines(session: Session, frame: pd.DataFrame) -> pd.DataFrame:
    """(id, kind label, amount) of the receipts in `frame` per kind of receivable paid, by
    回款分析's rule: a split receipt (split_kinds) by its allocations, any other one a line
    of its own kind and amount."""
    ids = [int(i) for i in frame["id"]]
    parts: dict[int, list[tuple[str, Decimal]]] = {}
    for chunk in range(0, len(ids), 500):
        query = (
            select(
                ReceiptAllocation.receipt_id,
                Receivable.kind,
                type_coerce(func.sum(ReceiptAllocation.amount), Money()),
            )
            .join(Receivable, Receivable.id == ReceiptAllocation.receivable_id)
            .join(Receipt, Receipt.id == ReceiptAllocation.receipt_id)
            .where(
                ReceiptAllocation.receipt_id.in_(ids[chunk : chunk + 500]),
                Receipt.split_kinds == true(),
            )
            .group_by(ReceiptAllocation.receipt_id, Receivable.kind)
        )
        for receipt_id, kind, amount in session.execute(query):
            parts.setdefault(receipt_id, []).append((KIND_LABELS[kind.value], amount))
    rows = [
        {"id": receipt_id, "kind": label, "amount": amount}
        for receipt_id, kind, whole in zip(ids, frame["kind"], frame["amount"], strict=True)
        for label, amount in parts.get(receipt_id) or [(kind, whole)]
    ]
    return pd.DataFrame(rows, columns=["id", "kind", "amount"])


OVERDUE_COLUMNS = [
    "receivable_id",
    "deal_id",
    "project",
    "unit",
    "customer",
    "mobile",
    "consultant",
    "kind",
    "payer",
    "due_on",
    "days",
    "bucket",
    "amount",
    "paid",
    "open",
]


def overdue(
    session: Session, viewer: User, project_id: int | None, today: date, limit: int = 20000
) -> pd.DataFrame:
    """催款: receivables past their due date with money still open, oldest first."""
    from ..rules import mobile as mobile_rules

    authz.require(viewer, "finance.view")
    project_id = _project(viewer, project_id)
    query = (
        select(
            Receivable, Unit.code, Customer.name, Customer.mobile, User.display_name, Project.name
        )
        .join(Deal, Deal.id == Receivable.deal_id)
        .join(Unit, Unit.id == Deal.unit_id)
        .join(Customer, Customer.id == Deal.customer_id)
        .join(User, User.id == Deal.consultant_id)
        .join(Project, Project.id == Receivable.project_id)
        .where(
            Receivable.due_on < today,
            Receivable.cancelled.is_(False),
            Receivable.kind != ReceivableKind.REFUND,
            Receivable.paid < Receivable.amount,
            Deal.state == DealState.LIVE,
        )
    )
    query = authz.restrict(query, viewer, Receivable.project_id, Deal.consultant_id)
    if project_id:
        query = query.where(Receivable.project_id == project_id)
    show = authz.sees_personal_data(viewer)
    rows = []
    for r, code, name, mobile, consultant, project in session.execute(
        query.order_by(Receivable.due_on, Receivable.id).limit(limit)
    ):
        days = (today - r.due_on).days
        rows.append(
            {
                "receivable_id": r.id,
                "deal_id": r.deal_id,
                "project": project,
                "unit": code,
                "customer": name,
                "mobile": mobile if show else mobile_rules.mask(mobile),
                "consultant": consultant,
                "kind": KIND_LABELS[r.kind.value],
                "payer": PAYER_LABELS.get(r.payer, r.payer),
                "due_on": r.due_on,
                "days": days,
                "bucket": aging_bucket(days),
                "amount": r.amount,
                "paid": r.paid,
                "open": r.amount - r.paid,
            }
        )
    return pd.DataFrame(rows, columns=OVERDUE_COLUMNS)


def aging_summary(frame: pd.DataFrame, by: str = "consultant") -> pd.DataFrame:
    """Open amounts per `by` (project or consultant) and bucket, with a total column."""
    if frame.empty:
        return pd.DataFrame(columns=[by, *BUCKETS, "total"])
    table = {}
    for key, bucket, amount in zip(frame[by], frame["bucket"], frame["open"], strict=True):
        row = table.setdefault(key, {b: Decimal("0") for b in BUCKETS})
        row[bucket] += amount
    out = []
    for key in sorted(table):
        row = table[key]
        out.append({by: key, **row, "total": sum(row.values(), Decimal("0"))})
    return pd.DataFrame(out, columns=[by, *BUCKETS, "total"])


def aging_totals(session: Session, viewer: User, project_id: int | None, today: date) -> dict:
    """Open amount per aging bucket computed in SQL (for the collections chart)."""
    authz.require(viewer, "finance.view")
    project_id = _project(viewer, project_id)
    d30, d60, d90 = (today - timedelta(days=n) for n in (30, 60, 90))
    bucket = case(
        (Receivable.due_on >= d30, 0),
        (Receivable.due_on >= d60, 1),
        (Receivable.due_on >= d90, 2),
        else_=3,
    )
    query = (
        select(
            bucket.label("b"),
            type_coerce(func.sum(Receivable.amount), Money()),
            type_coerce(func.sum(Receivable.paid), Money()),
        )
        .where(
            Receivable.due_on < today,
            Receivable.cancelled.is_(False),
            Receivable.kind != ReceivableKind.REFUND,
            Receivable.paid < Receivable.amount,
        )
        .group_by(bucket)
    )
    query = authz.restrict(query, viewer, Receivable.project_id)
    if project_id:
        query = query.where(Receivable.project_id == project_id)
    out = {b: Decimal("0") for b in BUCKETS}
    for index, amount, paid in session.execute(query):
        out[BUCKETS[int(index)]] = Decimal(amount or 0) - Decimal(paid or 0)
    return out


PERFORMANCE_COLUMNS = [
    "month",
    "team",
    "consultant",
    "units",
    "amount",
    "target_units",
    "target_amount",
    "rate",
]


def performance(
    session: Session, viewer: User, project_id: int | None, start: date, end: date
) -> pd.DataFrame:
    """业绩考核: subscriptions per month and consultant (live and closed-by-contract deals;
    forfeited, cancelled and expired ones do not count) against the sales plan."""
    authz.require(viewer, "deal.view")
    project_id = _project(viewer, project_id)
    query = select(Deal.subscribed_on, Deal.consultant_id, Deal.deal_total).where(
        Deal.subscribed_on >= start,
        Deal.subscribed_on <= end,
        Deal.state.in_([DealState.LIVE]),
    )
    query = authz.restrict(query, viewer, Deal.project_id, Deal.consultant_id)
    if project_id:
        query = query.where(Deal.project_id == project_id)
    users = {u.id: u for u in session.scalars(select(User))}
    teams = {t.id: t.name for t in session.scalars(select(Team))}
    actual: dict[tuple, list] = {}
    for day, consultant_id, total in session.execute(query):
        key = (day.replace(day=1), consultant_id)
        row = actual.setdefault(key, [0, Decimal("0")])
        row[0] += 1
        row[1] += total or Decimal("0")
    plans = select(SalesPlan).where(
        SalesPlan.month >= start.replace(day=1),
        SalesPlan.month <= end,
        SalesPlan.user_id.is_not(None),
    )
    plans = authz.restrict(plans, viewer, SalesPlan.project_id, SalesPlan.user_id)
    if project_id:
        plans = plans.where(SalesPlan.project_id == project_id)
    targets: dict[tuple, list] = {}
    for p in session.scalars(plans):
        row = targets.setdefault((p.month, p.user_id), [0, Decimal("0")])
        row[0] += p.target_units
        row[1] += p.target_amount
    rows = []
    for month, user_id in sorted(set(actual) | set(targets), key=lambda k: (k[0], k[1] or 0)):
        units, amount = actual.get((month, user_id), [0, Decimal("0")])
        t_units, t_amount = targets.get((month, user_id), [0, Decimal("0")])
        user = users.get(user_id)
        rows.append(
            {
                "month": month.strftime("%Y-%m"),
                "team": teams.get(user.team_id, "") if user else "",
                "consultant": user.display_name if user else "",
                "units": units,
                "amount": amount,
                "target_units": t_units,
                "target_amount": t_amount,
                "rate": (amount / t_amount * 100).quantize(Decimal("0.1")) if t_amount else None,
            }
        )
    if authz.scope(viewer).consultant_ids is None:
        rows.extend(_team_rows(session, viewer, project_id, start, end, actual, users, teams))
    return pd.DataFrame(rows, columns=PERFORMANCE_COLUMNS)


def _team_rows(session, viewer, project_id, start, end, actual, users, teams) -> list[dict]:
    """One row per month and team: its consultants' subscriptions against the team's plan."""
    totals: dict[tuple, list] = {}
    for (month, user_id), (units, amount) in actual.items():
        user = users.get(user_id)
        if user is None or user.team_id is None:
            continue
        row = totals.setdefault((month, user.team_id), [0, Decimal("0"), 0, Decimal("0")])
        row[0] += units
        row[1] += amount
    plans = select(SalesPlan).where(
        SalesPlan.month >= start.replace(day=1),
        SalesPlan.month <= end,
        SalesPlan.user_id.is_(None),
        SalesPlan.team_id.is_not(None),
    )
    plans = authz.restrict(plans, viewer, SalesPlan.project_id)
    if project_id:
        plans = plans.where(SalesPlan.project_id == project_id)
    for p in session.scalars(plans):
        row = totals.setdefault((p.month, p.team_id), [0, Decimal("0"), 0, Decimal("0")])
        row[2] += p.target_units
        row[3] += p.target_amount
    out = []
    for (month, team_id), (units, amount, t_units, t_amount) in sorted(totals.items()):
        out.append(
            {
                "month": month.strftime("%Y-%m"),
                "team": teams.get(team_id, ""),
                "consultant": "（团队合计）",
                "units": units,
                "amount": amount,
                "target_units": t_units,
                "target_amount": t_amount,
                "rate": (amount / t_amount * 100).quantize(Decimal("0.1")) if t_amount else None,
            }
        )
    return out


def receipt_allocation_total(session: Session, receipt_id: int) -> Decimal:
    return Decimal(
        session.scalar(
            select(
                type_coerce(func.coalesce(func.sum(ReceiptAllocation.amount), 0), Money())
            ).where(ReceiptAllocation.receipt_id == receipt_id)
        )
        or 0
    )


REFUND_COLUMNS = [
    "receivable_id",
    "deal_id",
    "project",
    "unit",
    "customer",
    "state",
    "closed_on",
    "due",
    "paid_out",
    "pending",
    "open",
]


def refunds_frame(
    session: Session,
    viewer: User,
    project_id: int | None,
    *,
    open_only: bool = True,
    zone: str = DEFAULT_ZONE,
) -> pd.DataFrame:
    """待退款: what deals owe their buyers (commands.finance.owes_back: closed deals' refunds,
    live deals' negative 面积补差; positive amounts here), what was paid out by audited refund
    vouchers, what draft vouchers hold and what is still open."""
    from ..commands.finance import outstanding, owed_back
    from .deals import STATE_LABELS

    authz.require(viewer, "finance.view")
    project_id = _project(viewer, project_id)
    query = (
        select(Receivable, Deal, Unit.code, Customer.name, Project.name)
        .join(Deal, Deal.id == Receivable.deal_id)
        .join(Unit, Unit.id == Deal.unit_id)
        .join(Customer, Customer.id == Deal.customer_id)
        .join(Project, Project.id == Receivable.project_id)
        .where(owed_back(), Receivable.cancelled.is_(False))
    )
    query = authz.restrict(query, viewer, Receivable.project_id)
    if project_id:
        query = query.where(Receivable.project_id == project_id)
    found = session.execute(query.order_by(Receivable.due_on, Receivable.id).limit(5000)).all()
    left = outstanding(session, [row[0] for row in found])
    rows = []
    for r, deal, code, customer, project in found:
        if open_only and left[r.id] == 0:
            continue
        rows.append(
            {
                "receivable_id": r.id,
                "deal_id": deal.id,
                "project": project,
                "unit": code,
                "customer": customer,
                "state": STATE_LABELS[deal.state],
                "closed_on": local(deal.closed_at, zone).date() if deal.closed_at else r.due_on,
                "due": -r.amount,
                "paid_out": -r.paid,
                "pending": r.paid - r.amount + left[r.id],
                "open": -left[r.id],
            }
        )
    return pd.DataFrame(rows, columns=REFUND_COLUMNS)


def refund_deals(session: Session, viewer: User, project_id: int | None) -> list[dict]:
    """Closed deals with money still to be paid back: deal_id, name (unit and customer) and
    open (for the 退款登记 form)."""
    frame = refunds_frame(session, viewer, project_id)
    deals: dict[int, dict] = {}
    for row in frame.itertuples():
        entry = deals.setdefault(
            int(row.deal_id),
            {"deal_id": int(row.deal_id), "name": f"{row.unit} {row.customer}", "open": 0},
        )
        entry["open"] += row.open
    return list(deals.values())
