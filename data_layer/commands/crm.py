"""CRM business actions: register a visitor or caller, follow up, move through the funnel,
attribution (protection period, claims, manager overrides), transfers, survey fields, lead import.

Each command runs in the caller's transaction, checks permission in the customer's project,
writes an audit entry and raises a DomainError with a message a consultant can act on."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import audit, authz, localtime
from ..errors import DomainError, NotFound, PermissionDenied, ValidationError
from ..models import (
    AssignmentKind,
    CodeItem,
    ContactKind,
    ContractStatus,
    Customer,
    CustomerAssignment,
    CustomerStage,
    Deal,
    DealState,
    FollowUp,
    Project,
    RoleCode,
    SurveyAnswer,
    SurveyField,
    SurveyKind,
    User,
    utcnow,
)
from ..queries.crm import may_read, visible_customer
from ..rules import idcard
from ..rules import mobile as mobile_rules

LEVELS = ("A", "B", "C", "D")
ACTIVE_STAGES = (CustomerStage.LEAD, CustomerStage.OPPORTUNITY)
# Roles that may own customers (a manager may keep customers of their own).
OWNER_ROLES = (RoleCode.CONSULTANT, RoleCode.MANAGER)
MAX_NOTES = 2000
DEFAULT_NEXT_DAYS = 3


# ---------------------------------------------------------------------------------------------
# Refusals


@dataclass(frozen=True)
class OwnerInfo:
    """Who already owns a customer with this mobile or ID in the project, and since when."""

    customer_id: int
    consultant_id: int
    consultant_name: str
    since: date
    last_contact_on: date | None
    protected_until: date
    matched_on: str  # "mobile" or "id_number"

    def protected(self, today: date) -> bool:
        return today <= self.protected_until


class DuplicateCustomer(DomainError):
    def __init__(self, owner: OwnerInfo, today: date):
        what = "手机号" if owner.matched_on == "mobile" else "身份证号"
        what_en = "mobile number" if owner.matched_on == "mobile" else "ID number"
        since = owner.since.isoformat()
        if owner.protected(today):
            tail = f"，保护期至 {owner.protected_until.isoformat()}"
            tail_en = f", protected until {owner.protected_until.isoformat()}"
        else:
            tail = "，保护期已过，可申请接手"
            tail_en = ", protection period over: it may be taken over"
        super().__init__(
            f"该{what}已登记：客户归属 {owner.consultant_name}（自 {since} 起）{tail}。",
            f"This {what_en} is already registered: owned by {owner.consultant_name} "
            f"since {since}{tail_en}.",
        )
        self.owner = owner


@dataclass
class RowError:
    row: int  # spreadsheet row number (header is row 1)
    column: str
    message: str
    message_en: str = ""


class ImportRejected(DomainError):
    """An import with bad rows: nothing is written; `errors` lists every problem by row."""

    def __init__(self, errors: list[RowError]):
        super().__init__(
            f"导入失败：{len(errors)} 处错误，未导入任何数据。请按错误清单修改后重新导入。",
            f"Import refused: {len(errors)} errors, nothing imported. Fix them and retry.",
        )
        self.errors = errors


# ---------------------------------------------------------------------------------------------
# Validation shared by the form and the import


class Problems(dict):
    """field → Chinese message of a form or an import row, with each message's English twin in
    `en` (so a refused form says what is wrong in either language)."""

    def __init__(self):
        super().__init__()
        self.en: dict[str, str] = {}

    def add(self, key: str, message: str, message_en: str) -> None:
        self[key] = message
        self.en[key] = message_en

    def refusal(self) -> ValidationError:
        return ValidationError("；".join(self.values()), " ".join(self.en.values()), errors=self)


def _today(today: date | None) -> date:
    return today or localtime.today()


def _text(value, limit: int) -> str:
    return str(value if value is not None else "").strip()[:limit]


def _decimal(value, label: str, errors: Problems, key: str, label_en: str = "") -> Decimal | None:
    if value in (None, ""):
        return None
    if isinstance(value, float):
        value = repr(value)  # from a spreadsheet: keep its digits, never float arithmetic
    try:
        number = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        errors.add(key, f"{label}须为数字。", f"{label_en or label} must be a number.")
        return None
    if not number.is_finite() or number < 0:
        errors.add(key, f"{label}不能为负数。", f"{label_en or label} cannot be negative.")
        return None
    return number


def codes(session: Session, category: str) -> dict[str, str]:
    """code → label of the active dictionary items of a category."""
    rows = session.execute(
        select(CodeItem.code, CodeItem.label).where(
            CodeItem.category == category, CodeItem.active.is_(True)
        )
    )
    return {code: label for code, label in rows}


def _code(
    session, category: str, value, label: str, errors: Problems, key: str, label_en: str
) -> str:
    """Accept a dictionary code or its Chinese label; store the code."""
    text = _text(value, 100)
    if not text:
        return ""
    items = codes(session, category)
    if text in items:
        return text
    for code, item_label in items.items():
        if item_label == text:
            return code
    errors.add(
        key, f"{label}“{text}”不在代码设置中。", f"{label_en} “{text}” is not in the code list."
    )
    return ""


def survey_fields(session: Session, project_id: int) -> list[SurveyField]:
    return list(
        session.scalars(
            select(SurveyField)
            .where(SurveyField.project_id == project_id, SurveyField.active.is_(True))
            .order_by(SurveyField.sort, SurveyField.id)
        )
    )


def survey_key(field_id: int) -> str:
    """The error key of a survey question (an import names its column by the question)."""
    return f"survey-{field_id}"


def _clean_survey(
    fields: list[SurveyField], answers: dict | None, errors: Problems, partial: bool = False
) -> dict[int, str]:
    """The answers checked against the questions. `partial`: only the questions answered are
    checked (an edit of other details, an import file without survey columns), so a required
    question nobody was asked does not refuse them; an answer given empty still does."""
    answers = {int(k): v for k, v in (answers or {}).items() if str(k).isdigit()}
    clean: dict[int, str] = {}
    for item in fields:
        if partial and item.id not in answers:
            continue
        value = answers.get(item.id)
        key = survey_key(item.id)
        empty = value in (None, "", [])
        if empty:
            if item.required:
                errors.add(
                    key,
                    f"请填写问卷项“{item.label}”。",
                    f"Answer the survey question “{item.label}”.",
                )
            continue
        if item.kind == SurveyKind.NUMBER:
            number = _decimal(value, f"问卷项“{item.label}”", errors, key, f"“{item.label}”")
            if number is not None:
                clean[item.id] = str(number)
        elif item.kind == SurveyKind.SINGLE:
            if str(value) not in item.options:
                errors.add(
                    key,
                    f"问卷项“{item.label}”的选项无效。",
                    f"Not an option of “{item.label}”.",
                )
            else:
                clean[item.id] = str(value)
        elif item.kind == SurveyKind.MULTI:
            chosen = value if isinstance(value, list) else [v for v in str(value).split("、") if v]
            chosen = [str(v).strip() for v in chosen]
            bad = [v for v in chosen if v not in item.options]
            if bad:
                errors.add(
                    key,
                    f"问卷项“{item.label}”的选项无效：{'、'.join(bad)}。",
                    f"Not options of “{item.label}”: {', '.join(bad)}.",
                )
            else:
                clean[item.id] = json.dumps(chosen, ensure_ascii=False)
        else:
            clean[item.id] = _text(value, 500)
    return clean


@dataclass
class Registration:
    """A validated registration (or import row), ready to insert."""

    name: str
    mobile: str
    id_number: str | None
    birthday: date | None
    gender: str
    channel: str
    contact_kind: ContactKind
    intended_layout: str
    area_min: Decimal | None
    area_max: Decimal | None
    budget: Decimal | None
    purpose: str
    level: str
    notes: str
    next_follow_up_on: date | None
    survey: dict[int, str] = field(default_factory=dict)


def _gender_of(id_number: str | None) -> str:
    if not id_number:
        return ""
    return "男" if int(id_number[16]) % 2 else "女"


def clean_registration(
    session: Session, project_id: int, values: dict, today: date, survey_partial: bool = False
) -> tuple[Registration | None, Problems]:
    """Validate a form or an import row; (registration, {}) or (None, {field: message}) with
    the English messages in `.en`. `survey_partial`: check only the survey answers given."""
    errors = Problems()
    name = _text(values.get("name"), 50)
    if not name:
        errors.add("name", "请填写客户姓名。", "Enter the customer's name.")
    raw_mobile = _text(values.get("mobile"), 40)
    mobile = ""
    if not raw_mobile:
        errors.add("mobile", "请填写手机号码。", "Enter the mobile number.")
    elif not mobile_rules.is_valid(raw_mobile):
        errors.add(
            "mobile",
            f"手机号码“{raw_mobile}”格式不正确：应为 1 开头的 11 位数字。",
            f"Mobile number “{raw_mobile}” is invalid: 11 digits starting with 1.",
        )
    else:
        mobile = mobile_rules.normalize(raw_mobile)
    raw_id = _text(values.get("id_number"), 40)
    id_number = None
    if raw_id:
        if not idcard.is_valid(raw_id):
            errors.add(
                "id_number",
                f"身份证号“{raw_id}”无效：请核对位数、出生日期和末位校验码。",
                f"ID number “{raw_id}” is invalid: check its length, birth date and check "
                "character.",
            )
        else:
            id_number = idcard.normalize(raw_id)
    kind_value = values.get("contact_kind") or ContactKind.VISIT.value
    try:
        kind = ContactKind(kind_value)
    except ValueError:
        kind = ContactKind.VISIT
        errors.add("contact_kind", "请选择来访或来电。", "Choose visit or call.")
    level = _text(values.get("level"), 1).upper()
    if level and level not in LEVELS:
        errors.add("level", "客户等级须为 A、B、C 或 D。", "The level must be A, B, C or D.")
    area_min = _decimal(values.get("area_min"), "意向面积", errors, "area_min", "The wanted area")
    area_max = _decimal(values.get("area_max"), "意向面积", errors, "area_max", "The wanted area")
    if area_min is not None and area_max is not None and area_min > area_max:
        errors.add(
            "area_max",
            "意向面积的上限不能小于下限。",
            "The wanted area's maximum is below its minimum.",
        )
    budget = _decimal(values.get("budget"), "预算", errors, "budget", "The budget")
    next_on = values.get("next_follow_up_on")
    if isinstance(next_on, datetime):
        next_on = next_on.date()
    if isinstance(next_on, str) and next_on:
        try:
            next_on = date.fromisoformat(next_on[:10])
        except ValueError:
            errors.add(
                "next_follow_up_on", "下次跟进日期格式不正确。", "The next follow-up is not a date."
            )
            next_on = None
    if not next_on:
        next_on = today + timedelta(days=DEFAULT_NEXT_DAYS)
    elif next_on < today:
        errors.add(
            "next_follow_up_on",
            "下次跟进日期不能早于今天。",
            "The next follow-up cannot be in the past.",
        )
    registration = Registration(
        name=name,
        mobile=mobile,
        id_number=id_number,
        birthday=idcard.birthday(id_number) if id_number else None,
        gender=_gender_of(id_number),
        channel=_code(
            session, "channel", values.get("channel"), "认知途径", errors, "channel", "Channel"
        ),
        contact_kind=kind,
        intended_layout=_text(values.get("intended_layout"), 50),
        area_min=area_min,
        area_max=area_max,
        budget=budget,
        purpose=_code(
            session, "purpose", values.get("purpose"), "置业目的", errors, "purpose", "Purpose"
        ),
        level=level,
        notes=_text(values.get("notes"), MAX_NOTES),
        next_follow_up_on=next_on,
        survey=_clean_survey(
            survey_fields(session, project_id), values.get("survey"), errors, survey_partial
        ),
    )
    return (None, errors) if errors else (registration, {})


# ---------------------------------------------------------------------------------------------
# Ownership


def protected_until(customer: Customer, protection_days: int) -> date:
    """A consultant keeps a customer for the protection period after taking them on or after
    their last contact, whichever is later."""
    start = localtime.local(customer.assigned_at).date()
    if customer.last_contact_on and customer.last_contact_on > start:
        start = customer.last_contact_on
    return start + timedelta(days=protection_days)


def find_owner(
    session: Session, project_id: int, mobile: str = "", id_number: str = ""
) -> OwnerInfo | None:
    """The existing customer in the project with this mobile or ID (either may be raw input)."""
    conditions = []
    if mobile and mobile_rules.is_valid(mobile):
        conditions.append(Customer.mobile == mobile_rules.normalize(mobile))
    if id_number and idcard.is_valid(id_number):
        conditions.append(Customer.id_number == idcard.normalize(id_number))
    if not conditions or not project_id:
        return None
    found = session.execute(
        select(Customer, User.display_name, Project.protection_days)
        .join(User, User.id == Customer.consultant_id)
        .join(Project, Project.id == Customer.project_id)
        .where(Customer.project_id == project_id, or_(*conditions))
        .order_by(Customer.id)
        .limit(1)
    ).first()
    if found is None:
        return None
    customer, consultant_name, days = found
    matched = (
        "mobile"
        if mobile
        and mobile_rules.is_valid(mobile)
        and customer.mobile == mobile_rules.normalize(mobile)
        else "id_number"
    )
    return OwnerInfo(
        customer_id=customer.id,
        consultant_id=customer.consultant_id,
        consultant_name=consultant_name,
        since=localtime.local(customer.assigned_at).date(),
        last_contact_on=customer.last_contact_on,
        protected_until=protected_until(customer, days),
        matched_on=matched,
    )


def _owner_user(session: Session, actor: User, project_id: int, consultant_id) -> User:
    """The consultant who will own a customer: the actor by default; another person only for
    someone who may assign customers (a manager)."""
    if consultant_id in (None, ""):
        if actor.role_code in OWNER_ROLES:
            return actor
        raise ValidationError(
            "请选择负责的置业顾问。", "Choose the consultant.", {"consultant": "missing"}
        )
    consultant = session.get(User, int(consultant_id))
    if consultant is None or not consultant.active or consultant.role_code not in OWNER_ROLES:
        raise ValidationError(
            "所选置业顾问不存在或已停用。",
            "The consultant does not exist or is disabled.",
            {"consultant": "invalid"},
        )
    if project_id not in consultant.project_ids:
        raise ValidationError(
            f"{consultant.display_name} 不属于该项目。",
            f"{consultant.display_name} does not work on this project.",
            {"consultant": "project"},
        )
    if consultant.id != actor.id and not authz.has(actor, "crm.override"):
        raise PermissionDenied("crm.override")
    return consultant


def _assign(
    session: Session,
    customer: Customer,
    to_user_id: int,
    kind: AssignmentKind,
    by: User | None,
    reason: str = "",
    from_user_id: int | None = None,
) -> None:
    session.add(
        CustomerAssignment(
            customer_id=customer.id,
            project_id=customer.project_id,
            from_consultant_id=from_user_id,
            to_consultant_id=to_user_id,
            kind=kind,
            reason=reason[:200],
            by_user_id=by.id if by else None,
        )
    )


def _masked(customer: Customer) -> dict:
    """What the audit log keeps about a customer: no full phone or ID number."""
    return {
        "name": customer.name,
        "mobile": mobile_rules.mask(customer.mobile),
        "consultant_id": customer.consultant_id,
        "stage": customer.stage,
        "level": customer.level,
    }


# ---------------------------------------------------------------------------------------------
# Registering and working customers


def register_customer(
    session: Session,
    *,
    actor: User,
    project_id: int,
    values: dict,
    consultant_id: int | None = None,
    today: date | None = None,
) -> Customer:
    """来访/来电登记: a new customer owned by the registering consultant (or the one a manager
    chooses). A mobile or ID already registered in the project is refused with its owner."""
    today = _today(today)
    if not project_id:
        raise ValidationError("请先选择项目。", "Choose a project first.", {"project": "missing"})
    project_id = int(project_id)
    authz.require(actor, "crm.edit", project_id=project_id)
    if session.get(Project, project_id) is None:
        raise NotFound("项目不存在。", "No such project.")
    registration, errors = clean_registration(session, project_id, values, today)
    if errors:
        raise errors.refusal()
    owner = _owner_user(session, actor, project_id, consultant_id)
    duplicate = find_owner(session, project_id, registration.mobile, registration.id_number or "")
    if duplicate is not None:
        raise DuplicateCustomer(duplicate, today)
    customer = _insert_customer(session, project_id, owner.id, registration, today)
    _assign(session, customer, owner.id, AssignmentKind.REGISTER, actor)
    audit.record(session, actor, "crm.register", customer, after=_masked(customer))
    return customer


def _insert_customer(
    session: Session, project_id: int, owner_id: int, reg: Registration, today: date
) -> Customer:
    stage = CustomerStage.OPPORTUNITY if reg.level else CustomerStage.LEAD
    customer = Customer(
        project_id=project_id,
        consultant_id=owner_id,
        name=reg.name,
        mobile=reg.mobile,
        id_number=reg.id_number,
        gender=reg.gender,
        birthday=reg.birthday,
        channel=reg.channel,
        first_contact=reg.contact_kind,
        first_contact_on=today,
        stage=stage,
        level=reg.level,
        opportunity_on=today if reg.level else None,
        intended_layout=reg.intended_layout,
        area_min=reg.area_min,
        area_max=reg.area_max,
        budget=reg.budget,
        purpose=reg.purpose,
        visit_count=1 if reg.contact_kind == ContactKind.VISIT else 0,
        follow_up_count=0,
        last_contact_on=today,
        next_follow_up_on=reg.next_follow_up_on,
        assigned_at=utcnow(),
        notes=reg.notes,
    )
    try:
        # A savepoint: a twin registered by someone else a moment ago fails here alone.
        with session.begin_nested():
            session.add(customer)
            session.flush()
    except IntegrityError:
        duplicate = find_owner(session, project_id, reg.mobile, reg.id_number or "")
        if duplicate is None:
            raise
        raise DuplicateCustomer(duplicate, today) from None
    for field_id, value in reg.survey.items():
        session.add(SurveyAnswer(customer_id=customer.id, field_id=field_id, value=value))
    session.add(
        FollowUp(
            customer_id=customer.id,
            user_id=owner_id,
            kind=reg.contact_kind,
            happened_on=today,
            notes=reg.notes,
            next_on=reg.next_follow_up_on,
        )
    )
    return customer


def _editable_customer(session: Session, actor: User, customer_id) -> Customer:
    customer = visible_customer(session, actor, customer_id, "crm.edit")
    authz.require(actor, "crm.edit", project_id=customer.project_id)
    return customer


def add_follow_up(
    session: Session,
    *,
    actor: User,
    customer_id: int,
    kind: str,
    notes: str,
    next_on: date | None,
    today: date | None = None,
) -> FollowUp:
    """跟进: a contact with the customer; a walk-in counts as a returning visit (复访)."""
    today = _today(today)
    customer = _editable_customer(session, actor, customer_id)
    try:
        contact = ContactKind(kind or "")
    except ValueError:
        raise ValidationError(
            "请选择跟进方式。", "Choose the contact type.", {"kind": "missing"}
        ) from None
    notes = _text(notes, MAX_NOTES)
    if not notes:
        raise ValidationError("请填写跟进内容。", "Write what was discussed.", {"notes": "missing"})
    if isinstance(next_on, str):
        next_on = date.fromisoformat(next_on[:10]) if next_on else None
    if next_on is not None and next_on < today:
        raise ValidationError(
            "下次跟进日期不能早于今天。",
            "The next follow-up cannot be in the past.",
            {"next_on": "past"},
        )
    if customer.stage == CustomerStage.LOST:
        raise ValidationError(
            "该客户已流失，请先恢复为线索客户再跟进。",
            "This customer is lost; reactivate them first.",
        )
    item = FollowUp(
        customer_id=customer.id,
        user_id=actor.id,
        kind=contact,
        happened_on=today,
        notes=notes,
        next_on=next_on,
    )
    session.add(item)
    customer.follow_up_count += 1
    if contact == ContactKind.VISIT:
        customer.visit_count += 1
    customer.last_contact_on = today
    customer.next_follow_up_on = next_on
    session.flush()
    audit.record(
        session,
        actor,
        "crm.follow_up",
        customer,
        after={"kind": contact, "next_on": next_on, "follow_up_id": item.id},
    )
    return item


def change_stage(
    session: Session,
    *,
    actor: User,
    customer_id: int,
    stage: str,
    level: str = "",
    lost_reason: str = "",
    today: date | None = None,
) -> Customer:
    """线索 → 机会 (with a level) → 流失 (with a reason from the dictionary), or back to 线索.
    成交 is set by the deal commands, never by hand."""
    today = _today(today)
    customer = _editable_customer(session, actor, customer_id)
    try:
        target = CustomerStage(stage or "")
    except ValueError:
        raise ValidationError("请选择客户阶段。", "Choose a stage.", {"stage": "missing"}) from None
    if customer.stage == CustomerStage.DEAL or target == CustomerStage.DEAL:
        raise ValidationError(
            "成交客户的阶段由交易登记自动维护，不能手工修改。",
            "The deal stage follows the transactions; it cannot be set by hand.",
        )
    before = _masked(customer) | {"lost_reason": customer.lost_reason}
    level = (level or "").strip().upper()
    if target == CustomerStage.OPPORTUNITY:
        if level not in LEVELS:
            raise ValidationError(
                "转为机会客户须选择等级 A/B/C/D。",
                "An opportunity needs a level A/B/C/D.",
                {"level": "missing"},
            )
        customer.level = level
        customer.opportunity_on = customer.opportunity_on or today
        customer.lost_reason, customer.lost_on = "", None
    elif target == CustomerStage.LOST:
        reasons = codes(session, "lost_reason")
        if lost_reason not in reasons:
            raise ValidationError(
                "请选择流失原因。", "Choose why the customer was lost.", {"lost_reason": "missing"}
            )
        customer.lost_reason, customer.lost_on = lost_reason, today
        customer.next_follow_up_on = None
    else:
        customer.lost_reason, customer.lost_on = "", None
        if level in LEVELS:
            customer.level = level
    customer.stage = target
    audit.record(
        session,
        actor,
        "crm.stage",
        customer,
        before=before,
        after=_masked(customer) | {"lost_reason": customer.lost_reason},
    )
    return customer


EDITABLE = (
    "name",
    "id_number",
    "channel",
    "intended_layout",
    "area_min",
    "area_max",
    "budget",
    "purpose",
    "notes",
)


def _buyer_of_filed_contract(session: Session, customer_id: int) -> bool:
    """Whether the customer buys under a live contract filed with the housing authority: its
    buyer's name and ID number are on record there, and change only through 更名."""
    return (
        session.scalar(
            select(Deal.id)
            .where(
                Deal.customer_id == customer_id,
                Deal.state == DealState.LIVE,
                Deal.contract_status == ContractStatus.FILED,
            )
            .limit(1)
        )
        is not None
    )


