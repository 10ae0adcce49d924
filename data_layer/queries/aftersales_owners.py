"""业主台帐 (owner ledger): the customers holding a live signed contract, one row per deal, with
what they have paid, where their mortgage and property certificate stand, and birthdays soon.

Everything a row shows comes from one statement (deal, unit, building, project, customer,
payment plan, consultant, the per-deal price paid and the two after-sales cases): the bench
demo has tens of thousands of contracted deals, so nothing is read per row."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
from sqlalchemy import Select, and_, case, extract, func, or_, select, type_coerce
from sqlalchemy.orm import Session, aliased

from .. import authz, localtime
from ..localtime import DEFAULT_ZONE, local_text
from ..models import (
    AftersalesCase,
    Building,
    CaseKind,
    CaseStatus,
    ContractStatus,
    Customer,
    Deal,
    DealEvent,
    DealStage,
    DealState,
    PaymentPlan,
    PlanKind,
    Project,
    Receipt,
    Receivable,
    Unit,
    User,
)
from ..models.types import Money
from ..rules import aftersales as rules
from ..rules import idcard
from ..rules import mobile as mobile_rules
from .aftersales import price_paid
from .deals import event_label
from .finance import KIND_LABELS, PAYER_LABELS, method_labels
from .finance import STATUS_LABELS as RECEIPT_STATUS_LABELS

CONTRACT_LABELS = {
    ContractStatus.SIGNED: "签约",
    ContractStatus.AUDITED: "审核",
    ContractStatus.FILED: "备案",
}
PLAN_KIND_LABELS = {
    PlanKind.LUMP_SUM: "一次性付款",
    PlanKind.INSTALLMENT: "分期付款",
    PlanKind.COMMERCIAL: "商业贷款",
    PlanKind.PROVIDENT: "公积金贷款",
    PlanKind.COMBINED: "组合贷款",
}
PENDING = rules.STATUS_LABELS[CaseStatus.PENDING]  # 待办: no case yet, but one is due
NOT_APPLICABLE = "—"
YES, NO = "是", "否"
MAX_ROWS = 5000
ZERO = Decimal("0.00")

COLUMNS = [
    "id",
    "project",
    "building",
    "unit",
    "area",
    "owner",
    "mobile",
    "id_number",
    "birthday",
    "days_to_birthday",
    "contract_no",
    "contracted_on",
    "contract_status",
    "plan",
    "plan_kind",
    "deal_total",
    "due",
    "paid",
    "outstanding",
    "paid_in_full",
    "paid_label",
    "mortgage_status",
    "certificate_status",
    "consultant",
]


# ---------------------------------------------------------------------------------------------
# Birthdays


def next_birthday(born: date, today: date) -> date:
    """The next birthday on or after `today`; one born on 29 February celebrates on 28 February
    in a common year."""
    for year in (today.year, today.year + 1):
        try:
            day = born.replace(year=year)
        except ValueError:
            day = date(year, 2, 28)
        if day >= today:
            return day
    raise AssertionError("unreachable: next year's birthday is after today")


def birthday_codes(today: date, days: int) -> list[int]:
    """month × 100 + day of every birthday that falls within `today` … `today + days` (a 29
    February birthday counts on 28 February of a common year), for an IN test in SQL."""
    codes = set()
    for offset in range(max(0, min(int(days), 366)) + 1):
        day = today + timedelta(days=offset)
        codes.add(day.month * 100 + day.day)
        if (day.month, day.day) == (2, 28) and not _leap(day.year):
            codes.add(229)
    return sorted(codes)


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _birthday_code():
    return extract("month", Customer.birthday) * 100 + extract("day", Customer.birthday)


# ---------------------------------------------------------------------------------------------
# The ledger


def _owners(viewer: User, project_id: int | None) -> tuple[Select, dict]:
    """The live contracted deals the viewer may see (in `project_id`, None: every visible
    project) with their price paid; returns the select and the price-paid subquery's columns."""
    paid = price_paid()
    query = (
        select(Deal.id)
        .join(Customer, Customer.id == Deal.customer_id)
        .outerjoin(paid, paid.c.deal_id == Deal.id)
        .where(Deal.stage == DealStage.CONTRACTED, Deal.state == DealState.LIVE)
    )
    query = authz.restrict(query, viewer, Deal.project_id, Deal.consultant_id)
    if project_id:
        query = query.where(Deal.project_id == int(project_id))
    due = func.coalesce(paid.c.due, type_coerce(0, Money()))
    got = func.coalesce(paid.c.paid, type_coerce(0, Money()))
    # As 产权办理 reads it: paid ≥ due, and a deal owing no price at all is not "paid in full".
    full = and_(paid.c.due.is_not(None), got >= due)
    return query, {"due": due, "paid": got, "full": full, "priced": paid.c.due.is_not(None)}


