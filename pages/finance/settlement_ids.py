"""Component ids and grid columns of 面积补差 (pages/finance/settlement.py), shared with
callbacks/settlement.py (callbacks never import a page module)."""

from dashboard.format import grid_number

IMPORT = "fin-st-import"  # prefix of the import panel's ids (dashboard.imports.ids)
IMPORTED = "fin-st-imported"  # rows written by an accepted upload: redraws the list
REFRESH = "fin-st-refresh"  # after 生成补差: redraws the list
KPIS = "fin-st-kpis"
GRID = "fin-st-grid"
EXPORT = "fin-st-export"
DOWNLOAD = "fin-st-download"
DUE = "fin-st-due"
GENERATE = "fin-st-generate"
FEEDBACK = "fin-st-feedback"

_MONEY = grid_number(",.2f", "", minWidth=120)
_AREA = grid_number(",.2f", "", minWidth=105)
_PCT = grid_number(",.2f", "", minWidth=100)

# Fields whose values are Chinese labels, translated for the viewer (grid and file alike).
LABELS = ("basis", "may_cancel", "may_cancel_internal", "state")

COLUMNS = [
    {
        "field": "unit",
        "headerName": "房间",
        "pinned": "left",
        "minWidth": 130,
        "checkboxSelection": True,
        "headerCheckboxSelection": True,
    },
    {"field": "owner", "headerName": "业主", "pinned": "left", "minWidth": 100},
    {"field": "project", "headerName": "项目", "minWidth": 150},
    {"field": "basis", "headerName": "计价方式", "minWidth": 125},
    {"field": "contract_area", "headerName": "合同面积", **_AREA, "minWidth": 145},
    {"field": "measured_area", "headerName": "实测面积", **_AREA, "minWidth": 145},
    {"field": "error_pct", "headerName": "误差比(%)", **_PCT, "minWidth": 125},
    {"field": "unit_price", "headerName": "合同单价(折后)", **_MONEY, "minWidth": 165},
    {"field": "within_amount", "headerName": "3%以内补差", **_MONEY, "minWidth": 140},
    {"field": "beyond_amount", "headerName": "超3%部分退款", **_MONEY, "minWidth": 155},
    {"field": "amount", "headerName": "应补差额(+补/−退)", **_MONEY, "minWidth": 195},
    {"field": "developer_borne", "headerName": "开发商承担", **_MONEY, "minWidth": 135},
    {"field": "may_cancel", "headerName": "可退房", "minWidth": 110},
    {"field": "may_cancel_internal", "headerName": "套内超3%可退房", "minWidth": 175},
    {
        "field": "state",
        "headerName": "补差状态",
        "minWidth": 130,
        "cellClassRules": {
            "text-success": "params.data.state_code == 'generated'",
            "text-danger": "params.data.state_code == 'changed'",
            "text-muted": "params.data.state_code == 'none'",
        },
    },
    {"field": "receivable_amount", "headerName": "已生成应收", **_MONEY, "minWidth": 135},
    {"field": "receivable_paid", "headerName": "已收(退)", **_MONEY},
    {"field": "due_on", "headerName": "应收日期", "minWidth": 125},
]
