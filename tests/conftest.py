"""Shared fixtures: databases on SQLite and MariaDB, sessions rolled back after each test,
users of every role, and an application with a logged-in test client."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from data_layer import localtime
from data_layer.db import Database
from data_layer.migrate import upgrade

MYSQL_URL = os.environ.get("LOUPAN_TEST_MYSQL_URL", "")
# CI sets this: a test that needs MySQL or the browser then fails instead of skipping.
REQUIRE_ALL = os.environ.get("LOUPAN_REQUIRE_ALL_TESTS") == "1"


def skip_or_fail(reason: str) -> None:
    if REQUIRE_ALL:
        pytest.fail(reason + " (required in CI)")
    pytest.skip(reason)


BACKENDS = ["sqlite", pytest.param("mysql", marks=pytest.mark.mysql)]


def reset_mysql(url: str) -> None:
    """Empty the test database so that migrations run up from nothing."""
    db = Database(url)
    with db.engine.begin() as conn:
        conn.execute(text("SET FOREIGN_KEY_CHECKS=0"))
        for (name,) in conn.execute(text("SHOW TABLES")).all():
            conn.execute(text(f"DROP TABLE `{name}`"))
        conn.execute(text("SET FOREIGN_KEY_CHECKS=1"))
    db.dispose()


def mysql_database(suffix: str) -> str:
    """A fresh database beside the one named in LOUPAN_TEST_MYSQL_URL, private to this test
    process, so that concurrent test runs on one server never see each other's rows."""
    from sqlalchemy.engine import make_url

    if not MYSQL_URL:
        skip_or_fail("MySQL tests need LOUPAN_TEST_MYSQL_URL (CI sets it)")
    base = make_url(MYSQL_URL)
    name = f"{base.database}_{suffix}_{os.getpid()}"
    admin = Database(MYSQL_URL)
    with admin.engine.begin() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def drop_mysql_database(url: str) -> None:
    from sqlalchemy.engine import make_url

    admin = Database(MYSQL_URL)
    with admin.engine.begin() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS `{make_url(url).database}`"))
    admin.dispose()


@contextmanager
def own_database_url(backend: str, name: str, folder: Path) -> Iterator[str]:
    """A migrated database of its own, for tests that commit for real: a SQLite file in
    `folder`, or on MariaDB a per-process database beside LOUPAN_TEST_MYSQL_URL's (dropped
    afterwards)."""
    url = mysql_database(name) if backend == "mysql" else f"sqlite:///{folder / f'{name}.db'}"
    try:
        upgrade(url)
        yield url
    finally:
        if backend == "mysql":
            drop_mysql_database(url)


@contextmanager
def own_database(backend: str, name: str, folder: Path) -> Iterator[Database]:
    """own_database_url() with its Database."""
    with own_database_url(backend, name, folder) as url:
        db = Database(url)
        try:
            yield db
        finally:
            db.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database(request, tmp_path_factory) -> Iterator[Database]:
    """A migrated database per backend, shared by the session; tests roll back their writes."""
    with own_database(request.param, "main", tmp_path_factory.mktemp(request.param)) as db:
        yield db


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test; commands may call
    session.begin_nested() / flush freely."""
    connection = database.engine.connect()
    outer = connection.begin()
    s = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield s
        _assert_no_figure_drift(s)
    finally:
        s.close()
        outer.rollback()
        connection.close()


def _assert_no_figure_drift(s: Session) -> None:
    """Whatever a data-layer test wrote, the overview's daily figures (data_layer/figures.py)
    still equal the base tables: every kind of write in the suite checks them."""
    from sqlalchemy.exc import PendingRollbackError

    from data_layer import figures

    if not s.is_active:
        return
    try:
        s.flush()
        drift = figures.drift(s)
    except PendingRollbackError:
        return  # the test left a failed transaction on purpose (its own assertions ran)
    assert drift == [], f"daily figures drifted from the tables: {drift[:5]}"


@pytest.fixture
def world(session: Session):
    """A small organisation: two projects, a team each, and one user of every role."""
    from tests.factories import make_world

    return make_world(session)


@pytest.fixture(scope="module")
def app_env(tmp_path_factory):
    """A running application on its own migrated SQLite file, with the test world committed."""
    from dashboard import create_app
    from dashboard.settings import Settings
    from tests.factories import make_building, make_customer, make_world

    folder = tmp_path_factory.mktemp("app")
    url = f"sqlite:///{folder / 'app.db'}"
    upgrade(url)
    db = Database(url)
    with db.writer() as s:
        world = make_world(s)
        p1 = world.projects[0]
        make_building(s, p1)
        make_customer(s, p1, world.users["consultant"], "张伟", "13812345678")
        make_customer(s, p1, world.users["consultant2"], "李娜", "13912345678")
    db.dispose()
    settings = Settings(database_url=url, secret_key="test-secret", instance_dir=folder)
    app = create_app(settings)
    yield app
    app.server.extensions["loupan_db"].dispose()


def login(client, username: str, password: str | None = None):
    """Log a Flask test client in through the real login form."""
    import re

    from tests.factories import PASSWORD

    page = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    return client.post(
        "/login",
        data={"username": username, "password": password or PASSWORD, "csrf": token},
    )


@pytest.fixture(scope="session")
def demo_app(tmp_path_factory):
    """The application on the `small` demo data, exactly as `make run` serves it."""

    from dashboard import create_app
    from dashboard.settings import Settings
    from data_layer import demo

    folder = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{folder / 'demo.db'}"
    upgrade(url)
    db = Database(url)
    demo.load(db, scale="small", seed=42, progress=lambda _m: None, today=localtime.today())
    db.dispose()
    app = create_app(Settings(database_url=url, secret_key="demo-secret", instance_dir=folder))
    yield app
    app.server.extensions["loupan_db"].dispose()