def owners_frame(
    session: Session,
    viewer: User,
    project_id: int | None = None,
    *,
    search: str | None = None,
    paid_in_full: bool | None = None,
    birthday_days: int | None = None,
    today: date | None = None,
    deal_id: int | None = None,
    limit: int = MAX_ROWS,
) -> pd.DataFrame:
    """The ledger's rows: search in the owner's name, the unit code and the contract number;
    `paid_in_full` True/False keeps only those paid in full or not; `birthday_days` keeps the
    owners whose birthday is within that many days of `today` (soonest first). Phone and ID
    number are masked for a viewer who may not see personal data."""
    today = today or localtime.today()
    base, money = _owners(viewer, project_id)
    mortgage = aliased(AftersalesCase)
    certificate = aliased(AftersalesCase)
    query = (
        base.with_only_columns(
            Deal.id,
            Project.name,
            Building.name,
            Unit.code,
            Unit.gross_area,
            Customer.name,
            Customer.mobile,
            Customer.id_number,
            Customer.birthday,
            Deal.contract_no,
            Deal.contracted_on,
            Deal.contract_status,
            PaymentPlan.name,
            PaymentPlan.kind,
            Deal.deal_total,
            money["due"],
            money["paid"],
            money["priced"],
            mortgage.status,
            certificate.status,
            User.display_name,
        )
        .join(Unit, Unit.id == Deal.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .join(Project, Project.id == Deal.project_id)
        .join(User, User.id == Deal.consultant_id)
        .outerjoin(PaymentPlan, PaymentPlan.id == Deal.plan_id)
        .outerjoin(mortgage, and_(mortgage.deal_id == Deal.id, mortgage.kind == CaseKind.MORTGAGE))
        .outerjoin(
            certificate,
            and_(certificate.deal_id == Deal.id, certificate.kind == CaseKind.CERTIFICATE),
        )
    )
    if deal_id is not None:
        query = query.where(Deal.id == int(deal_id))
    text = (search or "").strip()
    if text:
        query = query.where(
            or_(
                Customer.name.contains(text, autoescape=True),
                Unit.code.contains(text, autoescape=True),
                Deal.contract_no.contains(text, autoescape=True),
            )
        )
    if paid_in_full is not None:
        query = query.where(money["full"] if paid_in_full else ~money["full"])
    if birthday_days is not None:
        query = query.where(
            Customer.birthday.is_not(None),
            _birthday_code().in_(birthday_codes(today, birthday_days)),
        )
    else:
        query = query.order_by(Deal.contracted_on.desc(), Deal.id.desc())
    show = authz.sees_personal_data(viewer)
    rows = []
    for (
        deal,
        project,
        building,
        unit,
        area,
        owner,
        mobile,
        id_number,
        birthday,
        contract_no,
        contracted_on,
        contract_status,
        plan,
        plan_kind,
        total,
        due,
        paid,
        priced,
        mortgage_status,
        certificate_status,
        consultant,
    ) in session.execute(query.limit(limit)):
        full = bool(priced) and paid >= due
        rows.append(
            {
                "id": deal,
                "project": project,
                "building": building,
                "unit": unit,
                "area": area,
                "owner": owner,
                "mobile": (mobile if show else mobile_rules.mask(mobile)) if mobile else "",
                "id_number": (id_number if show else idcard.mask(id_number)) if id_number else "",
                "birthday": birthday,
                "days_to_birthday": (next_birthday(birthday, today) - today).days
                if birthday
                else None,
                "contract_no": contract_no or "",
                "contracted_on": contracted_on,
                "contract_status": CONTRACT_LABELS.get(contract_status, ""),
                "plan": plan or "",
                "plan_kind": PLAN_KIND_LABELS.get(plan_kind, "") if plan_kind else "",
                "deal_total": total,
                "due": due,
                "paid": paid,
                "outstanding": max(due - paid, ZERO),
                "paid_in_full": full,
                "paid_label": YES if full else NO,
                "mortgage_status": mortgage_label(mortgage_status, plan_kind),
                "certificate_status": certificate_label(certificate_status, full),
                "consultant": consultant,
            }
        )
    if birthday_days is not None:
        rows.sort(key=lambda r: (r["days_to_birthday"], r["id"]))
    return pd.DataFrame(rows, columns=COLUMNS)


def mortgage_label(status, plan_kind) -> str:
    """按揭办理: the case's status; 待办 when the plan borrows and no case exists yet; — when
    the owner does not borrow."""
    if status is not None:
        return rules.STATUS_LABELS[CaseStatus(status)]
    if plan_kind is not None and rules.needs_mortgage(PlanKind(plan_kind)):
        return PENDING
    return NOT_APPLICABLE


def certificate_label(status, paid_in_full: bool) -> str:
    """产权办理: the case's status; 待办 once the price is paid in full and no case exists; —
    until then."""
    if status is not None:
        return rules.STATUS_LABELS[CaseStatus(status)]
    return PENDING if paid_in_full else NOT_APPLICABLE


@dataclass(frozen=True)
class OwnerSummary:
    owners: int
    paid_in_full: int
    outstanding: Decimal
    birthdays: int  # birthdays within `birthday_days` of today


def summary(
    session: Session,
    viewer: User,
    project_id: int | None = None,
    *,
    today: date | None = None,
    birthday_days: int = 7,
) -> OwnerSummary:
    """The ledger's totals over every owner in scope (not only the rows a list shows): two
    aggregate statements."""
    today = today or localtime.today()
    base, money = _owners(viewer, project_id)
    gap = money["due"] - money["paid"]
    owners, full, outstanding = session.execute(
        base.with_only_columns(
            func.count(Deal.id),
            func.coalesce(func.sum(case((money["full"], 1), else_=0)), 0),
            type_coerce(func.sum(case((gap > 0, gap), else_=None)), Money()),
        )
    ).one()
    birthdays = session.scalar(
        base.with_only_columns(func.count(Deal.id)).where(
            Customer.birthday.is_not(None),
            _birthday_code().in_(birthday_codes(today, birthday_days)),
        )
    )
    return OwnerSummary(int(owners or 0), int(full or 0), outstanding or ZERO, int(birthdays or 0))


# ---------------------------------------------------------------------------------------------
# One owner


@dataclass
class OwnerDetail:
    row: dict  # the ledger's row of this owner
    receivables: list[dict] = field(default_factory=list)
    receipts: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)


