"""Post Dash callbacks through the Flask test client exactly as the browser does
(`/_dash-update-component`), for the callback tests of every area.

    key, body = dash_client.request(app, "crm-list-grid.rowData", {"crm-list-name.value": "张"})
    response = dash_client.post(client, app, "crm-list-grid.rowData", values, "x.n_clicks")
    out = dash_client.response_of(response)      # {component id: {property: value}}
"""

from __future__ import annotations

import json

URL = "/_dash-update-component"


def parts(key: str) -> list[tuple[str, str]]:
    """(component id, property) of each output of a callback-map key: "a.x" for one output,
    "..a.x...b.y.." for several; the "@hash" Dash gives allow_duplicate outputs is dropped."""
    found = []
    for part in key.strip(".").split("..."):
        ident, _, prop = part.rpartition(".")
        found.append((ident, prop.split("@")[0]))
    return found


def body(key: str, inputs: list, state: list = (), changed: str | list | None = None) -> dict:
    """The request for the callback `key`; inputs and state are Dash's {id, property, value}
    entries; `changed` names what triggered it ("id.prop")."""
    outputs = [{"id": ident, "property": prop} for ident, prop in parts(key)]
    if changed is None:
        changed = []
    return {
        "output": key,
        "outputs": outputs if key.startswith("..") else outputs[0],
        "inputs": list(inputs),
        "state": list(state),
        "changedPropIds": [changed] if isinstance(changed, str) else list(changed),
    }


def entries(items, values: dict) -> list:
    """{id, property, value} for Dash's input or state specs, the value looked up in `values`
    by "id.prop" (None when missing). A pattern-matching ALL spec ({"type": t, "field": ALL})
    becomes the list of the components shown: values[t] lists their (wildcard value, value)."""
    found = []
    for item in items:
        if not item["id"].startswith("{"):
            name = f"{item['id']}.{item['property']}"
            found.append(
                {"id": item["id"], "property": item["property"], "value": values.get(name)}
            )
            continue
        pattern = json.loads(item["id"])
        wildcard = next(k for k, v in pattern.items() if v == ["ALL"])
        shown = []
        for key, value in values.get(pattern["type"], []):
            ident = {**pattern, wildcard: key}
            value = ident if item["property"] == "id" else value
            shown.append({"id": ident, "property": item["property"], "value": value})
        found.append(shown)
    return found


def callback(app, output: str) -> tuple[str, dict]:
    """The callback-map key and entry of the server callback producing `output` ("id.prop"),
    whatever else it outputs."""
    app.server.test_client().get("/healthz")  # Dash completes its callback map on first request
    for key, cb in app.callback_map.items():
        if "callback" in cb and output in (f"{i}.{p}" for i, p in parts(key)):
            return key, cb
    raise KeyError(output)


def request(app, output: str, values: dict, trigger: str | None = None) -> tuple[str, dict]:
    """The request for the callback producing `output`, inputs and state from `values`,
    `trigger` ("id.prop") the input that changed."""
    key, cb = callback(app, output)
    return key, body(key, entries(cb["inputs"], values), entries(cb["state"], values), trigger)


def send(client, request_body: dict):
    return client.post(URL, json=request_body)


def post(client, app, output: str, values: dict, trigger: str | None = None):
    """Post the callback producing `output` with input and state values by "id.prop"."""
    return send(client, request(app, output, values, trigger)[1])


def response_of(response) -> dict:
    """The updated properties of a 200 response: {component id: {property: value}}."""
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return json.loads(response.get_data(as_text=True))["response"]


def text_of(component) -> str:
    """All strings inside a serialised Dash component tree."""
    if isinstance(component, str):
        return component
    if isinstance(component, list):
        return " ".join(text_of(c) for c in component)
    if isinstance(component, dict):
        children = component.get("props", {}).get("children")
        return text_of(children) if children is not None else ""
    return "" if component is None else str(component)
