"""价格管理: set prices directly, by Excel or by a rule, and batch adjustments with a preview."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import format
from dashboard.components import export_button, grid, import_panel, page_title
from dashboard.i18n import _
from pages.inventory import columns, ids

dash.register_page(
    __name__,
    path="/analytics/prices",
    nav_module="analytics",
    label="价格管理",
    permission="pricing.edit",
    order=830,
    title="价格管理 · Loupan",
)

RULE_HELP = "表价单价 = 公式（变量：base 基准单价、floor_k 楼层系数、orientation_k 朝向系数、layout_k 户型系数、floor 楼层、area 面积），底价 = 表价 × 底价比例。"  # noqa: E501


def _field(label, component, width=None):
    return html.Div(
        [dbc.Label(_(label), className="small mb-0"), component],
        style={"width": width} if width else None,
    )


def _adjust_tab(fmt):
    return html.Div(
        [
            html.Div(
                [
                    _field(
                        "起始楼层",
                        dbc.Input(id=ids.ADJ_FLOOR_FROM, type="number", size="sm"),
                        "90px",
                    ),
                    _field(
                        "结束楼层", dbc.Input(id=ids.ADJ_FLOOR_TO, type="number", size="sm"), "90px"
                    ),
                    _field(
                        "户型",
                        dcc.Dropdown(id=ids.ADJ_LAYOUTS, multi=True, placeholder=_("全部户型")),
                        "220px",
                    ),
                    _field(
                        "调价方式",
                        dbc.RadioItems(
                            id=ids.ADJ_METHOD,
                            options=[
                                {"label": _("按比例 %"), "value": "percent"},
                                {"label": _("按每平米金额 元"), "value": "amount"},
                            ],
                            value="percent",
                            inline=True,
                        ),
                    ),
                    _field(
                        "幅度（可为负）",
                        dbc.Input(id=ids.ADJ_VALUE, type="number", size="sm", step="any"),
                        "120px",
                    ),
                    dbc.Checkbox(
                        id=ids.ADJ_FLOOR_PRICE,
                        label=_("底价同步调整"),
                        value=True,
                        className="mt-3",
                    ),
                ],
                className="d-flex flex-wrap gap-3 align-items-end mb-2",
            ),
            html.Div(
                [
                    dbc.Input(
                        id=ids.ADJ_REASON,
                        placeholder=_("调价原因（必填）"),
                        size="sm",
                        style={"maxWidth": "360px"},
                    ),
                    dbc.Button(_("预览"), id=ids.ADJ_PREVIEW, color="primary", size="sm"),
                    dbc.Button(
                        _("确认调价"), id=ids.ADJ_APPLY, color="danger", size="sm", disabled=True
                    ),
                    html.Div(export_button(ids.ADJ_EXPORT, ids.ADJ_DOWNLOAD), className="ms-auto"),
                ],
                className="d-flex gap-2 align-items-center mb-2",
            ),
            html.Div(id=ids.ADJ_FEEDBACK),
            html.Div(id=ids.ADJ_SUMMARY, className="price-preview-totals mb-2"),
            grid(
                ids.ADJ_GRID,
                columns.with_numbers(columns.PREVIEW, columns.PREVIEW_NUMBERS, fmt),
                height=320,
            ),
        ],
        className="pt-2",
    )


def _unit_tab(fmt):
    return html.Div(
        [
            html.P(
                _(
                    "双击表价单价或底价单价修改，总价按面积自动计算；保存时超过审批阈值的生成待审批调价单。"
                ),
                className="text-muted small mb-1",
            ),
            html.Div(
                [
                    dbc.Input(
                        id=ids.UNIT_PRICE_REASON,
                        placeholder=_("定价原因（必填）"),
                        size="sm",
                        style={"maxWidth": "360px"},
                    ),
                    dbc.Button(_("保存价格"), id=ids.UNIT_PRICE_SAVE, color="primary", size="sm"),
                    html.Div(
                        export_button(ids.UNIT_PRICE_EXPORT, ids.UNIT_PRICE_DOWNLOAD),
                        className="ms-auto",
                    ),
                ],
                className="d-flex gap-2 align-items-center mb-2",
            ),
            html.Div(id=ids.UNIT_PRICE_FEEDBACK),
            grid(
                ids.UNIT_PRICE_GRID,
                columns.with_numbers(columns.UNIT_PRICES, columns.UNIT_PRICE_NUMBERS, fmt),
                height=480,
                getRowId="params.data.id",
                dashGridOptions={"singleClickEdit": False, "stopEditingWhenCellsLoseFocus": True},
            ),
            dcc.Store(id=ids.UNIT_PRICE_EDITS, data={}),
        ],
        className="pt-2",
    )


def _rule_tab():
    textarea = {"size": "sm", "style": {"height": "110px", "fontFamily": "monospace"}}
    return html.Div(
        [
            html.P(
                _(RULE_HELP),
                className="text-muted small mb-1",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        _field(
                            "基准单价（元/㎡）",
                            dbc.Input(id=ids.RULE_BASE, type="number", size="sm"),
                        ),
                        md=2,
                    ),
                    dbc.Col(
                        _field(
                            "定价公式",
                            dbc.Input(
                                id=ids.RULE_FORMULA,
                                size="sm",
                                value="base * floor_k * orientation_k * layout_k",
                            ),
                        ),
                        md=5,
                    ),
                    dbc.Col(
                        _field(
                            "底价比例",
                            dbc.Input(
                                id=ids.RULE_FLOOR_RATIO,
                                type="number",
                                size="sm",
                                value=0.95,
                                step=0.01,
                            ),
                        ),
                        md=2,
                    ),
                ],
                className="g-2 mb-2",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        _field(
                            "楼层系数（起-止:系数，每行一段）",
                            dbc.Textarea(
                                id=ids.RULE_FLOORS,
                                placeholder="1-3:0.97\n4-20:1.00\n21-33:1.03",
                                **textarea,
                            ),
                        ),
                        md=4,
                    ),
                    dbc.Col(
                        _field(
                            "朝向系数（代码或名称:系数）",
                            dbc.Textarea(
                                id=ids.RULE_ORIENTATIONS, placeholder="NS:1.02\nE:0.99", **textarea
                            ),
                        ),
                        md=4,
                    ),
                    dbc.Col(
                        _field(
                            "户型系数（户型名称:系数）",
                            dbc.Textarea(id=ids.RULE_LAYOUTS, placeholder="A户型:1.01", **textarea),
                        ),
                        md=4,
                    ),
                ],
                className="g-2 mb-2",
            ),
            html.Div(
                [
                    dbc.Button(_("保存规则"), id=ids.RULE_SAVE, color="secondary", size="sm"),
                    dbc.Input(
                        id=ids.RULE_REASON,
                        placeholder=_("定价原因（必填）"),
                        size="sm",
                        style={"maxWidth": "300px"},
                    ),
                    dbc.Button(_("预览规则定价"), id=ids.RULE_PREVIEW, color="primary", size="sm"),
                    dbc.Button(_("按规则定价"), id=ids.RULE_APPLY, color="danger", size="sm"),
                ],
                className="d-flex gap-2 align-items-center mb-2",
            ),
            html.Div(id=ids.RULE_FEEDBACK),
        ],
        className="pt-2",
    )


def layout(**_query):
    fmt = format.current()
    return html.Div(
        [
            page_title(_("价格管理")),
            html.Div(
                [
                    dcc.Dropdown(
                        id=ids.PRICE_BUILDING,
                        placeholder=_("选择楼栋"),
                        clearable=False,
                        style={"minWidth": "260px"},
                    ),
                    dbc.NavLink(_("调价审批"), href="/analytics/price-approvals", className="ms-3"),
                    dbc.NavLink(_("价格走势"), href="/analytics/price-trend", className="ms-3"),
                ],
                className="d-flex align-items-center mb-2",
            ),
            dbc.Tabs(
                [
                    dbc.Tab(_adjust_tab(fmt), label=_("批量调价"), tab_id="adjust"),
                    dbc.Tab(_unit_tab(fmt), label=_("逐套定价"), tab_id="units"),
                    dbc.Tab(_rule_tab(), label=_("规则定价"), tab_id="rule"),
                    dbc.Tab(
                        html.Div(
                            import_panel(ids.PRICE_IMPORT, "Excel 价格导入"), className="pt-2"
                        ),
                        label=_("Excel 导入"),
                        tab_id="import",
                    ),
                ],
                id=ids.PRICE_TABS,
                active_tab="adjust",
            ),
            dcc.Store(id=ids.PRICE_REFRESH, data=0),
            dcc.Store(id=ids.ADJ_SIGNATURE),
        ]
    )
