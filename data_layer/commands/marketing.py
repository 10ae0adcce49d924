"""营销管理: expense plan (费用计划), actual expenses (实际费用) and ad campaigns (广告活动).

Every action checks marketing.edit in the project, validates everything before writing (a batch
from a grid or an Excel file is all-or-nothing, with one message per bad row) and writes an
audit entry in the caller's transaction."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit, authz
from ..errors import NotFound, ValidationError
from ..models import Campaign, CodeItem, MarketingBudget, MarketingExpense, Project, User
from ..rules.money import money, to_decimal

EXPENSE_FIELDS = [
    "project_id",
    "spent_on",
    "channel",
    "category",
    "campaign_id",
    "campaign",
    "vendor",
    "invoice_no",
    "amount",
]
MAX_AMOUNT = Decimal("100000000000")  # 1000亿: a typo guard, far above any real spend


@dataclass(frozen=True)
class RowError:
    """One problem of a batch's row: the row's number as the user sees it (Excel row or grid
    line), the field it concerns ("a+b" for several) and the message in Chinese and English."""

    row: int
    field: str
    message: str
    message_en: str = ""


class BatchRefused(ValidationError):
    """A batch (grid save or import) with bad rows: nothing was written."""

    def __init__(self, errors: list[RowError]):
        first = errors[0]
        super().__init__(
            f"有 {len(errors)} 行数据有误，全部未保存。第 {first.row} 行：{first.message}",
            f"{len(errors)} rows are wrong; nothing was saved. "
            f"Row {first.row}: {first.message_en or first.message}",
            errors={"rows": errors},
        )
        self.rows = errors


class Refused(ValueError):
    """A value refused: str() is the Chinese message, message_en its English."""

    def __init__(self, message: str, message_en: str):
        super().__init__(message)
        self.message_en = message_en


class RowRefused(ValueError):
    """A row with refused values: each problem as (field, Chinese, English); str() is the
    first problem's Chinese."""

    def __init__(self, problems: list[tuple[str, str, str]]):
        super().__init__(problems[0][1])
        self.problems = problems


class _Fields:
    """A row's fields checked one by one, every problem kept (not only the first). A field in
    the row's "_bad" was refused by the Excel importer already (its value is None): it is not
    checked again, while the row's other fields still are."""

    def __init__(self, raw: dict):
        self.skip = raw.get("_bad") or ()
        self.problems: list[tuple[str, str, str]] = []

    def check(self, field: str, parse, *args, **kwargs):
        """parse(*args, **kwargs), or None when the field is skipped or refused."""
        if field in self.skip:
            return None
        try:
            return parse(*args, **kwargs)
        except ValueError as err:
            message = str(err)
            self.problems.append((field, message, getattr(err, "message_en", "") or message))
            return None

    def done(self, clean: dict) -> dict:
        if self.problems:
            raise RowRefused(self.problems)
        return clean


# ------------------------------------------------------------------------------ dictionaries


def code_labels(session: Session, category: str) -> dict[str, str]:
    """Active codes of a dictionary category → Chinese label, in their order."""
    rows = session.execute(
        select(CodeItem.code, CodeItem.label)
        .where(CodeItem.category == category, CodeItem.active.is_(True))
        .order_by(CodeItem.sort, CodeItem.id)
    )
    return dict(rows.all())


class _Vocabulary:
    """Channels and categories accepted by code or by label (Excel files use labels)."""

    def __init__(self, session: Session):
        self.channels = code_labels(session, "channel")
        self.categories = code_labels(session, "expense_category")
        self._by_label = {
            "channel": {v: k for k, v in self.channels.items()},
            "category": {v: k for k, v in self.categories.items()},
        }

    def code(self, kind: str, value: Any) -> str:
        text = str(value or "").strip()
        known = self.channels if kind == "channel" else self.categories
        if text in known:
            return text
        if text in self._by_label[kind]:
            return self._by_label[kind][text]
        what = "渠道（认知途径）" if kind == "channel" else "费用类别"
        what_en = "channel" if kind == "channel" else "expense category"
        if not text:
            raise Refused(f"请填写{what}。", f"Fill in the {what_en}.")
        raise Refused(
            f"未知的{what}“{text}”，请在代码设置中维护或从下拉列表选择。",
            f"Unknown {what_en} “{text}”: choose one from the list or add it in the code settings.",
        )


