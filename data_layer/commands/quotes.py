"""置业计划书 (quotes): price a unit for a customer under a payment plan, with the loan, the
monthly payments, taxes and fees and the cash needed; save it numbered, or only try it out (试算).

Nothing here re-derives a rule: the price comes from the deal pricing (deals.quote_unit), the
monthly payments from rules.mortgage, taxes and fees from deals.fee_lines (deed tax and the fee
rules in force), the deposit cap from rules.fees. A quote is not a deal: it holds no unit and
asks for no approval; an extra discount beyond the consultant's limit only marks the quote."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import audit, authz, localtime
from ..errors import DomainError, NotFound, ValidationError
from ..models import (
    Company,
    Deal,
    DealStage,
    LoanKind,
    PaymentPlan,
    PlanKind,
    Project,
    Quote,
    ReceivableKind,
    Setting,
    Unit,
    UnitStatus,
    User,
)
from ..queries.crm import visible_customer
from ..rules import fees as fee_rules
from ..rules import mortgage
from ..rules.money import DecimalLike, format_amount, money, to_decimal
from .deals import (
    PriceQuote,
    _discount_reason,
    _holder_refusal,
    _plan,
    fee_lines,
    is_stale,
    live_deal,
    quote_unit,
    use_token,
)
from .quote_trials import record_trial

NUMBER_PREFIX = "ZY"  # 置业
VALID_DAYS_KEY = "quote.valid_days"
DEFAULT_VALID_DAYS = 7
LOAN_PLANS = frozenset({PlanKind.COMMERCIAL, PlanKind.PROVIDENT, PlanKind.COMBINED})
MAX_YEARS = 30
MAX_RATE = Decimal("0.2")  # 20% a year: anything above is a typing error
HUNDRED = Decimal(100)
ZERO = Decimal("0.00")
LOAN_LABELS = {
    LoanKind.NONE: ("不贷款", "no loan"),
    LoanKind.COMMERCIAL: ("商业贷款", "commercial loan"),
    LoanKind.PROVIDENT: ("公积金贷款", "provident-fund loan"),
    LoanKind.COMBINED: ("组合贷款", "combined loan"),
}


class QuoteRefused(DomainError):
    """A quote that cannot be made (unit not on sale, customer of another project…)."""


# ---------------------------------------------------------------------------------------------
# The form's terms


@dataclass(frozen=True)
class QuoteTerms:
    """What the consultant chooses; rates and the down payment are percentages (3.5 = 3.5%)."""

    unit_id: int
    plan_id: int
    customer_id: int | None = None
    extra_discount: Decimal = Decimal("0")
    deposit: Decimal = Decimal("0")
    down_payment_percent: Decimal = Decimal("30")
    loan_kind: LoanKind = LoanKind.COMMERCIAL
    loan_years: int = 30
    commercial_rate_percent: Decimal = Decimal("3.5")
    provident_rate_percent: Decimal = Decimal("2.6")
    provident_loan: Decimal | None = None  # the provident-fund part of a combined loan
    home_count: int = 1  # the household's homes including this one (deed tax)
    notes: str = ""


def _bad(field: str, zh: str, en: str) -> ValidationError:
    return ValidationError(zh, en, errors={field: zh})


def _number(value, field: str, label: tuple[str, str], default=None, places: int = 2) -> Decimal:
    text = "" if value is None else (repr(value) if isinstance(value, float) else str(value))
    if not text.strip():
        if default is None:
            raise _bad(field, f"请填写{label[0]}。", f"Enter the {label[1]}.")
        return Decimal(default)
    try:
        number = to_decimal(text)
    except (TypeError, ValueError, InvalidOperation):
        raise _bad(
            field, f"{label[0]}不是有效的数字。", f"The {label[1]} is not a number."
        ) from None
    if number < 0:
        raise _bad(field, f"{label[0]}不能为负数。", f"The {label[1]} cannot be negative.")
    if number != number.quantize(Decimal(1).scaleb(-places)):
        raise _bad(
            field,
            f"{label[0]}最多 {places} 位小数。",
            f"The {label[1]} has at most {places} decimals.",
        )
    return number


def _integer(value, field: str, label: tuple[str, str], default: int) -> int:
    if value in (None, ""):
        return default
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        number = Decimal("0.5")
    if number != number.to_integral_value():
        raise _bad(field, f"{label[0]}必须是整数。", f"The {label[1]} must be a whole number.")
    return int(number)


def read_terms(
    *,
    unit_id,
    plan_id,
    customer_id=None,
    extra_discount=None,
    deposit=None,
    down_payment_percent=None,
    loan_kind=None,
    loan_years=None,
    commercial_rate_percent=None,
    provident_rate_percent=None,
    provident_loan=None,
    home_count=None,
    notes=None,
) -> QuoteTerms:
    """Read the form's raw values into terms; every bad value is a Chinese ValidationError."""
    if not unit_id:
        raise _bad("unit", "请选择房间。", "Choose a unit.")
    if not plan_id:
        raise _bad("plan", "请选择付款方案。", "Choose a payment plan.")
    try:
        kind = LoanKind(loan_kind or LoanKind.NONE)
    except ValueError:
        raise _bad("loan_kind", "贷款类型无效。", "Unknown loan type.") from None
    return QuoteTerms(
        unit_id=_integer(unit_id, "unit", ("房间", "unit"), 0),
        plan_id=_integer(plan_id, "plan", ("付款方案", "payment plan"), 0),
        customer_id=_integer(customer_id, "customer", ("客户", "customer"), 0) or None,
        extra_discount=_number(extra_discount, "extra", ("额外优惠", "extra discount"), "0"),
        deposit=_number(deposit, "deposit", ("定金", "deposit"), "0"),
        down_payment_percent=_number(
            down_payment_percent, "down", ("首付比例", "down payment percent"), "30"
        ),
        loan_kind=kind,
        loan_years=_integer(loan_years, "years", ("贷款年限", "loan term"), 30),
        commercial_rate_percent=_number(
            commercial_rate_percent, "commercial_rate", ("商业贷款利率", "commercial rate"), "0"
        ),
        provident_rate_percent=_number(
            provident_rate_percent, "provident_rate", ("公积金贷款利率", "provident rate"), "0"
        ),
        provident_loan=(
            None
            if provident_loan in (None, "")
            else _number(provident_loan, "provident", ("公积金贷款金额", "provident loan"))
        ),
        home_count=_integer(home_count, "homes", ("家庭住房套数", "homes"), 1),
        notes=(notes or "").strip()[:1000],
    )