def update_customer(
    session: Session, *, actor: User, customer_id: int, values: dict, today: date | None = None
) -> Customer:
    """Correct a customer's details and survey answers (the mobile number identifies the
    customer and is not edited here)."""
    today = _today(today)
    customer = _editable_customer(session, actor, customer_id)
    merged = {
        "name": customer.name,
        "mobile": customer.mobile,
        "contact_kind": customer.first_contact.value,
        "level": customer.level,
        "next_follow_up_on": None,
        **{k: v for k, v in values.items() if k in EDITABLE or k == "survey"},
    }
    # Only the answers sent are checked: an edit of the details must not be refused for a
    # required survey question it does not show.
    registration, errors = clean_registration(
        session, customer.project_id, merged, today, survey_partial=True
    )
    if errors:
        raise errors.refusal()
    renamed = registration.name != customer.name or (
        (registration.id_number or "") != (customer.id_number or "")
    )
    if renamed and _buyer_of_filed_contract(session, customer.id):
        raise ValidationError(
            "该客户的购房合同已备案：更改姓名或身份证号须先撤销备案，再走更名流程。",
            "This customer's contract is filed with the housing authority: withdraw the filing "
            "(撤销备案) and request a change of buyer (更名) to change the name or ID number.",
            {"name": "filed"},
        )
    if registration.id_number and registration.id_number != customer.id_number:
        twin = find_owner(session, customer.project_id, "", registration.id_number)
        if twin is not None and twin.customer_id != customer.id:
            raise DuplicateCustomer(twin, today)
    before = {f: getattr(customer, f) for f in EDITABLE}
    for name in EDITABLE:
        setattr(customer, name, getattr(registration, name))
    customer.birthday = registration.birthday or customer.birthday
    if registration.gender:
        customer.gender = registration.gender
    existing = {
        a.field_id: a
        for a in session.scalars(
            select(SurveyAnswer).where(SurveyAnswer.customer_id == customer.id)
        )
    }
    for field_id, value in registration.survey.items():
        if field_id in existing:
            existing[field_id].value = value
        else:
            session.add(SurveyAnswer(customer_id=customer.id, field_id=field_id, value=value))
    after = {f: getattr(customer, f) for f in EDITABLE}
    if before.get("id_number"):
        before["id_number"] = idcard.mask(before["id_number"])
    if after.get("id_number"):
        after["id_number"] = idcard.mask(after["id_number"])
    audit.record(session, actor, "crm.update", customer, before=before, after=after)
    return customer