# ------------------------------------------------------------------------------ parsing


def parse_amount(value: Any, *, allow_zero: bool) -> Decimal:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise Refused("请填写金额。", "Fill in the amount.")
    if isinstance(value, float):  # Excel and JSON give floats: their shortest repr is exact
        value = repr(value)
    try:
        amount = money(to_decimal(value))
    except (TypeError, ValueError):
        raise Refused(
            f"金额“{value}”不是有效的数字。", f"The amount “{value}” is not a number."
        ) from None
    if amount < 0:
        raise Refused("金额不能为负数。", "The amount may not be negative.")
    if amount == 0 and not allow_zero:
        raise Refused("金额必须大于 0。", "The amount must be more than 0.")
    if amount >= MAX_AMOUNT:
        raise Refused("金额过大，请核对。", "The amount is too large; check it.")
    return amount


def parse_date(value: Any, what: str = "日期", what_en: str = "date") -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    if not text:
        raise Refused(f"请填写{what}。", f"Fill in the {what_en}.")
    for candidate in (text[:10], text.replace("/", "-")[:10]):
        try:
            return date.fromisoformat(candidate)
        except ValueError:
            pass
    raise Refused(
        f"{what}“{text}”格式不正确，应为 2026-03-15。",
        f"The {what_en} “{text}” is not a date like 2026-03-15.",
    )


def parse_month(value: Any) -> date:
    """'2026-03', '2026/3', '2026年3月', '2026-03-01', a date → the month's first day."""
    if isinstance(value, (date, datetime)):
        day = value.date() if isinstance(value, datetime) else value
        return day.replace(day=1)
    text = str(value or "").strip()
    if not text:
        raise Refused("请填写月份。", "Fill in the month.")
    found = re.match(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})(?:\D|$)", text)
    if found and 1 <= int(found.group(2)) <= 12:
        return date(int(found.group(1)), int(found.group(2)), 1)
    raise Refused(
        f"月份“{value}”格式不正确，应为 2026-03。", f"The month “{value}” is not like 2026-03."
    )


def _project_id(session: Session, actor: User, value: Any, projects: dict) -> int:
    """A project by id, code or name, that the actor may edit."""
    text = str(value if value is not None else "").strip()
    if not text:
        raise Refused("请选择项目。", "Choose a project.")
    project = projects.get(text)
    if project is None and text.isdigit():
        project = projects.get(int(text))
    if project is None:
        raise Refused(f"项目“{text}”不存在。", f"No project “{text}”.")
    if not authz.scope(actor).allows_project(project):
        raise Refused(
            f"您无权编辑项目“{text}”的营销费用。",
            f"You may not edit the marketing costs of project “{text}”.",
        )
    return project


def _project_lookup(session: Session) -> dict:
    lookup: dict = {}
    for pid, code, name in session.execute(select(Project.id, Project.code, Project.name)):
        lookup[pid] = pid
        lookup[str(pid)] = pid
        lookup[code] = pid
        lookup[name] = pid
    return lookup


# ------------------------------------------------------------------------------ budget


BUDGET_KEY = "project+month+channel+category"  # the fields of a plan cell, as one "field"


def _budget_row(session, actor, vocab, projects, raw: dict) -> dict:
    """A plan row's clean values, or RowRefused with the problem of each bad field."""
    fields = _Fields(raw)
    project = raw.get("project_id", raw.get("project"))
    return fields.done(
        {
            "project_id": fields.check("project", _project_id, session, actor, project, projects),
            "month": fields.check("month", parse_month, raw.get("month")),
            "channel": fields.check("channel", vocab.code, "channel", raw.get("channel")),
            "category": fields.check("category", vocab.code, "category", raw.get("category")),
            "amount": fields.check("amount", parse_amount, raw.get("amount"), allow_zero=True),
        }
    )


def _budget_repeat(row: int, first: int) -> RowError:
    return RowError(
        row,
        BUDGET_KEY,
        f"与第 {first} 行重复（同一项目、月份、渠道和类别）。",
        f"Repeats row {first} (same project, month, channel and category).",
    )


