"""常用功能: read a user's favourite screens, and the suggestions for a user with none."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ..models import RoleCode, User, UserFavorite

# Offered (not saved) to a user who has not chosen any: the screens each role opens most.
DEFAULTS: dict[RoleCode, list[str]] = {
    RoleCode.ADMIN: ["/admin/users", "/admin/audit", "/base/codes", "/base/settings"],
    RoleCode.EXECUTIVE: [
        "/analytics/overview",
        "/analytics/query",
        "/analytics/customers",
        "/finance/collections",
    ],
    RoleCode.MANAGER: ["/deals/chart", "/crm/customers", "/deals/list", "/deals/performance"],
    RoleCode.CONSULTANT: ["/crm/register", "/crm/customers", "/crm/reminders", "/deals/chart"],
    RoleCode.FINANCE: ["/finance/receipts", "/finance/audit", "/finance/dunning", "/finance/daily"],
    RoleCode.MARKETING: [
        "/marketing/budget",
        "/marketing/expenses",
        "/marketing/campaigns",
        "/marketing/effect",
    ],
    RoleCode.AFTERSALES: [
        "/aftersales/owners",
        "/aftersales/mortgage",
        "/aftersales/certificates",
        "/desktop/messages",
    ],
}

_OWN = (
    select(UserFavorite.path)
    .where(UserFavorite.user_id == bindparam("user_id"))
    .order_by(UserFavorite.sort, UserFavorite.id)
)


def favorites(session: Session, viewer: User) -> list[str]:
    """The viewer's own favourite paths, in their order (only ever their own)."""
    return list(session.scalars(_OWN, {"user_id": viewer.id}))


def suggested(viewer: User) -> list[str]:
    """The default favourites offered to a user of this role who has none."""
    return list(DEFAULTS.get(viewer.role_code, []))
