"""The aggregate cache: keyed by the data version, so any committed write (audited) changes the
key; the Redis backend stores and expires like the local one; a broken cache is bypassed."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from datetime import date

import pytest

from data_layer import audit
from data_layer import cache as aggregate_cache
from data_layer.db import Database
from data_layer.migrate import upgrade


class FakeRedis:
    """The few calls RedisCache makes, in memory, with the TTL it was given."""

    def __init__(self):
        self.data, self.ttl = {}, {}

    def get(self, key):
        return self.data.get(key)

    def set(self, key, value, ex=None):
        self.data[key], self.ttl[key] = value, ex

    def scan_iter(self, pattern):
        return [k for k in list(self.data) if k.startswith(pattern.rstrip("*"))]

    def delete(self, key):
        self.data.pop(key, None)


def _redis_backends():
    backends = ["fake"]
    if shutil.which("redis-server"):
        backends.append("server")
    return backends


@pytest.fixture(params=_redis_backends())
def redis_cache(request, tmp_path):
    if request.param == "fake":
        store = aggregate_cache.RedisCache.__new__(aggregate_cache.RedisCache)
        store.client = FakeRedis()
        yield store
        return
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        store = aggregate_cache.RedisCache(f"redis://127.0.0.1:{port}/0")
        for _ in range(50):
            try:
                store.client.ping()
                break
            except Exception:
                time.sleep(0.1)
        yield store
    finally:
        server.terminate()
        server.wait(timeout=5)


@pytest.fixture
def db(tmp_path):
    url = f"sqlite:///{tmp_path / 'cache.db'}"
    upgrade(url)
    database = Database(url)
    yield database
    database.dispose()


def _write(db):
    with db.writer() as s:
        audit.record(s, None, "test.write", subject="cache")


def test_version_changes_with_every_committed_write_and_not_otherwise(db):
    with db.factory() as s:
        first = aggregate_cache.data_version(s)
    with db.factory() as s:
        assert aggregate_cache.data_version(s) == first
    _write(db)
    with db.factory() as s:
        second = aggregate_cache.data_version(s)
    assert second != first
    # A rolled-back write leaves the version alone.
    with pytest.raises(RuntimeError), db.writer() as s:
        audit.record(s, None, "test.rollback")
        s.flush()
        raise RuntimeError("roll back")
    with db.factory() as s:
        assert aggregate_cache.data_version(s) == second


def test_version_sees_a_write_committed_with_a_lower_id(db):
    """MariaDB hands out auto-increment ids at insert: a transaction that commits after one
    holding a later id leaves MAX(id) alone, but not the count of recent ids."""
    from data_layer.models import AuditEntry

    with db.writer() as s:
        s.add(AuditEntry(id=1012, action="later id, committed first"))
    with db.factory() as s:
        before = aggregate_cache.data_version(s)
    with db.writer() as s:
        s.add(AuditEntry(id=1011, action="earlier id, committed last"))
    with db.factory() as s:
        after = aggregate_cache.data_version(s)
    assert before.split(".")[0] == after.split(".")[0] == "1012"
    assert after != before


def test_redis_backend_round_trip_and_ttl(redis_cache, db):
    calls = []

    def compute():
        calls.append(1)
        return {"amount": "1.00", "when": date(2026, 3, 1)}

    with db.factory() as s:
        first = aggregate_cache.cached(redis_cache, s, "t", ("a",), compute, ttl=60)
        again = aggregate_cache.cached(redis_cache, s, "t", ("a",), compute, ttl=60)
    assert first == again == {"amount": "1.00", "when": date(2026, 3, 1)}
    assert calls == [1]
    _write(db)
    with db.factory() as s:
        aggregate_cache.cached(redis_cache, s, "t", ("a",), compute, ttl=60)
    assert calls == [1, 1]
    if isinstance(redis_cache.client, FakeRedis):
        assert set(redis_cache.client.ttl.values()) == {60}
    else:
        key = next(iter(redis_cache.client.scan_iter("loupan:*")))
        assert 0 < redis_cache.client.ttl(key) <= 60


def test_a_failing_cache_is_bypassed(db):
    class Broken:
        def get(self, key):
            raise ConnectionError("down")

        def set(self, key, value, ttl):
            raise ConnectionError("down")

    with db.factory() as s:
        assert aggregate_cache.cached(Broken(), s, "t", (), lambda: 42) == 42


def test_backend_is_redis_when_configured_else_local(tmp_path):
    assert isinstance(aggregate_cache.backend(None, tmp_path), aggregate_cache.LocalCache)
    remote = aggregate_cache.backend("redis://127.0.0.1:1/0", tmp_path)
    assert isinstance(remote, aggregate_cache.RedisCache)
