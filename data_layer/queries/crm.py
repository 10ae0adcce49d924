"""CRM reads: customers, their history and reminders, always within the viewer's scope.

A consultant sees only the customers they own; a sales manager with a team sees the customers of
their team's consultants (and their own) in their projects; other roles see every customer of
their projects (an administrator or executive: of every project)."""

from __future__ import annotations

import contextlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import pandas as pd
from sqlalchemy import and_, extract, or_, select
from sqlalchemy.orm import Session, aliased

from .. import authz, localtime
from ..errors import NotFound, PermissionDenied
from ..localtime import DEFAULT_ZONE, day_start_utc, local
from ..models import (
    AssignmentKind,
    Customer,
    CustomerAssignment,
    CustomerStage,
    Deal,
    DealEvent,
    FollowUp,
    Project,
    RoleCode,
    SurveyAnswer,
    SurveyField,
    SurveyKind,
    Team,
    Unit,
    User,
    project_member,
)
from ..rules import idcard
from ..rules import mobile as mobile_rules
from .base import code_labels  # noqa: F401 - crm.code_labels: CRM screens read it from here


def restrict_customers(query, viewer: User, customer=Customer):
    """Limit a select() over `customer` (the model or an alias) to what the viewer may read."""
    scope = authz.scope(viewer)
    query = authz.restrict(query, viewer, customer.project_id, customer.consultant_id)
    if scope.team_ids is not None:
        team_members = select(User.id).where(User.team_id.in_(scope.team_ids))
        query = query.where(
            or_(customer.consultant_id.in_(team_members), customer.consultant_id == viewer.id)
        )
    return query


def may_read(session, viewer: User, customer: Customer) -> bool:
    scope = authz.scope(viewer)
    if not scope.allows_project(customer.project_id):
        return False
    if scope.consultant_ids is not None and customer.consultant_id not in scope.consultant_ids:
        return False
    if scope.team_ids is not None and customer.consultant_id != viewer.id:
        owner = session.get(User, customer.consultant_id)
        if owner is None or owner.team_id not in scope.team_ids:
            return False
    return True


def visible_customer(session, viewer: User, customer_id, permission: str = "crm.customers"):
    """The customer if the viewer holds `permission` and may read it, else a refusal.

    An id outside the viewer's scope is refused the same way as one that does not exist, so a
    crafted request learns nothing about other consultants' customers."""
    authz.require(viewer, permission)
    try:
        key = int(customer_id)
    except (TypeError, ValueError):
        key = None
    customer = session.get(Customer, key) if key is not None else None
    if customer is None:
        raise NotFound("客户不存在或您无权查看。", "No such customer, or not yours to see.")
    if not may_read(session, viewer, customer):
        raise PermissionDenied(permission)
    return customer


# ---------------------------------------------------------------------------------------------
# Lists


@dataclass(frozen=True)
class CustomerFilter:
    project_id: int | None = None
    search: str = ""
    stage: str | None = None
    level: str | None = None
    channel: str | None = None
    consultant_id: int | None = None
    start: date | None = None  # first contact on or after
    end: date | None = None  # first contact on or before

    def as_dict(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(self).items()}


CUSTOMER_COLUMNS = [
    "id",
    "name",
    "mobile",
    "id_number",
    "gender",
    "stage",
    "level",
    "channel",
    "first_contact",
    "first_contact_on",
    "last_contact_on",
    "next_follow_up_on",
    "visit_count",
    "follow_up_count",
    "intended_layout",
    "budget",
    "purpose",
    "lost_reason",
    "project",
    "consultant",
    "consultant_id",
    "notes",
]
MAX_LIST_ROWS = 2000


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def filtered_customers(query, viewer: User, f: CustomerFilter):
    query = restrict_customers(query, viewer)
    if f.project_id:
        query = query.where(Customer.project_id == int(f.project_id))
    if f.stage:
        query = query.where(Customer.stage == f.stage)
    if f.level:
        query = query.where(Customer.level == f.level)
    if f.channel:
        query = query.where(Customer.channel == f.channel)
    if f.consultant_id:
        query = query.where(Customer.consultant_id == int(f.consultant_id))
    if f.start:
        query = query.where(Customer.first_contact_on >= f.start)
    if f.end:
        query = query.where(Customer.first_contact_on <= f.end)
    text = (f.search or "").strip()
    if text:
        conditions = [Customer.name.contains(text, autoescape=True)]
        digits = _digits(text)
        # Searching by phone or ID reveals them: only for viewers who may see them.
        if digits and len(digits) >= 4 and authz.sees_personal_data(viewer):
            conditions.append(Customer.mobile.contains(digits, autoescape=True))
            conditions.append(Customer.id_number.contains(text.upper(), autoescape=True))
        query = query.where(or_(*conditions))
    return query