def _validate(rows: list[dict], check, first_row: int) -> list[dict]:
    """Validate every row (check(raw) -> clean dict or RowRefused); refuse the whole batch with
    every bad row's (first) problem when any is bad."""
    clean, errors = [], []
    for index, raw in enumerate(rows):
        try:
            clean.append(check(raw))
        except RowRefused as err:
            field, message, message_en = err.problems[0]
            errors.append(RowError(first_row + index, field, message, message_en))
    if errors:
        raise BatchRefused(errors)
    return clean


def save_budget(
    session: Session, *, actor: User, rows: list[dict], first_row: int = 1, source: str = "grid"
) -> int:
    """Set planned amounts (project, month, channel, category → amount), creating or replacing
    cells. All rows are checked first; one bad row refuses the batch. Returns rows saved."""
    authz.require(actor, "marketing.edit")
    if not rows:
        raise ValidationError("没有可保存的数据。", "Nothing to save.")
    vocab, projects = _Vocabulary(session), _project_lookup(session)
    clean = _validate(
        rows, lambda raw: _budget_row(session, actor, vocab, projects, raw), first_row
    )
    seen: dict[tuple, int] = {}
    for index, row in enumerate(clean):
        key = (row["project_id"], row["month"], row["channel"], row["category"])
        if key in seen:
            raise BatchRefused([_budget_repeat(first_row + index, seen[key])])
        seen[key] = first_row + index
    for row in clean:
        authz.require(actor, "marketing.edit", project_id=row["project_id"])
        existing = session.scalar(
            select(MarketingBudget).where(
                MarketingBudget.project_id == row["project_id"],
                MarketingBudget.month == row["month"],
                MarketingBudget.channel == row["channel"],
                MarketingBudget.category == row["category"],
            )
        )
        before = {"amount": existing.amount} if existing else None
        if existing is None:
            existing = MarketingBudget(**row)
            session.add(existing)
        else:
            existing.amount = row["amount"]
        session.flush()
        audit.record(
            session,
            actor,
            f"marketing.budget.{source}",
            existing,
            before=before,
            after={k: row[k] for k in ("project_id", "month", "channel", "category", "amount")},
        )
    return len(clean)


def set_budget(
    session: Session,
    *,
    actor: User,
    project_id: int,
    month: Any,
    channel: str,
    category: str,
    amount: Any,
) -> int:
    """One cell of the expense plan (the editable grid saves cell by cell)."""
    return save_budget(
        session,
        actor=actor,
        rows=[
            dict(
                project_id=project_id,
                month=month,
                channel=channel,
                category=category,
                amount=amount,
            )
        ],
    )


# ------------------------------------------------------------------------------ expenses


def _campaigns(session: Session) -> dict:
    lookup = {}
    for c in session.scalars(select(Campaign)):
        lookup[(c.project_id, c.id)] = c
        lookup[(c.project_id, str(c.id))] = c
        lookup[(c.project_id, c.name)] = c
    return lookup


def _campaign(campaigns: dict, vocab, project_id: int, channel: str | None, wanted):
    """The campaign named (or None when none is), in the project and of the channel given (not
    compared when the channel was refused)."""
    if wanted in (None, ""):
        return None
    key = wanted.strip() if isinstance(wanted, str) else wanted
    campaign = campaigns.get((project_id, key))
    if campaign is None:
        raise Refused(f"本项目没有广告活动“{wanted}”。", f"No campaign “{wanted}” in this project.")
    if channel is not None and campaign.channel != channel:
        label = vocab.channels.get(campaign.channel, campaign.channel)
        raise Refused(
            f"广告活动“{campaign.name}”属于渠道“{label}”，与所填渠道不一致。",
            f"The campaign “{campaign.name}” belongs to the channel “{label}”, not the one given.",
        )
    return campaign


def _short_text(value, limit: int, message: str, message_en: str) -> str:
    text = str(value or "").strip()
    if len(text) > limit:
        raise Refused(message, message_en)
    return text


