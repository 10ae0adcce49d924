"""Demo data of the CRM's own tables: survey questions with answers, the attribution history
(who registered each customer, one consultant's customers handed over when they left) and the
funnel dates the demo customers may lack, and a few 置业计划书 (quotes)."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from random import Random

from sqlalchemy import func, or_, select, update

from . import audit, localtime
from .bulk import bulk_insert
from .db import Database
from .errors import DomainError
from .models import (
    AssignmentKind,
    Customer,
    CustomerAssignment,
    CustomerStage,
    LoanKind,
    PaymentPlan,
    Project,
    Quote,
    RoleCode,
    SurveyAnswer,
    SurveyField,
    SurveyKind,
    Unit,
    UnitStatus,
    User,
    project_member,
)

SURVEY = [
    ("家庭人口", SurveyKind.NUMBER, [], False),
    ("关注因素", SurveyKind.MULTI, ["学区", "交通", "价格", "户型", "物业", "景观"], False),
    ("现居住区域", SurveyKind.SINGLE, ["本区", "本市其他区", "外市", "外省"], False),
    ("购房次数", SurveyKind.SINGLE, ["首套", "二套", "三套及以上"], False),
]
# Answers and history rows are written for small demo sets only (the bench set has a million
# customers: its funnel does not need them).
MAX_CUSTOMERS_WITH_DETAILS = 50_000


def load(db: Database, rng: Random, today: date) -> dict:
    """Idempotent: a second call adds nothing. Returns what was created."""
    created = {"survey_fields": 0, "answers": 0, "assignments": 0, "transferred": 0}
    with db.writer() as session:
        # Funnel dates for customers loaded without them.
        session.execute(
            update(Customer)
            .where(
                Customer.opportunity_on.is_(None),
                or_(
                    Customer.stage.in_((CustomerStage.OPPORTUNITY, CustomerStage.DEAL)),
                    Customer.level != "",
                ),
            )
            .values(
                opportunity_on=func.coalesce(Customer.last_contact_on, Customer.first_contact_on)
            )
        )
        session.execute(
            update(Customer)
            .where(Customer.stage == CustomerStage.LOST, Customer.lost_on.is_(None))
            .values(lost_on=func.coalesce(Customer.last_contact_on, Customer.first_contact_on))
        )
        total = session.scalar(select(func.count()).select_from(Customer))
        if session.scalar(select(func.count()).select_from(SurveyField)) or not total:
            return created
        details = total <= MAX_CUSTOMERS_WITH_DETAILS
        projects = list(session.scalars(select(Project).order_by(Project.id)))
        for project in projects:
            fields = []
            for sort, (label, kind, options, required) in enumerate(SURVEY, start=1):
                item = SurveyField(
                    project_id=project.id,
                    label=label,
                    kind=kind,
                    options=options,
                    required=required,
                    sort=sort,
                    active=True,
                )
                session.add(item)
                fields.append(item)
            session.flush()
            created["survey_fields"] += len(fields)
            if not details:
                continue
            ids = list(
                session.scalars(
                    select(Customer.id)
                    .where(Customer.project_id == project.id)
                    .order_by(Customer.id)
                )
            )
            rows = []
            for customer_id in ids:
                if rng.random() < 0.35:
                    continue  # not everyone fills the survey in
                for item in fields:
                    if item.kind == SurveyKind.NUMBER:
                        value = str(rng.choice((1, 2, 3, 3, 4, 4, 5, 6)))
                    elif item.kind == SurveyKind.MULTI:
                        value = json.dumps(
                            rng.sample(item.options, rng.randint(1, 3)), ensure_ascii=False
                        )
                    else:
                        value = rng.choice(item.options)
                    rows.append({"customer_id": customer_id, "field_id": item.id, "value": value})
            created["answers"] += bulk_insert(session, SurveyAnswer, rows)
        if details:
            history = [
                {
                    "customer_id": cid,
                    "project_id": pid,
                    "from_consultant_id": None,
                    "to_consultant_id": owner,
                    "kind": AssignmentKind.REGISTER,
                    "reason": "",
                    "by_user_id": owner,
                    "at": at,
                }
                for cid, pid, owner, at in session.execute(
                    select(
                        Customer.id,
                        Customer.project_id,
                        Customer.consultant_id,
                        Customer.assigned_at,
                    ).order_by(Customer.id)
                )
            ]
            created["assignments"] = bulk_insert(session, CustomerAssignment, history)
            created["transferred"] = _transfer_example(session, rng, today)
        audit.record(session, None, "demo.crm", subject="demo:crm", after=created)
    created["quotes"] = _quotes(db, rng, today)
    return created


def _transfer_example(session, rng: Random, today: date) -> int:
    """A consultant who left handed a dozen active customers to the demo consultant last week,
    so that the reminders screen shows customers handed over."""
    heir = session.scalar(select(User).where(User.username == "consultant"))
    if heir is None or not heir.projects:
        return 0
    project_id = sorted(heir.project_ids)[0]
    members = select(project_member.c.user_id).where(project_member.c.project_id == project_id)
    leaver = session.scalar(
        select(User)
        .where(User.id.in_(members), User.id != heir.id, User.role_code == RoleCode.CONSULTANT)
        .order_by(User.id)
    )
    if leaver is None:
        return 0
    customers = list(
        session.scalars(
            select(Customer)
            .where(
                Customer.project_id == project_id,
                Customer.consultant_id == leaver.id,
                Customer.stage.in_((CustomerStage.LEAD, CustomerStage.OPPORTUNITY)),
            )
            .order_by(Customer.id.desc())
            .limit(12)
        )
    )
    # At 10:00 in the office, stored as UTC like every DateTime column.
    at = localtime.to_utc(datetime.combine(today - timedelta(days=rng.randint(2, 6)), time(10)))
    for customer in customers:
        customer.consultant_id = heir.id
        customer.assigned_at = at
        if customer.next_follow_up_on is None or customer.next_follow_up_on > today:
            customer.next_follow_up_on = today
        session.add(
            CustomerAssignment(
                customer_id=customer.id,
                project_id=project_id,
                from_consultant_id=leaver.id,
                to_consultant_id=heir.id,
                kind=AssignmentKind.TRANSFER,
                reason="原顾问离职",
                by_user_id=None,
                at=at,
            )
        )
    return len(customers)


def _quotes(db: Database, rng: Random, today: date) -> int:
    """A few 置业计划书 of the demo consultant's active customers on units for sale, one per
    payment plan, made through the quote command (none when any quote exists)."""
    from .commands import quotes as quote_commands

    made = 0
    with db.writer() as session:
        if session.scalar(select(Quote.id).limit(1)) is not None:
            return 0
        consultant = session.scalar(select(User).where(User.username == "consultant"))
        if consultant is None or not consultant.projects:
            return 0
        project_id = sorted(consultant.project_ids)[0]
        customers = session.execute(
            select(Customer.id, Customer.first_contact_on)
            .where(
                Customer.project_id == project_id,
                Customer.consultant_id == consultant.id,
                Customer.stage.in_((CustomerStage.LEAD, CustomerStage.OPPORTUNITY)),
            )
            .order_by(Customer.id.desc())
            .limit(4)
        ).all()
        units = session.scalars(
            select(Unit.id)
            .where(Unit.project_id == project_id, Unit.status == UnitStatus.AVAILABLE)
            .order_by(Unit.id)
            .limit(40)
        ).all()
        plans = session.scalars(
            select(PaymentPlan)
            .where(PaymentPlan.project_id == project_id, PaymentPlan.active.is_(True))
            .order_by(PaymentPlan.id)
        ).all()
        if not (customers and units and plans):
            return 0
        for index, (customer_id, first_contact_on) in enumerate(customers):
            plan = plans[index % len(plans)]
            kind, down = quote_commands.plan_defaults(plan)
            terms = quote_commands.QuoteTerms(
                unit_id=rng.choice(units),
                plan_id=plan.id,
                customer_id=customer_id,
                extra_discount=Decimal(rng.choice((0, 5000, 10000))),
                deposit=Decimal(50000),
                down_payment_percent=down,
                loan_kind=kind,
                loan_years=rng.choice((20, 25, 30)) if kind is not LoanKind.NONE else 0,
                provident_loan=Decimal(600000) if kind is LoanKind.COMBINED else None,
            )
            # On or after the customer's first visit, within the last ten days.
            earliest = max(first_contact_on, today - timedelta(days=10))
            day = earliest + timedelta(days=rng.randint(0, max(0, (today - earliest).days)))
            try:
                with session.begin_nested():
                    quote = quote_commands.create_quote(
                        session, actor=consultant, terms=terms, today=day
                    )
            except DomainError:
                continue  # a unit priced out of the example loan: skip it
            afternoon = time(rng.randint(15, 18), rng.randint(0, 59))  # in the office
            quote.created_at = localtime.to_utc(datetime.combine(day, afternoon))
            made += 1
    return made