# ---------------------------------------------------------------------------------------------
# Attribution: claims after the protection period, manager overrides, transfers


def claim_customer(
    session: Session, *, actor: User, customer_id: int, today: date | None = None
) -> Customer:
    """A second consultant takes over a customer whose protection period has ended."""
    today = _today(today)
    customer = session.get(Customer, int(customer_id), with_for_update=True)
    if customer is None:
        raise NotFound("客户不存在。", "No such customer.")
    authz.require(actor, "crm.edit", project_id=customer.project_id)
    if actor.role_code not in OWNER_ROLES:
        raise PermissionDenied("crm.edit")
    if customer.consultant_id == actor.id:
        raise ValidationError("该客户已归属于您。", "This customer is already yours.")
    project = session.get(Project, customer.project_id)
    until = protected_until(customer, project.protection_days)
    if today <= until:
        owner = session.get(User, customer.consultant_id)
        raise DomainError(
            f"该客户在 {owner.display_name} 的保护期内（至 {until.isoformat()}），"
            "如需改归属请联系销售经理。",
            f"Protected for {owner.display_name} until {until.isoformat()}; ask a manager.",
        )
    if customer.stage == CustomerStage.DEAL:
        raise DomainError("已成交客户不能被接手。", "A customer with a deal cannot be taken over.")
    previous = customer.consultant_id
    _reassign(customer, actor.id, today)
    _assign(session, customer, actor.id, AssignmentKind.CLAIM, actor, "保护期已过", previous)
    audit.record(
        session,
        actor,
        "crm.claim",
        customer,
        before={"consultant_id": previous},
        after={"consultant_id": actor.id, "protected_until": until},
    )
    return customer


