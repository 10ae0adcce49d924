"""待办提醒: the desktop's to-do counts, per role (what the viewer's permissions allow).

Every item is one aggregate statement over the viewer's projects (`project_id` None: every
visible project), and for a consultant over their own customers, deals and quotes. An item the
viewer may not act on is left out; an item with nothing to do is kept with a zero count.

What the data cannot tell is not counted: there is no signing deadline in the domain (a
subscription waiting more than `SIGN_AFTER_DAYS` days counts as 待签约), and locked accounts are
the user names with too many failed logins within the login policy's window (as the login itself
counts them, from the audit log)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, case, exists, extract, func, literal, or_, select, type_coerce
from sqlalchemy.orm import Session, aliased

from .. import authz, localtime
from ..commands.finance import owed_back
from ..models import (
    AdjustmentStatus,
    AftersalesCase,
    ApprovalStatus,
    AuditEntry,
    CaseKind,
    CaseStatus,
    Customer,
    CustomerStage,
    Deal,
    DealApproval,
    DealStage,
    DealState,
    Money,
    PriceAdjustment,
    Project,
    Quote,
    Receipt,
    ReceiptAllocation,
    ReceiptStatus,
    Receivable,
    ReceivableKind,
    User,
    utcnow,
)
from ..rules import aftersales as aftersales_rules
from .aftersales import in_work_list
from .aftersales_owners import birthday_codes
from .base import read_all
from .crm import restrict_customers

ENDING_DAYS = 2  # reservations, holds and quotes ending within this many days
SIGN_AFTER_DAYS = 7  # 提醒签约: a subscription not yet contracted after this many days
NEW_DEAL_DAYS = 7  # 财务待办: deals subscribed or contracted within this many days
BIRTHDAY_DAYS = 7
ACTIVE_STAGES = (CustomerStage.LEAD, CustomerStage.OPPORTUNITY)
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class TodoItem:
    key: str  # stable name (tests, element ids)
    label: str  # Chinese; translated by the screen
    count: int
    href: str  # the screen where the work is done
    amount: Decimal | None = None  # money involved, when the item has any


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int = 5
    window_minutes: int = 15


def _project(viewer: User, project_id) -> int | None:
    if project_id is None:
        return None
    project_id = int(project_id)
    return project_id if authz.scope(viewer).allows_project(project_id) else None


def _scoped(
    query, viewer: User, column, project_id: int | None, consultant_column=None, *, few=False
):
    """Limit `query` to the project (`project_id`) or the viewer's projects, and a consultant
    to their own rows. `few`: the rows wanted are few among many (drafts waiting for audit,
    pending approvals) and an index leads with the project: for a viewer who sees every project
    the projects are then named by a subquery, so that MariaDB walks that index project by
    project instead of the whole table (receipts to audit: 1.5 s → 3 ms on the bench data).
    For wide ranges (overdue receivables) walking by project costs SQLite more than a scan."""
    if project_id:
        query = query.where(column == project_id)
    elif few and authz.sees_every_project(viewer):
        query = query.where(column.in_(select(Project.id)))
    return authz.restrict(query, viewer, column, consultant_column)


def _deals(query, viewer: User, project_id: int | None, column=Deal.project_id):
    return _scoped(query, viewer, column, project_id, Deal.consultant_id)


def _count(session: Session, query) -> int:
    return int(session.scalar(query) or 0)


# ---------------------------------------------------------------------------------------------
# Sales (consultant, manager)


def follow_ups_due(session: Session, viewer: User, project_id: int | None, today: date) -> int:
    """Active customers whose next follow-up is today or overdue (a manager: their team's)."""
    query = (
        select(func.count())
        .select_from(Customer)
        .where(Customer.stage.in_(ACTIVE_STAGES), Customer.next_follow_up_on <= today)
    )
    query = restrict_customers(query, viewer)
    if project_id:
        query = query.where(Customer.project_id == project_id)
    return _count(session, query)


def holds_ending(session: Session, viewer: User, project_id: int | None, today: date) -> int:
    """Live reservations and holds whose date ends between today and ENDING_DAYS from now."""
    last = today + timedelta(days=ENDING_DAYS)
    query = (
        select(func.count())
        .select_from(Deal)
        .where(
            Deal.state == DealState.LIVE,
            or_(
                and_(Deal.stage == DealStage.RESERVED, Deal.reserved_until.between(today, last)),
                and_(Deal.stage == DealStage.HELD, Deal.held_until.between(today, last)),
            ),
        )
    )
    return _count(session, _deals(query, viewer, project_id))


def to_sign(session: Session, viewer: User, project_id: int | None, today: date) -> int:
    """提醒签约: live subscriptions not contracted SIGN_AFTER_DAYS days after subscribing."""
    query = (
        select(func.count())
        .select_from(Deal)
        .where(
            Deal.state == DealState.LIVE,
            Deal.stage == DealStage.SUBSCRIBED,
            Deal.subscribed_on <= today - timedelta(days=SIGN_AFTER_DAYS),
        )
    )
    return _count(session, _deals(query, viewer, project_id))


def quotes_expiring(session: Session, viewer: User, project_id: int | None, today: date) -> int:
    """Quotes valid until today … ENDING_DAYS from now whose customer holds no live deal on
    the quoted unit yet (a quote that became a deal needs nothing more)."""
    dealt = exists().where(
        Deal.live_unit_id == Quote.unit_id, Deal.customer_id == Quote.customer_id
    )
    query = (
        select(func.count())
        .select_from(Quote)
        .where(Quote.valid_until.between(today, today + timedelta(days=ENDING_DAYS)), ~dealt)
    )
    query = _scoped(query, viewer, Quote.project_id, project_id, Quote.consultant_id)
    return _count(session, query)


def deal_approvals(session: Session, viewer: User, project_id: int | None) -> int:
    """交易变更 (swap, cancel, forfeit, rename, extra discount) waiting for a decision."""
    query = (
        select(func.count())
        .select_from(DealApproval)
        .where(DealApproval.status == ApprovalStatus.PENDING)
    )
    query = _scoped(query, viewer, DealApproval.project_id, project_id, few=True)
    return _count(session, query)


def price_approvals(session: Session, viewer: User, project_id: int | None) -> int:
    """调价单 waiting for approval."""
    query = (
        select(func.count())
        .select_from(PriceAdjustment)
        .where(PriceAdjustment.status == AdjustmentStatus.PENDING)
    )
    query = _scoped(query, viewer, PriceAdjustment.project_id, project_id, few=True)
    return _count(session, query)


# ---------------------------------------------------------------------------------------------
# Finance (财务待办, 催款)


def new_deals_unpaid(session: Session, viewer: User, project_id: int | None, today: date) -> int:
    """最新成交: live deals subscribed or contracted within NEW_DEAL_DAYS days with no receipt
    yet (a voided one does not count)."""
    since = today - timedelta(days=NEW_DEAL_DAYS)
    # The first receipt, not EXISTS: MariaDB turned NOT EXISTS into an anti-join that
    # materialised every receipt (4.3 s → 0.5 s on the bench data).
    receipt = (
        select(Receipt.id)
        .where(Receipt.deal_id == Deal.id, Receipt.status != ReceiptStatus.VOIDED)
        .limit(1)
        .correlate(Deal)
        .scalar_subquery()
    )
    query = (
        select(func.count())
        .select_from(Deal)
        .where(
            Deal.state == DealState.LIVE,
            Deal.stage.in_((DealStage.SUBSCRIBED, DealStage.CONTRACTED)),
            or_(Deal.subscribed_on >= since, Deal.contracted_on >= since),
            receipt.is_(None),
        )
    )
    return _count(session, _deals(query, viewer, project_id))


def changes_approved(session: Session, viewer: User, project_id: int | None, today: date) -> int:
    """财务待办: transaction changes (rename, swap, cancel, forfeit, extra discount) approved
    within NEW_DEAL_DAYS days, whose money finance may have to move."""
    since = localtime.day_start_utc(today - timedelta(days=NEW_DEAL_DAYS))
    query = (
        select(func.count())
        .select_from(DealApproval)
        .where(DealApproval.status == ApprovalStatus.APPROVED, DealApproval.decided_at >= since)
    )
    query = _scoped(query, viewer, DealApproval.project_id, project_id, few=True)
    return _count(session, query)


def vouchers_to_audit(session: Session, viewer: User, project_id: int | None) -> tuple[int, int]:
    """(receipts, refund vouchers) waiting for audit (drafts)."""
    refund = Receipt.kind == ReceivableKind.REFUND
    query = select(
        func.coalesce(func.sum(case((refund, 0), else_=1)), 0),
        func.coalesce(func.sum(case((refund, 1), else_=0)), 0),
    ).where(Receipt.status == ReceiptStatus.DRAFT)
    query = _scoped(query, viewer, Receipt.project_id, project_id, few=True)
    receipts, refunds = session.execute(query).one()
    return int(receipts or 0), int(refunds or 0)


def refunds_owed(session: Session, viewer: User, project_id: int | None) -> tuple[int, Decimal]:
    """Deals owing their buyer money (closed deals' refunds, live deals' negative 面积补差:
    commands.finance.owed_back) not yet paid out nor held by a draft refund voucher, as
    退款登记 lists them: deals and amount."""
    # What draft vouchers hold per receivable, from the drafts of the viewer's projects (few,
    # found by the (project_id, status) index); a correlated sum per line cost MariaDB 4 s.
    drafts = (
        select(
            ReceiptAllocation.receivable_id.label("receivable_id"),
            func.sum(ReceiptAllocation.amount).label("held"),
        )
        .join(Receipt, Receipt.id == ReceiptAllocation.receipt_id)
        .where(Receipt.status == ReceiptStatus.DRAFT)
    )
    drafts = _scoped(drafts, viewer, Receipt.project_id, project_id, few=True)
    drafts = drafts.group_by(ReceiptAllocation.receivable_id).subquery("drafts")
    # Refund amounts, payments and draft lines are negative: what is still owed back is
    # −(amount − paid − held) (stored values throughout, converted once).
    owed = Receivable.paid - Receivable.amount + func.coalesce(drafts.c.held, 0)
    query = (
        select(func.count(func.distinct(Receivable.deal_id)), type_coerce(func.sum(owed), Money()))
        .join(Deal, Deal.id == Receivable.deal_id)
        .outerjoin(drafts, drafts.c.receivable_id == Receivable.id)
        .where(owed_back(), Receivable.cancelled.is_(False), owed > 0)
    )
    query = _scoped(query, viewer, Receivable.project_id, project_id)
    deals, amount = session.execute(query).one()
    return int(deals or 0), amount or ZERO


def overdue_receivables(
    session: Session, viewer: User, project_id: int | None, today: date
) -> tuple[int, Decimal]:
    """催款: receivables of live deals past due with money still open (as 催款管理 lists them):
    how many, and the open amount."""
    query = (
        select(
            func.count(),
            type_coerce(func.sum(Receivable.amount - Receivable.paid), Money()),
        )
        .join(Deal, Deal.id == Receivable.deal_id)
        .where(
            Receivable.due_on < today,
            Receivable.cancelled.is_(False),
            Receivable.kind != ReceivableKind.REFUND,
            Receivable.paid < Receivable.amount,
            Deal.state == DealState.LIVE,
        )
    )
    query = _deals(query, viewer, project_id, Receivable.project_id)
    n, amount = session.execute(query).one()
    return int(n or 0), amount or ZERO


# ---------------------------------------------------------------------------------------------
# After-sales


def _live_contracts(viewer: User, project_id: int | None, kind: CaseKind):
    """The deals of the kind's work list (see queries.aftersales_cases.work_list), with the
    deal's case of that kind (outer) as `case_`."""
    case_ = aliased(AftersalesCase)
    query = (
        select(func.count())
        .select_from(Deal)
        .outerjoin(case_, and_(case_.deal_id == Deal.id, case_.kind == kind))
    )
    query = in_work_list(query, kind, case_)
    return _scoped(query, viewer, Deal.project_id, project_id), case_


def case_counts(
    session: Session, viewer: User, project_id: int | None, kind: CaseKind
) -> dict[CaseStatus, int]:
    """按揭办理 / 产权办理: deals per status of the kind's work list (no case yet: 待办)."""
    kind = CaseKind(kind)
    query, case_ = _live_contracts(viewer, project_id, kind)
    columns = []
    for status in aftersales_rules.ORDER[kind]:
        hit = case_.status == status
        if status == CaseStatus.PENDING:
            hit = or_(case_.id.is_(None), hit)
        columns.append(func.coalesce(func.sum(case((hit, 1), else_=0)), literal(0)))
    row = session.execute(query.with_only_columns(*columns)).one()
    return {s: int(n or 0) for s, n in zip(aftersales_rules.ORDER[kind], row, strict=True)}


def owner_birthdays(session: Session, viewer: User, project_id: int | None, today: date) -> int:
    """业主 (live contracted deals) whose birthday falls within BIRTHDAY_DAYS days."""
    code = extract("month", Customer.birthday) * 100 + extract("day", Customer.birthday)
    query = (
        select(func.count())
        .select_from(Deal)
        .join(Customer, Customer.id == Deal.customer_id)
        .where(
            Deal.stage == DealStage.CONTRACTED,
            Deal.state == DealState.LIVE,
            Customer.birthday.is_not(None),
            code.in_(birthday_codes(today, BIRTHDAY_DAYS)),
        )
    )
    return _count(session, _deals(query, viewer, project_id))


# ---------------------------------------------------------------------------------------------
# Administration


def locked_accounts(session: Session, policy: LoginPolicy, now: datetime | None = None) -> int:
    """User names refused at login right now: at least `max_failures` failed logins within the
    window (the login counts them the same way, per `user:<name>` subject)."""
    since = (now or utcnow()) - timedelta(minutes=policy.window_minutes)
    blocked = (
        select(AuditEntry.subject)
        .where(
            AuditEntry.action == "auth.login_failed",
            AuditEntry.at >= since,
            AuditEntry.subject.like("user:%"),
        )
        .group_by(AuditEntry.subject)
        .having(func.count() >= policy.max_failures)
        .subquery("blocked")
    )
    return _count(session, select(func.count()).select_from(blocked))


# ---------------------------------------------------------------------------------------------
# The panel


# The reads that scan most rows on the bench data: with `parallel`, they run at once on
# pooled connections of their own (queries.base.read_all).
HEAVY = ("follow_ups", "vouchers", "overdue", "mortgage", "certificates", "birthdays")


def items(
    session: Session,
    viewer: User,
    project_id,
    today: date,
    *,
    policy: LoginPolicy | None = None,
    now: datetime | None = None,
    parallel: bool = False,
) -> list[TodoItem]:
    """The viewer's to-do items in display order: only what their permissions allow.
    `parallel`: run the heavy reads at once (only for a reader of committed data, a callback)."""
    authz.require(viewer, "desktop.view")
    project_id = _project(viewer, project_id)
    authz.scope(viewer)  # the viewer's projects, read here before any other thread needs them
    has = lambda permission: authz.has(viewer, permission)  # noqa: E731
    at = (viewer, project_id)
    jobs: dict[str, Callable[[Session], list[TodoItem]]] = {}

    def item(key, label, href, count):
        return TodoItem(key, label, count, href)

    if has("crm.customers"):
        jobs["follow_ups"] = lambda s: [
            item("follow_ups", "待跟进客户", "/crm/reminders", follow_ups_due(s, *at, today))
        ]
    if has("deal.create"):
        jobs["holds"] = lambda s: [
            item("holds_ending", "预留/临定即将到期", "/deals/list", holds_ending(s, *at, today)),
            item("to_sign", "认购待签约", "/deals/contracts", to_sign(s, *at, today)),
        ]
    if has("quote.create"):
        jobs["quotes"] = lambda s: [
            item(
                "quotes_expiring", "计划书即将到期", "/plan/quotes", quotes_expiring(s, *at, today)
            )
        ]
    if has("deal.approve"):
        jobs["deal_approvals"] = lambda s: [
            item("deal_approvals", "交易变更待审批", "/deals/changes", deal_approvals(s, *at))
        ]
    if has("pricing.approve"):
        jobs["price_approvals"] = lambda s: [
            item(
                "price_approvals",
                "调价待审批",
                "/analytics/price-approvals",
                price_approvals(s, *at),
            )
        ]
    if has("finance.edit"):
        jobs["new_deals"] = lambda s: [
            item(
                "new_deals_unpaid",
                "新成交未收款",
                "/finance/receipts",
                new_deals_unpaid(s, *at, today),
            ),
            item(
                "changes_approved",
                "已批交易变更",
                "/deals/changes",
                changes_approved(s, *at, today),
            ),
        ]
    if has("finance.audit"):

        def vouchers(s):
            receipts, refunds = vouchers_to_audit(s, *at)
            return [
                item("receipts_to_audit", "收据待审核", "/finance/audit", receipts),
                item("refunds_to_audit", "退款单待审核", "/finance/audit", refunds),
            ]

        jobs["vouchers"] = vouchers
    if has("finance.edit"):

        def refunds(s):
            n, amount = refunds_owed(s, *at)
            return [TodoItem("refunds_owed", "待退款", n, "/finance/refunds", amount)]

        def overdue(s):
            n, amount = overdue_receivables(s, *at, today)
            return [TodoItem("overdue", "逾期应收（催款）", n, "/finance/dunning", amount)]

        jobs["refunds"] = refunds
        jobs["overdue"] = overdue
    if has("aftersales.edit"):

        def mortgage(s):
            counts = case_counts(s, *at, CaseKind.MORTGAGE)
            href = "/aftersales/mortgage"
            return [
                item("mortgage_pending", "按揭待办", href, counts[CaseStatus.PENDING]),
                item("mortgage_submitted", "按揭送办", href, counts[CaseStatus.SUBMITTED]),
            ]

        def certificates(s):
            counts = case_counts(s, *at, CaseKind.CERTIFICATE)
            href = "/aftersales/certificates"
            return [item("certificate_pending", "产权待办", href, counts[CaseStatus.PENDING])]

        jobs["mortgage"] = mortgage
        jobs["certificates"] = certificates
        jobs["birthdays"] = lambda s: [
            item(
                "owner_birthdays",
                "业主近期生日",
                "/aftersales/owners",
                owner_birthdays(s, *at, today),
            )
        ]
    if has("admin.users") and has("audit.view"):
        jobs["locked"] = lambda s: [
            item(
                "locked_accounts",
                "登录锁定账号",
                "/admin/audit",
                locked_accounts(s, policy or LoginPolicy(), now),
            )
        ]
    found = read_all(session, jobs, parallel=parallel, heavy=HEAVY)
    return [one for name in jobs for one in found[name]]
