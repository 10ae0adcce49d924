"""房源定义 / 房间资料: generate a building's units from a pattern, edit them in a grid,
import and export them with Excel."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import format
from dashboard.components import export_button, grid, import_panel, page_title
from dashboard.i18n import _
from pages.base import columns, ids
from pages.base.forms import field, number, row, text
from pages.inventory.columns import with_numbers

dash.register_page(
    __name__,
    path="/base/units",
    nav_module="base",
    label="房源定义",
    permission="inventory.edit",
    order=130,
    title="房源定义 · Loupan",
)

AREAS_HELP = "每户一组「建筑面积/套内面积/户型/朝向代码」，用逗号分隔，如：89.5/72.3/A户型/NS, 120/98/B户型/E"  # noqa: E501


def layout(**_query):
    fmt = format.current()
    generate = dbc.Card(
        dbc.CardBody(
            [
                html.H6(_("按规则生成房间")),
                row(
                    field("起始楼层", number(ids.GEN_FLOOR_FROM, value=1), "90px"),
                    field("结束楼层", number(ids.GEN_FLOOR_TO, value=18), "90px"),
                    field("单元数", number(ids.GEN_SECTIONS, value=1, min=1), "80px"),
                    field("每单元每层户数", number(ids.GEN_PER_FLOOR, value=2, min=1), "120px"),
                    field("跳过楼层", text(ids.GEN_SKIP, value="4,13,14"), "120px"),
                    field("编码规则", text(ids.GEN_PATTERN, value="{b}-{s}-{f}{p:02d}"), "170px"),
                    field(
                        "用途",
                        dcc.Dropdown(id=ids.GEN_USE, value="residential", clearable=False),
                        "120px",
                    ),
                ),
                row(
                    field(
                        AREAS_HELP, text(ids.GEN_AREAS, value="89.5/72.3//NS, 120/98//E"), "640px"
                    ),
                    dbc.Button(_("生成房间"), id=ids.GEN_BUTTON, color="primary", size="sm"),
                ),
                html.Div(id=ids.GEN_PREVIEW, className="small text-muted"),
            ]
        ),
        className="mb-3",
    )
    return html.Div(
        [
            page_title(_("房源定义")),
            dcc.Dropdown(
                id=ids.UNITS_BUILDING,
                placeholder=_("选择楼栋"),
                clearable=False,
                style={"maxWidth": "300px"},
                className="mb-2",
            ),
            dbc.Tabs(
                [
                    dbc.Tab(
                        html.Div(
                            [
                                row(
                                    dbc.Button(
                                        _("保存修改"), id=ids.UNITS_SAVE, color="primary", size="sm"
                                    ),
                                    dbc.Button(
                                        _("删除选中（仅未放盘）"),
                                        id=ids.UNITS_DELETE,
                                        color="danger",
                                        outline=True,
                                        size="sm",
                                    ),
                                    html.Span(
                                        _("双击单元格修改；套内 + 公摊须等于建筑面积。"),
                                        className="text-muted small",
                                    ),
                                    html.Div(
                                        export_button(ids.UNITS_EXPORT, ids.UNITS_DOWNLOAD),
                                        className="ms-auto",
                                    ),
                                ),
                                html.Div(id=ids.UNITS_FEEDBACK),
                                grid(
                                    ids.UNITS_GRID,
                                    with_numbers(columns.UNITS, columns.UNIT_NUMBERS, fmt),
                                    height=520,
                                    getRowId="params.data.id",
                                    dashGridOptions={
                                        "rowSelection": "multiple",
                                        "suppressRowClickSelection": True,
                                        "stopEditingWhenCellsLoseFocus": True,
                                    },
                                ),
                            ],
                            className="pt-2",
                        ),
                        label=_("房间资料"),
                        tab_id="units",
                    ),
                    dbc.Tab(
                        html.Div(generate, className="pt-2"),
                        label=_("按规则生成"),
                        tab_id="generate",
                    ),
                    dbc.Tab(
                        html.Div(
                            import_panel(ids.UNITS_IMPORT, "Excel 导入房间资料"), className="pt-2"
                        ),
                        label=_("Excel 导入"),
                    ),
                ],
                active_tab="units",
            ),
            dcc.Store(id=ids.UNITS_EDITS, data={}),
            dcc.Store(id=ids.UNITS_REFRESH, data=0),
        ]
    )
