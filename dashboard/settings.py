"""Settings of one Loupan instance, read from the environment (LOUPAN_*)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _instance_dir() -> Path:
    path = Path(os.environ.get("LOUPAN_INSTANCE_DIR", ROOT / "instance"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _secret_key(instance: Path) -> str:
    """The key from the environment, else one generated once and kept in instance/ so that
    sessions survive restarts and every worker of one machine signs cookies alike."""
    key = os.environ.get("LOUPAN_SECRET_KEY")
    if key:
        return key
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    language: str = "zh"
    host: str = "127.0.0.1"
    port: int = 8050
    instance_dir: Path = field(default_factory=_instance_dir)
    # Failed logins allowed per account (and per client address) within the window.
    login_max_failures: int = 5
    login_window_minutes: int = 15
    redis_url: str | None = None
    debug: bool = False
    # Times are stored in UTC and shown in the office's zone.
    timezone: str = "Asia/Shanghai"
    # Behind a reverse proxy (nginx): trust X-Forwarded-For/Proto and use secure cookies.
    behind_proxy: bool = False
    # A session's user is read again after this many seconds (0: on every request). A change
    # to a user (deactivation, password, language) applies at once in the process that made it
    # and within this time in the others.
    user_cache_seconds: float = 2.0
    # `python -m dashboard run` (one process) runs the scheduled jobs itself this often
    # (dashboard.housekeeping); 0 leaves them to cron.
    housekeeping_minutes: float = 5.0

    @classmethod
    def from_env(cls, **overrides) -> Settings:
        instance = _instance_dir()
        env = os.environ
        values = dict(
            database_url=env.get("LOUPAN_DATABASE_URL", f"sqlite:///{instance / 'loupan.db'}"),
            secret_key=_secret_key(instance),
            language=env.get("LOUPAN_LANGUAGE", "zh"),
            host=env.get("LOUPAN_HOST", "127.0.0.1"),
            port=int(env.get("LOUPAN_PORT", "8050")),
            instance_dir=instance,
            login_max_failures=int(env.get("LOUPAN_LOGIN_MAX_FAILURES", "5")),
            login_window_minutes=int(env.get("LOUPAN_LOGIN_WINDOW_MINUTES", "15")),
            redis_url=env.get("LOUPAN_REDIS_URL") or None,
            debug=env.get("LOUPAN_DEBUG", "") == "1",
            behind_proxy=env.get("LOUPAN_BEHIND_PROXY", "") == "1",
            timezone=env.get("LOUPAN_TIMEZONE", "Asia/Shanghai"),
            user_cache_seconds=float(env.get("LOUPAN_USER_CACHE_SECONDS", "2")),
            housekeeping_minutes=float(env.get("LOUPAN_HOUSEKEEPING_MINUTES", "5")),
        )
        values.update(overrides)
        return cls(**values)