# ---------------------------------------------------------------------------------------------
# Pure figures


@dataclass(frozen=True)
class QuoteFigures:
    """Everything a quote shows after the price: payment, loans, monthly payments, fees."""

    deposit: Decimal
    down_payment_ratio: Decimal
    down_payment: Decimal
    loan_kind: LoanKind
    loan_years: int
    commercial_loan: Decimal
    commercial_rate: Decimal
    provident_loan: Decimal
    provident_rate: Decimal
    installment: mortgage.CombinedQuote | None  # 等额本息
    principal: mortgage.CombinedQuote | None  # 等额本金
    fees: tuple[tuple[str, str, Decimal], ...]
    fees_total: Decimal
    cash_needed: Decimal

    @property
    def loan_total(self) -> Decimal:
        return self.commercial_loan + self.provident_loan


def _rate(value: DecimalLike, field: str, label: tuple[str, str]) -> Decimal:
    rate = to_decimal(value)
    if not 0 < rate <= MAX_RATE:
        raise _bad(
            field,
            f"{label[0]}须大于 0 且不超过 20%。",
            f"The {label[1]} must be above 0 and at most 20%.",
        )
    return rate


def figures(
    price: PriceQuote,
    *,
    plan_kind: PlanKind,
    deposit: DecimalLike,
    down_payment_ratio: DecimalLike,
    loan_kind: LoanKind,
    loan_years: int,
    commercial_rate: DecimalLike,
    provident_rate: DecimalLike,
    provident_loan: DecimalLike | None,
    fees: list[tuple[str, str, Decimal]],
) -> QuoteFigures:
    """Down payment = deal price × ratio (half-up to the cent), the loan is the rest; a plan
    without a loan (一次性, 分期) pays the whole price itself. Rates are fractions (0.049)."""
    total = price.deal_total
    loan_kind = LoanKind(loan_kind)
    if plan_kind in LOAN_PLANS:
        if loan_kind is LoanKind.NONE:
            raise _bad("loan_kind", "按揭付款方案请选择贷款类型。", "Choose the loan type.")
        ratio = to_decimal(down_payment_ratio)
        if not Decimal(0) < ratio < Decimal(1):
            raise _bad(
                "down",
                "首付比例须大于 0 且小于 100%。",
                "The down payment must be between 0 and 100%.",
            )
        down = money(total * ratio)
        years = loan_years
        if isinstance(years, bool) or not isinstance(years, int) or not 1 <= years <= MAX_YEARS:
            raise _bad(
                "years",
                f"贷款年限须在 1 到 {MAX_YEARS} 年之间。",
                f"The loan term is 1 to {MAX_YEARS} years.",
            )
    else:
        if loan_kind is not LoanKind.NONE:
            raise _bad(
                "loan_kind",
                "该付款方案不含贷款，请选择“不贷款”或按揭付款方案。",
                "This payment plan has no loan: choose no loan, or a mortgage plan.",
            )
        ratio, down, years = Decimal(1), total, 0
    loan = total - down
    uses_commercial = loan_kind in (LoanKind.COMMERCIAL, LoanKind.COMBINED)
    uses_provident = loan_kind in (LoanKind.PROVIDENT, LoanKind.COMBINED)
    c_rate = (
        _rate(commercial_rate, "commercial_rate", ("商业贷款利率", "commercial rate"))
        if uses_commercial
        else Decimal(0)
    )
    p_rate = (
        _rate(provident_rate, "provident_rate", ("公积金贷款利率", "provident rate"))
        if uses_provident
        else Decimal(0)
    )
    if loan_kind is LoanKind.COMBINED:
        if provident_loan in (None, ""):
            raise _bad(
                "provident",
                "组合贷款请填写公积金贷款金额。",
                "Enter the provident-fund part of the combined loan.",
            )
        p_loan = money(provident_loan)
        if not Decimal(0) < p_loan < loan:
            raise _bad(
                "provident",
                f"公积金贷款金额须大于 0 且小于贷款总额 ¥{format_amount(loan)}。",
                f"The provident part must be above 0 and below the loan {format_amount(loan)}.",
            )
        c_loan = loan - p_loan
    elif loan_kind is LoanKind.PROVIDENT:
        c_loan, p_loan = ZERO, loan
    else:
        c_loan, p_loan = loan, ZERO
    amount = money(deposit)
    limit = fee_rules.deposit_limit(total)
    if amount < 0 or amount > limit:
        raise _bad(
            "deposit",
            f"定金不得超过房价的20%（上限 ¥{format_amount(limit)}）。",
            f"The deposit is at most 20% of the price ({format_amount(limit)}).",
        )
    if amount > down:
        raise _bad(
            "deposit",
            f"定金 ¥{format_amount(amount)} 不能超过首付款 ¥{format_amount(down)}。",
            "The deposit cannot exceed the down payment.",
        )
    installment = principal = None
    if loan > 0:
        months = years * 12
        installment, principal = (
            mortgage.combined(
                commercial_principal=c_loan,
                commercial_rate=c_rate,
                provident_principal=p_loan,
                provident_rate=p_rate,
                months=months,
                method=method,
            )
            for method in mortgage.RepaymentMethod
        )
    fees_total = sum((line[2] for line in fees), ZERO)
    return QuoteFigures(
        deposit=amount,
        down_payment_ratio=ratio,
        down_payment=down,
        loan_kind=loan_kind,
        loan_years=years,
        commercial_loan=c_loan,
        commercial_rate=c_rate,
        provident_loan=p_loan,
        provident_rate=p_rate,
        installment=installment,
        principal=principal,
        fees=tuple(fees),
        fees_total=fees_total,
        cash_needed=down + fees_total,
    )


