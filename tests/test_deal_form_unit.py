"""The deal form (认购/签约/预留/临定) acts on the unit it was opened for: open_form keeps that
unit in MODAL_UNIT, and the preview and the submit read it there, never the chart's or grid's
current selection (which a grid refresh or another click may change while the form is open)."""

from __future__ import annotations

from pages.deals import ids
from pages.inventory import ids as inventory_ids


def _key(app, output: str) -> str:
    return next(k for k in app.callback_map if output in k.strip(".").split("..."))


def _ids(dependencies) -> set[str]:
    return {d["id"] if isinstance(d["id"], str) else str(d["id"]) for d in dependencies}


def test_the_form_reads_the_unit_it_was_opened_for(app_env):
    opened = _key(app_env, f"{ids.MODAL_TITLE}.children")
    assert f"{ids.MODAL_UNIT}.data" in opened.strip(".").split("...")
    for output in (f"{ids.PANEL_SUMMARY}.children", f"{ids.PREVIEW}.children"):
        callback = app_env.callback_map[_key(app_env, output)]
        read = _ids(callback["state"]) | _ids(callback["inputs"])
        assert ids.MODAL_UNIT in read
        assert inventory_ids.SELECTED_UNIT not in read