def _expense_row(session, actor, vocab, projects, campaigns, raw: dict) -> dict:
    """An expense row's clean values, or RowRefused with the problem of each bad field."""
    fields = _Fields(raw)
    project = raw.get("project_id", raw.get("project"))
    project_id = fields.check("project", _project_id, session, actor, project, projects)
    spent_on = fields.check("spent_on", parse_date, raw.get("spent_on"), "费用日期", "expense date")
    channel = fields.check("channel", vocab.code, "channel", raw.get("channel"))
    category = fields.check("category", vocab.code, "category", raw.get("category"))
    amount = fields.check("amount", parse_amount, raw.get("amount"), allow_zero=False)
    campaign = None
    if project_id is not None:  # a campaign is only known within its project
        wanted = raw.get("campaign_id") or raw.get("campaign")
        campaign = fields.check(
            "campaign", _campaign, campaigns, vocab, project_id, channel, wanted
        )
    vendor = fields.check(
        "vendor",
        _short_text,
        raw.get("vendor"),
        100,
        "供应商名称不能超过 100 个字。",
        "The vendor's name may not exceed 100 characters.",
    )
    invoice = fields.check(
        "invoice_no",
        _short_text,
        raw.get("invoice_no"),
        50,
        "发票号不能超过 50 个字符。",
        "The invoice number may not exceed 50 characters.",
    )
    return fields.done(
        {
            "project_id": project_id,
            "spent_on": spent_on,
            "channel": channel,
            "category": category,
            "campaign_id": campaign.id if campaign else None,
            "campaign": campaign.name if campaign else "",
            "vendor": vendor,
            "invoice_no": invoice,
            "amount": amount,
        }
    )


def record_expenses(
    session: Session, *, actor: User, rows: list[dict], first_row: int = 1, source: str = "form"
) -> list[MarketingExpense]:
    """Record actual expenses; all rows are checked first, one bad row refuses them all."""
    authz.require(actor, "marketing.edit")
    if not rows:
        raise ValidationError("没有可保存的数据。", "Nothing to save.")
    vocab, projects, campaigns = _Vocabulary(session), _project_lookup(session), _campaigns(session)
    clean = _validate(
        rows,
        lambda raw: _expense_row(session, actor, vocab, projects, campaigns, raw),
        first_row,
    )
    saved = []
    for row in clean:
        authz.require(actor, "marketing.edit", project_id=row["project_id"])
        expense = MarketingExpense(**row, created_by=actor.id)
        session.add(expense)
        session.flush()
        audit.record(
            session,
            actor,
            f"marketing.expense.{source}",
            expense,
            after={k: row[k] for k in EXPENSE_FIELDS},
        )
        saved.append(expense)
    return saved


def record_expense(session: Session, *, actor: User, **fields) -> MarketingExpense:
    """One expense entered by form."""
    try:
        return record_expenses(session, actor=actor, rows=[fields])[0]
    except BatchRefused as err:
        first = err.rows[0]
        raise ValidationError(
            first.message, first.message_en or first.message, errors={"rows": err.rows}
        ) from None


def delete_expense(session: Session, *, actor: User, expense_id: int) -> None:
    """Remove an expense entered by mistake; the audit entry keeps what it was."""
    expense = session.get(MarketingExpense, expense_id)
    if expense is None:
        raise NotFound("该费用记录不存在或已删除。", "No such expense.")
    authz.require(actor, "marketing.edit", project_id=expense.project_id)
    before = {k: getattr(expense, k) for k in EXPENSE_FIELDS}
    audit.record(session, actor, "marketing.expense.delete", expense, before=before)
    session.delete(expense)


def check_budget_rows(
    session: Session, actor: User, rows: list[dict], first_row: int = 1
) -> list[RowError]:
    """Plan rows checked as save_budget would: every problem of every row (each under its
    field), a plan cell repeated in the rows included. A row's number is its "_row", else its
    position from first_row; a field in a row's "_bad" is not checked (see _Fields)."""
    vocab, projects = _Vocabulary(session), _project_lookup(session)
    errors: list[RowError] = []
    seen: dict[tuple, int] = {}
    for number, clean in _problems(
        rows, lambda raw: _budget_row(session, actor, vocab, projects, raw), first_row, errors
    ):
        key = (clean["project_id"], clean["month"], clean["channel"], clean["category"])
        if None not in key:  # a skipped field's value is unknown
            first = seen.setdefault(key, number)
            if first != number:
                errors.append(_budget_repeat(number, first))
    return errors