# ---------------------------------------------------------------------------------------------
# Trying out and saving


def valid_days(session: Session) -> int:
    """How many days a quote holds (setting quote.valid_days, 7 by default)."""
    value = session.get(Setting, VALID_DAYS_KEY)
    try:
        return max(1, int(value.value)) if value else DEFAULT_VALID_DAYS
    except ValueError:
        return DEFAULT_VALID_DAYS


def _check_unit(session: Session, unit: Unit, customer_id: int | None, today: date) -> None:
    """A unit on sale, or reserved/held for this very customer; never one sold or unreleased.
    Read only: a stale reservation counts as released, the deal commands expire it later."""
    if unit.status in (UnitStatus.UNRELEASED, UnitStatus.NOT_FOR_SALE):
        raise QuoteRefused(
            f"{unit.code} 未放盘或不可售，不能出置业计划书。",
            f"{unit.code} is not released for sale; it cannot be quoted.",
        )
    holder = live_deal(session, unit.id)
    if holder is not None and not is_stale(holder, today):
        if holder.customer_id == customer_id and holder.stage in (
            DealStage.RESERVED,
            DealStage.HELD,
        ):
            return
        raise _holder_refusal(session, unit, holder)
    if holder is None and unit.status != UnitStatus.AVAILABLE:
        raise QuoteRefused(
            f"{unit.code} 已售出，不能出置业计划书。",
            f"{unit.code} is already sold; it cannot be quoted.",
        )


