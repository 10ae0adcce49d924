"""Reusable pieces of screens: grids with Chinese menus, KPI cards, form feedback."""

from __future__ import annotations

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from .i18n import _, language

# AG Grid's own menu texts in Chinese (the grid ships English only).
AG_GRID_ZH = {
    "page": "页",
    "more": "更多",
    "to": "–",
    "of": "/",
    "next": "下一页",
    "last": "末页",
    "first": "首页",
    "previous": "上一页",
    "loadingOoo": "加载中…",
    "noRowsToShow": "暂无数据",
    "filterOoo": "筛选…",
    "equals": "等于",
    "notEqual": "不等于",
    "blank": "为空",
    "notBlank": "不为空",
    "empty": "请选择",
    "lessThan": "小于",
    "greaterThan": "大于",
    "lessThanOrEqual": "小于等于",
    "greaterThanOrEqual": "大于等于",
    "inRange": "介于",
    "inRangeStart": "从",
    "inRangeEnd": "到",
    "contains": "包含",
    "notContains": "不包含",
    "startsWith": "开头是",
    "endsWith": "结尾是",
    "andCondition": "且",
    "orCondition": "或",
    "applyFilter": "应用",
    "resetFilter": "重置",
    "clearFilter": "清除",
    "cancelFilter": "取消",
    "pageSizeSelectorLabel": "每页：",
    "ariaPageSizeSelectorLabel": "每页",
    "dateFormatOoo": "yyyy-mm-dd",
}


def grid(
    grid_id: str, columns: list[dict], rows: list[dict] | None = None, height: int = 520, **kwargs
) -> dag.AgGrid:
    """A sortable, filterable, resizable grid; headers are translated here."""
    column_defs = [{**c, "headerName": _(c.get("headerName", c["field"]))} for c in columns]
    options = {
        "pagination": True,
        "paginationPageSize": 50,
        "animateRows": False,
        "enableCellTextSelection": True,
        **kwargs.pop("dashGridOptions", {}),
    }
    if language() == "zh":
        options["localeText"] = AG_GRID_ZH
    return dag.AgGrid(
        id=grid_id,
        columnDefs=column_defs,
        rowData=rows or [],
        defaultColDef={"sortable": True, "filter": True, "resizable": True, "minWidth": 90},
        dashGridOptions=options,
        columnSize="responsiveSizeToFit",
        style={"height": f"{height}px", "width": "100%"},
        className="ag-theme-alpine",
        **kwargs,
    )


def export_button(button_id: str, download_id: str) -> html.Div:
    return html.Div(
        [
            dbc.Button(
                [html.I(className="bi bi-file-earmark-excel me-1"), _("导出 Excel")],
                id=button_id,
                color="success",
                outline=True,
                size="sm",
            ),
            dcc.Download(id=download_id),
        ],
        className="d-inline-block",
    )


def kpi_card(label: str, value: str, card_id: str) -> dbc.Card:
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(value, className="kpi-value", id=card_id),
                html.Div(label, className="kpi-label"),
            ]
        ),
        className="kpi-card h-100 shadow-sm",
    )


def page_title(text: str) -> html.H1:
    return html.H1(text, className="page-title")


def feedback(message: str = "", ok: bool = True) -> dbc.Alert | None:
    if not message:
        return None
    return dbc.Alert(message, color="success" if ok else "danger", className="py-2 mb-2")


def export_columns(column_defs: list[dict]) -> list[tuple[str, str]]:
    """(field, header) of the columns the grid shows, in its order, for an export."""
    return [(c["field"], c.get("headerName", c["field"])) for c in column_defs if not c.get("hide")]


def import_panel(prefix: str, title: str = "Excel 导入") -> html.Div:
    """Upload an Excel file, watch its progress, see every error (wired by dashboard.imports)."""
    from . import imports

    ids = imports.ids(prefix)
    return html.Div(
        [
            html.Div(
                [
                    html.Strong(_(title), className="me-3"),
                    dbc.Button(
                        [html.I(className="bi bi-download me-1"), _("下载模板")],
                        id=ids.template_button,
                        color="secondary",
                        outline=True,
                        size="sm",
                        className="me-2",
                    ),
                    dcc.Download(id=ids.template_download),
                ],
                className="d-flex align-items-center mb-2",
            ),
            dcc.Upload(
                id=ids.upload,
                children=html.Div(
                    [html.I(className="bi bi-upload me-1"), _("拖入或点击选择 Excel 文件")]
                ),
                accept=".xlsx,.xls,.xlsm",
                max_size=50 * 1024 * 1024,
                className="import-drop border rounded text-center p-3 text-muted",
                style={"borderStyle": "dashed", "cursor": "pointer"},
            ),
            dbc.Progress(
                id=ids.progress, value=0, label="", className="my-2", style={"height": "18px"}
            ),
            html.Div(id=ids.status, className="mb-2"),
            html.Div(
                [
                    dbc.Button(
                        [html.I(className="bi bi-file-earmark-excel me-1"), _("下载错误清单")],
                        id=ids.error_button,
                        color="danger",
                        outline=True,
                        size="sm",
                        className="mb-2",
                    ),
                    dcc.Download(id=ids.error_download),
                    grid(
                        ids.errors,
                        [
                            {"field": "row", "headerName": "行号", "maxWidth": 90},
                            {"field": "column", "headerName": "列", "maxWidth": 200},
                            {"field": "message", "headerName": "错误说明", "flex": 3},
                        ],
                        height=260,
                    ),
                ],
                id=ids.error_box,
                style={"display": "none"},
            ),
        ],
        className="import-panel",
    )
