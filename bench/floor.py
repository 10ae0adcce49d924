"""The framework's floor, measured beside a callback: an authenticated Dash callback that
reads nothing and returns constants (the sales control chart's filter reset). Its time is what
Flask, the session cookie, loading the user, the permission check and Dash's dispatch cost
before a callback does any work of its own."""

from __future__ import annotations


def floor_body(app) -> dict:
    from pages.inventory import ids

    key = next(k for k in app.callback_map if f"..{ids.FILTER_LAYOUT}.value" in k)
    return {
        "output": key,
        "outputs": [
            {"id": p.rpartition(".")[0], "property": p.rpartition(".")[2]}
            for p in key.strip(".").split("...")
        ],
        "inputs": [{"id": ids.FILTER_RESET, "property": "n_clicks", "value": 1}],
        "changedPropIds": [f"{ids.FILTER_RESET}.n_clicks"],
    }


def post_floor(client, body: dict) -> None:
    assert client.post("/_dash-update-component", json=body).status_code == 200