def personal(viewer: User):
    """Functions that show (or mask) a mobile and an ID number for this viewer."""
    if authz.sees_personal_data(viewer):
        return (lambda m: m or ""), (lambda i: i or "")
    return (lambda m: mobile_rules.mask(m) if m else ""), (lambda i: idcard.mask(i) if i else "")


def customers_frame(
    session: Session,
    viewer: User,
    f: CustomerFilter,
    limit: int = MAX_LIST_ROWS,
    only_ids: set[int] | None = None,
) -> pd.DataFrame:
    """客户列表: the customers the viewer may see, newest first, phone/ID masked as needed."""
    authz.require(viewer, "crm.customers")
    fields = [
        Customer.id,
        Customer.name,
        Customer.mobile,
        Customer.id_number,
        Customer.gender,
        Customer.stage,
        Customer.level,
        Customer.channel,
        Customer.first_contact,
        Customer.first_contact_on,
        Customer.last_contact_on,
        Customer.next_follow_up_on,
        Customer.visit_count,
        Customer.follow_up_count,
        Customer.intended_layout,
        Customer.budget,
        Customer.purpose,
        Customer.lost_reason,
        Project.name,
        User.display_name,
        Customer.consultant_id,
        Customer.notes,
    ]
    query = (
        select(*fields)
        .join(Project, Project.id == Customer.project_id)
        .join(User, User.id == Customer.consultant_id)
        .order_by(Customer.first_contact_on.desc(), Customer.id.desc())
        .limit(limit)
    )
    if (f.search or "").strip():
        # A text search matches few rows: find them in one pass (no order, capped), then sort
        # those. Walking the date index newest-first would visit every customer instead.
        # (MariaDB refuses LIMIT directly inside IN: it goes through a derived table.)
        matches = filtered_customers(select(Customer.id), viewer, f).limit(limit).subquery()
        query = query.where(Customer.id.in_(select(matches.c.id)))
    else:
        query = filtered_customers(query, viewer, f)
    if only_ids is not None:
        query = query.where(Customer.id.in_(only_ids))
    show_mobile, show_id = personal(viewer)
    rows = []
    for row in session.execute(query):
        record = dict(zip(CUSTOMER_COLUMNS, row, strict=True))
        record["mobile"] = show_mobile(record["mobile"])
        record["id_number"] = show_id(record["id_number"])
        record["stage"] = record["stage"].value
        record["first_contact"] = record["first_contact"].value
        rows.append(record)
    return pd.DataFrame(rows, columns=CUSTOMER_COLUMNS)


def owners(session: Session, viewer: User, project_id: int | None = None) -> list[User]:
    """Consultants (and managers) whose customers the viewer may see, for filters and forms."""
    scope = authz.scope(viewer)
    query = (
        select(User)
        .where(User.role_code.in_((RoleCode.CONSULTANT, RoleCode.MANAGER)))
        .order_by(User.display_name)
    )
    if scope.consultant_ids is not None:
        query = query.where(User.id.in_(scope.consultant_ids))
    if scope.team_ids is not None:
        query = query.where(or_(User.team_id.in_(scope.team_ids), User.id == viewer.id))
    projects = scope.project_ids
    if project_id:
        projects = {int(project_id)} if projects is None else projects & {int(project_id)}
    if projects is not None:
        members = select(project_member.c.user_id).where(project_member.c.project_id.in_(projects))
        query = query.where(User.id.in_(members))
    return list(session.scalars(query))


