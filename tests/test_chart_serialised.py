"""The sales control chart keeps its drawn outputs as the JSON the response carries
(callbacks.inventory._serialised): a redraw from the cache sends exactly what a fresh drawing
sends, escaped as Plotly escapes every response; and the fingerprint statement compiled once
(authz.PerScope.one_row, on the DBAPI cursor) answers as the statement executed by SQLAlchemy
does, in the session's transaction."""

from __future__ import annotations

import json

import orjson
import pytest
from sqlalchemy import update

from callbacks import inventory as chart_callbacks
from data_layer import authz
from data_layer.models import Unit
from data_layer.queries import inventory as queries
from pages.inventory import ids
from tests.conftest import login
from tests.factories import make_building
from tests.test_inventory_callbacks import app_data, chart  # noqa: F401 (fixture)


def test_a_redraw_from_the_cache_sends_the_same_escaped_json(app_env, app_data):  # noqa: F811
    chart_callbacks._CHART_CACHE.clear()
    client = app_env.server.test_client()
    login(client, "consultant")
    drawn = chart(client, app_data["building_id"])
    cached = chart(client, app_data["building_id"])
    assert drawn.status_code == cached.status_code == 200
    assert drawn.get_data() == cached.get_data()
    body = drawn.get_data(as_text=True)
    # Hover texts hold <b> and <br>: sent as \u003c…, never as markup a page could run.
    assert "<" not in body and ">" not in body and "\\u003cb\\u003e" in body
    figure = json.loads(body)["response"][ids.CHART_GRAPH]["figure"]
    texts = [t for row in figure["data"][0]["text"] for t in row if t]
    assert len(texts) == 6 and all(t.startswith("<b>") and "<br>" in t for t in texts)
    # ASCII only (no transcoding of the response), Chinese intact once parsed.
    assert drawn.get_data().isascii()
    info = json.loads(body)["response"][ids.CHART_INFO]["children"]
    assert "共 6 套" in info
    # The cell map the unit click uses came through as data, not as a string.
    cells = json.loads(body)["response"][ids.CHART_CELLS]["data"]
    assert isinstance(cells, dict) and len(cells) == 6


def test_serialised_json_is_ascii_and_reads_back_exactly():
    value = {"楼": ["1栋：共 6 套", "㎡ é \u2028 𠀀 </script>"], "n": [1, 2.5, None, True]}
    text = bytes(orjson.dumps({"x": chart_callbacks._serialised(value)})).decode()
    assert text.isascii()
    assert "</" not in text and "\\u2028" in text
    assert json.loads(text) == {"x": value}


@pytest.mark.parametrize("viewer", ["consultant", "admin"])
def test_the_compiled_fingerprint_statement_answers_as_sqlalchemy_does(session, world, viewer):
    user = world.users[viewer]
    building = make_building(session, world.projects[0])
    connection = session.connection()

    def both():
        statement = queries._version_statement(user)
        params = authz.PerScope.params(user, building_id=building.id)
        expected = tuple(connection.execute(statement, params).one())
        got = tuple(queries._version_statement.one_row(connection, user, building_id=building.id))
        return expected, got

    expected, got = both()
    assert got == expected and got[2]  # allowed
    first = queries.version(session, user, building.id).fingerprint
    session.execute(
        update(Unit).where(Unit.building_id == building.id, Unit.floor == 1).values(floor=1)
    )
    session.flush()
    expected, got = both()
    assert got == expected
    assert queries.version(session, user, building.id).fingerprint != first


def test_the_compiled_fingerprint_statement_refuses_and_misses_as_sqlalchemy_does(session, world):
    outsider = world.users["consultant_p2"]  # a member of the other project only
    building = make_building(session, world.projects[0])
    connection = session.connection()
    missing = queries._version_statement.one_row(
        connection, world.users["admin"], building_id=building.id + 1000
    )
    assert missing is None
    row = queries._version_statement.one_row(connection, outsider, building_id=building.id)
    assert row is not None and not row[2]
