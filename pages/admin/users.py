"""用户管理: create users, reset passwords, enable and disable accounts."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import auth, shell
from dashboard.components import export_button, grid, page_title
from dashboard.db import reader
from dashboard.i18n import _
from data_layer.queries import org
from pages.admin import columns, ids

dash.register_page(
    __name__,
    path="/admin/users",
    nav_module="admin",
    label="用户管理",
    permission="admin.users",
    order=900,
    title="用户管理 · Loupan",
)

COLUMNS = columns.USERS


def role_options():
    return [{"label": _(label), "value": code} for code, label in shell.ROLE_LABELS.items()]


def layout(**_query):
    user = auth.viewer()
    projects = [{"label": p.name, "value": p.id} for p in org.visible_projects(reader(), user)]
    form = dbc.Card(
        dbc.CardBody(
            [
                html.H2(_("新建用户"), className="h6"),
                dbc.Row(
                    [
                        dbc.Col(dbc.Input(id=ids.NEW_USERNAME, placeholder=_("用户名")), md=2),
                        dbc.Col(dbc.Input(id=ids.NEW_NAME, placeholder=_("姓名")), md=2),
                        dbc.Col(
                            dcc.Dropdown(
                                id=ids.NEW_ROLE, options=role_options(), placeholder=_("角色")
                            ),
                            md=2,
                        ),
                        dbc.Col(
                            dcc.Dropdown(
                                id=ids.NEW_PROJECTS,
                                options=projects,
                                multi=True,
                                placeholder=_("所属项目"),
                            ),
                            md=3,
                        ),
                        dbc.Col(
                            dbc.Input(
                                id=ids.NEW_PASSWORD, type="password", placeholder=_("初始密码")
                            ),
                            md=2,
                        ),
                        dbc.Col(dbc.Button(_("创建"), id=ids.CREATE, color="primary"), md=1),
                    ],
                    className="g-2",
                ),
            ]
        ),
        className="mb-3 shadow-sm",
    )
    actions = dbc.Row(
        [
            dbc.Col(
                dbc.InputGroup(
                    [
                        dbc.Input(id=ids.RESET_PASSWORD, type="password", placeholder=_("新密码")),
                        dbc.Button(_("重置密码"), id=ids.RESET, color="warning"),
                    ],
                    size="sm",
                ),
                md=4,
            ),
            dbc.Col(
                dbc.Button(
                    f"{_('启用')} / {_('停用')}",
                    id=ids.TOGGLE_ACTIVE,
                    size="sm",
                    color="secondary",
                    outline=True,
                ),
                md="auto",
            ),
            dbc.Col(
                export_button(ids.USERS_EXPORT, ids.USERS_DOWNLOAD), md="auto", className="ms-auto"
            ),
        ],
        className="mb-2 g-2",
    )
    return html.Div(
        [
            page_title(_("用户管理")),
            form,
            html.Div(id=ids.USERS_FEEDBACK),
            actions,
            grid(ids.USERS_GRID, COLUMNS, dashGridOptions={"rowSelection": "single"}),
        ]
    )