def owner_detail(
    session: Session,
    viewer: User,
    deal_id,
    *,
    today: date | None = None,
    zone: str = DEFAULT_ZONE,
) -> OwnerDetail | None:
    """An owner's deal as the ledger shows it, with its receivables (款项, 应收日期, amounts),
    its receipts (收据 number, date, amount, method, status) and its history (times in `zone`,
    who did it). None when the deal is not a live contract the viewer may see."""
    try:
        deal_id = int(deal_id)
    except (TypeError, ValueError):
        return None
    frame = owners_frame(session, viewer, None, deal_id=deal_id, today=today, limit=1)
    if frame.empty:
        return None
    row = frame.astype(object).where(frame.notna(), None).to_dict("records")[0]
    receivables = [
        {
            "id": r.id,
            "seq": r.seq,
            "kind": KIND_LABELS[r.kind.value],
            "payer": PAYER_LABELS.get(r.payer, r.payer),
            "due_on": r.due_on,
            "amount": r.amount,
            "paid": r.paid,
            "open": ZERO if r.cancelled else r.amount - r.paid,
            "state": "已取消" if r.cancelled else ("已结清" if r.paid >= r.amount else "未结清"),
        }
        for r in session.scalars(
            select(Receivable)
            .where(Receivable.deal_id == deal_id)
            .order_by(Receivable.seq, Receivable.id)
        )
    ]
    methods = method_labels(session)
    receipts = [
        {
            "id": r.id,
            "number": r.number,
            "received_on": r.received_on,
            "kind": KIND_LABELS[r.kind.value],
            "amount": r.amount,
            "method": methods.get(r.method, r.method),
            "status": RECEIPT_STATUS_LABELS[r.status.value],
        }
        for r in session.scalars(
            select(Receipt)
            .where(Receipt.deal_id == deal_id)
            .order_by(Receipt.received_on, Receipt.id)
        )
    ]
    events = [
        {
            "id": event_id,
            "at": local_text(at, zone),
            "kind": event_label(kind),
            "user": name or "系统",
            "details": dict(details or {}),
        }
        for event_id, at, kind, details, name in session.execute(
            select(DealEvent.id, DealEvent.at, DealEvent.kind, DealEvent.details, User.display_name)
            .outerjoin(User, User.id == DealEvent.user_id)
            .where(DealEvent.deal_id == deal_id)
            .order_by(DealEvent.id)
        )
    ]
    return OwnerDetail(row=row, receivables=receivables, receipts=receipts, events=events)
