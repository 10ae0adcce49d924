"""客户分析: the funnel with conversion rates, the trend of new visitors and callers, the
consultant ranking and the lost reasons. The filters live in the URL so a view can be shared."""

from datetime import date

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import auth, exports
from dashboard.charts import GRAPH_CONFIG
from dashboard.components import export_button, grid, page_title
from dashboard.db import reader
from dashboard.i18n import _, language
from data_layer import authz, localtime
from data_layer.queries import crm as crm_queries
from data_layer.queries import funnel as funnel_queries
from data_layer.queries import org
from pages.crm import columns, ids
from pages.crm.labels import CUSTOMER_COLUMNS, LEVELS, one

dash.register_page(
    __name__,
    path="/analytics/customers",
    nav_module="analytics",
    label="客户分析",
    permission="crm.view",
    order=810,
    title="客户分析 · Loupan",
)

RATE_COLUMNS = columns.RATES
RANKING_COLUMNS = columns.RANKING


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _date(value, default):
    try:
        return date.fromisoformat(value).isoformat()
    except (TypeError, ValueError):
        return default.isoformat()


def layout(
    project=None,
    start=None,
    end=None,
    channel=None,
    consultant=None,
    team=None,
    level=None,
    contact=None,
    split=None,
    grain=None,
    **_query,
):
    user = auth.viewer()
    session = reader()
    default_start, default_end = funnel_queries.default_period(localtime.today())
    projects = [{"label": p.name, "value": p.id} for p in org.visible_projects(session, user)]
    project_id = _int(project)
    if project_id not in {p["value"] for p in projects}:
        project_id = None
    channels = crm_queries.code_labels(session, "channel", language())
    consultants = crm_queries.owners(session, user)
    teams = crm_queries.teams(session, user)
    consultant_id = _int(consultant)
    team_id = _int(team)

    def dropdown(component_id, options, value, placeholder, **kw):
        return dcc.Dropdown(
            id=component_id, options=options, value=value, placeholder=_(placeholder), **kw
        )

    filters = dbc.Row(
        [
            dbc.Col(dropdown(ids.AN_PROJECT, projects, project_id, "全部项目"), lg=3, md=4),
            dbc.Col(
                dcc.DatePickerRange(
                    id=ids.AN_DATES,
                    start_date=_date(start, default_start),
                    end_date=_date(end, default_end),
                    display_format="YYYY-MM-DD",
                    minimum_nights=0,
                ),
                lg=3,
                md=8,
            ),
            dbc.Col(
                dropdown(
                    ids.AN_CHANNEL,
                    [{"label": v, "value": k} for k, v in channels.items()],
                    channel if channel in channels else None,
                    "认知途径",
                ),
                lg=2,
                md=4,
            ),
            dbc.Col(
                dropdown(
                    ids.AN_CONSULTANT,
                    [{"label": u.display_name, "value": u.id} for u in consultants],
                    consultant_id if consultant_id in {u.id for u in consultants} else None,
                    "置业顾问",
                ),
                lg=2,
                md=4,
            ),
            dbc.Col(
                dropdown(
                    ids.AN_TEAM,
                    [{"label": t.name, "value": t.id} for t in teams],
                    team_id if team_id in {t.id for t in teams} else None,
                    "团队",
                ),
                lg=2,
                md=4,
            ),
            dbc.Col(
                dropdown(
                    ids.AN_LEVEL,
                    [{"label": lv, "value": lv} for lv in LEVELS],
                    level if level in LEVELS else None,
                    "等级",
                ),
                lg=2,
                md=4,
            ),
            dbc.Col(
                dropdown(
                    ids.AN_CONTACT,
                    [
                        {"label": one("来访"), "value": "visit"},
                        {"label": _("来电"), "value": "call"},
                    ],
                    contact if contact in ("visit", "call") else None,
                    "来访/来电",
                ),
                lg=2,
                md=4,
            ),
            dbc.Col(
                dropdown(
                    ids.AN_SPLIT,
                    [
                        {"label": _(label), "value": key}
                        for key, label in (
                            ("channel", "按认知途径"),
                            ("consultant", "按置业顾问"),
                            ("team", "按团队"),
                            ("level", "按等级"),
                        )
                    ],
                    split if split in funnel_queries.SPLITS else None,
                    "不拆分",
                ),
                lg=2,
                md=4,
            ),
        ],
        className="g-2 mb-2",
    )
    can_list = authz.has(user, "crm.customers")
    stage_list = (
        [
            exports.heading(
                html.H2(
                    id=ids.AN_STAGE_TITLE,
                    className="h6 mb-0",
                    children=_("点击漏斗的某一阶段，查看该阶段的客户"),
                ),
                ids.AN_STAGE_EXPORT,
                ids.AN_STAGE_DOWNLOAD,
                class_name="mt-2",
            ),
            grid(ids.AN_STAGE_GRID, CUSTOMER_COLUMNS, height=360),
        ]
        if can_list
        else [
            html.Div(
                _("您的角色仅可查看汇总数据。"), id=ids.AN_STAGE_TITLE, className="text-muted small"
            )
        ]
    )
    return html.Div(
        [
            html.Div(
                [
                    page_title(_("客户分析")),
                    html.Div(
                        [
                            html.Small(
                                _("筛选条件已写入网址，可直接复制分享。"),
                                className="text-muted me-2",
                            ),
                            html.Span(id=ids.AN_SHARE),
                        ],
                        className="ms-auto no-print",
                    ),
                ],
                className="d-flex align-items-center",
            ),
            filters,
            dcc.Store(id=ids.AN_URL_SINK),
            dbc.Row(
                [
                    dbc.Col(
                        dbc.Card(
                            dbc.CardBody(
                                [
                                    dcc.Graph(
                                        id=ids.AN_FUNNEL,
                                        config=GRAPH_CONFIG,
                                        style={"height": "380px"},
                                    ),
                                    html.Div(
                                        export_button(
                                            ids.AN_FUNNEL_TABLE_EXPORT,
                                            ids.AN_FUNNEL_TABLE_DOWNLOAD,
                                        ),
                                        className="text-end mb-1",
                                    ),
                                    grid(
                                        ids.AN_FUNNEL_TABLE,
                                        RATE_COLUMNS,
                                        height=282,
                                        dashGridOptions={"pagination": False},
                                    ),
                                ]
                            ),
                            className="shadow-sm h-100",
                        ),
                        lg=6,
                        className="mb-3",
                    ),
                    dbc.Col(
                        dbc.Card(
                            dbc.CardBody(
                                [
                                    dbc.RadioItems(
                                        id=ids.AN_GRAIN,
                                        options=[
                                            {"label": _("按日"), "value": "day"},
                                            {"label": _("按周"), "value": "week"},
                                            {"label": _("按月"), "value": "month"},
                                        ],
                                        value=grain if grain in funnel_queries.GRAINS else "week",
                                        inline=True,
                                        className="small",
                                    ),
                                    dcc.Graph(
                                        id=ids.AN_TREND,
                                        config=GRAPH_CONFIG,
                                        style={"height": "380px"},
                                    ),
                                ]
                            ),
                            className="shadow-sm h-100",
                        ),
                        lg=6,
                        className="mb-3",
                    ),
                ]
            ),
            dbc.Card(dbc.CardBody(stage_list), className="shadow-sm mb-3"),
            dbc.Row(
                [
                    dbc.Col(
                        dbc.Card(
                            dbc.CardBody(
                                [
                                    dcc.Graph(
                                        id=ids.AN_RANKING,
                                        config=GRAPH_CONFIG,
                                        style={"height": "360px"},
                                    ),
                                    html.Div(
                                        export_button(
                                            ids.AN_RANKING_EXPORT, ids.AN_RANKING_DOWNLOAD
                                        ),
                                        className="text-end mb-1",
                                    ),
                                    grid(ids.AN_RANKING_GRID, RANKING_COLUMNS, height=260),
                                ]
                            ),
                            className="shadow-sm h-100",
                        ),
                        lg=7,
                        className="mb-3",
                    ),
                    dbc.Col(
                        dbc.Card(
                            dbc.CardBody(
                                dcc.Graph(
                                    id=ids.AN_LOST, config=GRAPH_CONFIG, style={"height": "360px"}
                                )
                            ),
                            className="shadow-sm h-100",
                        ),
                        lg=5,
                        className="mb-3",
                    ),
                ]
            ),
        ]
    )