def _reassign(customer: Customer, to_user_id: int, today: date) -> None:
    customer.consultant_id = to_user_id
    customer.assigned_at = utcnow()
    # The new owner is reminded at once of an active customer without a planned follow-up.
    if customer.stage in ACTIVE_STAGES and customer.next_follow_up_on is None:
        customer.next_follow_up_on = today


def _new_owner(session: Session, project_id: int, user_id) -> User:
    if user_id in (None, ""):
        raise ValidationError("请选择接手的置业顾问。", "Choose who takes over.", {"to": "missing"})
    user = session.get(User, int(user_id))
    if (
        user is None
        or not user.active
        or user.role_code not in OWNER_ROLES
        or project_id not in user.project_ids
    ):
        raise ValidationError(
            "接手人须为该项目在职的置业顾问。",
            "The new owner must be an active consultant of this project.",
            {"to": "invalid"},
        )
    return user


def override_attribution(
    session: Session,
    *,
    actor: User,
    customer_id: int,
    to_consultant_id: int,
    reason: str,
    today: date | None = None,
) -> Customer:
    """A manager changes a customer's owner, also within the protection period; the reason is
    kept in the attribution history."""
    today = _today(today)
    customer = visible_customer(session, actor, customer_id, "crm.override")
    authz.require(actor, "crm.override", project_id=customer.project_id)
    # Who takes over is asked first: it is the first field of the form.
    new_owner = _new_owner(session, customer.project_id, to_consultant_id)
    reason = _text(reason, 200)
    if not reason:
        raise ValidationError("请填写改归属的原因。", "Give the reason.", {"reason": "missing"})
    if new_owner.id == customer.consultant_id:
        raise ValidationError("客户已归属于该置业顾问。", "Already owned by this consultant.")
    previous = customer.consultant_id
    _reassign(customer, new_owner.id, today)
    _assign(session, customer, new_owner.id, AssignmentKind.OVERRIDE, actor, reason, previous)
    audit.record(
        session,
        actor,
        "crm.override",
        customer,
        before={"consultant_id": previous},
        after={"consultant_id": new_owner.id, "reason": reason},
    )
    return customer


