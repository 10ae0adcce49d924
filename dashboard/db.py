"""The application's database: one Database per Flask app, reached through current_app."""

from __future__ import annotations

import flask

from data_layer.db import Database


def init(server: flask.Flask, url: str) -> Database:
    db = Database(url)
    server.extensions["loupan_db"] = db

    @server.teardown_appcontext
    def _remove_session(_exc):
        db.scoped.remove()

    return db


def database() -> Database:
    return flask.current_app.extensions["loupan_db"]


def reader():
    """The read session of this request."""
    return database().reader()
