"""Accounts: login with rate limiting, creating users, passwords, roles (SQLite and MariaDB)."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from data_layer.commands import users
from data_layer.errors import LoginRefused, PermissionDenied, ValidationError
from data_layer.models import AuditEntry, User
from tests.factories import PASSWORD

POLICY = users.LoginPolicy(max_failures=3, window=timedelta(minutes=15))


def audit_count(session, action):
    return session.scalar(select(func.count()).where(AuditEntry.action == action))


def test_correct_password_logs_in_and_is_audited(session, world):
    user = users.authenticate(
        session, username="Manager", password=PASSWORD, ip="10.0.0.1", policy=POLICY
    )
    assert user.id == world.users["manager"].id
    assert audit_count(session, "auth.login") == 1


def test_wrong_password_is_refused_in_chinese_and_audited(session, world):
    with pytest.raises(LoginRefused, match="用户名或密码错误"):
        users.authenticate(
            session, username="manager", password="nope", ip="10.0.0.1", policy=POLICY
        )
    assert audit_count(session, "auth.login_failed") == 2  # per account and per address


def test_repeated_failures_block_even_the_right_password(session, world):
    for _ in range(POLICY.max_failures):
        with pytest.raises(LoginRefused):
            users.authenticate(
                session, username="manager", password="bad", ip="10.0.0.2", policy=POLICY
            )
    with pytest.raises(LoginRefused, match="登录失败次数过多"):
        users.authenticate(
            session, username="manager", password=PASSWORD, ip="10.0.0.3", policy=POLICY
        )


def test_failures_from_one_address_block_other_accounts_from_it(session, world):
    for name in ("a1", "a2", "a3"):
        with pytest.raises(LoginRefused):
            users.authenticate(session, username=name, password="x", ip="10.9.9.9", policy=POLICY)
    with pytest.raises(LoginRefused, match="过多"):
        users.authenticate(
            session, username="finance", password=PASSWORD, ip="10.9.9.9", policy=POLICY
        )


def test_disabled_account_cannot_log_in(session, world):
    world.users["finance"].active = False
    with pytest.raises(LoginRefused, match="停用"):
        users.authenticate(
            session, username="finance", password=PASSWORD, ip="1.1.1.1", policy=POLICY
        )


def test_admin_creates_user_with_hashed_password_and_audit(session, world):
    created = users.create_user(
        session,
        actor=world.users["admin"],
        username="wang.fang",
        display_name="王芳",
        role="consultant",
        password="Welcome2026",
        project_ids=[world.projects[0].id],
    )
    assert created.password_hash != "Welcome2026"
    assert check_password_hash(created.password_hash, "Welcome2026")
    assert created.must_change_password
    assert created.project_ids == {world.projects[0].id}
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "user.create"))
    assert entry.after["role"] == "consultant"
    assert entry.user_id == world.users["admin"].id


@pytest.mark.parametrize(
    ("username", "name", "role", "password", "field"),
    [
        ("ab", "王芳", "consultant", "Welcome2026", "username"),
        ("manager", "王芳", "consultant", "Welcome2026", "username"),
        ("wang", "", "consultant", "Welcome2026", "display_name"),
        ("wang", "王芳", "king", "Welcome2026", "role"),
        ("wang", "王芳", "consultant", "short1", "password"),
        ("wang", "王芳", "consultant", "lettersonly", "password"),
    ],
)
def test_bad_new_user_is_refused_and_nothing_written(
    session, world, username, name, role, password, field
):
    before = session.scalar(select(func.count()).select_from(User))
    with pytest.raises(ValidationError) as err:
        users.create_user(
            session,
            actor=world.users["admin"],
            username=username,
            display_name=name,
            role=role,
            password=password,
        )
    assert field in err.value.errors
    assert session.scalar(select(func.count()).select_from(User)) == before


@pytest.mark.parametrize("role", ["executive", "manager", "consultant", "finance", "marketing"])
def test_only_administrators_create_users(session, world, role):
    with pytest.raises(PermissionDenied):
        users.create_user(
            session,
            actor=world.users[role],
            username="newbie",
            display_name="新人",
            role="consultant",
            password="Welcome2026",
        )


def test_reset_password_forces_a_change_and_user_changes_it(session, world):
    target = world.users["consultant"]
    users.reset_password(
        session, actor=world.users["admin"], user_id=target.id, new_password="Temp12345"
    )
    assert target.must_change_password
    with pytest.raises(ValidationError, match="当前密码不正确"):
        users.change_password(
            session, actor=target, current_password="wrong", new_password="Mine54321"
        )
    users.change_password(
        session, actor=target, current_password="Temp12345", new_password="Mine54321"
    )
    assert not target.must_change_password
    assert check_password_hash(target.password_hash, "Mine54321")


def test_language_is_kept_per_user(session, world):
    users.set_language(session, actor=world.users["finance"], language="en")
    assert world.users["finance"].language == "en"
    assert world.users["manager"].language == "zh"
    with pytest.raises(ValidationError):
        users.set_language(session, actor=world.users["finance"], language="fr")