def transfer_customers(
    session: Session,
    *,
    actor: User,
    project_id: int,
    from_consultant_id: int,
    to_consultant_id: int,
    reason: str,
    customer_ids: list[int] | None = None,
    today: date | None = None,
) -> int:
    """客户接转: move all (customer_ids None) or the selected customers of a consultant of the
    project to another one, in one transaction. Returns how many moved."""
    today = _today(today)
    if not project_id:
        raise ValidationError("请先选择项目。", "Choose a project first.", {"project": "missing"})
    project_id = int(project_id)
    authz.require(actor, "crm.transfer", project_id=project_id)
    reason = _text(reason, 200)
    if not reason:
        raise ValidationError("请填写接转原因。", "Give the reason.", {"reason": "missing"})
    if from_consultant_id in (None, ""):
        raise ValidationError("请选择原置业顾问。", "Choose whose customers move.", {"from": "x"})
    new_owner = _new_owner(session, project_id, to_consultant_id)
    if new_owner.id == int(from_consultant_id):
        raise ValidationError(
            "原置业顾问与接手人不能是同一人。", "Choose a different consultant to take over."
        )
    query = (
        select(Customer)
        .where(
            Customer.project_id == project_id,
            Customer.consultant_id == int(from_consultant_id),
        )
        .order_by(Customer.id)
        .with_for_update()
    )
    if customer_ids is not None:
        wanted = {int(i) for i in customer_ids}
        if not wanted:
            raise ValidationError("请选择要接转的客户。", "Select the customers to move.")
        query = query.where(Customer.id.in_(wanted))
    customers = list(session.scalars(query))
    if customer_ids is not None and len(customers) != len(wanted):
        raise ValidationError(
            "所选客户中有不属于该置业顾问或该项目的，未做任何接转，请刷新后重试。",
            "Some selected customers are not this consultant's; nothing moved. Refresh.",
        )
    if not customers:
        raise ValidationError("该置业顾问在此项目没有可接转的客户。", "No customers to move.")
    for customer in customers:
        if not may_read(session, actor, customer):
            raise PermissionDenied("crm.transfer")
    previous = int(from_consultant_id)
    now = utcnow()
    for customer in customers:
        _reassign(customer, new_owner.id, today)
    session.execute(
        insert(CustomerAssignment),
        [
            {
                "customer_id": c.id,
                "project_id": project_id,
                "from_consultant_id": previous,
                "to_consultant_id": new_owner.id,
                "kind": AssignmentKind.TRANSFER,
                "reason": reason,
                "by_user_id": actor.id,
                "at": now,
            }
            for c in customers
        ],
    )
    audit.record(
        session,
        actor,
        "crm.transfer",
        subject=f"user:{previous}",
        before={"consultant_id": previous},
        after={
            "consultant_id": new_owner.id,
            "count": len(customers),
            "customer_ids": [c.id for c in customers][:500],
            "reason": reason,
        },
    )
    return len(customers)


