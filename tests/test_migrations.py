"""Migrations run up from empty to one head, down to nothing and up again, on SQLite and MariaDB,
and leave the schema the models describe."""

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from data_layer.db import Database
from data_layer.migrate import alembic_config, downgrade, upgrade
from data_layer.models import Base
from tests.conftest import drop_mysql_database, mysql_database


def test_history_has_a_single_head():
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1


@pytest.fixture(params=["sqlite", pytest.param("mysql", marks=pytest.mark.mysql)])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
        return
    url = mysql_database("migrate")
    yield url
    drop_mysql_database(url)


def _tables(url: str) -> set[str]:
    db = Database(url)
    names = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    db.dispose()
    return names


def test_up_down_up_from_empty(empty_url):
    upgrade(empty_url)
    assert _tables(empty_url) == set(Base.metadata.tables)
    downgrade(empty_url, "base")
    assert _tables(empty_url) == set()
    upgrade(empty_url)
    assert _tables(empty_url) == set(Base.metadata.tables)


def test_reference_data_is_seeded(empty_url):
    from sqlalchemy import text

    upgrade(empty_url)
    db = Database(empty_url)
    with db.engine.connect() as conn:
        roles = conn.execute(text("SELECT count(*) FROM role")).scalar()
        channels = conn.execute(
            text("SELECT count(*) FROM code_item WHERE category = 'channel'")
        ).scalar()
    db.dispose()
    assert roles == 7
    assert channels >= 5