def project_consultants(session: Session, viewer: User, project_id: int) -> list[User]:
    """Active consultants of a project, for choosing an owner (registration, transfer)."""
    if not project_id or not authz.scope(viewer).allows_project(int(project_id)):
        return []
    members = select(project_member.c.user_id).where(project_member.c.project_id == project_id)
    return list(
        session.scalars(
            select(User)
            .where(
                User.id.in_(members),
                User.active.is_(True),
                User.role_code.in_((RoleCode.CONSULTANT, RoleCode.MANAGER)),
            )
            .order_by(User.display_name)
        )
    )


def teams(session: Session, viewer: User, project_id: int | None = None) -> list[Team]:
    scope = authz.scope(viewer)
    query = select(Team).order_by(Team.project_id, Team.name)
    if scope.project_ids is not None:
        query = query.where(Team.project_id.in_(scope.project_ids))
    if scope.team_ids is not None:
        query = query.where(Team.id.in_(scope.team_ids))
    if project_id:
        query = query.where(Team.project_id == int(project_id))
    return list(session.scalars(query))


# ---------------------------------------------------------------------------------------------
# Duplicate check while typing


@dataclass(frozen=True)
class DuplicateHint:
    consultant_name: str
    since: date
    protected_until: date
    protected: bool
    matched_on: str
    mine: bool
    customer_id: int | None  # only when the viewer may open the customer


def duplicate_hint(
    session: Session,
    viewer: User,
    project_id,
    mobile: str = "",
    id_number: str = "",
    today: date | None = None,
) -> DuplicateHint | None:
    """Is this mobile or ID already a customer of the project? Shows the owner and since when
    (not the customer's own data) to anyone who may register customers there."""
    from ..commands.crm import find_owner

    if not project_id:
        return None
    authz.require(viewer, "crm.edit", project_id=int(project_id))
    owner = find_owner(session, int(project_id), mobile or "", id_number or "")
    if owner is None:
        return None
    today = today or localtime.today()
    customer = session.get(Customer, owner.customer_id)
    return DuplicateHint(
        consultant_name=owner.consultant_name,
        since=owner.since,
        protected_until=owner.protected_until,
        protected=owner.protected(today),
        matched_on=owner.matched_on,
        mine=owner.consultant_id == viewer.id,
        customer_id=owner.customer_id if may_read(session, viewer, customer) else None,
    )


# ---------------------------------------------------------------------------------------------
# A customer's page


@dataclass
class CustomerDetail:
    customer: Customer
    project: str
    consultant: str
    mobile: str
    id_number: str
    protected_until: date
    survey: list[tuple[str, str]]
    timeline: pd.DataFrame
    deals: pd.DataFrame
    quotes: list[dict] = field(default_factory=list)  # 置业计划书, oldest first


# `at` is a local wall-clock time; for an event known by its date only (a follow-up, 跟进)
# it is the start of that day and `all_day` is True: show its date, not 00:00.
TIMELINE_COLUMNS = ["at", "all_day", "kind", "title", "details", "by"]
# The deal events that create a deal, and the stage the deal had then.
CREATING_EVENTS = {"reserve": "reserved", "hold": "held", "subscribe": "subscribed"}


def _deal_created(deal: Deal, unit_code: str, at: datetime, names: dict, event=None) -> dict:
    """The timeline's line for a deal's registration: the stage and amount of the event that
    created it (the deal's current ones when it has no history)."""
    stage, amount, by = deal.stage.value, deal.deal_total, deal.consultant_id
    if event is not None:
        stage = CREATING_EVENTS[event.kind]
        recorded = (event.details or {}).get("deal_total")
        amount = Decimal(str(recorded)) if recorded is not None else None
        by = event.user_id or by
    return {
        "at": at,
        "kind": "deal.created",
        "title": stage,
        "details": unit_code,
        "amount": amount,
        "by": names.get(by, ""),
    }


def _timeline_order(event: dict) -> tuple:
    """Time order, a date-only event first on its day (as an all-day entry in a calendar): the
    visit that day comes before the registration or subscription it led to. Date-only events
    of one day keep the order they were recorded in (the sort is stable)."""
    if event["all_day"]:
        return (event["at"], 0, "")
    return (event["at"], 1, event["kind"])


