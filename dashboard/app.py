"""create_app(settings): the one place that wires Flask, the database, login and Dash."""

from __future__ import annotations

from datetime import timedelta

import dash
import flask
from sqlalchemy import text

from .sessions import VerifiedCookieSessions
from .settings import ROOT, Settings


def create_app(settings: Settings | None = None) -> dash.Dash:
    settings = settings or Settings.from_env()
    server = flask.Flask(__name__, template_folder=str(ROOT / "dashboard" / "templates"))
    server.config.from_mapping(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        LOUPAN_SETTINGS=settings,
        LOUPAN_LANGUAGE=settings.language,
    )
    server.session_interface = VerifiedCookieSessions()
    if settings.behind_proxy:
        from werkzeug.middleware.proxy_fix import ProxyFix

        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=1, x_proto=1, x_host=1)
        server.config["SESSION_COOKIE_SECURE"] = True

    # Imported here so that a settings-only import stays light.
    import callbacks
    from data_layer.localtime import set_office_zone

    from . import auth, db, shell

    set_office_zone(settings.timezone)
    database = db.init(server, settings.database_url)
    auth.init(server)

    @server.get("/healthz")
    def health():
        """For load balancers: no login, checks that the database answers."""
        try:
            with database.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as err:
            return {"status": "error", "database": type(err).__name__}, 503
        return {"status": "ok", "database": "ok"}

    app = dash.Dash(
        __name__,
        server=server,
        use_pages=True,
        pages_folder=str(ROOT / "pages"),
        assets_folder=str(ROOT / "assets"),
        external_stylesheets=[],
        serve_locally=True,
        suppress_callback_exceptions=True,
        title="Loupan 售楼管理系统",
        update_title=None,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
        # Long work (Excel imports, big exports) runs as background callbacks in another
        # process; their results and progress live on disk beside the database.
        background_callback_manager=_background_manager(settings),
    )
    _html_lang(app)
    app.layout = shell.layout
    shell.wrap_page_layouts()
    shell.register(app)
    for module in callbacks.modules():
        module.register(app)
    return app


def _html_lang(app: dash.Dash) -> None:
    """<html lang> of each page load in the viewer's language: the browser and
    assets/plotly-locale.js (Chinese month and day names on chart axes) read it."""
    from .i18n import language

    render = app.interpolate_index

    def interpolate_index(**kwargs):
        lang = "zh-CN" if language() == "zh" else "en"
        return render(**kwargs).replace("<html>", f'<html lang="{lang}">', 1)

    app.interpolate_index = interpolate_index


def _background_manager(settings: Settings):
    import diskcache

    from . import background  # noqa: F401 - registers the request-side guard of background jobs

    return dash.DiskcacheManager(diskcache.Cache(str(settings.instance_dir / "cache")))
