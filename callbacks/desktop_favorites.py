"""常用功能: the desktop card of the user's favourite screens, its settings dialog and the ★
quick menu in the top bar.

The pages come from dash.page_registry (never by importing a page module): every page with a
`nav_module` the user's role may open, as the shell's menu shows them (`shell.visible_pages`).
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from dashboard import auth, shell
from dashboard.db import database, reader
from dashboard.i18n import _, language
from data_layer.commands import favorites as commands
from data_layer.errors import DomainError
from data_layer.models import RoleCode
from data_layer.queries import favorites as queries
from pages.desktop import favorites_ids as fids
from pages.desktop import ids

MAX = commands.MAX_FAVORITES
HOME = "/"  # the desktop itself is where the card lives: never a favourite


def menu_permissions() -> dict[str, str]:
    """Every registered menu page (path → the permission that opens it), for the command."""
    return {
        page["path"]: page.get("permission") or ""
        for page in dash.page_registry.values()
        if page.get("nav_module") and not page.get("hidden") and page["path"] != HOME
    }


def choices(user) -> list[tuple[str, list[dict]]]:
    """(module, its pages) the user may open, in menu order, as the top bar lists them."""
    grouped = shell.visible_pages(user)
    found = []
    for module, _label in shell.MODULES:
        pages = [p for p in grouped.get(module, []) if p["path"] != HOME]
        if pages:
            found.append((module, pages))
    return found


def _openable(user) -> dict[str, dict]:
    return {p["path"]: {**p, "module": m} for m, pages in choices(user) for p in pages}


def _module_label(module: str) -> str:
    return _(dict(shell.MODULES).get(module, module))


def _shown(user) -> tuple[list[dict], bool]:
    """The pages to show (saved favourites the user may still open, else the suggestions for
    the role) and whether they are the user's own."""
    pages = _openable(user)
    saved = [pages[p] for p in queries.favorites(reader(), user) if p in pages]
    if saved:
        return saved, True
    return [pages[p] for p in queries.suggested(user) if p in pages], False


def _link(page: dict) -> dcc.Link:
    return dcc.Link(
        [
            html.Span(_(page["label"]), className="fw-semibold d-block text-truncate"),
            html.Small(_module_label(page["module"]), className="fav-module d-block"),
        ],
        href=page["path"],
        className="btn btn-outline-primary btn-sm text-start fav-link",
        title=_(page["label"]),
    )


def _list(user) -> list:
    pages, own = _shown(user)
    links = html.Div([_link(p) for p in pages], className="d-flex flex-wrap gap-2")
    if own:
        return [links]
    hint = _("还没有设置常用功能。下面是为您的角色建议的页面，点击“设置”可调整并保存。")
    return [html.Div(hint, className="small text-muted mb-2", id="fav-hint"), links]


def _quick_items(user) -> list:
    pages, own = _shown(user)
    items = [dbc.DropdownMenuItem(_("常用功能") if own else _("建议的常用功能"), header=True)]
    items += [
        dbc.DropdownMenuItem(
            [_(p["label"]), html.Small(" · " + _module_label(p["module"]), className="text-muted")],
            href=p["path"],
        )
        for p in pages
    ]
    if user.role_code != RoleCode.EXECUTIVE:  # an executive's desktop is the overview
        items += [
            dbc.DropdownMenuItem(divider=True),
            dbc.DropdownMenuItem(_("设置常用功能…"), href=HOME),
        ]
    return items


def _card(user) -> dbc.Card:
    dialog = dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle(_("设置常用功能"))),
            dbc.ModalBody(
                [
                    html.Div(
                        _("勾选常用的页面（最多 {n} 个），在右侧调整顺序。", n=MAX),
                        className="small text-muted mb-2",
                    ),
                    dbc.Row(
                        [
                            dbc.Col(html.Div(id=fids.CHECKS, className="fav-checks"), md=7),
                            dbc.Col(
                                [
                                    html.H3(_("显示顺序"), className="h6"),
                                    html.Div(id=fids.ORDER),
                                ],
                                md=5,
                            ),
                        ]
                    ),
                    html.Div(id=fids.ERROR, className="mt-2"),
                ]
            ),
            dbc.ModalFooter(
                [
                    dbc.Button(_("取消"), id=fids.CANCEL, color="secondary", outline=True),
                    dbc.Button(_("保存"), id=fids.SAVE, color="primary"),
                ]
            ),
        ],
        id=fids.MODAL,
        is_open=False,
        size="lg",
        scrollable=True,
    )
    return dbc.Card(
        [
            dbc.CardHeader(
                html.Div(
                    [
                        html.H2(_("常用功能"), className="h6 mb-0"),
                        dbc.Button(
                            [html.I(className="bi bi-gear me-1"), _("设置 ")],
                            id=fids.SETTINGS,
                            size="sm",
                            color="link",
                            className="ms-auto p-0 text-decoration-none",
                        ),
                    ],
                    className="d-flex align-items-center",
                )
            ),
            dbc.CardBody(html.Div(_list(user), id=fids.LIST), className="py-2"),
            dialog,
            dcc.Store(id=fids.SELECTION, data=[]),
        ],
        id=fids.CARD,
        className="shadow-sm mb-3",
    )


def _checklists(user, selected: list[str]) -> list:
    groups = []
    for module, pages in choices(user):
        groups.append(
            html.Div(
                [
                    html.Div(_module_label(module), className="small fw-semibold text-muted"),
                    dbc.Checklist(
                        id={"type": fids.CHECK, "module": module},
                        options=[{"label": _(p["label"]), "value": p["path"]} for p in pages],
                        value=[p["path"] for p in pages if p["path"] in selected],
                        inline=True,
                        className="mb-2",
                    ),
                ]
            )
        )
    return groups


