"""Component ids and grid columns of 业主台帐 (a plain module: the page and its callbacks share
it; headers are translated by components.grid and by the export)."""

from __future__ import annotations

from dashboard.format import Formatter, number_column

KPIS = "as-own-kpis"
SEARCH = "as-own-search"
PAID = "as-own-paid"
BIRTHDAY = "as-own-birthday"
NOTE = "as-own-note"
GRID = "as-own-grid"
EXPORT = "as-own-export"
DOWNLOAD = "as-own-download"
DETAIL = "as-own-detail"
RECEIVABLES = "as-own-receivables"
RECEIPTS = "as-own-receipts"
EVENTS = "as-own-events"

STATUS_CLASSES = {
    "cellClassRules": {
        "text-muted": "params.value == '—'",
        "text-danger": "params.value == '待办' || params.value == 'Pending'",
    }
}


def columns(fmt: Formatter) -> list[dict]:
    """The ledger's columns: unit and owner pinned at the left, areas and amounts with the
    precision settings (数据设置)."""
    money = fmt.amount_places
    return [
        {"field": "unit", "headerName": "房间", "pinned": "left", "minWidth": 120, "maxWidth": 150},
        {
            "field": "owner",
            "headerName": "业主",
            "pinned": "left",
            "minWidth": 100,
            "maxWidth": 130,
        },
        {"field": "project", "headerName": "项目", "minWidth": 160},
        {"field": "building", "headerName": "楼栋", "minWidth": 110},
        number_column("area", "建筑面积", fmt.area_places, minWidth=120),
        {"field": "mobile", "headerName": "手机", "minWidth": 130},
        {"field": "id_number", "headerName": "身份证号", "minWidth": 190},
        {"field": "birthday", "headerName": "生日", "minWidth": 120},
        {
            "field": "days_to_birthday",
            "headerName": "距生日(天)",
            "type": "numericColumn",
            "filter": "agNumberColumnFilter",
            "minWidth": 150,
        },
        {"field": "contract_no", "headerName": "合同编号", "minWidth": 200},
        {"field": "contracted_on", "headerName": "签约日期", "minWidth": 125},
        {"field": "contract_status", "headerName": "合同状态", "minWidth": 115},
        {"field": "plan", "headerName": "付款方案", "minWidth": 150},
        {"field": "plan_kind", "headerName": "方案类型", "minWidth": 160},
        number_column("deal_total", "成交总价", money, minWidth=140),
        number_column("paid", "已付房款", money, minWidth=140),
        number_column("outstanding", "未付房款", money, minWidth=160),
        {"field": "paid_label", "headerName": "是否付清", "minWidth": 130},
        {"field": "mortgage_status", "headerName": "按揭办理", "minWidth": 170, **STATUS_CLASSES},
        {
            "field": "certificate_status",
            "headerName": "产权办理",
            "minWidth": 190,
            **STATUS_CLASSES,
        },
        {"field": "consultant", "headerName": "置业顾问", "minWidth": 160},
    ]


def receivable_columns(fmt: Formatter) -> list[dict]:
    money = fmt.amount_places
    return [
        {"field": "seq", "headerName": "期次", "type": "numericColumn", "maxWidth": 90},
        {"field": "kind", "headerName": "款项", "minWidth": 120},
        {"field": "payer", "headerName": "付款方", "minWidth": 120},
        {"field": "due_on", "headerName": "应收日期", "minWidth": 120},
        number_column("amount", "应收金额", money, minWidth=120),
        number_column("paid", "已收金额", money, minWidth=120),
        number_column("open", "未收金额", money, minWidth=120),
        {"field": "state", "headerName": "状态", "minWidth": 100},
    ]


def receipt_columns(fmt: Formatter) -> list[dict]:
    return [
        {"field": "number", "headerName": "收据号", "minWidth": 150},
        {"field": "received_on", "headerName": "收款日期", "minWidth": 120},
        {"field": "kind", "headerName": "款项", "minWidth": 120},
        number_column("amount", "金额", fmt.amount_places, minWidth=120),
        {"field": "method", "headerName": "方式", "minWidth": 100},
        {"field": "status", "headerName": "状态", "minWidth": 100},
    ]


EVENT_COLUMNS = [
    {"field": "at", "headerName": "时间", "minWidth": 140, "maxWidth": 160},
    {"field": "kind", "headerName": "事件", "minWidth": 110, "maxWidth": 150},
    {"field": "user", "headerName": "操作人", "maxWidth": 120},
    {"field": "details", "headerName": "详情", "minWidth": 200, "flex": 2},
]