def customer_detail(
    session: Session, viewer: User, customer_id, zone: str = DEFAULT_ZONE
) -> CustomerDetail:
    """Everything about one customer in time order (times in `zone`): contacts, visits,
    ownership changes and deals (with their events)."""
    from ..commands.crm import protected_until

    customer = visible_customer(session, viewer, customer_id)
    project = session.get(Project, customer.project_id)
    names = {i: n for i, n in session.execute(select(User.id, User.display_name))}
    show_mobile, show_id = personal(viewer)
    events: list[dict] = []
    for f in session.scalars(
        select(FollowUp).where(FollowUp.customer_id == customer.id).order_by(FollowUp.id)
    ):
        events.append(
            {
                "at": datetime.combine(f.happened_on, datetime.min.time()),
                "all_day": True,
                "kind": f"contact.{f.kind.value}",
                "title": f.kind.value,
                "details": f.notes,
                "next_on": f.next_on,
                "by": names.get(f.user_id, ""),
            }
        )
    for a in session.scalars(
        select(CustomerAssignment)
        .where(CustomerAssignment.customer_id == customer.id)
        .order_by(CustomerAssignment.id)
    ):
        events.append(
            {
                "at": local(a.at, zone),
                "kind": f"assign.{a.kind.value}",
                "title": a.kind.value,
                "details": a.reason,
                "from": names.get(a.from_consultant_id, ""),
                "to": names.get(a.to_consultant_id, ""),
                "by": names.get(a.by_user_id, ""),
            }
        )
    deal_rows = []
    deals = list(
        session.execute(
            select(Deal, Unit.code)
            .join(Unit, Unit.id == Deal.unit_id)
            .where(Deal.customer_id == customer.id)
            .order_by(Deal.id)
        )
    )
    for deal, unit_code in deals:
        deal_rows.append(
            {
                "id": deal.id,
                "unit": unit_code,
                "stage": deal.stage.value,
                "state": deal.state.value,
                "deal_total": deal.deal_total,
                "subscribed_on": deal.subscribed_on,
                "contracted_on": deal.contracted_on,
                "consultant": names.get(deal.consultant_id, ""),
            }
        )
    if deals:
        by_deal = {deal.id: (deal, unit_code) for deal, unit_code in deals}
        seen: set[int] = set()
        # Each line carries the stage or kind of its own event: the event that created a deal
        # is its registration (with the stage it had then), later ones are the deal's events.
        for event in session.scalars(
            select(DealEvent)
            .where(DealEvent.deal_id.in_(list(by_deal)))
            .order_by(DealEvent.deal_id, DealEvent.id)
        ):
            deal, unit_code = by_deal[event.deal_id]
            first = event.deal_id not in seen
            seen.add(event.deal_id)
            if first and event.kind in CREATING_EVENTS:
                events.append(_deal_created(deal, unit_code, local(event.at, zone), names, event))
                continue
            events.append(
                {
                    "at": local(event.at, zone),
                    "kind": "deal.event",
                    "title": event.kind,
                    "details": unit_code,
                    "by": names.get(event.user_id, ""),
                }
            )
        for deal, unit_code in deals:
            if deal.id not in seen:  # no history (imported): only the deal as it is now
                events.append(_deal_created(deal, unit_code, local(deal.created_at, zone), names))
    from .quotes import customer_quotes

    quotes = customer_quotes(session, customer.id, zone)
    for quote in quotes:
        events.append(
            {
                "at": quote["at"],
                "kind": "quote",
                "title": quote["number"],
                "details": quote["unit"],
                "amount": quote["deal_total"],
                "by": quote["by"],
            }
        )
    for event in events:
        event.setdefault("all_day", False)
    events.sort(key=_timeline_order)
    survey = []
    answers = {
        a.field_id: a.value
        for a in session.scalars(
            select(SurveyAnswer).where(SurveyAnswer.customer_id == customer.id)
        )
    }
    for item in session.scalars(
        select(SurveyField)
        .where(SurveyField.project_id == customer.project_id)
        .order_by(SurveyField.sort, SurveyField.id)
    ):
        if item.id in answers:
            value = answers[item.id]
            if item.kind == SurveyKind.MULTI:
                with contextlib.suppress(ValueError, TypeError):
                    value = "、".join(json.loads(value))
            survey.append((item.label, value))
    return CustomerDetail(
        customer=customer,
        project=project.name,
        consultant=names.get(customer.consultant_id, ""),
        mobile=show_mobile(customer.mobile),
        id_number=show_id(customer.id_number),
        protected_until=protected_until(customer, project.protection_days),
        survey=survey,
        timeline=pd.DataFrame(events),
        deals=pd.DataFrame(
            deal_rows,
            columns=[
                "id",
                "unit",
                "stage",
                "state",
                "deal_total",
                "subscribed_on",
                "contracted_on",
                "consultant",
            ],
        ),
        quotes=quotes,
    )