# ---------------------------------------------------------------------------------------------
# Survey fields (问卷数据项), defined by an administrator per project


def define_survey_field(
    session: Session,
    *,
    actor: User,
    project_id: int,
    label: str,
    kind: str,
    options: list[str] | str | None = None,
    required: bool = False,
) -> SurveyField:
    authz.require(actor, "crm.survey", project_id=int(project_id) if project_id else None)
    if not project_id:
        raise ValidationError("请先选择项目。", "Choose a project first.", {"project": "missing"})
    label = _text(label, 50)
    if not label:
        raise ValidationError("请填写问卷项名称。", "Give the question a name.", {"label": "x"})
    try:
        survey_kind = SurveyKind(kind or "")
    except ValueError:
        raise ValidationError("请选择问卷项类型。", "Choose the type.", {"kind": "x"}) from None
    if isinstance(options, str):
        options = [o for o in (p.strip() for p in options.replace("，", ",").split(",")) if o]
    options = list(dict.fromkeys(_text(o, 50) for o in options or [] if _text(o, 50)))
    if survey_kind in (SurveyKind.SINGLE, SurveyKind.MULTI) and len(options) < 2:
        raise ValidationError(
            "单选或多选题至少需要两个选项（用逗号分隔）。",
            "A choice needs at least two options (comma separated).",
            {"options": "few"},
        )
    if survey_kind not in (SurveyKind.SINGLE, SurveyKind.MULTI):
        options = []
    exists = session.scalar(
        select(SurveyField.id).where(
            SurveyField.project_id == int(project_id), SurveyField.label == label
        )
    )
    if exists:
        raise ValidationError(f"问卷项“{label}”已存在。", "This question already exists.")
    sort = session.scalar(
        select(func.coalesce(func.max(SurveyField.sort), 0)).where(
            SurveyField.project_id == int(project_id)
        )
    )
    item = SurveyField(
        project_id=int(project_id),
        label=label,
        kind=survey_kind,
        options=options,
        required=bool(required),
        sort=sort + 1,
        active=True,
    )
    session.add(item)
    session.flush()
    audit.record(
        session,
        actor,
        "crm.survey_field",
        item,
        after={"label": label, "kind": survey_kind, "options": options},
    )
    return item


