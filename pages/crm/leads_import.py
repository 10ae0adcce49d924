"""线索导入: leads from Excel, all or nothing, with a template and a downloadable error list."""

import dash
import dash_bootstrap_components as dbc
from dash import html

from dashboard.components import import_panel, page_title
from dashboard.i18n import _

dash.register_page(
    __name__,
    path="/crm/import",
    nav_module="crm",
    label="线索导入",
    permission="crm.edit",
    order=440,
    title="线索导入 · Loupan",
)

PREFIX = "crm-leads"


def layout(**_query):
    return html.Div(
        [
            page_title(_("线索导入")),
            dbc.Alert(
                [
                    html.Div(_("导入到顶部所选的项目。先下载模板，按模板填写后上传。")),
                    html.Div(_("任何一行有错误时整个文件都不会导入，可下载错误清单逐行修改。")),
                ],
                color="light",
                className="py-2 small",
            ),
            import_panel(PREFIX, title="线索客户 Excel 导入"),
        ]
    )
