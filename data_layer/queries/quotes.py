"""置业计划书 reads: the quote list, one quote laid out for printing, a customer's quotes and the
form's choices — scoped like customers (a consultant their own customers', a manager their
teams', an executive every project's)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

import pandas as pd
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from .. import authz, localtime
from ..localtime import DEFAULT_ZONE, local
from ..models import (
    Building,
    Company,
    Customer,
    Layout,
    PaymentPlan,
    Project,
    Quote,
    Unit,
    User,
)
from .crm import may_read, personal, restrict_customers

QUOTE_COLUMNS = [
    "id",
    "number",
    "quoted_on",
    "valid_until",
    "expired",
    "project",
    "unit",
    "customer_id",
    "customer",
    "consultant",
    "plan_name",
    "list_total",
    "extra_discount",
    "deal_total",
    "down_payment",
    "loan_kind",
    "loan_total",
    "installment_monthly",
    "fees_total",
    "cash_needed",
    "needs_approval",
]
MAX_LIST_ROWS = 5000


@dataclass(frozen=True)
class QuoteSheet:
    """A quote with the names it is printed with (works for an unsaved 试算 too)."""

    quote: Quote
    company: str
    project: str
    address: str
    unit: str
    building: str
    floor: int
    layout: str
    layout_id: int | None
    has_plan_image: bool
    customer: str
    customer_mobile: str
    consultant: str

    @property
    def loan_total(self) -> Decimal:
        return self.quote.commercial_loan + self.quote.provident_loan


def sheet(session: Session, viewer: User, quote: Quote) -> QuoteSheet:
    """Names for a quote the caller may read (checked by the caller)."""
    unit = session.get(Unit, quote.unit_id)
    project = session.get(Project, quote.project_id)
    company = session.get(Company, project.company_id)
    building = session.get(Building, unit.building_id)
    layout = session.get(Layout, unit.layout_id) if unit.layout_id else None
    customer = session.get(Customer, quote.customer_id) if quote.customer_id else None
    consultant = session.get(User, quote.consultant_id)
    show_mobile, _show_id = personal(viewer)
    return QuoteSheet(
        quote=quote,
        company=company.name if company else "",
        project=project.name,
        address=project.address or "",
        unit=unit.code,
        building=building.name if building else "",
        floor=unit.floor,
        layout=layout.name if layout else "",
        layout_id=layout.id if layout else None,
        has_plan_image=bool(layout and layout.plan_image),
        customer=customer.name if customer else "",
        customer_mobile=show_mobile(customer.mobile) if customer else "",
        consultant=consultant.display_name if consultant else "",
    )


def visible_quote(session: Session, viewer: User, quote_id) -> Quote | None:
    """The quote if the viewer may read its customer, else None (a crafted id learns nothing)."""
    if not authz.has(viewer, "quote.view"):
        return None
    try:
        key = int(quote_id)
    except (TypeError, ValueError):
        return None
    quote = session.get(Quote, key)
    if quote is None:
        return None
    customer = session.get(Customer, quote.customer_id)
    if customer is None or not may_read(session, viewer, customer):
        return None
    return quote


def quote_for_print(session: Session, viewer: User, quote_id) -> QuoteSheet | None:
    quote = visible_quote(session, viewer, quote_id)
    return sheet(session, viewer, quote) if quote is not None else None


def quotes_frame(
    session: Session,
    viewer: User,
    project_id: int | None = None,
    *,
    start: date | None = None,
    end: date | None = None,
    today: date | None = None,
    limit: int = MAX_LIST_ROWS,
) -> pd.DataFrame:
    """Saved quotes, newest first, within the viewer's customers."""
    authz.require(viewer, "quote.view")
    today = today or localtime.today()
    query = (
        select(Quote, Unit.code, Customer.name, User.display_name, Project.name)
        .join(Customer, Customer.id == Quote.customer_id)
        .join(Unit, Unit.id == Quote.unit_id)
        .join(Project, Project.id == Quote.project_id)
        .join(User, User.id == Quote.consultant_id)
    )
    query = restrict_customers(query, viewer)
    if project_id:
        query = query.where(Quote.project_id == project_id)
    if start:
        query = query.where(Quote.quoted_on >= start)
    if end:
        query = query.where(Quote.quoted_on <= end)
    rows = []
    for q, unit, customer, consultant, project in session.execute(
        query.order_by(Quote.quoted_on.desc(), Quote.id.desc()).limit(limit)
    ):
        rows.append(
            {
                "id": q.id,
                "number": q.number,
                "quoted_on": q.quoted_on,
                "valid_until": q.valid_until,
                "expired": q.valid_until < today,
                "project": project,
                "unit": unit,
                "customer_id": q.customer_id,
                "customer": customer,
                "consultant": consultant,
                "plan_name": q.plan_name,
                "list_total": q.list_total,
                "extra_discount": q.extra_discount,
                "deal_total": q.deal_total,
                "down_payment": q.down_payment,
                "loan_kind": q.loan_kind.value,
                "loan_total": q.commercial_loan + q.provident_loan,
                "installment_monthly": q.installment_monthly,
                "fees_total": q.fees_total,
                "cash_needed": q.cash_needed,
                "needs_approval": q.needs_approval,
            }
        )
    return pd.DataFrame(rows, columns=QUOTE_COLUMNS)


