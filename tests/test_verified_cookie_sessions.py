"""Session cookies verified once are remembered by their exact text (dashboard.sessions): the
same cookie is not checked again, and nothing Flask would refuse is accepted — a forged or
altered cookie, an expired one, one signed with a former secret key — while a session holding
a list or dict is never remembered, so a change made to it in place cannot leak."""

from __future__ import annotations

import time

import flask
import pytest

from dashboard import sessions
from dashboard.sessions import VerifiedCookieSessions
from tests.conftest import login


@pytest.fixture
def tiny():
    app = flask.Flask("tiny")
    app.secret_key = "first-key"
    app.session_interface = VerifiedCookieSessions()

    @app.post("/set")
    def set_values():
        flask.session.update(flask.request.get_json())
        return "ok"

    @app.get("/get")
    def get_values():
        return flask.jsonify(dict(flask.session))

    @app.post("/append")
    def append():
        # In place, without marking the session modified: Flask does not save this.
        flask.session["items"].append("x")
        return "ok"

    return app


def counting(app, monkeypatch) -> list:
    """Count full checks of a cookie (signature, age, payload)."""
    interface = app.session_interface
    real = interface.get_signing_serializer
    calls = []

    def get_signing_serializer(flask_app):
        serializer = real(flask_app)
        loads = serializer.loads

        def counted(*args, **kwargs):
            calls.append(1)
            return loads(*args, **kwargs)

        serializer.loads = counted
        return serializer

    monkeypatch.setattr(interface, "get_signing_serializer", get_signing_serializer)
    return calls


def cookie_of(client) -> str:
    return client.get_cookie("session").value


def test_the_same_cookie_is_checked_once(tiny, monkeypatch):
    client = tiny.test_client()
    client.post("/set", json={"user": "7:1700000000"})
    calls = counting(tiny, monkeypatch)
    for _ in range(3):
        assert client.get("/get").json == {"user": "7:1700000000"}
    assert len(calls) == 1


def test_an_altered_cookie_is_refused_after_the_real_one_was_remembered(tiny):
    client = tiny.test_client()
    client.post("/set", json={"user": "7:1700000000"})
    assert client.get("/get").json == {"user": "7:1700000000"}
    real = cookie_of(client)
    payload, _, signature = real.rpartition(".")
    forged = payload + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
    client.set_cookie("session", forged)
    assert client.get("/get").json == {}
    # A different payload under the real signature (the user id changed) is refused too.
    client.set_cookie("session", real.replace(real[1], "x" if real[1] != "x" else "y", 1))
    assert client.get("/get").json == {}
    client.set_cookie("session", real)
    assert client.get("/get").json == {"user": "7:1700000000"}


def test_a_remembered_cookie_expires_as_flask_would_expire_it(tiny, monkeypatch):
    client = tiny.test_client()
    client.post("/set", json={"user": "7:1700000000"})
    assert client.get("/get").json == {"user": "7:1700000000"}
    lifetime = tiny.permanent_session_lifetime.total_seconds()
    now = time.time()
    monkeypatch.setattr(sessions.time, "time", lambda: now + lifetime - 60)
    assert client.get("/get").json == {"user": "7:1700000000"}
    monkeypatch.setattr(sessions.time, "time", lambda: now + lifetime + 60)
    assert client.get("/get").json == {}


def test_a_new_secret_key_forgets_remembered_cookies(tiny):
    client = tiny.test_client()
    client.post("/set", json={"user": "7:1700000000"})
    assert client.get("/get").json == {"user": "7:1700000000"}
    tiny.secret_key = "second-key"
    assert client.get("/get").json == {}


def test_a_session_holding_a_list_is_never_remembered(tiny, monkeypatch):
    client = tiny.test_client()
    client.post("/set", json={"items": ["a"]})
    calls = counting(tiny, monkeypatch)
    client.post("/append")
    assert client.get("/get").json == {"items": ["a"]}
    assert len(calls) == 2  # checked each time, never served from memory


def test_the_application_uses_it_and_login_logout_still_hold(app_env, monkeypatch):
    server = app_env.server
    assert isinstance(server.session_interface, VerifiedCookieSessions)
    client = server.test_client()
    login(client, "consultant")
    calls = counting(server, monkeypatch)
    assert client.get("/").status_code == 200
    assert client.get("/").status_code == 200
    assert len(calls) <= 1
    logged_in = cookie_of(client)
    client.get("/logout")
    assert client.get("/").status_code == 302
    # Stateless cookies: the copy taken before logout still names the user, as with Flask's
    # own sessions; the password stamp in it is what ends other sessions (test_auth).
    client.set_cookie("session", logged_in)
    assert client.get("/").status_code == 200