# ---------------------------------------------------------------------------------------------
# Reminders (跟进提醒)

ACTIVE_STAGES = (CustomerStage.LEAD, CustomerStage.OPPORTUNITY)
REMINDER_COLUMNS = [
    "id",
    "name",
    "mobile",
    "stage",
    "level",
    "next_follow_up_on",
    "days_overdue",
    "last_contact_on",
    "follow_up_count",
    "birthday",
    "days_to_birthday",
    "age",
    "project",
    "consultant",
    "transferred_at",
    "transferred_from",
    "reason",
]


def _next_birthday(born: date, today: date) -> date:
    for year in (today.year, today.year + 1):
        try:
            day = born.replace(year=year)
        except ValueError:  # 29 February in a common year: celebrate on 28 February
            day = date(year, 2, 28)
        if day >= today:
            return day
    return today


def _reminder_query(viewer: User, project_id):
    query = (
        select(Customer, Project.name, User.display_name)
        .join(Project, Project.id == Customer.project_id)
        .join(User, User.id == Customer.consultant_id)
    )
    query = restrict_customers(query, viewer)
    if project_id:
        query = query.where(Customer.project_id == int(project_id))
    return query


def _reminder_row(c: Customer, project: str, consultant: str, viewer: User, today: date) -> dict:
    show_mobile, _ = personal(viewer)
    return {
        "id": c.id,
        "name": c.name,
        "mobile": show_mobile(c.mobile),
        "stage": c.stage.value,
        "level": c.level,
        "next_follow_up_on": c.next_follow_up_on,
        "days_overdue": (today - c.next_follow_up_on).days if c.next_follow_up_on else None,
        "last_contact_on": c.last_contact_on,
        "follow_up_count": c.follow_up_count,
        "birthday": c.birthday,
        "project": project,
        "consultant": consultant,
    }


def overdue_follow_ups(
    session: Session,
    viewer: User,
    today: date,
    project_id=None,
    mine_only: bool = False,
    limit: int = 2000,
) -> pd.DataFrame:
    """Active customers whose next follow-up is today or earlier, most overdue first."""
    authz.require(viewer, "crm.customers")
    query = _reminder_query(viewer, project_id).where(
        Customer.stage.in_(ACTIVE_STAGES), Customer.next_follow_up_on <= today
    )
    if mine_only:
        query = query.where(Customer.consultant_id == viewer.id)
    query = query.order_by(Customer.next_follow_up_on, Customer.id).limit(limit)
    rows = [_reminder_row(c, p, u, viewer, today) for c, p, u in session.execute(query)]
    return pd.DataFrame(rows, columns=REMINDER_COLUMNS)


