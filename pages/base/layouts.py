"""户型图: layouts of a project with their floor-plan image, shown on every unit's panel."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.components import export_button, grid, page_title
from dashboard.i18n import _
from pages.base import columns, ids
from pages.base.forms import field, number, row, text

dash.register_page(
    __name__,
    path="/base/layouts",
    nav_module="base",
    label="户型图",
    permission="inventory.edit",
    order=120,
    title="户型图 · Loupan",
)


def layout(**_query):
    form = row(
        field("户型名称", text(ids.LAYOUT_NAME), "160px"),
        field("室", number(ids.LAYOUT_ROOMS, min=0, value=3), "70px"),
        field("厅", number(ids.LAYOUT_HALLS, min=0, value=2), "70px"),
        field("卫", number(ids.LAYOUT_BATHS, min=0, value=1), "70px"),
        field("参考面积㎡", number(ids.LAYOUT_AREA, min=0, step=0.01), "110px"),
        dbc.Button(_("保存户型"), id=ids.LAYOUT_SAVE, color="primary", size="sm"),
        dbc.Button(_("新建"), id=ids.LAYOUT_NEW, color="secondary", outline=True, size="sm"),
        html.Div(export_button(ids.LAYOUT_EXPORT, ids.LAYOUT_DOWNLOAD), className="ms-auto"),
    )
    return html.Div(
        [
            page_title(_("户型图")),
            html.P(
                _(
                    "户型属于右上角所选项目；选中表格中的户型后可修改或上传户型图（PNG/JPEG/GIF/WebP，5 MB 以内）。"  # noqa: E501
                ),
                className="text-muted small",
            ),
            form,
            html.Div(id=ids.LAYOUT_FEEDBACK),
            dbc.Row(
                [
                    dbc.Col(
                        grid(
                            ids.LAYOUT_GRID,
                            columns.LAYOUTS,
                            height=420,
                            dashGridOptions={"rowSelection": "single"},
                            getRowId="params.data.id",
                        ),
                        lg=7,
                    ),
                    dbc.Col(
                        [
                            dcc.Upload(
                                id=ids.LAYOUT_UPLOAD,
                                children=html.Div(
                                    [
                                        html.I(className="bi bi-image me-1"),
                                        _("拖入或点击上传选中户型的户型图"),
                                    ]
                                ),
                                accept="image/png,image/jpeg,image/gif,image/webp",
                                max_size=5 * 1024 * 1024,
                                className="border rounded text-center p-3 text-muted mb-2",
                                style={"borderStyle": "dashed", "cursor": "pointer"},
                            ),
                            html.Div(id=ids.LAYOUT_IMAGE),
                        ],
                        lg=5,
                    ),
                ]
            ),
        ]
    )