def _plan_down_percent(plan: PaymentPlan) -> Decimal:
    """The plan's own down-payment share (deposit included), else 30%."""
    share = sum(
        (
            item.ratio
            for item in plan.items
            if item.kind in (ReceivableKind.DEPOSIT, ReceivableKind.DOWN_PAYMENT)
        ),
        Decimal(0),
    )
    return share * HUNDRED if Decimal(0) < share < Decimal(1) else Decimal(30)


def plan_defaults(plan: PaymentPlan) -> tuple[LoanKind, Decimal]:
    """The loan type and down-payment percent a plan suggests on the form."""
    if plan.kind not in LOAN_PLANS:
        return LoanKind.NONE, HUNDRED
    return LoanKind(plan.kind.value), _plan_down_percent(plan)


def build(session: Session, *, actor: User, terms: QuoteTerms, today: date | None = None) -> Quote:
    """Every figure of a quote on `today`, as an unsaved Quote (no number, nothing written)."""
    today = today or localtime.today()
    unit = session.get(Unit, terms.unit_id) if terms.unit_id else None
    if unit is None:
        raise NotFound("房间不存在。", "No such unit.")
    authz.require(actor, "quote.create", project_id=unit.project_id)
    customer = None
    if terms.customer_id:
        customer = visible_customer(session, actor, terms.customer_id, "quote.create")
        if customer.project_id != unit.project_id:
            raise _bad("customer", "请选择本项目的客户。", "Choose a customer of this project.")
    _check_unit(session, unit, customer.id if customer else None, today)
    plan = _plan(session, terms.plan_id, unit.project_id)
    if not 1 <= terms.home_count <= 9:
        raise _bad("homes", "家庭住房套数须为 1 到 9。", "Homes must be 1 to 9.")
    price = quote_unit(session, unit, plan, terms.extra_discount)
    needs_approval = price.needs_approval and not authz.has(actor, "deal.approve")
    priced = Deal(
        project_id=unit.project_id,
        deal_total=price.deal_total,
        deal_unit_price=price.deal_unit_price,
    )
    try:
        fees = fee_lines(session, priced, unit, today, terms.home_count)
    except ValueError as err:
        raise ValidationError(str(err), str(err)) from None
    result = figures(
        price,
        plan_kind=plan.kind,
        deposit=terms.deposit,
        down_payment_ratio=terms.down_payment_percent / HUNDRED,
        loan_kind=terms.loan_kind,
        loan_years=terms.loan_years,
        commercial_rate=terms.commercial_rate_percent / HUNDRED,
        provident_rate=terms.provident_rate_percent / HUNDRED,
        provident_loan=terms.provident_loan,
        fees=fees,
    )
    installment, principal = result.installment, result.principal
    return Quote(
        project_id=unit.project_id,
        unit_id=unit.id,
        customer_id=customer.id if customer else None,
        consultant_id=actor.id,
        plan_id=plan.id,
        number="",
        quoted_on=today,
        valid_until=today + timedelta(days=valid_days(session)),
        plan_name=plan.name,
        plan_kind=plan.kind,
        area=price.area,
        list_unit_price=price.list_unit_price,
        list_total=price.list_total,
        discount_rate=price.discount_rate,
        plan_total=price.plan_total,
        extra_discount=price.extra_discount,
        deal_total=price.deal_total,
        deal_unit_price=price.deal_unit_price,
        needs_approval=needs_approval,
        approval_reason=_discount_reason(price)[:200] if needs_approval else "",
        deposit=result.deposit,
        down_payment_ratio=result.down_payment_ratio,
        down_payment=result.down_payment,
        loan_kind=result.loan_kind,
        loan_years=result.loan_years,
        commercial_loan=result.commercial_loan,
        commercial_rate=result.commercial_rate,
        provident_loan=result.provident_loan,
        provident_rate=result.provident_rate,
        installment_monthly=installment.monthly_payment if installment else ZERO,
        installment_interest=installment.total_interest if installment else ZERO,
        principal_first=principal.first_payment if principal else ZERO,
        principal_decrease=principal.monthly_decrease if principal else ZERO,
        principal_last=principal.last_payment if principal else ZERO,
        principal_interest=principal.total_interest if principal else ZERO,
        home_count=terms.home_count,
        fees=[{"code": c, "name": n, "amount": str(a)} for c, n, a in result.fees],
        fees_total=result.fees_total,
        cash_needed=result.cash_needed,
        notes=terms.notes,
    )


