"""面积补差: import the measured areas of a project's units, see what each contracted deal
settles under the ±3% rule, and generate the settlement receivables that finance then collects
on 收款登记 (positive: the buyer pays; negative: owed to the buyer)."""

from datetime import timedelta

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import auth
from dashboard.components import export_button, grid, import_panel, page_title
from dashboard.i18n import _
from data_layer import authz, localtime
from pages.finance import settlement_ids as ids

dash.register_page(
    __name__,
    path="/finance/settlement",
    nav_module="finance",
    label="面积补差",
    permission="finance.view",
    order=715,
    title="面积补差 · Loupan",
)


def layout(**_query):
    user = auth.viewer()
    can_edit = authz.has(user, "finance.edit")
    due = (localtime.today() + timedelta(days=30)).isoformat()
    tools = []
    if can_edit:
        tools = [
            dbc.Card(
                dbc.CardBody(
                    [
                        import_panel(ids.IMPORT, "实测面积导入"),
                        html.P(
                            _(
                                "请先在页面顶部选择项目。模板列：房间编码、实测建筑面积、"
                                "实测套内面积；任何一行有误时整个文件不导入。"
                            ),
                            className="text-muted small mb-0",
                        ),
                    ]
                ),
                className="mb-3 shadow-sm",
            )
        ]
    actions = dbc.Row(
        [
            dbc.Col(html.H2(_("补差明细"), className="h6 mb-0"), width="auto"),
            dbc.Col(
                html.Div(
                    [
                        dbc.Label(_("应收日期"), className="small mb-0 me-2"),
                        dcc.DatePickerSingle(
                            id=ids.DUE,
                            date=due,
                            display_format="YYYY-MM-DD",
                            first_day_of_week=1,
                            disabled=not can_edit,
                        ),
                        dbc.Button(
                            _("生成补差"),
                            id=ids.GENERATE,
                            color="primary",
                            size="sm",
                            className="ms-2",
                            disabled=not can_edit,
                        ),
                    ],
                    className="d-flex align-items-center",
                ),
                width="auto",
            ),
            dbc.Col(export_button(ids.EXPORT, ids.DOWNLOAD), width="auto"),
        ],
        className="g-2 mb-1 align-items-center justify-content-between",
    )
    return html.Div(
        [
            page_title(_("面积补差")),
            *tools,
            dcc.Store(id=ids.IMPORTED),
            dcc.Store(id=ids.REFRESH),
            html.Div(id=ids.KPIS, className="mb-3"),
            actions,
            html.Div(id=ids.FEEDBACK),
            grid(
                ids.GRID,
                ids.COLUMNS,
                height=480,
                dashGridOptions={
                    "rowSelection": "multiple",
                    "suppressRowClickSelection": True,
                    "isRowSelectable": {"function": "params.data.selectable === true"},
                },
                getRowId="params.data.id",
            ),
            html.P(
                _(
                    "误差比 = (实测面积 − 合同面积) ÷ 合同面积。±3% 以内按合同折后单价多退少补；"
                    "超出 +3% 的部分由开发商承担，超出 −3% 的部分双倍返还；误差比超出 ±3%"
                    "（按建筑面积计价的合同，套内面积误差比超出 ±3% 亦同）时买受人可以退房。"
                    "按套计价的房间无需补差。生成的补差款在「收款登记」收取，应退客户的在「退款登记」退付。"
                ),
                className="text-muted small mt-2",
            ),
        ]
    )
