"""Projects, users and teams as a viewer may see them."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .. import authz
from ..localtime import DEFAULT_ZONE, local_text
from ..models import Project, Team, User


def visible_projects(session: Session, viewer: User) -> list[Project]:
    scope = authz.scope(viewer)
    query = select(Project).where(Project.active.is_(True)).order_by(Project.code)
    if scope.project_ids is not None:
        query = query.where(Project.id.in_(scope.project_ids))
    return list(session.scalars(query))


def users_frame(session: Session, viewer: User, zone: str = DEFAULT_ZONE) -> pd.DataFrame:
    authz.require(viewer, "admin.users")
    users = session.scalars(
        select(User).options(selectinload(User.projects)).order_by(User.role_code, User.username)
    )
    teams = {t.id: t.name for t in session.scalars(select(Team))}
    rows = [
        {
            "id": u.id,
            "username": u.username,
            "display_name": u.display_name,
            "role": u.role_code.value,
            "team": teams.get(u.team_id, ""),
            "projects": "、".join(p.name for p in u.projects),
            "active": u.active,
            "language": u.language,
            "created_at": local_text(u.created_at, zone),
        }
        for u in users
    ]
    return pd.DataFrame(
        rows,
        columns=[
            "id",
            "username",
            "display_name",
            "role",
            "team",
            "projects",
            "active",
            "language",
            "created_at",
        ],
    )
