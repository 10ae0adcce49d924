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
    """One refused row of a batch: its number as the user sees it (Excel row or grid line)."""

    row: int
    field: str
    message: str


class BatchRefused(ValidationError):
    """A batch (grid save or import) with bad rows: nothing was written."""

    def __init__(self, errors: list[RowError]):
        first = errors[0]
        super().__init__(
            f"有 {len(errors)} 行数据有误，全部未保存。第 {first.row} 行：{first.message}",
            f"{len(errors)} rows are wrong; nothing was saved. Row {first.row}: {first.message}",
            errors={"rows": errors},
        )
        self.rows = errors


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
        if not text:
            raise ValueError(f"请填写{what}。")
        raise ValueError(f"未知的{what}“{text}”，请在代码设置中维护或从下拉列表选择。")


# ------------------------------------------------------------------------------ parsing


def parse_amount(value: Any, *, allow_zero: bool) -> Decimal:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError("请填写金额。")
    if isinstance(value, float):  # Excel and JSON give floats: their shortest repr is exact
        value = repr(value)
    try:
        amount = money(to_decimal(value))
    except (TypeError, ValueError):
        raise ValueError(f"金额“{value}”不是有效的数字。") from None
    if amount < 0:
        raise ValueError("金额不能为负数。")
    if amount == 0 and not allow_zero:
        raise ValueError("金额必须大于 0。")
    if amount >= MAX_AMOUNT:
        raise ValueError("金额过大，请核对。")
    return amount


def parse_date(value: Any, what: str = "日期") -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    if not text:
        raise ValueError(f"请填写{what}。")
    for candidate in (text[:10], text.replace("/", "-")[:10]):
        try:
            return date.fromisoformat(candidate)
        except ValueError:
            pass
    raise ValueError(f"{what}“{text}”格式不正确，应为 2026-03-15。")


def parse_month(value: Any) -> date:
    """'2026-03', '2026/3', '2026年3月', '2026-03-01', a date → the month's first day."""
    if isinstance(value, (date, datetime)):
        day = value.date() if isinstance(value, datetime) else value
        return day.replace(day=1)
    text = str(value or "").strip()
    if not text:
        raise ValueError("请填写月份。")
    found = re.match(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})(?:\D|$)", text)
    if found and 1 <= int(found.group(2)) <= 12:
        return date(int(found.group(1)), int(found.group(2)), 1)
    raise ValueError(f"月份“{value}”格式不正确，应为 2026-03。")


def _project_id(session: Session, actor: User, value: Any, projects: dict) -> int:
    """A project by id, code or name, that the actor may edit."""
    text = str(value if value is not None else "").strip()
    if not text:
        raise ValueError("请选择项目。")
    project = projects.get(text)
    if project is None and text.isdigit():
        project = projects.get(int(text))
    if project is None:
        raise ValueError(f"项目“{text}”不存在。")
    if not authz.scope(actor).allows_project(project):
        raise ValueError(f"您无权编辑项目“{text}”的营销费用。")
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


def _budget_row(session, actor, vocab, projects, raw: dict) -> dict:
    return {
        "project_id": _project_id(
            session, actor, raw.get("project_id", raw.get("project")), projects
        ),
        "month": parse_month(raw.get("month")),
        "channel": vocab.code("channel", raw.get("channel")),
        "category": vocab.code("category", raw.get("category")),
        "amount": parse_amount(raw.get("amount"), allow_zero=True),
    }


def _validate(rows: list[dict], check, first_row: int) -> list[dict]:
    """Validate every row (check(raw) -> clean dict or ValueError); refuse the whole batch with
    every row's message when any is bad."""
    clean, errors = [], []
    for index, raw in enumerate(rows):
        try:
            clean.append(check(raw))
        except ValueError as err:
            errors.append(RowError(first_row + index, "", str(err)))
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
            raise BatchRefused(
                [
                    RowError(
                        first_row + index,
                        "",
                        f"与第 {seen[key]} 行重复（同一项目、月份、渠道和类别）。",
                    )
                ]
            )
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


def _expense_row(session, actor, vocab, projects, campaigns, raw: dict) -> dict:
    project_id = _project_id(session, actor, raw.get("project_id", raw.get("project")), projects)
    spent_on = parse_date(raw.get("spent_on"), "费用日期")
    channel = vocab.code("channel", raw.get("channel"))
    category = vocab.code("category", raw.get("category"))
    amount = parse_amount(raw.get("amount"), allow_zero=False)
    campaign = None
    wanted = raw.get("campaign_id") or raw.get("campaign")
    if wanted not in (None, ""):
        key = wanted.strip() if isinstance(wanted, str) else wanted
        campaign = campaigns.get((project_id, key))
        if campaign is None:
            raise ValueError(f"本项目没有广告活动“{wanted}”。")
        if campaign.channel != channel:
            label = vocab.channels.get(campaign.channel, campaign.channel)
            raise ValueError(f"广告活动“{campaign.name}”属于渠道“{label}”，与所填渠道不一致。")
    vendor = str(raw.get("vendor") or "").strip()
    invoice = str(raw.get("invoice_no") or "").strip()
    if len(vendor) > 100:
        raise ValueError("供应商名称不能超过 100 个字。")
    if len(invoice) > 50:
        raise ValueError("发票号不能超过 50 个字符。")
    return {
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
        message = err.rows[0].message
        raise ValidationError(message, message, errors={"rows": err.rows}) from None


def delete_expense(session: Session, *, actor: User, expense_id: int) -> None:
    """Remove an expense entered by mistake; the audit entry keeps what it was."""
    expense = session.get(MarketingExpense, expense_id)
    if expense is None:
        raise NotFound("该费用记录不存在或已删除。", "No such expense.")
    authz.require(actor, "marketing.edit", project_id=expense.project_id)
    before = {k: getattr(expense, k) for k in EXPENSE_FIELDS}
    audit.record(session, actor, "marketing.expense.delete", expense, before=before)
    session.delete(expense)


def check_budget_rows(session: Session, actor: User, rows: list[dict]) -> list[tuple[dict, str]]:
    """Plan rows checked as save_budget would: (row, Chinese message) for each bad one."""
    vocab, projects = _Vocabulary(session), _project_lookup(session)
    return _problems(rows, lambda raw: _budget_row(session, actor, vocab, projects, raw))


def check_expense_rows(session: Session, actor: User, rows: list[dict]) -> list[tuple[dict, str]]:
    """Expense rows checked as record_expenses would."""
    vocab, projects, campaigns = _Vocabulary(session), _project_lookup(session), _campaigns(session)
    return _problems(
        rows, lambda raw: _expense_row(session, actor, vocab, projects, campaigns, raw)
    )


def _problems(rows, check) -> list[tuple[dict, str]]:
    out = []
    for raw in rows:
        try:
            check(raw)
        except ValueError as err:
            out.append((raw, str(err)))
    return out


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
