"""Each page load says its language in <html lang>, which assets/plotly-locale.js reads to
give charts Chinese month and day names; the script is served by the app (no CDN)."""

from sqlalchemy import select

from data_layer.models import User
from tests.conftest import login


def _set_language(app, username: str, language: str) -> None:
    db = app.server.extensions["loupan_db"]
    with db.writer() as s:
        s.scalar(select(User).where(User.username == username)).language = language


def test_page_language_follows_the_viewer(app_env):
    client = app_env.server.test_client()
    assert login(client, "consultant").status_code == 302
    try:
        _set_language(app_env, "consultant", "zh")
        page = client.get("/").get_data(as_text=True)
        assert '<html lang="zh-CN">' in page
        assert "plotly-locale.js" in page
        _set_language(app_env, "consultant", "en")
        assert '<html lang="en">' in client.get("/").get_data(as_text=True)
    finally:
        _set_language(app_env, "consultant", "zh")


def test_the_locale_script_is_served_locally(app_env):
    client = app_env.server.test_client()
    assert login(client, "consultant").status_code == 302
    page = client.get("/").get_data(as_text=True)
    src = page[page.index("/assets/plotly-locale.js") :].split('"')[0]
    script = client.get(src).get_data(as_text=True)
    assert "setPlotConfig" in script and "PlotlyLocales" in script and "1月" in script


def test_a_count_of_one_reads_in_the_singular_in_english(app_env):
    from dashboard.i18n import _

    db = app_env.server.extensions["loupan_db"]
    client = app_env.server.test_client()
    assert login(client, "consultant").status_code == 302
    _set_language(app_env, "consultant", "en")
    try:
        with app_env.server.test_request_context():
            from flask_login import login_user

            with db.factory() as s:
                login_user(
                    _session_user(s.scalar(select(User).where(User.username == "consultant")))
                )
                assert _("{n} 套", n=1) == "1 unit"
                assert _("{n} 套", n=2) == "2 units"
                assert _("{n} 套", n=0) == "0 units"
                assert _("{name}：共 {n} 套", name="1栋", n=1) == "1栋: 1 unit"
    finally:
        _set_language(app_env, "consultant", "zh")


def _session_user(user):
    from dashboard.auth import SessionUser

    return SessionUser(user)
