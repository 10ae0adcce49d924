"""The desktop (桌面): a user's own figures and reminders, within their scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
from sqlalchemy import and_, extract, func, or_, select

from .. import authz
from ..models import (
    Customer,
    CustomerStage,
    Deal,
    DealState,
    Project,
    Receipt,
    ReceiptStatus,
    Unit,
    UnitStatus,
    User,
)
from ..rules import mobile as mobile_rules
from .crm import restrict_customers

ACTIVE_STAGES = (CustomerStage.LEAD, CustomerStage.OPPORTUNITY)


@dataclass(frozen=True)
class DeskFigures:
    """None: the viewer's role does not work with that (customers need crm.view, deals
    deal.view, money received finance.view): an after-sales clerk is not shown follow-ups."""

    customers: int | None
    new_visits_month: int | None
    follow_ups_due: int | None
    live_deals: int | None
    subscriptions_month: int | None
    subscribed_amount_month: Decimal | None
    received_month: Decimal | None
    units_available: int


def _month_start(today: date) -> date:
    return today.replace(day=1)


def figures(session, viewer: User, project_id: int | None, today: date) -> DeskFigures:
    authz.require(viewer, "desktop.view")
    if project_id is not None and not authz.scope(viewer).allows_project(project_id):
        project_id = None  # a stale selection from another account on this browser

    def customers(query):
        query = restrict_customers(query, viewer)
        return query.where(Customer.project_id == project_id) if project_id else query

    def deals(query):
        query = authz.restrict(query, viewer, Deal.project_id, Deal.consultant_id)
        return query.where(Deal.project_id == project_id) if project_id else query

    count = select(func.count()).select_from(Customer)
    month = _month_start(today)
    n_customers = n_new = n_due = None
    if authz.has(viewer, "crm.view"):
        n_customers = session.scalar(customers(count))
        n_new = session.scalar(customers(count.where(Customer.first_contact_on >= month)))
        n_due = session.scalar(
            customers(
                count.where(Customer.stage.in_(ACTIVE_STAGES), Customer.next_follow_up_on <= today)
            )
        )
    live = None
    subs = (None, None)
    if authz.has(viewer, "deal.view"):
        live = session.scalar(
            deals(select(func.count()).select_from(Deal).where(Deal.state == DealState.LIVE))
        )
        subs = session.execute(
            deals(
                select(func.count(), func.coalesce(func.sum(Deal.deal_total), 0)).where(
                    Deal.subscribed_on >= month,
                    Deal.state == DealState.LIVE,
                )
            )
        ).one()
    received = None
    if authz.has(viewer, "finance.view"):
        query = select(func.coalesce(func.sum(Receipt.amount), 0)).where(
            Receipt.received_on >= month, Receipt.status == ReceiptStatus.AUDITED
        )
        query = authz.restrict(query, viewer, Receipt.project_id)
        if project_id:
            query = query.where(Receipt.project_id == project_id)
        received = Decimal(session.scalar(query))
    units = select(func.count()).select_from(Unit).where(Unit.status == UnitStatus.AVAILABLE)
    units = authz.restrict(units, viewer, Unit.project_id)
    if project_id:
        units = units.where(Unit.project_id == project_id)
    return DeskFigures(
        customers=n_customers,
        new_visits_month=n_new,
        follow_ups_due=n_due,
        live_deals=live,
        subscriptions_month=subs[0],
        subscribed_amount_month=Decimal(subs[1]) if subs[1] is not None else None,
        received_month=received,
        units_available=session.scalar(units),
    )


def _customer_rows(session, viewer: User, query, project_id, limit: int) -> pd.DataFrame:
    query = restrict_customers(query, viewer)
    if project_id:
        query = query.where(Customer.project_id == project_id)
    query = query.join(Project, Project.id == Customer.project_id).join(
        User, User.id == Customer.consultant_id
    )
    show = authz.sees_personal_data(viewer)
    rows = []
    for customer, project_name, consultant in session.execute(
        query.add_columns(Project.name, User.display_name).limit(limit)
    ):
        rows.append(
            {
                "id": customer.id,
                "name": customer.name,
                "mobile": customer.mobile if show else mobile_rules.mask(customer.mobile),
                "level": customer.level,
                "next_follow_up_on": customer.next_follow_up_on,
                "birthday": customer.birthday,
                "project": project_name,
                "consultant": consultant,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "id",
            "name",
            "mobile",
            "level",
            "next_follow_up_on",
            "birthday",
            "project",
            "consultant",
        ],
    )


def follow_ups_due(
    session, viewer: User, today: date, project_id: int | None = None, limit: int = 50
) -> pd.DataFrame:
    authz.require(viewer, "crm.view")
    query = (
        select(Customer)
        .where(Customer.stage.in_(ACTIVE_STAGES), Customer.next_follow_up_on <= today)
        # Today's first, then the most recently missed: long-forgotten ones matter least.
        .order_by(Customer.next_follow_up_on.desc(), Customer.id)
    )
    return _customer_rows(session, viewer, query, project_id, limit)


def birthdays_soon(
    session,
    viewer: User,
    today: date,
    project_id: int | None = None,
    days: int = 7,
    limit: int = 50,
) -> pd.DataFrame:
    """Customers whose birthday (month and day) falls within the next `days` days."""
    authz.require(viewer, "crm.view")
    conditions = []
    for offset in range(days + 1):
        day = today + timedelta(days=offset)
        conditions.append(
            and_(
                extract("month", Customer.birthday) == day.month,
                extract("day", Customer.birthday) == day.day,
            )
        )
    query = (
        select(Customer)
        .where(Customer.birthday.is_not(None), Customer.stage != CustomerStage.LOST)
        .where(or_(*conditions))
        .order_by(Customer.id)
    )
    return _customer_rows(session, viewer, query, project_id, limit)