def customer_quotes(session: Session, customer_id: int, zone: str = DEFAULT_ZONE) -> list[dict]:
    """A customer's quotes in time order, for the customer page (the caller checked the
    customer is the viewer's to read)."""
    names = dict(session.execute(select(User.id, User.display_name)).all())
    return [
        {
            "id": q.id,
            "at": local(q.created_at, zone) or datetime.combine(q.quoted_on, time.min),
            "number": q.number,
            "unit": unit,
            "plan_name": q.plan_name,
            "deal_total": q.deal_total,
            "cash_needed": q.cash_needed,
            "valid_until": q.valid_until,
            "needs_approval": q.needs_approval,
            "by": names.get(q.consultant_id, ""),
        }
        for q, unit in session.execute(
            select(Quote, Unit.code)
            .join(Unit, Unit.id == Quote.unit_id)
            .where(Quote.customer_id == customer_id)
            .order_by(Quote.id)
        )
    ]


# ---------------------------------------------------------------------------------------------
# The form's choices


def customer_choices(
    session: Session,
    viewer: User,
    project_id: int | None,
    search: str = "",
    selected: int | None = None,
    limit: int = 50,
) -> list[dict]:
    """Customers of a project the viewer may quote for, matching a name or mobile search; the
    selected one is always among them."""
    if not project_id or not authz.scope(viewer).allows_project(project_id):
        return []
    show_mobile, _show_id = personal(viewer)
    query = restrict_customers(select(Customer).where(Customer.project_id == project_id), viewer)
    text = (search or "").strip()
    if text:
        query = query.where(
            or_(Customer.name.contains(text, autoescape=True), Customer.mobile.startswith(text))
        )
    found = list(session.scalars(query.order_by(Customer.id.desc()).limit(limit)))
    if selected and all(c.id != selected for c in found):
        chosen = session.scalar(query.where(Customer.id == selected))
        if chosen is not None:
            found.insert(0, chosen)
    return [{"label": f"{c.name} {show_mobile(c.mobile)}", "value": c.id} for c in found]


def unit_choice(session: Session, viewer: User, unit_id) -> dict | None:
    """A unit the viewer may see, as a dropdown option with its project."""
    try:
        unit = session.get(Unit, int(unit_id)) if unit_id else None
    except (TypeError, ValueError):
        return None
    if unit is None or not authz.scope(viewer).allows_project(unit.project_id):
        return None
    return {"label": unit.code, "value": unit.id, "project_id": unit.project_id}


def customer_project(session: Session, viewer: User, customer_id) -> int | None:
    """The project of a customer the viewer may read."""
    try:
        customer = session.get(Customer, int(customer_id)) if customer_id else None
    except (TypeError, ValueError):
        return None
    if customer is None or not may_read(session, viewer, customer):
        return None
    return customer.project_id


def plan_terms(session: Session, viewer: User, plan_id) -> tuple[str, Decimal] | None:
    """The loan type and down-payment percent a payment plan suggests, for the form."""
    from ..commands.quotes import plan_defaults

    try:
        plan = session.get(PaymentPlan, int(plan_id)) if plan_id else None
    except (TypeError, ValueError):
        return None
    if plan is None or not authz.scope(viewer).allows_project(plan.project_id):
        return None
    kind, down = plan_defaults(plan)
    return kind.value, down
