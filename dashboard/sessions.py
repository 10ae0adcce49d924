"""Flask's signed-cookie sessions, remembering the cookies it has verified.

Every callback of an open page, and every second's poll of an open sales chart, carries the
same session cookie until the session changes. Flask checks it from scratch each time (base64,
zlib, HMAC, JSON): about a tenth of a millisecond, as much as the chart's own query on SQLite.
Here a cookie verified once is remembered by its exact text, with the time it was signed, so
the same text is accepted again without the work until it expires. Acceptance is unchanged:
only a byte-for-byte copy of a cookie that passed the full check is ever remembered, its age is
checked on every request as Flask checks it, and a change of secret key forgets everything."""

from __future__ import annotations

import threading
import time

import flask
from cachetools import LRUCache
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature

# Sessions holding only these are remembered: a caller may mutate a list or dict in place
# (flash() appends to one), which must never reach the remembered copy.
_FLAT = (str, int, float, bool, type(None))


class VerifiedCookieSessions(SecureCookieSessionInterface):
    def __init__(self, size: int = 4096):
        self._verified: LRUCache = LRUCache(maxsize=size)
        self._lock = threading.Lock()

    def open_session(self, app: flask.Flask, request: flask.Request) -> SecureCookieSession | None:
        if not app.secret_key:
            return None
        text = request.cookies.get(self.get_cookie_name(app))
        if not text:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        key = (app.secret_key, text)
        with self._lock:
            known = self._verified.get(key)
        if known is not None:
            data, signed_at = known
            if 0 <= int(time.time()) - signed_at <= max_age:
                return self.session_class(data)
        serializer = self.get_signing_serializer(app)
        try:
            data, signed = serializer.loads(text, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if all(isinstance(value, _FLAT) for value in data.values()):
            with self._lock:
                self._verified[key] = (dict(data), int(signed.timestamp()))
        return self.session_class(data)