def try_quote(
    session: Session, *, actor: User, terms: QuoteTerms, today: date | None = None
) -> Quote:
    """试算: the figures without saving anything (the customer may be left out). The trial
    itself is counted (试算统计): one quote_trial row, in the caller's writer transaction.
    The 置业计划书 screen works the figures out in its read session with build() and counts
    them with quote_trials.record_try in a short writer transaction of its own."""
    quote = build(session, actor=actor, terms=terms, today=today)
    record_trial(
        session,
        actor,
        session.get(Unit, quote.unit_id),
        customer_id=quote.customer_id,
        plan_id=quote.plan_id,
    )
    return quote


def next_number(session: Session, company_id: int, year: int) -> str:
    """ZY + year + 6 digits, one series per company. The company row is locked while the number
    is taken, so two consultants saving at once never get the same number."""
    session.execute(select(Company.id).where(Company.id == company_id).with_for_update())
    prefix = f"{NUMBER_PREFIX}{year}"
    last = session.scalar(
        select(func.max(Quote.number)).where(
            Quote.company_id == company_id,
            Quote.number.like(f"{prefix}%"),
            func.length(Quote.number) == len(prefix) + 6,
        )
    )
    tail = last[len(prefix) :] if last else ""
    return f"{prefix}{(int(tail) + 1 if tail.isdigit() else 1):06d}"


def create_quote(
    session: Session,
    *,
    actor: User,
    terms: QuoteTerms,
    today: date | None = None,
    token: str | None = None,
) -> Quote:
    """Save a numbered 置业计划书 for one customer and one unit, every figure snapshotted."""
    if not terms.customer_id:
        raise _bad("customer", "保存置业计划书请先选择客户。", "Choose the customer to save.")
    use_token(session, token, "quote.create", actor)
    quote = build(session, actor=actor, terms=terms, today=today)
    project = session.get(Project, quote.project_id)
    quote.company_id = project.company_id
    quote.number = next_number(session, project.company_id, quote.quoted_on.year)
    try:
        with session.begin_nested():
            session.add(quote)
            session.flush()
    except IntegrityError:
        raise QuoteRefused(
            "置业计划书编号冲突，请重新保存。", "Quote number clash; save again."
        ) from None
    record_trial(
        session,
        actor,
        session.get(Unit, quote.unit_id),
        customer_id=quote.customer_id,
        plan_id=quote.plan_id,
        saved=True,
    )
    audit.record(
        session,
        actor,
        "quote.create",
        quote,
        after=audit.snapshot(
            quote,
            [
                "number",
                "unit_id",
                "customer_id",
                "plan_name",
                "extra_discount",
                "deal_total",
                "loan_kind",
                "cash_needed",
                "needs_approval",
            ],
        ),
    )
    return quote
