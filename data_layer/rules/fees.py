"""Fee rules: deed tax (契税) from dated rate data, the deposit cap, and safe fee formulas."""

from __future__ import annotations

import ast
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, DecimalException, localcontext

from .money import DecimalLike, format_amount, money, to_decimal

__all__ = [
    "DEFAULT_DEED_TAX_RULES",
    "DEPOSIT_RATIO",
    "DeedTaxRule",
    "FormulaError",
    "check_deposit",
    "deed_tax",
    "deed_tax_rule",
    "deposit_limit",
    "evaluate_formula",
    "validate_formula",
]

ANY_CITY = "*"


@dataclass(frozen=True)
class DeedTaxRule:
    """Deed-tax rates for a city from a date on; rates are fractions (Decimal("0.015") = 1.5%)."""

    effective_from: date
    city: str  # "*" applies wherever no city-specific rule exists
    area_threshold: Decimal  # "small" means area <= threshold (m²)
    first_home_small: Decimal
    first_home_large: Decimal
    second_home_small: Decimal
    second_home_large: Decimal
    # Third and later homes get no relief: the Deed Tax Law lets provinces pick 3%–5%, most pick 3%.
    other_home_rate: Decimal = Decimal("0.03")


# Seed data only: live rules are rows an administrator maintains per city.
DEFAULT_DEED_TAX_RULES: tuple[DeedTaxRule, ...] = (
    # 财政部 税务总局 住房城乡建设部公告2024年第16号, in force from 2024-12-01.
    DeedTaxRule(
        effective_from=date(2024, 12, 1),
        city=ANY_CITY,
        area_threshold=Decimal(140),
        first_home_small=Decimal("0.01"),
        first_home_large=Decimal("0.015"),
        second_home_small=Decimal("0.01"),
        second_home_large=Decimal("0.02"),
    ),
)


def deed_tax_rule(rules: Collection[DeedTaxRule], on: date, city: str = ANY_CITY) -> DeedTaxRule:
    """The latest rule in force on `on` for `city`, falling back to the "*" rules."""
    for candidate_city in dict.fromkeys((city, ANY_CITY)):
        in_force = [r for r in rules if r.city == candidate_city and r.effective_from <= on]
        if in_force:
            return max(in_force, key=lambda rule: rule.effective_from)
    raise ValueError(f"没有{on.isoformat()}生效的契税规则（城市：{city}）")


def deed_tax(
    price: DecimalLike,
    area: DecimalLike,
    home_count: int,
    rules: Collection[DeedTaxRule],
    on: date,
    city: str = ANY_CITY,
) -> Decimal:
    """Deed tax on a home purchase; `home_count` counts the household's homes including this one."""
    amount = to_decimal(price)
    size = to_decimal(area)
    if amount < 0:
        raise ValueError("房价不能为负数")
    if size <= 0:
        raise ValueError("面积必须大于0")
    if isinstance(home_count, bool) or not isinstance(home_count, int) or home_count < 1:
        raise ValueError("家庭住房套数必须是正整数")
    rule = deed_tax_rule(rules, on, city)
    small = size <= rule.area_threshold
    if home_count == 1:
        rate = rule.first_home_small if small else rule.first_home_large
    elif home_count == 2:
        rate = rule.second_home_small if small else rule.second_home_large
    else:
        rate = rule.other_home_rate
    return money(amount * rate)


# Civil Code article 586: a deposit above 20% of the price is not a deposit for the excess.
DEPOSIT_RATIO = Decimal("0.20")


def deposit_limit(price: DecimalLike) -> Decimal:
    """The highest deposit (定金) allowed: 20% of the price."""
    return money(to_decimal(price) * DEPOSIT_RATIO)


def check_deposit(deposit: DecimalLike, price: DecimalLike) -> None:
    """Raise ValueError when the deposit is not positive or above 20% of the price."""
    amount = to_decimal(deposit)
    if amount <= 0:
        raise ValueError("定金必须大于0")
    limit = deposit_limit(price)
    if amount > limit:
        raise ValueError(f"定金不得超过房价的20%（上限 ¥{format_amount(limit)}）")


class FormulaError(ValueError):
    """An admin-defined fee formula that is malformed, unsafe or cannot be evaluated."""


# Long enough for any real fee formula; short enough that parsing and huge literals stay cheap.
_MAX_FORMULA_LENGTH = 500
_MAX_ROUND_PLACES = 10
_BINARY_OPS: dict[type[ast.operator], Callable[[Decimal, Decimal], Decimal]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}
_FUNCTIONS = frozenset({"min", "max", "round_half_up"})


