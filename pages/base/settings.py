"""数据设置: decimal places of areas, unit prices and amounts; the price approval threshold."""

import dash
import dash_bootstrap_components as dbc
from dash import html

from dashboard.components import page_title
from dashboard.db import reader
from dashboard.i18n import _
from data_layer.queries import base as queries
from pages.base import ids
from pages.base.forms import field, number, row

dash.register_page(
    __name__,
    path="/base/settings",
    nav_module="base",
    label="数据设置",
    permission="base.admin",
    order=190,
    title="数据设置 · Loupan",
)


def layout(**_query):
    session = reader()
    places = queries.precision(session)
    threshold = float(queries.setting(session, "pricing.approval_threshold", "0.05")) * 100
    return html.Div(
        [
            page_title(_("数据设置")),
            html.P(
                _("各界面和报表按此显示面积、单价和金额的小数位数（数据库中始终精确保存到分）。"),
                className="text-muted small",
            ),
            row(
                field(
                    "面积小数位",
                    number(ids.PRECISION_AREA, min=0, max=4, value=places.area),
                    "120px",
                ),
                field(
                    "单价小数位",
                    number(ids.PRECISION_PRICE, min=0, max=4, value=places.unit_price),
                    "120px",
                ),
                field(
                    "金额小数位",
                    number(ids.PRECISION_AMOUNT, min=0, max=4, value=places.amount),
                    "120px",
                ),
                field(
                    "调价审批阈值 %",
                    number(ids.THRESHOLD, min=0, max=50, step=0.5, value=round(threshold, 2)),
                    "140px",
                ),
                dbc.Button(_("保存"), id=ids.SETTINGS_SAVE, color="primary", size="sm"),
            ),
            html.Div(id=ids.SETTINGS_FEEDBACK),
            html.Div(id=ids.SETTINGS_SAMPLE, className="text-muted small"),
        ]
    )
