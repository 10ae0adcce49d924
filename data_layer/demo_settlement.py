"""Demo data of 面积补差: one building per project has been measured after completion (实测),
and finance has settled part of its signed contracts, so that the screen shows every case —
within ±3 %, beyond it (the buyer may cancel), refunds and payments, and contracts still to
settle. Measured areas differ from the presale areas as surveys do: mostly by under 1.5 %,
now and then by more than 3 %."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from random import Random

from sqlalchemy import func, select

from .commands.settlement import EVENT, settle_areas
from .db import Database
from .demo_clock import office_moment
from .errors import DomainError
from .models import (
    AftersalesCase,
    CaseKind,
    Deal,
    DealEvent,
    DealStage,
    DealState,
    PricingBasis,
    Project,
    Receivable,
    ReceivableKind,
    Unit,
    User,
)

MAX_UNITS = 400  # measured units per project (the bench set has far more)
SETTLED_SHARE = 0.5  # of the measured building's contracts


def _deviation(rng: Random) -> Decimal:
    """A survey's relative difference: 90 % within ±1.5 %, the rest up to ±5 %."""
    spread = 0.015 if rng.random() < 0.9 else 0.05
    return Decimal(str(round(rng.uniform(-spread, spread), 4)))


def load(db: Database, rng: Random, today: date) -> str:
    """Idempotent: nothing when a unit already has a measured area; returns a short summary."""
    with db.writer() as session:
        if session.scalar(select(func.count()).where(Unit.measured_gross_area.is_not(None))):
            return "已有实测面积 measured areas exist"
        finance = session.scalar(select(User).where(User.username == "finance"))
        if finance is None:
            return "无财务账号 no finance account"
        contracted = (
            select(Deal.unit_id)
            .where(Deal.stage == DealStage.CONTRACTED, Deal.state == DealState.LIVE)
            .subquery()
        )
        measured = settled = 0
        for project_id in session.scalars(select(Project.id).order_by(Project.id)):
            building_id = session.scalar(
                select(Unit.building_id)
                .join(contracted, contracted.c.unit_id == Unit.id)
                .where(Unit.project_id == project_id)
                .group_by(Unit.building_id)
                .order_by(func.count().desc(), Unit.building_id)
                .limit(1)
            )
            if building_id is None:
                continue
            units = session.scalars(
                select(Unit).where(Unit.building_id == building_id).order_by(Unit.id)
            ).all()[:MAX_UNITS]
            for unit in units:
                factor = 1 + _deviation(rng)
                unit.measured_gross_area = (unit.gross_area * factor).quantize(Decimal("0.01"))
                unit.measured_internal_area = (unit.internal_area * factor).quantize(
                    Decimal("0.01")
                )
            measured += len(units)
            session.flush()
            # Settle part of the contracts: not those already in 产权办理 (a settlement
            # would make them owe again) nor those priced per unit (no settlement).
            in_certificate = select(AftersalesCase.deal_id).where(
                AftersalesCase.kind == CaseKind.CERTIFICATE
            )
            deals = session.scalars(
                select(Deal.id)
                .join(Unit, Unit.id == Deal.unit_id)
                .where(
                    Unit.building_id == building_id,
                    Unit.id.in_([u.id for u in units]),
                    Unit.pricing_basis != PricingBasis.UNIT,
                    Deal.stage == DealStage.CONTRACTED,
                    Deal.state == DealState.LIVE,
                    Deal.id.not_in(in_certificate),
                )
                .order_by(Deal.id)
            ).all()
            for deal_id in deals:
                if rng.random() >= SETTLED_SHARE:
                    continue
                try:  # a refusal writes nothing: that contract is left to settle
                    settle_areas(
                        session, actor=finance, deal_ids=[deal_id], due_on=today + timedelta(30)
                    )
                except DomainError:
                    continue
                settled += 1
                # Settled on a recent working day, in office hours (the deal's history).
                event = session.scalar(
                    select(DealEvent)
                    .where(DealEvent.deal_id == deal_id, DealEvent.kind == EVENT)
                    .order_by(DealEvent.id.desc())
                    .limit(1)
                )
                event.at = office_moment(today - timedelta(days=rng.randint(1, 20)), rng)
        lines = session.scalar(
            select(func.count()).where(
                Receivable.kind == ReceivableKind.SETTLEMENT, Receivable.cancelled.is_(False)
            )
        )
    return f"实测 {measured} 套 measured, 已补差 {settled} 笔 settled ({lines} lines)"
