"""The 置业计划书 sheet: one quote's figures laid out for the screen and for printing. A plain
module (no page): the form's callback shows a 试算 with it, the print page a saved quote."""

from __future__ import annotations

from decimal import Decimal

from dash import html

from dashboard import format
from dashboard.i18n import _
from data_layer.commands.quotes import LOAN_LABELS
from data_layer.models import LoanKind
from data_layer.queries.quotes import QuoteSheet
from data_layer.rules.money import chinese_capital

PLAN_KIND_LABELS = {
    "lump_sum": "一次性付款",
    "installment": "分期付款",
    "commercial": "商业贷款",
    "provident": "公积金贷款",
    "combined": "组合贷款",
}


def percent(value: Decimal) -> str:
    """0.0490 → 4.9%, 0.3 → 30%."""
    return f"{(value * 100).normalize():f}%"


def discount(rate: Decimal) -> str:
    """0.99 → 99折 (九九折), 1 → 无折扣."""
    if rate >= 1:
        return _("无折扣")
    return _("{n}折", n=f"{(rate * 100).normalize():f}")


def plan_label(name: str, kind: str) -> str:
    """The plan's name, with its kind when the name does not say it."""
    kind_label = _(PLAN_KIND_LABELS.get(kind, ""))
    return name if not kind_label or kind_label == name else f"{name}（{kind_label}）"


def _rows(pairs) -> list:
    """Two label/value pairs per table row."""
    cells = []
    for label, value in pairs:
        cells += [html.Th(label), html.Td(value)]
    return [html.Tr(cells[i : i + 4]) for i in range(0, len(cells), 4)]


def _section(title: str, pairs, section_id: str | None = None) -> html.Div:
    extra = {"id": section_id} if section_id else {}
    return html.Div(
        [html.H2(title, className="quote-section"), html.Table(html.Tbody(_rows(pairs)))],
        **extra,
    )


def sheet(s: QuoteSheet, *, sheet_id: str | None = None) -> html.Div:
    q = s.quote
    fmt = format.current()

    def yuan(value: Decimal) -> str:
        return "¥" + fmt.amount(value)

    header = [
        html.H1(_("置 业 计 划 书")),
        html.Div(f"{s.company} · {s.project}", className="text-center mb-1"),
        html.Div(
            [
                html.Span(_("编号：{n}", n=q.number or _("试算（未保存）")), id="quote-number"),
                html.Span(_("日期：{d}", d=q.quoted_on.isoformat())),
                html.Span(_("有效期至：{d}", d=q.valid_until.isoformat())),
            ],
            className="quote-meta",
        ),
    ]
    facts = _section(
        _("客户与房源"),
        [
            (_("客户"), f"{s.customer} {s.customer_mobile}".strip() or "—"),
            (_("置业顾问"), s.consultant),
            (_("项目"), s.project + (f"（{s.address}）" if s.address else "")),
            (_("房间"), s.unit),
            (_("楼栋 / 楼层"), f"{s.building} / " + _("{f}层", f=s.floor)),
            (_("户型"), s.layout or "—"),
            (_("计价面积"), f"{fmt.area(q.area)} ㎡"),
            (_("付款方案"), plan_label(q.plan_name, q.plan_kind.value)),
        ],
    )
    price = _section(
        _("房价"),
        [
            (_("表价单价"), yuan(q.list_unit_price) + " /㎡"),
            (_("表价总价"), yuan(q.list_total)),
            (_("方案折扣"), discount(q.discount_rate)),
            (_("折后总价"), yuan(q.plan_total)),
            (_("额外优惠"), yuan(q.extra_discount)),
            (_("成交单价"), yuan(q.deal_unit_price) + " /㎡"),
            (_("成交总价"), html.Strong(yuan(q.deal_total), id="quote-deal-total")),
            (_("大写"), chinese_capital(q.deal_total)),
        ],
    )
    loan = q.loan_kind is not LoanKind.NONE
    pay = [
        (_("定金（计入首付）") if loan else _("定金（计入房款）"), yuan(q.deposit)),
        (_("贷款类型"), _(LOAN_LABELS[q.loan_kind][0])),
    ]
    if not loan:
        pay.append((_("房款（{plan}）", plan=q.plan_name), yuan(q.down_payment)))
    else:
        pay += [
            (_("首付比例"), percent(q.down_payment_ratio)),
            (_("首付款"), yuan(q.down_payment)),
            (_("贷款总额"), yuan(s.loan_total)),
            (_("贷款年限"), _("{n}年（{m}期）", n=q.loan_years, m=q.loan_years * 12)),
        ]
        if q.commercial_loan:
            pay.append((_("商业贷款"), f"{yuan(q.commercial_loan)} @ {percent(q.commercial_rate)}"))
        if q.provident_loan:
            pay.append((_("公积金贷款"), f"{yuan(q.provident_loan)} @ {percent(q.provident_rate)}"))
    payment = _section(_("付款"), pay)
    parts = [*header, facts, price, payment]
    if loan:
        parts.append(
            _section(
                _("月供（还款方式二选一）"),
                [
                    (_("等额本息 每月"), html.Strong(yuan(q.installment_monthly))),
                    (_("等额本息 总利息"), yuan(q.installment_interest)),
                    (_("等额本金 首月"), yuan(q.principal_first)),
                    (_("等额本金 每月递减"), yuan(q.principal_decrease)),
                    (_("等额本金 末月"), yuan(q.principal_last)),
                    (_("等额本金 总利息"), yuan(q.principal_interest)),
                ],
                "quote-monthly",
            )
        )
    fee_pairs = [(line["name"], yuan(Decimal(line["amount"]))) for line in q.fees or []]
    fee_pairs.append((_("税费合计"), yuan(q.fees_total)))
    parts.append(_section(_("税费（预估，以税务及房管部门核定为准）"), fee_pairs))
    parts.append(
        html.Div(
            [
                html.Span(
                    _("首期所需现金合计（首付款 + 税费）：")
                    if loan
                    else _("所需现金合计（房款 + 税费）：")
                ),
                html.Strong(yuan(q.cash_needed), id="quote-cash-needed"),
                html.Span(f"（{chinese_capital(q.cash_needed)}）", className="ms-1"),
            ],
            className="quote-total",
        )
    )
    if s.has_plan_image:
        parts.append(
            html.Div(
                html.Img(
                    src=f"/plans/{s.layout_id}", alt=_("户型图"), className="quote-plan-image"
                ),
                className="text-center",
            )
        )
    if q.needs_approval:
        parts.append(
            html.Div(
                _("额外优惠超出置业顾问权限，须经销售经理审批后方可执行。"),
                className="quote-approval",
                id="quote-needs-approval",
            )
        )
    if q.notes:
        parts.append(html.Div([html.Strong(_("备注：")), q.notes], className="quote-notes"))
    parts.append(
        html.Div(
            _("本计划书仅供参考，不构成要约；房源以签订认购书时的状态为准，价格以合同为准。"),
            className="quote-disclaimer",
        )
    )
    parts.append(
        html.Div(
            [
                html.Span(_("置业顾问：{name}", name=s.consultant)),
                html.Span(_("客户签字：")),
            ],
            className="quote-sign",
        )
    )
    extra = {"id": sheet_id} if sheet_id else {}
    return html.Div(parts, className="quote-sheet", **extra)