def set_survey_field_active(
    session: Session, *, actor: User, field_id: int, active: bool
) -> SurveyField:
    item = session.get(SurveyField, int(field_id))
    if item is None:
        raise NotFound("问卷项不存在。", "No such question.")
    authz.require(actor, "crm.survey", project_id=item.project_id)
    before = item.active
    item.active = bool(active)
    audit.record(
        session,
        actor,
        "crm.survey_field_active",
        item,
        before={"active": before},
        after={"active": item.active},
    )
    return item


# ---------------------------------------------------------------------------------------------
# Lead import (all or nothing) and export audit

IMPORT_COLUMNS = [
    ("name", "姓名"),
    ("mobile", "手机号码"),
    ("id_number", "身份证号"),
    ("contact_kind", "来访/来电"),
    ("channel", "认知途径"),
    ("intended_layout", "意向户型"),
    ("area_min", "意向面积下限"),
    ("area_max", "意向面积上限"),
    ("budget", "预算（元）"),
    ("purpose", "置业目的"),
    ("level", "等级"),
    ("consultant", "置业顾问用户名"),
    ("notes", "备注"),
]
KIND_LABELS = {"来访": "visit", "来电": "call", "visit": "visit", "call": "call", "": "visit"}


def check_leads(
    session: Session,
    *,
    actor: User,
    project_id: int,
    rows: list[dict],
    first_row: int = 2,
    today: date | None = None,
) -> tuple[list[RowError], list[tuple[Registration, int, int]]]:
    """Validate lead rows (format, dictionary, owner, duplicates in the file and in the
    project): (every error, the rows ready to write as (registration, owner id, row number)).
    A row may carry its spreadsheet row number in "_row", and in "_bad" the fields whose cells
    the importer already refused (their value is None): the checks of those fields are skipped,
    the others still run, so that one upload lists every error of every row."""
    today = _today(today)
    headers = dict(IMPORT_COLUMNS)
    # A survey problem is reported under its question, never under an internal key.
    headers.update(
        {survey_key(item.id): f"问卷：{item.label}" for item in survey_fields(session, project_id)}
    )
    errors: list[RowError] = []
    consultants = {
        u.username.lower(): u
        for u in session.scalars(select(User).where(User.role_code.in_(OWNER_ROLES)))
        if u.active and project_id in u.project_ids
    }
    seen_mobile: dict[str, int] = {}
    seen_id: dict[str, int] = {}
    ready: list[tuple[Registration, int, int]] = []
    for offset, raw in enumerate(rows):
        number = int(raw.get("_row") or first_row + offset)
        bad = raw.get("_bad") or ()
        values = dict(raw)
        kind = str(values.get("contact_kind") or "").strip()
        values["contact_kind"] = KIND_LABELS.get(kind, "bad")
        if values["contact_kind"] == "bad":
            errors.append(
                RowError(
                    number,
                    headers["contact_kind"],
                    "须填写“来访”或“来电”。",
                    "Fill in “来访” (visit) or “来电” (call).",
                )
            )
            values["contact_kind"] = "visit"
        # The file carries no survey columns: a required question is not asked of it.
        registration, problems = clean_registration(
            session, project_id, values, today, survey_partial=True
        )
        for key, message in problems.items():
            if key not in bad:  # a refused cell is reported once, by the importer
                errors.append(
                    RowError(number, headers.get(key, key), message, problems.en.get(key, ""))
                )
        username = str(values.get("consultant") or "").strip().lower()
        owner = actor if not username else consultants.get(username)
        if "consultant" in bad:
            owner = None
        elif owner is None or (not username and actor.role_code not in OWNER_ROLES):
            message = "请填写置业顾问用户名。"
            message_en = "Fill in the consultant's user name."
            if username:
                message = f"置业顾问“{username}”不存在或不属于该项目。"
                message_en = f"No consultant “{username}” in this project."
            errors.append(RowError(number, headers["consultant"], message, message_en))
        elif owner.id != actor.id and not authz.has(actor, "crm.override"):
            errors.append(
                RowError(
                    number,
                    headers["consultant"],
                    "您只能导入自己的客户。",
                    "You may only import your own customers.",
                )
            )
        if registration is None:
            continue
        if registration.mobile in seen_mobile:
            first = seen_mobile[registration.mobile]
            errors.append(
                RowError(
                    number,
                    headers["mobile"],
                    f"与第 {first} 行的手机号重复。",
                    f"Same mobile number as row {first}.",
                )
            )
        seen_mobile.setdefault(registration.mobile, number)
        if registration.id_number:
            if registration.id_number in seen_id:
                first = seen_id[registration.id_number]
                errors.append(
                    RowError(
                        number,
                        headers["id_number"],
                        f"与第 {first} 行的身份证号重复。",
                        f"Same ID number as row {first}.",
                    )
                )
            seen_id.setdefault(registration.id_number, number)
        if owner is not None:
            ready.append((registration, owner.id, number))
    # Existing customers of the project with the same mobile or ID: one query for the file.
    mobiles = list(seen_mobile)
    existing = {}
    for start in range(0, len(mobiles), 500):
        chunk = mobiles[start : start + 500]
        for mobile, name in session.execute(
            select(Customer.mobile, User.display_name)
            .join(User, User.id == Customer.consultant_id)
            .where(Customer.project_id == project_id, Customer.mobile.in_(chunk))
        ):
            existing[mobile] = name
    ids = list(seen_id)
    existing_ids = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for id_number, name in session.execute(
            select(Customer.id_number, User.display_name)
            .join(User, User.id == Customer.consultant_id)
            .where(Customer.project_id == project_id, Customer.id_number.in_(chunk))
        ):
            existing_ids[id_number] = name
    for registration, _owner, number in ready:
        if registration.mobile in existing:
            errors.append(
                RowError(
                    number,
                    headers["mobile"],
                    f"该手机号已是 {existing[registration.mobile]} 的客户。",
                    f"This mobile number is already a customer of {existing[registration.mobile]}.",
                )
            )
        if registration.id_number and registration.id_number in existing_ids:
            errors.append(
                RowError(
                    number,
                    headers["id_number"],
                    f"该身份证号已是 {existing_ids[registration.id_number]} 的客户。",
                    f"This ID number is already a customer of "
                    f"{existing_ids[registration.id_number]}.",
                )
            )
    errors.sort(key=lambda e: e.row)
    return errors, ready


