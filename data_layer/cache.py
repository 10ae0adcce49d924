"""Cached aggregates that no write can leave stale.

Every cache key carries the database's *data version*: every command writes an audit entry in
its own transaction, so the newest audit ids change with every committed write. A figure cached
before a write is simply never looked up again (it expires by TTL). The cache is Redis when
LOUPAN_REDIS_URL is configured (shared by every worker and machine), else a diskcache in the
instance folder (shared by the workers of one machine).

The version is (max id, number of ids among the last WINDOW): on MariaDB an auto-increment id
is taken at insert time, so a transaction that commits after a later-numbered one does not move
the max, but it does change the count of recent ids."""

from __future__ import annotations

import hashlib
import logging
import pickle
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import text
from sqlalchemy.orm import Session

T = TypeVar("T")
log = logging.getLogger(__name__)

WINDOW = 1000
TTL_SECONDS = 3600
_MISS = object()

_VERSION_SQL = text(
    "SELECT MAX(id), COUNT(*) FROM audit_log "
    "WHERE id > (SELECT COALESCE(MAX(id), 0) FROM audit_log) - :window"
)


def data_version(session: Session) -> str:
    """A cheap fingerprint of every committed write (indexed primary-key range)."""
    top, recent = session.execute(_VERSION_SQL, {"window": WINDOW}).one()
    return f"{top or 0}.{recent or 0}"


class LocalCache:
    """diskcache under the instance folder: survives restarts, shared by local workers."""

    def __init__(self, folder: Path):
        import diskcache

        self.store = diskcache.Cache(str(folder), size_limit=256 * 1024 * 1024)

    def get(self, key: str) -> Any:
        return self.store.get(key, default=_MISS)

    def set(self, key: str, value: Any, ttl: int) -> None:
        self.store.set(key, value, expire=ttl)

    def clear(self) -> None:
        self.store.clear()


class RedisCache:
    def __init__(self, url: str):
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)

    def get(self, key: str) -> Any:
        raw = self.client.get(key)
        return _MISS if raw is None else pickle.loads(raw)

    def set(self, key: str, value: Any, ttl: int) -> None:
        self.client.set(key, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), ex=ttl)

    def clear(self) -> None:
        for key in self.client.scan_iter("loupan:*"):
            self.client.delete(key)


class NoCache:
    """Computes every time (benchmarks' "cold" runs, or a cache switched off)."""

    def get(self, key: str) -> Any:
        return _MISS

    def set(self, key: str, value: Any, ttl: int) -> None:
        return None

    def clear(self) -> None:
        return None


_backends: dict[tuple, Any] = {}
_lock = threading.Lock()


def backend(redis_url: str | None, instance_dir: Path | str) -> Any:
    """The cache of this configuration, made once per process (a connection pool or a file
    handle; no per-user state)."""
    key = (redis_url, str(instance_dir))
    with _lock:
        if key not in _backends:
            if redis_url:
                _backends[key] = RedisCache(redis_url)
            else:
                _backends[key] = LocalCache(Path(instance_dir) / "cache" / "aggregates")
        return _backends[key]


def _key(session: Session, name: str, params: tuple, version: str) -> str:
    bind = session.get_bind()
    url = str(getattr(bind, "engine", bind).url)
    digest = hashlib.sha256(repr((url, name, params)).encode()).hexdigest()[:32]
    return f"loupan:agg:{name}:{digest}:{version}"


def cached(
    cache: Any,
    session: Session,
    name: str,
    params: tuple,
    compute: Callable[[], T],
    ttl: int = TTL_SECONDS,
) -> T:
    """compute() once per (name, params, data version). `params` must include everything the
    result depends on, the viewer's scope too. A cache that fails is bypassed, never fatal."""
    if cache is None:
        return compute()
    key = _key(session, name, params, data_version(session))
    try:
        value = cache.get(key)
    except Exception as err:  # a cache outage must not take the figures down
        log.warning("cache read failed: %s", err)
        return compute()
    if value is not _MISS:
        return value
    value = compute()
    try:
        cache.set(key, value, ttl)
    except Exception as err:
        log.warning("cache write failed: %s", err)
    return value
