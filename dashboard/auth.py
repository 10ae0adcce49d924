"""Login, sessions and the server-side guard of every page and callback."""

from __future__ import annotations

import functools
import secrets
import threading
from datetime import timedelta
from typing import Any
from urllib.parse import urlparse

import flask
from cachetools import TTLCache
from flask import abort, jsonify, redirect, render_template, request, session, url_for
from flask_login import LoginManager, current_user, login_user, logout_user
from sqlalchemy import Engine, bindparam, event, select
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.sql.dml import UpdateBase

from data_layer import authz
from data_layer.commands import users as user_commands
from data_layer.errors import DomainError
from data_layer.models import User

from . import i18n
from .db import database

# Paths anyone may request: the login form, the health check and static files without data.
PUBLIC_PREFIXES = ("/login", "/healthz", "/assets/", "/_favicon.ico", "/favicon.ico")


class SessionUser:
    """The logged-in user as Flask-Login sees it, wrapping the ORM row of this request.

    The session stores "<id>:<password stamp>": changing or resetting a password ends every
    other session of that user."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, user: User):
        self.user = user

    @property
    def is_active(self) -> bool:
        return self.user.active

    def get_id(self) -> str:
        return f"{self.user.id}:{_stamp(self.user)}"

    def __getattr__(self, name: str) -> Any:
        return getattr(self.user, name)


# Built once (a Session.get builds its query each time, ≈ +0.05 ms).
_USER = select(User).where(User.id == bindparam("id"))
_USER_COLUMNS = tuple(column.key for column in User.__mapper__.column_attrs)


def _stamp(user: User) -> str:
    return str(int(user.password_changed_at.timestamp()))


class RecentUsers:
    """The users of the sessions seen in the last `seconds`, by session token.

    A page load fires a burst of callbacks and every open sales chart polls each second: each
    request read its user row again, which cost SQLite more than the chart's own query. A hit
    gives the request its own copy of the user, attached to its read session without a query
    (so relationships and project_ids still read the database). Any committed change to a user
    in this process (an INSERT, UPDATE or DELETE of the user table, by the ORM or by Core)
    empties every cache once committed (see _forget_users); another process sees the change
    within `seconds`."""

    def __init__(self, seconds: float):
        self._cache: TTLCache | None = TTLCache(maxsize=4096, ttl=seconds) if seconds > 0 else None
        self._lock = threading.Lock()

    def get(self, token: str) -> User | None:
        if self._cache is None:
            return None
        with self._lock:
            known = self._cache.get(token)
        if known is None or known[0] != _users_generation:
            return None
        return known[1]

    def put(self, token: str, user: User, generation: int) -> None:
        """`generation`: _users_generation read before the user was: a change committed
        while it was read leaves it out of the cache."""
        if self._cache is None:
            return
        copy = User(**{key: getattr(user, key) for key in _USER_COLUMNS})
        make_transient_to_detached(copy)
        with self._lock:
            self._cache[token] = (generation, copy)


_users_generation = 0
_USER_TABLE = User.__table__.name


@event.listens_for(Engine, "after_execute")
def _note_user_change(conn, clause, _multiparams, _params, _options, _result) -> None:
    # ORM flushes and Core statements alike reach the connection as Insert/Update/Delete.
    if isinstance(clause, UpdateBase) and getattr(clause.table, "name", None) == _USER_TABLE:
        conn.info["loupan_users_changed"] = True


@event.listens_for(Engine, "commit")
def _forget_users(conn) -> None:
    global _users_generation
    if conn.info.pop("loupan_users_changed", False):
        _users_generation += 1


@event.listens_for(Engine, "rollback")
def _keep_users(conn) -> None:
    conn.info.pop("loupan_users_changed", None)


def init(server: flask.Flask) -> None:
    manager = LoginManager()
    manager.session_protection = "basic"
    manager.init_app(server)
    recent = RecentUsers(server.config["LOUPAN_SETTINGS"].user_cache_seconds)

    @manager.user_loader
    def load_user(token: str) -> SessionUser | None:
        user_id, _, stamp = token.partition(":")
        if not user_id.isdigit():
            return None
        reader = database().reader()
        known = recent.get(token)
        if known is not None:
            return SessionUser(reader.merge(known, load=False))
        generation = _users_generation
        user = reader.execute(_USER, {"id": int(user_id)}).scalar_one_or_none()
        if user is None or not user.active or _stamp(user) != stamp:
            return None
        recent.put(token, user, generation)
        return SessionUser(user)

    @server.before_request
    def require_login():
        path = request.path
        if any(path.startswith(p) for p in PUBLIC_PREFIXES):
            return None
        if current_user.is_authenticated:
            return None
        if path.startswith("/_dash-") or path.startswith("/_reload-hash"):
            return jsonify(error="login required"), 401
        return redirect(url_for("login", next=request.full_path.rstrip("?")))

    @server.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    server.add_url_rule("/favicon.ico", "favicon", lambda: redirect("/assets/favicon.ico"))
    server.add_url_rule("/login", "login", login_view, methods=["GET", "POST"])
    server.add_url_rule("/logout", "logout", logout_view, methods=["GET", "POST"])


def _client_ip() -> str:
    return request.remote_addr or ""


def _safe_next(target: str | None) -> str:
    """Only local paths: an attacker's link must not send a user elsewhere after login."""
    if not target:
        return "/"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def login_view():
    error = ""
    if request.method == "POST":
        expected = session.get("login_csrf")
        if not expected or not secrets.compare_digest(request.form.get("csrf", ""), expected):
            error = "页面已过期，请重新登录。"
        else:
            settings = flask.current_app.config["LOUPAN_SETTINGS"]
            policy = user_commands.LoginPolicy(
                max_failures=settings.login_max_failures,
                window=timedelta(minutes=settings.login_window_minutes),
            )
            try:
                # A failed login must still write its audit entry: run() commits, then raises.
                user = _run_login(
                    request.form.get("username", ""), request.form.get("password", ""), policy
                )
            except DomainError as err:
                error = err.message
            else:
                session.clear()
                login_user(SessionUser(user))
                return redirect(_safe_next(request.args.get("next")))
    # One token per browser session: a second tab (or the browser's favicon request landing
    # here) must not invalidate the form already shown.
    session.setdefault("login_csrf", secrets.token_urlsafe(24))
    status = 401 if error else 200
    return (
        render_template(
            "login.html",
            error=error,
            csrf=session["login_csrf"],
            username=request.form.get("username", ""),
        ),
        status,
    )


