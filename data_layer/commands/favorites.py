"""常用功能: a user's favourite screens, in their own order (the desktop card and the ★ menu)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit, authz
from ..errors import ValidationError
from ..models import User, UserFavorite

MAX_FAVORITES = 12


def set_favorites(
    session: Session, *, actor: User, paths: Iterable[str], menu: Mapping[str, str]
) -> list[str]:
    """Replace the actor's own favourites by `paths`, in that order.

    `menu` maps the path of every registered menu page to the permission that opens it (the
    caller reads it from the page registry); a path outside it, or one the actor's role may
    not open, is refused, as are duplicates and more than MAX_FAVORITES. Nothing is written
    on a refusal. Returns the saved paths."""
    authz.require(actor, "desktop.view")
    wanted = [str(p).strip() for p in (paths or [])]
    if len(wanted) > MAX_FAVORITES:
        raise ValidationError(
            f"常用功能最多 {MAX_FAVORITES} 个，当前选择了 {len(wanted)} 个。",
            f"At most {MAX_FAVORITES} favourites; {len(wanted)} were chosen.",
            {"paths": "too_many"},
        )
    seen: set[str] = set()
    for path in wanted:
        if path in seen:
            raise ValidationError(
                f"常用功能中 {path} 重复，请只保留一个。",
                f"{path} is listed twice among the favourites; keep it once.",
                {"paths": "duplicate"},
            )
        seen.add(path)
        if path not in menu:
            raise ValidationError(
                f"页面 {path} 不在菜单中，不能设为常用功能。",
                f"{path} is not a menu page and cannot be a favourite.",
                {"paths": "unknown"},
            )
        if not authz.has(actor, menu[path] or ""):
            raise ValidationError(
                f"您的角色无权打开页面 {path}，不能设为常用功能。",
                f"Your role may not open {path}, so it cannot be a favourite.",
                {"paths": "forbidden"},
            )
    rows = list(
        session.scalars(
            select(UserFavorite)
            .where(UserFavorite.user_id == actor.id)
            .order_by(UserFavorite.sort, UserFavorite.id)
        )
    )
    before = [r.path for r in rows]
    # Changed in place: kept pages keep their row (only their place changes), so the unique
    # (user_id, path) never sees a page deleted and added again within one flush.
    existing = {r.path: r for r in rows}
    for place, path in enumerate(wanted):
        row = existing.pop(path, None)
        if row is None:
            session.add(UserFavorite(user_id=actor.id, path=path, sort=place))
        elif row.sort != place:
            row.sort = place
    for row in existing.values():
        session.delete(row)
    session.flush()
    audit.record(
        session,
        actor,
        "desktop.favorites",
        actor,
        subject=actor.username,
        before={"paths": before},
        after={"paths": wanted},
    )
    return wanted
