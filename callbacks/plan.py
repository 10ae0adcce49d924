"""按揭计算器: quotes and repayment schedules from data_layer.rules.mortgage."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import dash_bootstrap_components as dbc
from dash import Input, Output, State

from dashboard import auth, exports
from dashboard.components import feedback, kpi_card
from dashboard.i18n import _
from data_layer import localtime
from data_layer.rules import mortgage
from data_layer.rules.money import format_amount, money, to_decimal
from pages.plan import mortgage_ids as ids

HUNDRED = Decimal(100)
MAX_YEARS = 30


@dataclass(frozen=True)
class Loans:
    commercial: Decimal
    commercial_rate: Decimal
    provident: Decimal
    provident_rate: Decimal
    months: int
    method: mortgage.RepaymentMethod


class InputError(ValueError):
    pass


def _number(value, label: str, default: str | None = None) -> Decimal:
    text = "" if value is None else (repr(value) if isinstance(value, float) else str(value))
    if not text.strip():
        if default is None:
            raise InputError(_("请填写{label}。", label=_(label)))
        text = default
    try:
        number = to_decimal(text)
    except (TypeError, ValueError):
        raise InputError(_("{label}不是有效的数字。", label=_(label))) from None
    if number < 0:
        raise InputError(_("{label}不能为负数。", label=_(label)))
    return number


def loans(price, down_ratio, kind, method, years, commercial, c_rate, provident, p_rate) -> Loans:
    """Read the form: loan amounts default to price × (1 − down payment)."""
    total = _number(price, "房屋总价")
    ratio = _number(down_ratio, "首付比例", "30")
    if ratio > HUNDRED:
        raise InputError(_("首付比例不能超过100%。"))
    # The browser sends no value for a number outside the field's 1–30 (40 arrives as None):
    # name the allowed range rather than ask for a value the user did type.
    try:
        months = int(years) * 12
    except (TypeError, ValueError):
        raise InputError(_("贷款年限须在1到30年之间。")) from None
    if not 1 <= int(years) <= MAX_YEARS:
        raise InputError(_("贷款年限须在1到30年之间。"))
    loan = money(total * (HUNDRED - ratio) / HUNDRED)
    c_amount = _number(commercial, "商业贷款金额", "") if commercial not in (None, "") else None
    p_amount = _number(provident, "公积金贷款金额", "") if provident not in (None, "") else None
    if kind == "commercial":
        c_amount, p_amount = (c_amount if c_amount is not None else loan), Decimal(0)
    elif kind == "provident":
        c_amount, p_amount = Decimal(0), (p_amount if p_amount is not None else loan)
    else:
        if p_amount is None:
            p_amount = min(loan, Decimal(1200000))
        if c_amount is None:
            c_amount = max(loan - p_amount, Decimal(0))
    return Loans(
        commercial=money(c_amount),
        commercial_rate=_number(c_rate, "商业贷款年利率") / HUNDRED,
        provident=money(p_amount),
        provident_rate=_number(p_rate, "公积金年利率") / HUNDRED,
        months=months,
        method=mortgage.RepaymentMethod(method or "equal_installment"),
    )


def schedule_rows(plan: Loans) -> list[dict]:
    """Month by month, the two loans' schedules added together (each rounded on its own)."""
    parts = [
        mortgage.schedule(amount, rate, plan.months, plan.method)
        for amount, rate in (
            (plan.commercial, plan.commercial_rate),
            (plan.provident, plan.provident_rate),
        )
        if amount > 0
    ]
    rows = []
    for month in range(plan.months):
        lines = [p[month] for p in parts]
        rows.append(
            {
                "month": month + 1,
                "payment": sum((r.payment for r in lines), Decimal(0)),
                "principal": sum((r.principal for r in lines), Decimal(0)),
                "interest": sum((r.interest for r in lines), Decimal(0)),
                "remaining": sum((r.remaining for r in lines), Decimal(0)),
            }
        )
    return rows


def quote(plan: Loans) -> mortgage.CombinedQuote:
    return mortgage.combined(
        commercial_principal=plan.commercial,
        commercial_rate=plan.commercial_rate,
        provident_principal=plan.provident,
        provident_rate=plan.provident_rate,
        months=plan.months,
        method=plan.method,
    )


def register(app):
    state = [
        State(ids.PRICE, "value"),
        State(ids.DOWN_RATIO, "value"),
        State(ids.KIND, "value"),
        State(ids.METHOD, "value"),
        State(ids.YEARS, "value"),
        State(ids.COMMERCIAL, "value"),
        State(ids.COMMERCIAL_RATE, "value"),
        State(ids.PROVIDENT, "value"),
        State(ids.PROVIDENT_RATE, "value"),
    ]

    @auth.callback(
        app,
        "inventory.view",
        Output(ids.SUMMARY, "children"),
        Output(ids.SCHEDULE, "rowData"),
        Output(ids.FEEDBACK, "children"),
        Input(ids.CALCULATE, "n_clicks"),
        *state,
    )
    def calculate(_n, *values, user):
        try:
            plan = loans(*values)
        except (InputError, ValueError) as err:
            return None, [], feedback(str(err), ok=False)
        if plan.commercial + plan.provident <= 0:
            return None, [], feedback(_("贷款金额为0，无需按揭。"), ok=False)
        q = quote(plan)
        equal = plan.method == mortgage.RepaymentMethod.EQUAL_INSTALLMENT
        cards = [
            (_("贷款总额"), "¥" + format_amount(q.principal)),
            (_("每月月供") if equal else _("首月月供"), "¥" + format_amount(q.first_payment)),
            (_("总利息"), "¥" + format_amount(q.total_interest)),
            (_("还款总额"), "¥" + format_amount(q.total_payment)),
        ]
        if not equal:
            cards.append((_("每月递减"), "¥" + format_amount(q.monthly_decrease)))
        if plan.commercial and plan.provident:
            cards.append(
                (
                    _("商贷 / 公积金月供"),
                    f"{format_amount(q.commercial.first_payment)} / "
                    f"{format_amount(q.provident.first_payment)}",
                )
            )
        summary = dbc.Row(
            [
                dbc.Col(kpi_card(label, value, f"plan-mg-kpi-{i}"), xs=6, md=4, xl=3)
                for i, (label, value) in enumerate(cards)
            ],
            className="g-2",
        )
        rows = [
            {k: float(v) if isinstance(v, Decimal) else v for k, v in r.items()}
            for r in schedule_rows(plan)
        ]
        return summary, rows, None

    def schedule(_user, *values):
        """The schedule of the form's loans, read again (None: the form does not compute)."""
        try:
            return schedule_rows(loans(*values))
        except (InputError, ValueError):
            return None

    # The schedule as shown: the grid's rows (sorted or filtered) and visible columns.
    exports.register(
        app,
        "inventory.view",
        "mortgage_schedule",
        ids.SCHEDULE,
        ids.EXPORT,
        ids.DOWNLOAD,
        schedule,
        ids.SCHEDULE_COLUMNS,
        "还款计划",
        state=state,
        key=("month",),
        filename=lambda: f"mortgage-{localtime.today():%Y%m%d}.xlsx",
    )