def _run_login(username: str, password: str, policy) -> User:
    db = database()
    with db.writer() as s:
        try:
            return user_commands.authenticate(
                s, username=username, password=password, ip=_client_ip(), policy=policy
            )
        except DomainError as err:
            refusal = err
    # The failure audit entries were committed with the block above; now refuse.
    raise refusal


def logout_view():
    if current_user.is_authenticated:
        database().run(user_commands.record_logout, actor=current_user.user, ip=_client_ip())
    logout_user()
    session.clear()
    return redirect(url_for("login"))


def viewer() -> User | None:
    """The ORM user of this request, or None."""
    return current_user.user if current_user.is_authenticated else None


def callback(app, permission: str | None, *dependencies, **kwargs):
    """Register a Dash callback that only runs for a logged-in user holding `permission`
    (None: any logged-in user). The function receives the user as keyword `user`.

    Each callback is a public HTTP endpoint, so this check runs on the server for every call;
    the permission is remembered per callback for the authorization test."""

    def decorator(func):
        @functools.wraps(func)
        def guarded(*args):
            user = viewer()
            if user is None:
                abort(401)
            if permission is not None and not authz.has(user, permission):
                abort(403)
            return func(*args, user=user)

        before = set(app.callback_map)
        app.callback(*dependencies, **kwargs)(guarded)
        registry = app.server.config.setdefault("LOUPAN_CALLBACK_PERMISSIONS", {})
        for key in set(app.callback_map) - before:
            registry[key] = permission
        return func

    return decorator


def t(text: str, **values) -> str:
    return i18n._(text, **values)
