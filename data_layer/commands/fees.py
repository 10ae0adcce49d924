"""费用设置 and 契税税率 (administrator): dated versions per city or project. A new version
starts on a date and never overwrites an older one, so a deal keeps the fees of its own day
(they are receivables computed when it was signed)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit, authz, localtime
from ..errors import ValidationError
from ..models import DeedTaxRate, FeeRule, Project, User
from ..rules import fees as fee_rules
from ..rules.money import DecimalLike

PERMISSION = "admin.fees"
# What a fee formula may use (commands.deals.fee_lines passes these).
FORMULA_VARIABLES = ("area", "price", "unit_price")
# A unit to try a formula on before it is saved: 100 m² at 20,000 ¥/m².
SAMPLE = {"area": Decimal("100"), "price": Decimal("2000000"), "unit_price": Decimal("20000")}
CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
ANY_CITY = fee_rules.ANY_CITY
RATE_FIELDS = (
    ("first_home_small", "首套（小面积）"),
    ("first_home_large", "首套（大面积）"),
    ("second_home_small", "二套（小面积）"),
    ("second_home_large", "二套（大面积）"),
    ("other_home_rate", "三套及以上"),
)


def _city(city: str | None) -> str:
    value = (city or "").strip() or ANY_CITY
    if len(value) > 50:
        raise ValidationError("城市名称过长。", "City name too long.", {"city": "x"})
    return value


def _start(effective_from: date | None, current: date | None, today: date) -> date:
    """A new version starts today or later, and after the version in force for the same key."""
    if effective_from is None:
        raise ValidationError("请选择生效日期。", "Choose the effective date.", {"from": "x"})
    if effective_from < today:
        raise ValidationError(
            f"生效日期不能早于今天（{today.isoformat()}）：已成交的交易按当时的规则计算，不能追溯修改。",
            f"The effective date cannot be before today ({today.isoformat()}).",
            {"from": "past"},
        )
    if current is not None and effective_from <= current:
        raise ValidationError(
            f"生效日期必须晚于当前版本的生效日期（{current.isoformat()}）。",
            f"The effective date must be after the current version's ({current.isoformat()}).",
            {"from": "before_current"},
        )
    return effective_from


def check_formula(formula: str | None) -> str:
    """A fee formula over area, price and unit_price, checked by the safe evaluator and tried
    on a sample unit (it must give an amount of zero or more)."""
    text = (formula or "").strip()
    try:
        fee_rules.validate_formula(text, FORMULA_VARIABLES)
        sample = fee_rules.evaluate_formula(text, SAMPLE)
    except fee_rules.FormulaError as err:
        raise ValidationError(
            f"公式有误：{err}。可用变量：area（面积）、price（总价）、unit_price（单价），"
            "函数：min、max、round_half_up。",
            f"Bad formula: {err}.",
            {"formula": "x"},
        ) from None
    if sample < 0:
        raise ValidationError(
            "公式在示例房源（100㎡、总价200万）上算出负数，费用不能为负。",
            "The formula gives a negative fee on a sample unit.",
            {"formula": "negative"},
        )
    return text


def add_fee_rule(
    session: Session,
    *,
    actor: User,
    code: str,
    name: str,
    formula: str,
    effective_from: date | None,
    city: str | None = ANY_CITY,
    project_id: int | None = None,
    today: date | None = None,
) -> FeeRule:
    """新增费用规则版本: for a city ("*" = every city) or one project, from a date on."""
    authz.require(actor, PERMISSION)
    today = today or localtime.today()
    code = (code or "").strip()
    if not CODE_PATTERN.match(code):
        raise ValidationError(
            "费用代码须以小写字母开头，只含小写字母、数字和下划线（最多32个字符）。",
            "The fee code must be lower-case letters, digits and underscores.",
            {"code": "x"},
        )
    if code == "deed_tax":
        raise ValidationError(
            "契税按契税税率表计算，请在“契税税率”中新增版本。",
            "Deed tax comes from the deed-tax rate table.",
            {"code": "deed_tax"},
        )
    name = (name or "").strip()
    if not name or len(name) > 50:
        raise ValidationError(
            "请填写费用名称（最多50个字符）。", "Enter the fee name.", {"name": "x"}
        )
    text = check_formula(formula)
    if project_id is not None:
        if session.get(Project, project_id) is None:
            raise ValidationError("项目不存在。", "No such project.", {"project": "x"})
        city = ANY_CITY
    city = _city(city)
    query = select(FeeRule.effective_from).where(FeeRule.code == code, FeeRule.city == city)
    query = query.where(
        FeeRule.project_id == project_id if project_id is not None else FeeRule.project_id.is_(None)
    )
    current = session.scalar(query.order_by(FeeRule.effective_from.desc()).limit(1))
    rule = FeeRule(
        project_id=project_id,
        city=city,
        code=code,
        name=name,
        formula=text,
        effective_from=_start(effective_from, current, today),
    )
    session.add(rule)
    session.flush()
    audit.record(
        session,
        actor,
        "fee.rule_add",
        rule,
        after=audit.snapshot(
            rule, ["project_id", "city", "code", "name", "formula", "effective_from"]
        ),
    )
    return rule


def _rate(value: DecimalLike | None, label: str) -> Decimal:
    """A percentage typed by the administrator (0–100, at most two places) as a fraction."""
    try:
        percent = Decimal(str(value).strip()) if value not in (None, "") else None
    except (InvalidOperation, ValueError):
        percent = None
    if percent is None or not percent.is_finite():
        raise ValidationError(f"请填写{label}税率。", f"Enter the rate: {label}.", {"rate": label})
    if not Decimal(0) <= percent <= Decimal(100):
        raise ValidationError(
            f"{label}税率须在 0% 到 100% 之间。", "A rate must be within 0–100%.", {"rate": label}
        )
    if percent != percent.quantize(Decimal("0.01")):
        raise ValidationError(
            f"{label}税率最多两位小数（如 1.5）。", "At most two decimals.", {"rate": label}
        )
    return percent / 100


def add_deed_tax_rate(
    session: Session,
    *,
    actor: User,
    effective_from: date | None,
    area_threshold: DecimalLike | None,
    rates_percent: dict[str, DecimalLike | None],
    city: str | None = ANY_CITY,
    today: date | None = None,
) -> DeedTaxRate:
    """新增契税税率版本 for a city ("*" = every city without its own rates) from a date on;
    rates are given in percent (1.5 = 1.5%)."""
    authz.require(actor, PERMISSION)
    today = today or localtime.today()
    city = _city(city)
    try:
        threshold = Decimal(str(area_threshold).strip())
    except (InvalidOperation, ValueError):
        threshold = Decimal(-1)
    if not threshold.is_finite() or not Decimal(0) < threshold <= Decimal(10000):
        raise ValidationError(
            "面积分界须大于0且不超过10000㎡（如 140）。",
            "The area threshold must be within (0, 10000] m².",
            {"threshold": "x"},
        )
    rates = {field: _rate(rates_percent.get(field), label) for field, label in RATE_FIELDS}
    starts = [r.effective_from for r in fee_rules.DEFAULT_DEED_TAX_RULES if r.city == city]
    starts += session.scalars(select(DeedTaxRate.effective_from).where(DeedTaxRate.city == city))
    row = DeedTaxRate(
        city=city,
        effective_from=_start(effective_from, max(starts, default=None), today),
        area_threshold=threshold.quantize(Decimal("0.01")),
        **rates,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "fee.deed_tax_add",
        row,
        after=audit.snapshot(
            row, ["city", "effective_from", "area_threshold", *(f for f, _ in RATE_FIELDS)]
        ),
    )
    return row
