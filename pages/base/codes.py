"""代码设置: the drop-down values (orientation, use, decoration, channel, lost reason…)."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.components import export_button, grid, page_title
from dashboard.db import reader
from dashboard.i18n import _
from data_layer.queries import base as queries
from pages.base import columns, ids
from pages.base.forms import field, number, row, text

dash.register_page(
    __name__,
    path="/base/codes",
    nav_module="base",
    label="代码设置",
    permission="base.admin",
    order=100,
    title="代码设置 · Loupan",
)


def layout(**_query):
    categories = [
        {"label": _(queries.CATEGORY_LABELS.get(c, c)), "value": c}
        for c in queries.code_categories(reader())
    ]
    return html.Div(
        [
            page_title(_("代码设置")),
            row(
                field(
                    "类别",
                    dcc.Dropdown(
                        id=ids.CODE_CATEGORY,
                        options=categories,
                        value=categories[0]["value"] if categories else None,
                        clearable=False,
                    ),
                    "200px",
                ),
                field("代码", text(ids.CODE_CODE), "110px"),
                field("名称", text(ids.CODE_LABEL), "150px"),
                field("英文名称", text(ids.CODE_LABEL_EN), "150px"),
                field("排序", number(ids.CODE_SORT, min=0, value=0), "80px"),
                dbc.Checkbox(id=ids.CODE_ACTIVE, label=_("启用"), value=True, className="mb-1"),
                dbc.Button(_("保存"), id=ids.CODE_SAVE, color="primary", size="sm"),
                dbc.Button(_("新建"), id=ids.CODE_NEW, color="secondary", outline=True, size="sm"),
                html.Div(export_button(ids.CODE_EXPORT, ids.CODE_DOWNLOAD), className="ms-auto"),
            ),
            html.P(
                _("代码创建后不可修改（已有记录引用它）；不再使用的项请停用。"),
                className="text-muted small",
            ),
            html.Div(id=ids.CODE_FEEDBACK),
            grid(
                ids.CODE_GRID,
                columns.CODES,
                height=480,
                dashGridOptions={"rowSelection": "single"},
                getRowId="params.data.id",
            ),
        ]
    )