def upcoming_birthdays(
    session: Session,
    viewer: User,
    today: date,
    project_id=None,
    days: int = 30,
    mine_only: bool = False,
    limit: int = 2000,
) -> pd.DataFrame:
    """Customers (also those with a deal: owners) whose birthday is within `days` days."""
    authz.require(viewer, "crm.customers")
    days = max(0, min(int(days), 366))
    month_days = set()
    for offset in range(days + 1):
        day = today + timedelta(days=offset)
        month_days.add((day.month, day.day))
        if (day.month, day.day) == (2, 28):
            month_days.add((2, 29))
    conditions = [
        and_(extract("month", Customer.birthday) == m, extract("day", Customer.birthday) == d)
        for m, d in sorted(month_days)
    ]
    query = _reminder_query(viewer, project_id).where(
        Customer.birthday.is_not(None), Customer.stage != CustomerStage.LOST
    )
    if mine_only:
        query = query.where(Customer.consultant_id == viewer.id)
    # Month and day can't use an index: cap the candidates by reading them in one pass.
    if len(conditions) < 200:
        query = query.where(or_(*conditions))
    rows = []
    for c, p, u in session.execute(query.limit(limit * 4)):
        nxt = _next_birthday(c.birthday, today)
        if (nxt - today).days > days:
            continue
        row = _reminder_row(c, p, u, viewer, today)
        row["days_to_birthday"] = (nxt - today).days
        row["age"] = nxt.year - c.birthday.year
        row["birthday"] = c.birthday.strftime("%m-%d")
        rows.append(row)
    rows.sort(key=lambda r: (r["days_to_birthday"], r["id"]))
    return pd.DataFrame(rows[:limit], columns=REMINDER_COLUMNS)


def transferred_to_me(
    session: Session,
    viewer: User,
    today: date,
    project_id=None,
    days: int = 30,
    zone: str = DEFAULT_ZONE,
) -> pd.DataFrame:
    """Customers handed over to the viewer (transfer, override or claim) in the last days
    (days and 接转时间 in `zone`)."""
    authz.require(viewer, "crm.customers")
    since = day_start_utc(today - timedelta(days=days), zone)
    previous = aliased(User)
    query = (
        _reminder_query(viewer, project_id)
        .join(CustomerAssignment, CustomerAssignment.customer_id == Customer.id)
        .outerjoin(previous, previous.id == CustomerAssignment.from_consultant_id)
        .add_columns(CustomerAssignment.at, previous.display_name, CustomerAssignment.reason)
        .where(
            CustomerAssignment.to_consultant_id == viewer.id,
            Customer.consultant_id == viewer.id,
            CustomerAssignment.kind.in_(
                (AssignmentKind.TRANSFER, AssignmentKind.OVERRIDE, AssignmentKind.CLAIM)
            ),
            CustomerAssignment.at >= since,
        )
        .order_by(CustomerAssignment.at.desc(), Customer.id)
    )
    rows = []
    seen = set()
    for c, p, u, at, from_name, reason in session.execute(query):
        if c.id in seen:
            continue
        seen.add(c.id)
        row = _reminder_row(c, p, u, viewer, today)
        row.update(transferred_at=local(at, zone), transferred_from=from_name or "", reason=reason)
        rows.append(row)
    return pd.DataFrame(rows, columns=REMINDER_COLUMNS)


def survey_definitions(session: Session, viewer: User, project_id) -> list[SurveyField]:
    """The active survey fields of a project, for the registration form."""
    if not project_id or not authz.scope(viewer).allows_project(int(project_id)):
        return []
    return list(
        session.scalars(
            select(SurveyField)
            .where(SurveyField.project_id == int(project_id), SurveyField.active.is_(True))
            .order_by(SurveyField.sort, SurveyField.id)
        )
    )


def survey_fields_frame(session: Session, viewer: User, project_id=None) -> pd.DataFrame:
    authz.require(viewer, "crm.survey")
    query = (
        select(SurveyField, Project.name)
        .join(Project, Project.id == SurveyField.project_id)
        .order_by(Project.code, SurveyField.sort, SurveyField.id)
    )
    query = authz.restrict(query, viewer, SurveyField.project_id)
    if project_id:
        query = query.where(SurveyField.project_id == int(project_id))
    rows = [
        {
            "id": f.id,
            "project": name,
            "label": f.label,
            "kind": f.kind.value,
            "options": "、".join(f.options or []),
            "required": f.required,
            "active": f.active,
        }
        for f, name in session.execute(query)
    ]
    return pd.DataFrame(
        rows, columns=["id", "project", "label", "kind", "options", "required", "active"]
    )
