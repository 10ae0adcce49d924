"""Background callbacks (long imports, big exports) with the same server-side guard as
`auth.callback`.

A Dash background callback runs in another process (DiskcacheManager: a forked process;
Celery: a worker) where there is no Flask request and so no logged-in user. The guard therefore
runs twice:
1. in the request, before the job starts: a `custom_data` hook refuses without a session (401)
   or without the permission (403), exactly like `auth.callback`, and hands the user id on;
2. in the job: the user is loaded again from the database by that id (inside an application
   context of the same app) and passed to the function as keyword `user`.
"""

from __future__ import annotations

import functools

import dash
import flask
from flask import abort

from data_layer import authz
from data_layer.models import User

NAMESPACE = "loupan_user"
_REGISTRY_KEY = "LOUPAN_BACKGROUND_PERMISSIONS"


def _guard_request(_context) -> dict | None:
    """Runs in the request for every callback; acts only on registered background callbacks."""
    if not flask.has_request_context():
        return None
    app = flask.current_app
    guarded = app.config.get(_REGISTRY_KEY)
    if not guarded:
        return None
    body = flask.request.get_json(silent=True) or {}
    output = body.get("output")
    if output not in guarded:
        return None
    from . import auth, i18n

    user = auth.viewer()
    if user is None:
        abort(401)
    permission = guarded[output]
    if permission is not None and not authz.has(user, permission):
        abort(403)
    return {"user_id": user.id, "language": i18n.language()}


# Hooks are process-wide in Dash: registered once, they serve every app of the process.
if not getattr(dash.hooks, "_loupan_background_guard", False):
    dash.hooks.custom_data(NAMESPACE)(_guard_request)
    dash.hooks._loupan_background_guard = True


def callback(app: dash.Dash, permission: str | None, *dependencies, **kwargs):
    """Register a background callback (`background=True` is implied) that only runs for a
    logged-in user holding `permission`; the function receives `user` (and, with `progress=`,
    `set_progress` first, as Dash passes it)."""
    kwargs["background"] = True
    server = app.server

    def decorator(func):
        @functools.wraps(func)
        def guarded(*args):
            data = dash.callback_context.custom_data.get(NAMESPACE) or {}
            user_id = data.get("user_id")
            if user_id is None:
                raise PermissionError("background callback without a verified user")
            with server.app_context():
                database = server.extensions["loupan_db"]
                # The job runs in a forked process: never reuse the parent's pooled connections.
                database.engine.dispose(close=False)
                try:
                    session = database.reader()
                    user = session.get(User, user_id)
                    if user is None or not user.active:
                        raise PermissionError("user disabled")
                    if permission is not None and not authz.has(user, permission):
                        raise PermissionError(permission)
                    server.config["LOUPAN_LANGUAGE"] = data.get("language", "zh")
                    return func(*args, user=user)
                finally:
                    database.scoped.remove()

        before = set(app.callback_map)
        app.callback(*dependencies, **kwargs)(guarded)
        added = set(app.callback_map) - before
        server.config.setdefault(_REGISTRY_KEY, {}).update(dict.fromkeys(added, permission))
        registry = server.config.setdefault("LOUPAN_CALLBACK_PERMISSIONS", {})
        for key in added:
            registry[key] = permission
        return func

    return decorator
