"""试算统计: every 试算 and every saved 置业计划书 appends one QuoteTrial row.

Called by data_layer.commands.quotes inside its own transaction, after the figures are known
(a refused trial — unit sold, bad input — is not counted). The row is one prepared INSERT in a
savepoint: a failure to record is logged and never costs the consultant the figures or the
saved quote. No audit entry: the row is itself the record, and the try stays one insert."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from .. import authz
from ..models import Quote, QuoteTrial, Unit, User, utcnow

log = logging.getLogger(__name__)

# Built once: constructing an insert() costs more than running it.
_INSERT = insert(QuoteTrial).values(
    project_id=bindparam("project_id"),
    unit_id=bindparam("unit_id"),
    user_id=bindparam("user_id"),
    customer_id=bindparam("customer_id"),
    plan_id=bindparam("plan_id"),
    at=bindparam("at"),
    saved=bindparam("saved"),
)


@dataclass(frozen=True)
class UnitRef:
    """What a trial needs of its unit (a Unit of another session will do too)."""

    id: int
    project_id: int


def record_trial(
    session: Session,
    actor: User,
    unit: Unit | UnitRef,
    *,
    customer_id: int | None = None,
    plan_id: int | None = None,
    saved: bool = False,
    at: datetime | None = None,
) -> bool:
    """Append one trial of `unit` by `actor` (the caller has checked quote.create on the unit's
    project). Returns False, with the error logged, when the row could not be written."""
    params = {
        "project_id": unit.project_id,
        "unit_id": unit.id,
        "user_id": actor.id,
        "customer_id": customer_id,
        "plan_id": plan_id,
        "at": at or utcnow(),
        "saved": bool(saved),
    }
    try:
        with session.begin_nested():
            session.execute(_INSERT, params)
    except SQLAlchemyError:
        log.exception("试算 of unit %s by user %s not recorded", unit.id, actor.id)
        return False
    return True


def record_try(session: Session, *, actor: User, quote: Quote) -> bool:
    """Count a 试算 whose figures the screen worked out in its read session (an unsaved Quote
    from commands.quotes.build): one short writer transaction, one INSERT."""
    authz.require(actor, "quote.create", project_id=quote.project_id)
    return record_trial(
        session,
        actor,
        UnitRef(quote.unit_id, quote.project_id),
        customer_id=quote.customer_id,
        plan_id=quote.plan_id,
    )