def _order(user, selected: list[str]) -> list:
    pages = _openable(user)
    if not selected:
        return [html.Div(_("尚未选择页面。"), className="small text-muted")]
    rows = []
    last = len(selected) - 1
    for i, path in enumerate(selected):
        page = pages.get(path)
        label = _(page["label"]) if page else path
        rows.append(
            html.Div(
                [
                    html.Span(f"{i + 1}. {label}", className="me-auto text-truncate"),
                    dbc.Button(
                        html.I(className="bi bi-arrow-up"),
                        id={"type": fids.UP, "path": path},
                        size="sm",
                        color="light",
                        disabled=i == 0,
                        title=_("上移"),
                    ),
                    dbc.Button(
                        html.I(className="bi bi-arrow-down"),
                        id={"type": fids.DOWN, "path": path},
                        size="sm",
                        color="light",
                        disabled=i == last,
                        title=_("下移"),
                        className="ms-1",
                    ),
                ],
                className="d-flex align-items-center border-bottom py-1 small",
            )
        )
    count = _("已选 {n} / {max} 个", n=len(selected), max=MAX)
    tone = "text-danger" if len(selected) > MAX else "text-muted"
    rows.append(html.Div(count, className=f"small mt-1 {tone}"))
    return rows


def _merge(selection: list[str], checked: list[str]) -> list[str]:
    """Keep the chosen order; newly ticked pages go to the end, unticked ones leave."""
    ticked = set(checked)
    kept = [p for p in selection if p in ticked]
    return kept + [p for p in checked if p not in kept]


def _move(selection: list[str], path: str, step: int) -> list[str]:
    if path not in selection:
        return selection
    i = selection.index(path)
    j = i + step
    if not 0 <= j < len(selection):
        return selection
    moved = list(selection)
    moved[i], moved[j] = moved[j], moved[i]
    return moved


def register(app):
    @auth.callback(
        app,
        "desktop.view",
        Output(ids.FAVORITES, "children"),
        Input(ids.FAVORITES, "id"),
    )
    def card(_id, *, user):
        return _card(user)

    @auth.callback(
        app,
        "desktop.view",
        Output(fids.QUICK_MENU, "children"),
        Input(shell.URL, "pathname"),
    )
    def quick_menu(_pathname, *, user):
        return _quick_items(user)

    @auth.callback(
        app,
        "desktop.view",
        Output(fids.MODAL, "is_open"),
        Output(fids.CHECKS, "children"),
        Output(fids.SELECTION, "data"),
        Output(fids.ERROR, "children"),
        Input(fids.SETTINGS, "n_clicks"),
        prevent_initial_call=True,
    )
    def open_settings(n, *, user):
        if not n:
            raise PreventUpdate
        pages, _own = _shown(user)
        selected = [p["path"] for p in pages]
        return True, _checklists(user, selected), selected, None

    @auth.callback(
        app,
        "desktop.view",
        Output(fids.MODAL, "is_open", allow_duplicate=True),
        Input(fids.CANCEL, "n_clicks"),
        prevent_initial_call=True,
    )
    def cancel(n, *, user):
        if not n:
            raise PreventUpdate
        return False

    @auth.callback(
        app,
        "desktop.view",
        Output(fids.SELECTION, "data", allow_duplicate=True),
        Input({"type": fids.CHECK, "module": ALL}, "value"),
        Input({"type": fids.UP, "path": ALL}, "n_clicks"),
        Input({"type": fids.DOWN, "path": ALL}, "n_clicks"),
        State(fids.SELECTION, "data"),
        prevent_initial_call=True,
    )
    def edit_selection(checked, _up, _down, selection, *, user):
        checked = [str(p) for values in (checked or []) for p in (values or [])]
        selection = _merge([str(p) for p in (selection or [])], checked)
        trigger = dash.ctx.triggered_id
        clicked = bool(dash.ctx.triggered and dash.ctx.triggered[0].get("value"))
        if isinstance(trigger, dict) and clicked and trigger.get("type") in (fids.UP, fids.DOWN):
            step = -1 if trigger["type"] == fids.UP else 1
            selection = _move(selection, trigger.get("path"), step)
        return selection

    @auth.callback(
        app,
        "desktop.view",
        Output(fids.ORDER, "children"),
        Input(fids.SELECTION, "data"),
    )
    def order(selection, *, user):
        return _order(user, [str(p) for p in (selection or [])])

    @auth.callback(
        app,
        "desktop.view",
        Output(fids.MODAL, "is_open", allow_duplicate=True),
        Output(fids.LIST, "children"),
        Output(fids.ERROR, "children", allow_duplicate=True),
        Output(fids.QUICK_MENU, "children", allow_duplicate=True),
        Input(fids.SAVE, "n_clicks"),
        State(fids.SELECTION, "data"),
        prevent_initial_call=True,
    )
    def save(n, selection, *, user):
        # Also called when the card is drawn (its ★ menu output lives in the shell, so Dash's
        # prevent_initial_call does not hold): only a click saves.
        if not n:
            raise PreventUpdate
        paths = selection if isinstance(selection, list) else []
        try:
            database().run(commands.set_favorites, actor=user, paths=paths, menu=menu_permissions())
        except DomainError as err:
            alert = dbc.Alert(err.text(language()), color="danger", className="py-2 mb-0")
            return dash.no_update, dash.no_update, alert, dash.no_update
        return False, _list(user), None, _quick_items(user)
