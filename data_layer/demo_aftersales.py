"""Demo after-sales cases (按揭办理 / 产权办理) over the demo's committed deals: the older the
contract, the further its mortgage and certificate have gone; some files were sent back once.
The demo's after-sales clerk handles them; times are office hours stored as UTC."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from random import Random

from sqlalchemy import func, select

from . import audit
from .bulk import bulk_insert
from .db import Database
from .demo_clock import office_moment
from .models import (
    AftersalesCase,
    AftersalesDocument,
    AftersalesStep,
    CaseKind,
    CodeItem,
    Deal,
    DealStage,
    DealState,
    PaymentPlan,
    User,
)
from .queries.aftersales import price_paid
from .rules import aftersales as rules

BANKS = ("中国工商银行", "中国建设银行", "中国农业银行", "中国银行", "招商银行", "交通银行")
SEND_BACK_REASONS = {
    CaseKind.MORTGAGE: ("银行要求补充收入证明", "银行流水不足六个月", "婚姻证明需重新开具"),
    CaseKind.CERTIFICATE: ("测绘报告需盖章", "契税完税证明信息有误", "不动产登记中心要求补件"),
}


def _moment(day: date, rng: Random) -> datetime:
    """A minute of `day` between 9:00 and 17:30 in the office, as stored (UTC)."""
    return office_moment(day, rng)


def _target(kind: CaseKind, age: int, rng: Random) -> int | None:
    """How far along the case is (index into the kind's order), None: no case yet."""
    last = len(rules.ORDER[kind]) - 1
    draw = rng.random()
    if age < 10:
        return None if draw < 0.6 else 0
    if age < 45:
        return None if draw < 0.15 else (0 if draw < 0.45 else min(1 + int(draw * 3) % 2, last))
    if age < 120:
        return 0 if draw < 0.1 else (last if draw > 0.55 else max(1, last - 1))
    return last if draw < 0.85 else last - 1


def _deals(session, kind: CaseKind) -> list[tuple[int, int, date, Decimal | None]]:
    query = select(Deal.id, Deal.project_id, Deal.contracted_on, Deal.deal_total).where(
        Deal.stage == DealStage.CONTRACTED,
        Deal.state == DealState.LIVE,
        Deal.contracted_on.is_not(None),
    )
    if kind == CaseKind.MORTGAGE:
        query = query.join(PaymentPlan, PaymentPlan.id == Deal.plan_id).where(
            PaymentPlan.kind.in_(rules.MORTGAGE_PLANS)
        )
    else:
        paid = price_paid()
        query = query.join(paid, paid.c.deal_id == Deal.id).where(paid.c.paid >= paid.c.due)
    return [tuple(r) for r in session.execute(query.order_by(Deal.id))]


def load(db: Database, rng: Random, today: date) -> str:
    """Create the cases (idempotent: nothing when cases exist); returns a short summary."""
    with db.writer() as session:
        if session.scalar(select(func.count()).select_from(AftersalesCase)):
            return "已有售后业务 cases exist"
        clerk = session.scalar(select(User.id).where(User.username == "aftersales"))
        ids = {
            model: (session.scalar(select(func.max(model.id))) or 0) + 1
            for model in (AftersalesCase, AftersalesDocument, AftersalesStep)
        }
        cases, documents, steps = [], [], []
        made = {kind: 0 for kind in CaseKind}
        for kind in CaseKind:
            codes = list(
                session.scalars(
                    select(CodeItem.code)
                    .where(
                        CodeItem.category == rules.DOCUMENT_CATEGORY[kind],
                        CodeItem.active.is_(True),
                    )
                    .order_by(CodeItem.sort, CodeItem.id)
                )
            )
            order = rules.ORDER[kind]
            for deal_id, project_id, contracted_on, total in _deals(session, kind):
                age = (today - contracted_on).days
                target = _target(kind, age, rng)
                if target is None:
                    continue
                case_id = ids[AftersalesCase]
                ids[AftersalesCase] += 1
                # The first papers arrive a few days after signing; the rest over the next weeks.
                day = min(today, contracted_on + timedelta(days=rng.randint(1, 6)))
                opened = _moment(day, rng)
                path = list(order[1 : target + 1])
                if path and rng.random() < 0.15:  # sent back once, then forward again
                    path[1:1] = [order[0], order[1]]
                elif not path and age >= 20 and rng.random() < 0.25:
                    path = [order[1], order[0]]  # sent back: waits for papers to be redone
                wanted = codes if path else rng.sample(codes, rng.randint(1, len(codes)))
                last_doc, received = day, 0
                for code in wanted:
                    on = day + timedelta(days=rng.randint(0, 12))
                    if on > today:  # not brought in yet
                        continue
                    last_doc, received = max(last_doc, on), received + 1
                    documents.append(
                        {
                            "id": ids[AftersalesDocument],
                            "case_id": case_id,
                            "code": code,
                            "received_on": on,
                            "user_id": clerk,
                        }
                    )
                    ids[AftersalesDocument] += 1
                if received == 0:  # nothing brought in yet: no case
                    ids[AftersalesCase] -= 1
                    continue
                if received < len(codes):
                    path = []  # the checklist is not complete: it cannot have moved on
                status, status_on, when = order[0], day, last_doc
                moment = opened
                for to in path:
                    when = when + timedelta(days=rng.randint(2, 15))
                    if when > today:  # the next step is still to come
                        break
                    back = order.index(to) < order.index(status)
                    # Steps on the same day still follow each other.
                    moment = max(_moment(when, rng), moment + timedelta(minutes=7))
                    steps.append(
                        {
                            "id": ids[AftersalesStep],
                            "case_id": case_id,
                            "at": moment,
                            "user_id": clerk,
                            "from_status": status,
                            "to_status": to,
                            "note": rng.choice(SEND_BACK_REASONS[kind]) if back else "",
                        }
                    )
                    ids[AftersalesStep] += 1
                    status, status_on = to, when
                finished = status == order[-1]
                mortgage = kind == CaseKind.MORTGAGE
                loan = None
                if mortgage and total is not None and rng.random() < 0.3:
                    ratio = Decimal(rng.choice((50, 60, 65, 70)))
                    loan = (total * ratio / 1000000).quantize(Decimal(1)) * 10000  # whole 万
                cases.append(
                    {
                        "id": case_id,
                        "kind": kind,
                        "deal_id": deal_id,
                        "project_id": project_id,
                        "status": status,
                        "status_on": status_on,
                        "handler_id": clerk,
                        "bank": rng.choice(BANKS) if mortgage and status != order[0] else "",
                        "loan_amount": loan,
                        "certificate_no": (
                            f"不动产权第{deal_id:07d}号" if not mortgage and finished else ""
                        ),
                        "note": "",
                        "created_at": opened,
                        "updated_at": moment,
                    }
                )
                made[kind] += 1
        bulk_insert(session, AftersalesCase, cases)
        bulk_insert(session, AftersalesDocument, documents)
        bulk_insert(session, AftersalesStep, steps)
        audit.record(
            session,
            None,
            "demo.aftersales",
            subject="demo:aftersales",
            after={
                "mortgage": made[CaseKind.MORTGAGE],
                "certificate": made[CaseKind.CERTIFICATE],
                "documents": len(documents),
                "steps": len(steps),
                "today": today.isoformat(),
            },
        )
    return (
        f"按揭 mortgage {made[CaseKind.MORTGAGE]}, 产权 certificate "
        f"{made[CaseKind.CERTIFICATE]} cases, {len(steps)} steps"
    )
