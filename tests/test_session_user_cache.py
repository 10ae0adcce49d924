"""The session's user is kept for a few seconds (dashboard.auth.RecentUsers) instead of being
read on every request: a change to a user made in this process applies at once, by the ORM or
by Core; a change the process cannot see (another process) applies within
Settings.user_cache_seconds; 0 reads the user on every request."""

from __future__ import annotations

import time
from contextlib import contextmanager
from datetime import datetime

import pytest
from sqlalchemy import create_engine, event, insert, select, text, update
from sqlalchemy.orm import object_session

from dashboard import auth
from data_layer.commands import users as user_commands
from data_layer.models import Project, User, project_member
from tests import dash_client
from tests.conftest import BACKENDS, login, own_database_url
from tests.factories import make_building, make_world
from tests.test_inventory_callbacks import chart


@contextmanager
def running_app(backend: str, folder, seconds: float):
    from dashboard import create_app
    from dashboard.settings import Settings
    from data_layer.db import Database

    with own_database_url(backend, "usercache", folder) as url:
        db = Database(url)
        with db.writer() as s:
            world = make_world(s)
            building_id = make_building(s, world.projects[0]).id
        db.dispose()
        settings = Settings(
            database_url=url,
            secret_key="test-secret",
            instance_dir=folder,
            user_cache_seconds=seconds,
        )
        app = create_app(settings)
        try:
            yield app, building_id
        finally:
            app.server.extensions["loupan_db"].dispose()


def _db(app):
    return app.server.extensions["loupan_db"]


def _user_id(app, username: str) -> int:
    with _db(app).factory() as s:
        return s.scalar(text("SELECT id FROM user WHERE username = :u"), {"u": username})


def _chart_status(client, building_id) -> int:
    return chart(client, building_id).status_code


def _outside_write(app, statement: str, **params) -> None:
    """A write this process's SQLAlchemy does not see, as another process's would be."""
    engine = create_engine(_db(app).url)
    with engine.begin() as conn:
        conn.execute(text(statement), params)
    engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_deactivation_in_this_process_applies_at_once(backend, tmp_path):
    with running_app(backend, tmp_path, seconds=60) as (app, building_id):
        client = app.server.test_client()
        login(client, "consultant")
        assert _chart_status(client, building_id) == 200
        assert _chart_status(client, building_id) == 200  # served from the cache
        admin = _db(app).reader().get(User, _user_id(app, "admin"))
        _db(app).run(
            user_commands.set_active,
            actor=admin,
            user_id=_user_id(app, "consultant"),
            active=False,
        )
        assert _chart_status(client, building_id) == 401


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_core_update_of_a_user_applies_at_once(backend, tmp_path):
    """The language switch through a Core UPDATE (not an ORM flush) is seen by the next
    request, although the cache would keep the user for a minute."""
    with running_app(backend, tmp_path, seconds=60) as (app, building_id):
        client = app.server.test_client()
        login(client, "consultant")
        first = dash_client.response_of(chart(client, building_id))
        assert "共" in first[auth_info_id()]["children"]
        with _db(app).writer() as s:
            s.execute(update(User).where(User.username == "consultant").values(language="en"))
        again = dash_client.response_of(chart(client, building_id))
        assert "units" in again[auth_info_id()]["children"]


def auth_info_id() -> str:
    from pages.inventory import ids

    return ids.CHART_INFO


def test_a_password_reset_ends_the_other_sessions_at_once(tmp_path):
    with running_app("sqlite", tmp_path, seconds=60) as (app, building_id):
        # The session's stamp is the password's time in seconds: the account must not have
        # been made within the second of the reset.
        with _db(app).writer() as s:
            s.execute(
                update(User)
                .where(User.username == "consultant")
                .values(password_changed_at=datetime(2026, 1, 1))
            )
        client = app.server.test_client()
        login(client, "consultant")
        assert _chart_status(client, building_id) == 200
        admin = _db(app).reader().get(User, _user_id(app, "admin"))
        _db(app).run(
            user_commands.reset_password,
            actor=admin,
            user_id=_user_id(app, "consultant"),
            new_password="Another-Passw0rd!",
        )
        assert _chart_status(client, building_id) == 401


def test_another_process_change_applies_within_the_cache_time(tmp_path):
    with running_app("sqlite", tmp_path, seconds=0.5) as (app, building_id):
        client = app.server.test_client()
        login(client, "consultant")
        assert _chart_status(client, building_id) == 200
        _outside_write(app, "UPDATE user SET active = 0 WHERE username = 'consultant'")
        start = time.monotonic()
        # Within the cache time the process may still serve the user it knew ...
        while _chart_status(client, building_id) == 200:
            assert time.monotonic() - start < 2, "still served after the cache time"
            time.sleep(0.05)
        # ... and after it, never again.
        assert time.monotonic() - start >= 0 and _chart_status(client, building_id) == 401


def test_no_cache_reads_the_user_on_every_request(tmp_path):
    with running_app("sqlite", tmp_path, seconds=0) as (app, building_id):
        client = app.server.test_client()
        login(client, "consultant")
        assert _chart_status(client, building_id) == 200
        _outside_write(app, "UPDATE user SET active = 0 WHERE username = 'consultant'")
        assert _chart_status(client, building_id) == 401


def test_a_cached_user_is_the_requests_own_and_reads_its_projects_live(tmp_path):
    with running_app("sqlite", tmp_path, seconds=60) as (app, _building_id):
        server = app.server
        consultant_id = _user_id(app, "consultant")
        with _db(app).factory() as s:
            user = s.get(User, consultant_id)
            token = f"{user.id}:{auth._stamp(user)}"
            before = set(user.project_ids)
            other = s.scalar(select(Project.id).where(Project.id.not_in(before)))
        loader = server.login_manager._user_callback
        with server.test_request_context():
            first = loader(token)
            assert object_session(first.user) is _db(app).reader()
            _db(app).scoped.remove()
        with _db(app).writer() as s:
            s.execute(insert(project_member).values(user_id=consultant_id, project_id=other))
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(_db(app).engine, "before_cursor_execute", listener)
        with server.test_request_context():
            second = loader(token)
            assert not statements  # from the cache: no user row read
            assert second.user is not first.user
            assert object_session(second.user) is _db(app).reader()
            assert second.user.project_ids == before | {other}
            _db(app).scoped.remove()
        event.remove(_db(app).engine, "before_cursor_execute", listener)