def check_expense_rows(
    session: Session, actor: User, rows: list[dict], first_row: int = 1
) -> list[RowError]:
    """Expense rows checked as record_expenses would (see check_budget_rows)."""
    vocab, projects, campaigns = _Vocabulary(session), _project_lookup(session), _campaigns(session)
    errors: list[RowError] = []
    _problems(
        rows,
        lambda raw: _expense_row(session, actor, vocab, projects, campaigns, raw),
        first_row,
        errors,
    )
    return errors


def _problems(rows, check, first_row: int, errors: list[RowError]) -> list[tuple[int, dict]]:
    """(row number, clean values) of each row that check() accepts; the problems of the others
    are added to errors."""
    accepted = []
    for index, raw in enumerate(rows):
        number = raw.get("_row", first_row + index)
        try:
            accepted.append((number, check(raw)))
        except RowRefused as err:
            errors.extend(RowError(number, *problem) for problem in err.problems)
    return accepted


# ------------------------------------------------------------------------------ campaigns


def save_campaign(
    session: Session,
    *,
    actor: User,
    project_id: int,
    name: str,
    channel: str,
    starts_on: Any,
    ends_on: Any,
    budget: Any = "0",
    notes: str = "",
    campaign_id: int | None = None,
) -> Campaign:
    """Create a campaign (or change one when campaign_id is given)."""
    authz.require(actor, "marketing.edit", project_id=project_id)
    errors: dict[str, str] = {}
    vocab = _Vocabulary(session)
    name = (name or "").strip()
    if not name:
        errors["name"] = "请填写活动名称。"
    elif len(name) > 100:
        errors["name"] = "活动名称不能超过 100 个字。"
    try:
        channel = vocab.code("channel", channel)
    except ValueError as err:
        errors["channel"] = str(err)
    start = end = None
    try:
        start = parse_date(starts_on, "开始日期")
    except ValueError as err:
        errors["starts_on"] = str(err)
    try:
        end = parse_date(ends_on, "结束日期")
    except ValueError as err:
        errors["ends_on"] = str(err)
    if start and end and end < start:
        errors["ends_on"] = "结束日期不能早于开始日期。"
    try:
        amount = parse_amount(budget if budget not in (None, "") else "0", allow_zero=True)
    except ValueError as err:
        errors["budget"] = str(err)
    if session.get(Project, project_id) is None:
        errors["project"] = "项目不存在。"
    if not errors:
        clash = session.scalar(
            select(Campaign.id).where(Campaign.project_id == project_id, Campaign.name == name)
        )
        if clash and clash != campaign_id:
            errors["name"] = f"本项目已有名为“{name}”的广告活动。"
    if errors:
        raise ValidationError("；".join(errors.values()), "Please correct the form.", errors)
    before = None
    if campaign_id is not None:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None or campaign.project_id != project_id:
            raise NotFound("该广告活动不存在。", "No such campaign.")
        before = audit.snapshot(campaign, ["name", "channel", "starts_on", "ends_on", "budget"])
        if campaign.channel != channel and session.scalar(
            select(MarketingExpense.id).where(MarketingExpense.campaign_id == campaign.id).limit(1)
        ):
            raise ValidationError(
                "该活动已有费用记录，不能更改其渠道。",
                "The campaign has expenses; its channel cannot change.",
                {"channel": "locked"},
            )
    else:
        campaign = Campaign(project_id=project_id, created_by=actor.id)
        session.add(campaign)
    campaign.name, campaign.channel = name, channel
    campaign.starts_on, campaign.ends_on = start, end
    campaign.budget, campaign.notes = amount, (notes or "").strip()
    session.flush()
    if campaign_id is not None:
        # Expenses keep the campaign's current name.
        for expense in session.scalars(
            select(MarketingExpense).where(MarketingExpense.campaign_id == campaign.id)
        ):
            expense.campaign = name
    audit.record(
        session,
        actor,
        "marketing.campaign." + ("update" if campaign_id else "create"),
        campaign,
        before=before,
        after=audit.snapshot(campaign, ["name", "channel", "starts_on", "ends_on", "budget"]),
    )
    return campaign