def _parse(expr: str) -> ast.Expression:
    if not isinstance(expr, str) or not expr.strip():
        raise FormulaError("公式不能为空")
    if len(expr) > _MAX_FORMULA_LENGTH:
        raise FormulaError(f"公式过长（最多{_MAX_FORMULA_LENGTH}个字符）")
    try:
        return ast.parse(expr.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise FormulaError(f"公式语法错误：{expr}") from None


def _check(node: ast.AST, allowed_names: Collection[str]) -> None:
    """Whitelist walk: anything not explicitly allowed is refused."""
    if isinstance(node, ast.Expression):
        _check(node.body, allowed_names)
    elif isinstance(node, ast.Constant):
        # bool is an int subclass; complex and str are never amounts.
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise FormulaError(f"公式只能包含数字常量：{node.value!r}")
    elif isinstance(node, ast.Name):
        if node.id not in allowed_names:
            raise FormulaError(f"未知的变量：{node.id}")
    elif isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY_OPS:
            raise FormulaError("公式只支持 + - * / 和括号")
        _check(node.left, allowed_names)
        _check(node.right, allowed_names)
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, ast.USub | ast.UAdd):
            raise FormulaError("公式只支持 + - * / 和括号")
        _check(node.operand, allowed_names)
    elif isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCTIONS:
            raise FormulaError("公式只能调用 min、max、round_half_up")
        if node.keywords or any(isinstance(arg, ast.Starred) for arg in node.args):
            raise FormulaError("函数参数只能按位置给出")
        if node.func.id == "round_half_up" and len(node.args) != 2:
            raise FormulaError("round_half_up 需要两个参数：数值和小数位数")
        if not node.args:
            raise FormulaError(f"{node.func.id} 至少需要一个参数")
        for arg in node.args:
            _check(arg, allowed_names)
    else:
        raise FormulaError(f"公式中不允许使用：{type(node).__name__}")


def _literal(node: ast.Constant, source: str) -> Decimal:
    if isinstance(node.value, int):
        return Decimal(node.value)
    # Read the literal's own text: through a float, 0.1 would become 0.1000000000000000055….
    text = ast.get_source_segment(source, node) or repr(node.value)
    return to_decimal(text.replace("_", ""))


def _evaluate(node: ast.AST, values: Mapping[str, Decimal], source: str) -> Decimal:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body, values, source)
    if isinstance(node, ast.Constant):
        return _literal(node, source)
    if isinstance(node, ast.Name):
        return values[node.id]
    if isinstance(node, ast.BinOp):
        left = _evaluate(node.left, values, source)
        right = _evaluate(node.right, values, source)
        if isinstance(node.op, ast.Div) and right == 0:
            raise FormulaError("公式中除数为零")
        return _BINARY_OPS[type(node.op)](left, right)
    if isinstance(node, ast.UnaryOp):
        operand = _evaluate(node.operand, values, source)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.Call):
        args = [_evaluate(arg, values, source) for arg in node.args]
        assert isinstance(node.func, ast.Name)  # _check allowed only calls by plain name
        name = node.func.id
        if name == "min":
            return min(args)
        if name == "max":
            return max(args)
        value, places = args
        if places != places.to_integral_value() or not 0 <= places <= _MAX_ROUND_PLACES:
            raise FormulaError(f"小数位数必须是0到{_MAX_ROUND_PLACES}之间的整数")
        return money(value, int(places))
    raise FormulaError(f"公式中不允许使用：{type(node).__name__}")  # unreachable after _check


def validate_formula(expr: str, allowed_names: Collection[str]) -> None:
    """Raise FormulaError unless `expr` is a safe formula over `allowed_names` only."""
    _check(_parse(expr), frozenset(allowed_names) - _FUNCTIONS)


def evaluate_formula(expr: str, variables: Mapping[str, DecimalLike]) -> Decimal:
    """Evaluate a validated fee formula, e.g. "max(area * 50, 2000)"; the result is not rounded."""
    values = {name: to_decimal(value) for name, value in variables.items()}
    tree = _parse(expr)
    _check(tree, frozenset(values) - _FUNCTIONS)
    try:
        with localcontext() as ctx:
            ctx.prec = 50
            return _evaluate(tree, values, expr.strip())
    except (DecimalException, OverflowError, RecursionError) as error:
        raise FormulaError(f"公式无法计算：{expr}") from error
