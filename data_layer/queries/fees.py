"""Reads for 费用设置: every dated version of the fee rules and deed-tax rates, with which one
is in force today."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import authz, localtime
from ..commands.fees import ANY_CITY, PERMISSION, RATE_FIELDS
from ..localtime import DEFAULT_ZONE, local_text
from ..models import DeedTaxRate, FeeRule, Project, User
from ..rules import fees as fee_rules

IN_FORCE, UPCOMING, SUPERSEDED = "现行", "待生效", "已被取代"
FEE_COLUMNS = [
    "id",
    "scope",
    "code",
    "name",
    "formula",
    "effective_from",
    "status",
    "created_at",
]
DEED_TAX_COLUMNS = [
    "city",
    "effective_from",
    "area_threshold",
    *(field for field, _ in RATE_FIELDS),
    "status",
    "source",
]


def _statuses(keys_and_dates: list[tuple[object, date]], today: date) -> list[str]:
    """现行 for the latest version of each key in force today, 待生效 for later ones, 已被取代
    for older ones."""
    current: dict[object, date] = {}
    for key, start in keys_and_dates:
        if start <= today and (key not in current or start > current[key]):
            current[key] = start
    out = []
    for key, start in keys_and_dates:
        if start > today:
            out.append(UPCOMING)
        else:
            out.append(IN_FORCE if current.get(key) == start else SUPERSEDED)
    return out


def fee_rules_frame(
    session: Session, viewer: User, today: date | None = None, zone: str = DEFAULT_ZONE
) -> pd.DataFrame:
    authz.require(viewer, PERMISSION)
    today = today or localtime.today()
    projects = dict(session.execute(select(Project.id, Project.name)).all())
    rules = session.scalars(
        select(FeeRule).order_by(FeeRule.code, FeeRule.city, FeeRule.effective_from.desc())
    ).all()
    statuses = _statuses([((r.code, r.city, r.project_id), r.effective_from) for r in rules], today)
    rows = [
        {
            "id": r.id,
            "scope": projects.get(r.project_id, "?")
            if r.project_id
            else ("全部城市" if r.city == ANY_CITY else r.city),
            "code": r.code,
            "name": r.name,
            "formula": r.formula,
            "effective_from": r.effective_from,
            "status": status,
            "created_at": local_text(r.created_at, zone),
        }
        for r, status in zip(rules, statuses, strict=True)
    ]
    return pd.DataFrame(rows, columns=FEE_COLUMNS)


def _percent(rate: Decimal) -> Decimal:
    return (rate * 100).quantize(Decimal("0.01"))


def deed_tax_frame(session: Session, viewer: User, today: date | None = None) -> pd.DataFrame:
    """Every deed-tax version, the built-in national rates included where the table does not
    replace them (rates in percent)."""
    authz.require(viewer, PERMISSION)
    today = today or localtime.today()
    stored = session.scalars(select(DeedTaxRate)).all()
    versions = [(r, "设置") for r in stored]
    keys = {(r.city, r.effective_from) for r in stored}
    versions += [
        (r, "内置")
        for r in fee_rules.DEFAULT_DEED_TAX_RULES
        if (r.city, r.effective_from) not in keys
    ]
    versions.sort(key=lambda v: (v[0].city != ANY_CITY, v[0].city, v[0].effective_from))
    statuses = _statuses([(r.city, r.effective_from) for r, _ in versions], today)
    rows = []
    for (r, source), status in zip(versions, statuses, strict=True):
        rows.append(
            {
                "city": "全部城市" if r.city == ANY_CITY else r.city,
                "effective_from": r.effective_from,
                "area_threshold": r.area_threshold,
                **{field: _percent(getattr(r, field)) for field, _ in RATE_FIELDS},
                "status": status,
                "source": source,
            }
        )
    return pd.DataFrame(rows, columns=DEED_TAX_COLUMNS)


def fee_rule(session: Session, viewer: User, rule_id: int) -> FeeRule | None:
    authz.require(viewer, PERMISSION)
    return session.get(FeeRule, rule_id)
