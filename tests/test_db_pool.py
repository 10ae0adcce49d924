"""The MySQL/MariaDB pool's reset on return (data_layer/db.py): no ROLLBACK round trip after
a transaction SQLAlchemy already ended, and a rollback whenever one may still be open."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from data_layer.db import Database
from tests.conftest import drop_mysql_database, mysql_database

pytestmark = pytest.mark.mysql


@pytest.fixture
def pooled():
    """One pooled connection only, so that every check-out is the same server session."""
    url = mysql_database("pool")
    db = Database(url, pool_size=1, max_overflow=0)
    with db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE note (id INT PRIMARY KEY AUTO_INCREMENT, v INT)"))
    yield db
    db.dispose()
    drop_mysql_database(url)


def _rollbacks(db: Database) -> int:
    """The server session's ROLLBACK count (this read itself adds one when it closes)."""
    with db.engine.connect() as conn:
        row = conn.execute(text("SHOW SESSION STATUS LIKE 'Com_rollback'")).one()
    return int(row[1])


def _count(db: Database) -> int:
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT COUNT(*) FROM note")).scalar_one()


def test_a_committed_write_is_not_rolled_back_again_on_return(pooled):
    def write(session):
        session.execute(text("INSERT INTO note (v) VALUES (1)"))

    pooled.run(write)
    first = _rollbacks(pooled)
    pooled.run(write)
    second = _rollbacks(pooled)
    # Between the two reads: one committed write, and the first read's own close. Before,
    # the pool also rolled the connection back after the commit (2).
    assert second - first == 1
    assert _count(pooled) == 2


def test_a_failed_write_is_rolled_back_once_and_leaves_nothing(pooled):
    def failing(session):
        session.execute(text("INSERT INTO note (v) VALUES (2)"))
        raise ValueError("refused")

    before = _rollbacks(pooled)
    with pytest.raises(ValueError):
        pooled.run(failing)
    assert _rollbacks(pooled) - before == 2  # the failed write's, then the read's own
    assert _count(pooled) == 0


def test_a_raw_connection_returned_mid_transaction_is_rolled_back(pooled):
    """Nothing told SQLAlchemy the transaction ended: the pool must roll it back, or the
    next user of this server session would see (and commit) the uncommitted row."""
    raw = pooled.engine.raw_connection()
    cursor = raw.cursor()
    cursor.execute("INSERT INTO note (v) VALUES (3)")
    cursor.close()
    raw.close()  # back to the pool without commit or rollback
    assert _count(pooled) == 0
    with pooled.engine.begin() as conn:
        conn.execute(text("INSERT INTO note (v) VALUES (4)"))
    assert _count(pooled) == 1


def test_a_raw_statement_after_the_commit_is_rolled_back(pooled):
    """SQLAlchemy committed, then something wrote on the DBAPI connection behind its back:
    the server's reply says a transaction is open, so the pool rolls it back."""
    conn = pooled.engine.connect()
    conn.execute(text("INSERT INTO note (v) VALUES (5)"))
    conn.commit()
    cursor = conn.connection.dbapi_connection.cursor()
    cursor.execute("INSERT INTO note (v) VALUES (6)")
    cursor.close()
    conn.close()
    with pooled.engine.connect() as check:
        values = check.execute(text("SELECT v FROM note")).scalars().all()
    assert values == [5]
