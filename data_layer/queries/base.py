"""Base data as a viewer may see it: precision settings, projects, buildings, layouts, the code
dictionary, sales staff and teams, sales plans."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from .. import authz
from ..models import (
    Building,
    CodeItem,
    Layout,
    Project,
    RoleCode,
    SalesPlan,
    Setting,
    Team,
    Unit,
    User,
    project_member,
)

PRECISION_KEYS = {
    "area": "precision.area",
    "unit_price": "precision.unit_price",
    "amount": "precision.amount",
}
PRECISION_DEFAULT = 2
PRECISION_MAX = 4  # Area/Money columns keep 2 places; 0–4 are offered for display


_READERS: dict[int, ThreadPoolExecutor] = {}  # per process: a forked worker makes its own


def read_all(
    session: Session,
    jobs: dict[str, Callable[[Session], Any]],
    *,
    parallel: bool,
    heavy: tuple[str, ...],
) -> dict[str, Any]:
    """Run independent reads; with `parallel`, the `heavy` ones run at once, each on a pooled
    connection of its own, while the request's session does the others (the database works
    while Python waits). Only for callers that read committed data (a callback's reader): a
    session holding uncommitted writes must not ask for it. At most three reads per process
    at a time: a request takes at most four connections, within the pool's five."""
    bind = session.get_bind()
    if not parallel or not isinstance(bind, Engine):
        return {name: job(session) for name, job in jobs.items()}

    def run(job):
        with Session(bind) as own:
            return job(own)

    pool = _READERS.get(os.getpid())
    if pool is None:
        pool = _READERS[os.getpid()] = ThreadPoolExecutor(3, thread_name_prefix="reader")
    futures = {name: pool.submit(run, jobs[name]) for name in heavy if name in jobs}
    out = {name: job(session) for name, job in jobs.items() if name not in futures}
    out.update({name: future.result() for name, future in futures.items()})
    return out


@dataclass(frozen=True)
class Precision:
    """数据设置: decimal places shown for areas (m²), unit prices (¥/m²) and amounts (¥)."""

    area: int = PRECISION_DEFAULT
    unit_price: int = PRECISION_DEFAULT
    amount: int = PRECISION_DEFAULT


def precision(session: Session) -> Precision:
    """The precision settings (one small indexed read; call per request)."""
    rows = dict(
        session.execute(
            select(Setting.key, Setting.value).where(Setting.key.in_(PRECISION_KEYS.values()))
        ).all()
    )
    return precision_of({name: rows.get(key) for name, key in PRECISION_KEYS.items()})


def precision_columns() -> list:
    """The precision settings as scalar subqueries, to read them within another statement
    (pass the values to precision_of, in this order)."""
    return [
        select(Setting.value).where(Setting.key == key).scalar_subquery().label(f"p_{name}")
        for name, key in PRECISION_KEYS.items()
    ]


def precision_of(values: dict) -> Precision:
    """Precision from the stored text values by name (missing or bad → the default)."""
    out = {}
    for name in PRECISION_KEYS:
        try:
            places = int(values.get(name) or PRECISION_DEFAULT)
        except ValueError:
            places = PRECISION_DEFAULT
        out[name] = min(max(places, 0), PRECISION_MAX)
    return Precision(**out)


def setting(session: Session, key: str, default: str = "") -> str:
    value = session.scalar(select(Setting.value).where(Setting.key == key))
    return default if value is None else value


# ---------------------------------------------------------------------------------------------
# Projects, buildings, layouts


def _projects_query(viewer: User):
    query = select(Project).order_by(Project.code)
    scope = authz.scope(viewer)
    if scope.project_ids is not None:
        query = query.where(Project.id.in_(scope.project_ids))
    return query


def projects_frame(session: Session, viewer: User) -> pd.DataFrame:
    authz.require(viewer, "inventory.view")
    counts = dict(
        session.execute(
            select(Building.project_id, func.count()).group_by(Building.project_id)
        ).all()
    )
    units = dict(
        session.execute(select(Unit.project_id, func.count()).group_by(Unit.project_id)).all()
    )
    rows = [
        {
            "id": p.id,
            "code": p.code,
            "name": p.name,
            "city": p.city,
            "address": p.address,
            "opened_on": p.opened_on.isoformat() if p.opened_on else "",
            "protection_days": p.protection_days,
            "hold_days": p.hold_days,
            "buildings": counts.get(p.id, 0),
            "units": units.get(p.id, 0),
            "active": "是" if p.active else "否",
        }
        for p in session.scalars(_projects_query(viewer))
    ]
    return pd.DataFrame(
        rows,
        columns=[
            "id",
            "code",
            "name",
            "city",
            "address",
            "opened_on",
            "protection_days",
            "hold_days",
            "buildings",
            "units",
            "active",
        ],
    )


def buildings(session: Session, viewer: User, project_id: int | None) -> list[Building]:
    authz.require(viewer, "inventory.view")
    query = (
        select(Building)
        .join(Project, Project.id == Building.project_id)
        .order_by(Project.code, func.length(Building.code), Building.code)
    )
    query = authz.restrict(query, viewer, Building.project_id)
    if project_id:
        query = query.where(Building.project_id == project_id)
    return list(session.scalars(query))


def building_options(session: Session, viewer: User, project_id: int | None) -> list[dict]:
    """Drop-down options: "滨江壹号 · 3栋" (the project's name only when several are shown)."""
    items = buildings(session, viewer, project_id)
    many = len({b.project_id for b in items}) > 1
    names = {}
    if many:
        names = dict(session.execute(select(Project.id, Project.name)).all())
    return [
        {"label": f"{names[b.project_id]} · {b.name}" if many else b.name, "value": b.id}
        for b in items
    ]


def buildings_frame(session: Session, viewer: User, project_id: int | None) -> pd.DataFrame:
    items = buildings(session, viewer, project_id)
    counts = dict(
        session.execute(
            select(Unit.building_id, func.count())
            .where(Unit.building_id.in_([b.id for b in items] or [0]))
            .group_by(Unit.building_id)
        ).all()
    )
    names = dict(session.execute(select(Project.id, Project.name)).all())
    rows = [
        {
            "id": b.id,
            "project_id": b.project_id,
            "project": names.get(b.project_id, ""),
            "code": b.code,
            "name": b.name,
            "floors": b.floors,
            "sections": b.sections,
            "units_per_floor": b.units_per_floor,
            "units": counts.get(b.id, 0),
        }
        for b in items
    ]
    return pd.DataFrame(
        rows,
        columns=[
            "id",
            "project_id",
            "project",
            "code",
            "name",
            "floors",
            "sections",
            "units_per_floor",
            "units",
        ],
    )


def layouts(session: Session, viewer: User, project_id: int | None) -> list[Layout]:
    authz.require(viewer, "inventory.view")
    query = authz.restrict(
        select(Layout).order_by(Layout.project_id, Layout.name), viewer, Layout.project_id
    )
    if project_id:
        query = query.where(Layout.project_id == project_id)
    return list(session.scalars(query))


def layouts_frame(session: Session, viewer: User, project_id: int | None) -> pd.DataFrame:
    items = layouts(session, viewer, project_id)
    counts = dict(
        session.execute(
            select(Unit.layout_id, func.count())
            .where(Unit.layout_id.in_([x.id for x in items] or [0]))
            .group_by(Unit.layout_id)
        ).all()
    )
    names = dict(session.execute(select(Project.id, Project.name)).all())
    rows = [
        {
            "id": x.id,
            "project": names.get(x.project_id, ""),
            "name": x.name,
            "rooms": x.rooms,
            "halls": x.halls,
            "baths": x.baths,
            "gross_area": x.gross_area,
            "plan": "有" if x.plan_image else "",
            "units": counts.get(x.id, 0),
        }
        for x in items
    ]
    return pd.DataFrame(
        rows,
        columns=["id", "project", "name", "rooms", "halls", "baths", "gross_area", "plan", "units"],
    )


def layout(session: Session, viewer: User, layout_id: int) -> Layout | None:
    """One layout if the viewer may see its project (for the plan image route)."""
    item = session.get(Layout, layout_id)
    if item is None or not authz.has(viewer, "inventory.view"):
        return None
    if not authz.scope(viewer).allows_project(item.project_id):
        return None
    return item


# ---------------------------------------------------------------------------------------------
# Code dictionary

CATEGORY_LABELS = {
    "orientation": "朝向",
    "use": "用途",
    "decoration": "装修",
    "channel": "认知途径",
    "lost_reason": "流失原因",
    "forfeit_reason": "挞定原因",
    "cancel_reason": "退房原因",
    "purpose": "置业目的",
    "expense_category": "费用类别",
    "payment_method": "付款方式",
    "mortgage_document": "按揭资料",
    "certificate_document": "产权资料",
}


def code_categories(session: Session) -> list[str]:
    found = list(session.scalars(select(CodeItem.category).distinct()))
    ordered = [c for c in CATEGORY_LABELS if c in found]
    return ordered + sorted(c for c in found if c not in CATEGORY_LABELS)


def code_items_frame(session: Session, category: str | None) -> pd.DataFrame:
    query = select(CodeItem).order_by(CodeItem.category, CodeItem.sort, CodeItem.id)
    if category:
        query = query.where(CodeItem.category == category)
    rows = [
        {
            "id": c.id,
            "category": c.category,
            "category_label": CATEGORY_LABELS.get(c.category, c.category),
            "code": c.code,
            "label": c.label,
            "label_en": c.label_en,
            "sort": c.sort,
            "active": c.active,
        }
        for c in session.scalars(query)
    ]
    return pd.DataFrame(
        rows,
        columns=["id", "category", "category_label", "code", "label", "label_en", "sort", "active"],
    )


def code_labels(session: Session, category: str, language: str = "zh") -> dict[str, str]:
    """code → label of one category in `language` (the English name when there is one;
    inactive ones too: old records still show their label), in the dictionary's order."""
    rows = session.execute(
        select(CodeItem.code, CodeItem.label, CodeItem.label_en)
        .where(CodeItem.category == category)
        .order_by(CodeItem.sort, CodeItem.id)
    )
    return {code: (en or label) if language == "en" else label for code, label, en in rows}


def code_options(session: Session, category: str, language: str = "zh") -> list[dict]:
    """The active codes of a category as dropdown options, labelled in `language`."""
    items = session.execute(
        select(CodeItem.code, CodeItem.label, CodeItem.label_en)
        .where(CodeItem.category == category, CodeItem.active.is_(True))
        .order_by(CodeItem.sort, CodeItem.id)
    ).all()
    return [
        {"label": (en or label) if language == "en" else label, "value": code}
        for code, label, en in items
    ]


# ---------------------------------------------------------------------------------------------
# Sales staff, teams, plans


def teams(session: Session, viewer: User, project_id: int | None) -> list[Team]:
    authz.require(viewer, "inventory.view")
    query = authz.restrict(
        select(Team).order_by(Team.project_id, Team.name), viewer, Team.project_id
    )
    if project_id:
        query = query.where(Team.project_id == project_id)
    return list(session.scalars(query))


def staff_frame(session: Session, viewer: User, project_id: int | None) -> pd.DataFrame:
    """销售人员: consultants and managers of the viewer's projects with their team."""
    authz.require(viewer, "inventory.view")
    query = (
        select(User, project_member.c.project_id)
        .join(project_member, project_member.c.user_id == User.id)
        .where(User.role_code.in_([RoleCode.CONSULTANT, RoleCode.MANAGER]))
        .order_by(project_member.c.project_id, User.role_code, User.display_name)
    )
    query = authz.restrict(query, viewer, project_member.c.project_id)
    if project_id:
        query = query.where(project_member.c.project_id == project_id)
    team_names = dict(session.execute(select(Team.id, Team.name)).all())
    names = dict(session.execute(select(Project.id, Project.name)).all())
    rows = [
        {
            "id": u.id,
            "project_id": pid,
            "project": names.get(pid, ""),
            "username": u.username,
            "display_name": u.display_name,
            "role": "销售经理" if u.role_code == RoleCode.MANAGER else "置业顾问",
            "team_id": u.team_id,
            "team": team_names.get(u.team_id, ""),
            "mobile": u.mobile,
            "active": "在职" if u.active else "离职",
        }
        for u, pid in session.execute(query)
    ]
    return pd.DataFrame(
        rows,
        columns=[
            "id",
            "project_id",
            "project",
            "username",
            "display_name",
            "role",
            "team_id",
            "team",
            "mobile",
            "active",
        ],
    )


def sales_plans_frame(
    session: Session, viewer: User, project_id: int | None, year: int | None = None
) -> pd.DataFrame:
    authz.require(viewer, "inventory.view")
    query = authz.restrict(
        select(SalesPlan).order_by(SalesPlan.month, SalesPlan.team_id, SalesPlan.user_id),
        viewer,
        SalesPlan.project_id,
    )
    if project_id:
        query = query.where(SalesPlan.project_id == project_id)
    if year:
        query = query.where(
            SalesPlan.month >= date(year, 1, 1), SalesPlan.month < date(year + 1, 1, 1)
        )
    team_names = dict(session.execute(select(Team.id, Team.name)).all())
    user_names = dict(session.execute(select(User.id, User.display_name)).all())
    names = dict(session.execute(select(Project.id, Project.name)).all())
    rows = [
        {
            "id": p.id,
            "project": names.get(p.project_id, ""),
            "month": p.month.strftime("%Y-%m"),
            "team": team_names.get(p.team_id, "") if p.team_id else "",
            "consultant": user_names.get(p.user_id, "") if p.user_id else "",
            "target_units": p.target_units,
            "target_area": p.target_area,
            "target_amount": p.target_amount,
        }
        for p in session.scalars(query)
    ]
    return pd.DataFrame(
        rows,
        columns=[
            "id",
            "project",
            "month",
            "team",
            "consultant",
            "target_units",
            "target_area",
            "target_amount",
        ],
    )
