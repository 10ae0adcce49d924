"""Component ids and grid columns shared by 按揭办理 and 产权办理 (one layout, one set of
callbacks: the page's kind is in the KIND store)."""

from dashboard.format import grid_number, number_column

KIND = "as-case-kind"  # dcc.Store: "mortgage" or "certificate"
STATUS = "as-case-status"  # filter: a CaseStatus value, "all" for all
SEARCH = "as-case-search"  # filter: owner / unit / contract no
CHART = "as-case-chart"
GRID = "as-case-grid"
EXPORT = "as-case-export"
DOWNLOAD = "as-case-download"
CURRENT = "as-case-current"  # dcc.Store: the deal id of the case shown in the panel
REFRESH = "as-case-refresh"  # dcc.Store: bumped after every write
FEEDBACK = "as-case-feedback"
PANEL = "as-case-panel"

# Inside the panel (rendered by a callback; the editing controls only for aftersales.edit)
DOCS = "as-case-docs"
BANK = "as-case-bank"
LOAN = "as-case-loan"
CERTIFICATE_NO = "as-case-certificate-no"
NOTE = "as-case-note"
SAVE = "as-case-save"
ADVANCE = "as-case-advance"
REASON = "as-case-reason"
BACK = "as-case-back"

# Status cell colours: 待办 amber, under way blue, finished green (the chart uses the same).
STATUS_COLORS = {
    "pending": "#f28e2b",
    "applied": "#76b7b2",
    "submitted": "#2f6fdd",
    "done": "#59a14f",
    "issued": "#59a14f",
}
STATUS_STYLE = {
    "styleConditions": [
        {
            "condition": f"params.data.status == '{status}'",
            "style": {"color": color, "fontWeight": "600"},
        }
        for status, color in STATUS_COLORS.items()
    ]
}
DAYS = grid_number(",.0f", "", minWidth=100, maxWidth=120)


def columns(kind: str, amount_places: int = 2) -> list[dict]:
    """The work list's columns (headers translated by components.grid / exports)."""
    money = {"minWidth": 130}
    loan = (
        [
            number_column("loan_amount", "贷款金额", amount_places, **money),
            {"field": "bank", "headerName": "贷款银行", "minWidth": 120},
        ]
        if kind == "mortgage"
        else [{"field": "certificate_no", "headerName": "产权证号", "minWidth": 160}]
    )
    return [
        {"field": "unit", "headerName": "房间", "pinned": "left", "minWidth": 110},
        {"field": "owner", "headerName": "业主", "minWidth": 90},
        {"field": "mobile", "headerName": "手机", "minWidth": 120},
        {
            "field": "status_label",
            "headerName": "状态",
            "minWidth": 90,
            "maxWidth": 120,
            "cellStyle": STATUS_STYLE,
        },
        {"field": "status_on", "headerName": "状态日期", "minWidth": 110},
        {"field": "days", "headerName": "停留天数", **DAYS},
        {"field": "documents", "headerName": "资料", "maxWidth": 90},
        {"field": "contract_no", "headerName": "合同编号", "minWidth": 140},
        {"field": "contracted_on", "headerName": "签约日期", "minWidth": 110},
        number_column("deal_total", "成交总价", amount_places, **money),
        *loan,
        {"field": "handler", "headerName": "办理人", "minWidth": 90},
        {"field": "project", "headerName": "项目", "minWidth": 120},
    ]
