"""Accounts: log in (rate-limited), create users, reset and change passwords, language."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from .. import audit, authz
from ..errors import LoginRefused, NotFound, ValidationError
from ..models import AuditEntry, Project, RoleCode, Team, User, utcnow

LANGUAGES = ("zh", "en")
USERNAME = re.compile(r"^[A-Za-z0-9_.-]{3,50}$")
# A hash of a random password, checked when the user does not exist so that the response
# time does not tell which login names exist.
_DUMMY_HASH = generate_password_hash("loupan-no-such-user")


def hash_password(password: str) -> str:
    return generate_password_hash(password)  # scrypt, salted (werkzeug's default)


def check_password_strength(password: str) -> None:
    if len(password) < 8 or not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        raise ValidationError(
            "密码至少 8 位，且须同时包含字母和数字。",
            "A password needs at least 8 characters with both letters and digits.",
            errors={"password": "weak"},
        )


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)


def _recent_failures(session: Session, subject: str, since) -> int:
    return session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(
            AuditEntry.action == "auth.login_failed",
            AuditEntry.subject == subject,
            AuditEntry.at >= since,
        )
    )


def authenticate(
    session: Session, *, username: str, password: str, ip: str, policy: LoginPolicy
) -> User:
    """Check a login. Failures are audited; too many for the account or the address within the
    window refuse even a correct password until the window has passed. The count lives in the
    database, so every worker and machine enforces the same limit."""
    username = (username or "").strip()
    since = utcnow() - policy.window
    for subject in (f"user:{username.lower()}", f"ip:{ip}"):
        if _recent_failures(session, subject, since) >= policy.max_failures:
            audit.record(session, None, "auth.login_blocked", subject=subject, ip=ip, success=False)
            minutes = int(policy.window.total_seconds() // 60)
            raise LoginRefused(
                f"登录失败次数过多，请 {minutes} 分钟后再试，或联系管理员重置密码。",
                f"Too many failed logins; try again in {minutes} minutes or ask an administrator.",
            )
    user = session.scalar(select(User).where(func.lower(User.username) == username.lower()))
    valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, password or "")
    if user is None or not valid or not user.active:
        for subject in (f"user:{username.lower()}", f"ip:{ip}"):
            audit.record(session, None, "auth.login_failed", subject=subject, ip=ip, success=False)
        if user is not None and valid and not user.active:
            raise LoginRefused("该账号已停用，请联系管理员。", "This account is disabled.")
        raise LoginRefused("用户名或密码错误。", "Wrong user name or password.")
    audit.record(session, user, "auth.login", user, subject=f"user:{user.username}", ip=ip)
    return user


def record_logout(session: Session, *, actor: User, ip: str) -> None:
    audit.record(session, actor, "auth.logout", actor, ip=ip)


def _validate_new_user(session: Session, username: str, display_name: str, role: str) -> RoleCode:
    errors = {}
    if not USERNAME.match(username or ""):
        errors["username"] = "用户名须为 3–50 位字母、数字、下划线、点或减号。"
    elif session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
        errors["username"] = f"用户名 {username} 已被使用。"
    if not (display_name or "").strip():
        errors["display_name"] = "请填写姓名。"
    try:
        role_code = RoleCode(role)
    except ValueError:
        errors["role"] = "请选择角色。"
        role_code = None
    if errors:
        raise ValidationError("；".join(errors.values()), "Please correct the form.", errors=errors)
    return role_code


def create_user(
    session: Session,
    *,
    actor: User | None,
    username: str,
    display_name: str,
    role: str,
    password: str,
    project_ids: list[int] | None = None,
    team_id: int | None = None,
    mobile: str = "",
    language: str = "zh",
    must_change_password: bool = True,
) -> User:
    """Create an account. `actor` None means the command line (the machine's operator)."""
    if actor is not None:
        authz.require(actor, "admin.users")
    role_code = _validate_new_user(session, username, display_name, role)
    check_password_strength(password)
    projects = []
    if project_ids:
        projects = list(session.scalars(select(Project).where(Project.id.in_(project_ids))))
        if len(projects) != len(set(project_ids)):
            raise ValidationError("所选项目不存在。", "Unknown project.", {"projects": "unknown"})
    if team_id is not None and session.get(Team, team_id) is None:
        raise ValidationError("所选团队不存在。", "Unknown team.", {"team": "unknown"})
    user = User(
        username=username,
        display_name=display_name.strip(),
        role_code=role_code,
        password_hash=hash_password(password),
        team_id=team_id,
        mobile=mobile,
        language=language if language in LANGUAGES else "zh",
        must_change_password=must_change_password,
        projects=projects,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor,
        "user.create",
        user,
        subject=username,
        after={"username": username, "role": role_code.value, "projects": project_ids or []},
    )
    return user


def _get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("用户不存在。", "No such user.")
    return user


def reset_password(session: Session, *, actor: User, user_id: int, new_password: str) -> User:
    authz.require(actor, "admin.users")
    check_password_strength(new_password)
    user = _get_user(session, user_id)
    user.password_hash = hash_password(new_password)
    user.must_change_password = True
    user.password_changed_at = utcnow()
    audit.record(session, actor, "user.reset_password", user, subject=user.username)
    return user


def change_password(
    session: Session, *, actor: User, current_password: str, new_password: str
) -> User:
    user = _get_user(session, actor.id)
    if not check_password_hash(user.password_hash, current_password or ""):
        raise ValidationError(
            "当前密码不正确。", "The current password is wrong.", {"current": "wrong"}
        )
    if current_password == new_password:
        raise ValidationError(
            "新密码不能与当前密码相同。", "Choose a different password.", {"new": "same"}
        )
    check_password_strength(new_password)
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    user.password_changed_at = utcnow()
    audit.record(session, user, "user.change_password", user)
    return user


def set_language(session: Session, *, actor: User, language: str) -> User:
    if language not in LANGUAGES:
        raise ValidationError("不支持的语言。", "Unsupported language.")
    user = _get_user(session, actor.id)
    before = user.language
    user.language = language
    audit.record(
        session,
        user,
        "user.language",
        user,
        before={"language": before},
        after={"language": language},
    )
    return user


def set_active(session: Session, *, actor: User, user_id: int, active: bool) -> User:
    authz.require(actor, "admin.users")
    user = _get_user(session, user_id)
    if user.id == actor.id and not active:
        raise ValidationError("不能停用自己的账号。", "You cannot disable your own account.")
    before = user.active
    user.active = active
    audit.record(
        session,
        actor,
        "user.set_active",
        user,
        subject=user.username,
        before={"active": before},
        after={"active": active},
    )
    return user
