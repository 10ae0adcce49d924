"""Demo data of 试算统计: consultants' price trials (试算) of the last weeks, so that the
statistics screen has something to show. Buyers try the units they end up subscribing, layouts
and floors are not equally popular, and the saved quotes' own trial rows (written by
create_quote in demo_crm, at load time) are moved to the moment the quote was made."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from random import Random

from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.orm import Session

from .bulk import bulk_insert
from .db import Database
from .demo_clock import office_moment
from .models import (
    Deal,
    DealStage,
    Project,
    Quote,
    QuoteTrial,
    RoleCode,
    Unit,
    UnitStatus,
    User,
    project_member,
)

DAYS = 60  # trials of the last two months
PER_PROJECT = 400  # browsing trials per project
UNITS_SAMPLED = 4_000  # units considered per project (the bench set has far more)
TRIED = (UnitStatus.AVAILABLE, UnitStatus.RESERVED, UnitStatus.HELD)


def _moment(day: date, rng: Random) -> datetime:
    """A minute of `day` between 9:30 and 18:00 in the office, as stored (UTC)."""
    return office_moment(day, rng, opens=time(9, 30))


def _saved_at_their_quote(session) -> None:
    """A saved quote's trial row takes the quote's own time (demo_crm backdates quotes)."""
    made = (
        select(func.max(Quote.created_at))
        .where(
            Quote.unit_id == QuoteTrial.unit_id,
            Quote.customer_id == QuoteTrial.customer_id,
            Quote.consultant_id == QuoteTrial.user_id,
        )
        .scalar_subquery()
    )
    session.execute(
        update(QuoteTrial)
        .where(
            QuoteTrial.saved.is_(True),
            exists().where(
                and_(
                    Quote.unit_id == QuoteTrial.unit_id,
                    Quote.customer_id == QuoteTrial.customer_id,
                    Quote.consultant_id == QuoteTrial.user_id,
                )
            ),
        )
        .values(at=made)
    )


def _weight(floor: int, top: int, layout_rank: int, orientation: str) -> float:
    """Middle floors, the smaller layouts and south-facing units are asked about more."""
    height = floor / max(top, 1)
    floor_weight = 0.6 + 1.4 * (1 - abs(height - 0.6))
    layout_weight = 2.2 / (1 + layout_rank)
    facing = 1.6 if "S" in orientation else 1.0  # demo codes: S, SE, SW, NS…
    return max(0.05, floor_weight * layout_weight * facing)


def load(db: Database, rng: Random, today: date) -> str:
    """Idempotent: nothing when unsaved trials exist. Returns a short summary."""
    with db.writer() as session:
        return seed(session, rng, today)


def seed(session: Session, rng: Random, today: date) -> str:
    """load() in the caller's transaction."""
    _saved_at_their_quote(session)
    if session.scalar(select(func.count()).where(QuoteTrial.saved.is_(False))):
        return "已有试算记录 trials exist"
    # Whole office days before today: nothing later than the moment the demo is loaded.
    start, last = today - timedelta(days=DAYS), today - timedelta(days=1)
    rows: list[dict] = []
    for project_id in session.scalars(select(Project.id).order_by(Project.id)):
        consultants = list(
            session.scalars(
                select(User.id)
                .join(project_member, project_member.c.user_id == User.id)
                .where(
                    project_member.c.project_id == project_id,
                    User.role_code == RoleCode.CONSULTANT,
                )
                .order_by(User.id)
            )
        )
        if not consultants:
            continue
        units = session.execute(
            select(Unit.id, Unit.floor, Unit.layout_id, Unit.orientation)
            .where(Unit.project_id == project_id, Unit.status.in_(TRIED))
            .order_by(Unit.id)
            .limit(UNITS_SAMPLED)
        ).all()
        if units:
            top = max(u.floor for u in units)
            layouts = sorted({u.layout_id or 0 for u in units})
            rank = {layout: i for i, layout in enumerate(layouts)}
            weights = [
                _weight(u.floor, top, rank[u.layout_id or 0], u.orientation or "") for u in units
            ]
            for unit in rng.choices(units, weights=weights, k=PER_PROJECT):
                day = start + timedelta(days=rng.randint(0, (last - start).days))
                rows.append(
                    {
                        "project_id": project_id,
                        "unit_id": unit.id,
                        "user_id": rng.choice(consultants),
                        "at": _moment(day, rng),
                        "saved": False,
                    }
                )
        # Buyers try the unit (and plans) before they subscribe to it.
        sold = session.execute(
            select(Deal.unit_id, Deal.customer_id, Deal.consultant_id, Deal.subscribed_on)
            .where(
                Deal.project_id == project_id,
                Deal.stage.in_((DealStage.SUBSCRIBED, DealStage.CONTRACTED)),
                Deal.subscribed_on >= start,
            )
            .order_by(Deal.id)
        ).all()
        for unit_id, customer_id, consultant_id, subscribed_on in sold:
            for _ in range(rng.randint(1, 4)):
                before = subscribed_on - timedelta(days=rng.randint(0, 10))
                day = max(start, min(last, before))
                rows.append(
                    {
                        "project_id": project_id,
                        "unit_id": unit_id,
                        "user_id": consultant_id,
                        "customer_id": customer_id,
                        "at": _moment(day, rng),
                        "saved": False,
                    }
                )
    bulk_insert(session, QuoteTrial, rows)
    return f"{len(rows):,} 次试算 trials"