def import_leads(
    session: Session,
    *,
    actor: User,
    project_id: int,
    rows: list[dict],
    first_row: int = 2,
    today: date | None = None,
) -> int:
    """Import leads: every row is validated (see check_leads) and either all rows are written
    or none (ImportRejected lists every error by row)."""
    today = _today(today)
    if not project_id:
        raise ValidationError("请先选择项目。", "Choose a project first.", {"project": "missing"})
    project_id = int(project_id)
    authz.require(actor, "crm.edit", project_id=project_id)
    if not rows:
        raise ValidationError("文件中没有数据行。", "The file has no data rows.")
    errors, ready = check_leads(
        session, actor=actor, project_id=project_id, rows=rows, first_row=first_row, today=today
    )
    if errors:
        raise ImportRejected(errors)
    for registration, owner_id, _number in ready:
        customer = _insert_customer(session, project_id, owner_id, registration, today)
        _assign(session, customer, owner_id, AssignmentKind.IMPORT, actor, "线索导入")
    audit.record(
        session,
        actor,
        "crm.import",
        subject=f"project:{project_id}",
        after={"project_id": project_id, "rows": len(ready)},
    )
    return len(ready)


def record_export(
    session: Session, *, actor: User, what: str, rows: int, personal: bool, filters: dict
) -> None:
    """Exports of customer lists are audited, with whether full phone and ID numbers left."""
    audit.record(
        session,
        actor,
        f"export.{what}",
        after={"rows": rows, "personal_data": personal, "filters": filters},
    )
