"""Grid columns of the deal and finance screens (headers are translated by components.grid)."""

from dashboard.format import grid_number

MONEY = grid_number(",.2f", "", minWidth=130)
RATE = grid_number(".4f", "")
NUMBER = {"type": "rightAligned"}

UNITS = [
    {
        "field": "code",
        "headerName": "房间",
        "checkboxSelection": False,
        "pinned": "left",
        "maxWidth": 130,
    },
    {"field": "floor", "headerName": "楼层", **NUMBER, "maxWidth": 90},
    {"field": "area", "headerName": "建筑面积", **MONEY, "maxWidth": 120},
    {"field": "list_total", "headerName": "表价总价", **MONEY},
    {
        "field": "status_label",
        "headerName": "状态",
        "maxWidth": 100,
        "cellClassRules": {
            "deal-st-available": "params.data.status == 'available'",
            "deal-st-reserved": "params.data.status == 'reserved'",
            "deal-st-held": "params.data.status == 'held'",
            "deal-st-subscribed": "params.data.status == 'subscribed'",
            "deal-st-contracted": "params.data.status == 'contracted'",
            "deal-st-off": "['unreleased', 'not_for_sale'].includes(params.data.status)",
        },
    },
    {"field": "holder", "headerName": "客户"},
]

DEALS = [
    {"field": "id", "headerName": "编号", **NUMBER, "maxWidth": 90},
    {"field": "project", "headerName": "项目", "minWidth": 140},
    {"field": "unit", "headerName": "房间"},
    {"field": "customer", "headerName": "客户"},
    {"field": "mobile", "headerName": "手机", "minWidth": 120},
    {"field": "consultant", "headerName": "置业顾问", "minWidth": 100},
    {"field": "stage", "headerName": "阶段", "maxWidth": 100},
    {"field": "state", "headerName": "状态", "maxWidth": 100},
    {"field": "list_total", "headerName": "表价总价", **MONEY},
    {"field": "discount_rate", "headerName": "方案折扣", **RATE, "minWidth": 100},
    {"field": "extra_discount", "headerName": "额外优惠", **MONEY},
    {"field": "deal_total", "headerName": "成交总价", **MONEY},
    {"field": "deposit", "headerName": "定金", **MONEY},
    {"field": "subscribed_on", "headerName": "认购日期", "minWidth": 110},
    {"field": "contract_no", "headerName": "合同编号", "minWidth": 150},
    {"field": "contract_status", "headerName": "合同状态"},
    {"field": "until", "headerName": "保留至"},
]

CONTRACTS = [
    {"field": "id", "headerName": "编号", **NUMBER, "maxWidth": 90},
    {"field": "unit", "headerName": "房间"},
    {"field": "customer", "headerName": "客户"},
    {"field": "consultant", "headerName": "置业顾问", "minWidth": 100},
    {"field": "stage", "headerName": "阶段", "maxWidth": 100},
    {"field": "deal_total", "headerName": "成交总价", **MONEY},
    {"field": "subscribed_on", "headerName": "认购日期", "minWidth": 110},
    {"field": "contract_no", "headerName": "合同编号", "minWidth": 150},
    {"field": "contracted_on", "headerName": "签约日期"},
    {"field": "contract_status", "headerName": "合同状态"},
]

APPROVALS = [
    {"field": "id", "headerName": "单号", **NUMBER, "maxWidth": 90},
    {"field": "unit", "headerName": "房间"},
    {"field": "customer", "headerName": "客户"},
    {"field": "kind", "headerName": "变更类型", "maxWidth": 110},
    {"field": "what", "headerName": "内容"},
    {"field": "price_difference", "headerName": "换房差价", **MONEY},
    {"field": "reason", "headerName": "原因"},
    {"field": "requested_by", "headerName": "申请人"},
    {"field": "created_at", "headerName": "申请时间"},
    {"field": "status", "headerName": "状态", "maxWidth": 100},
    {"field": "decision_note", "headerName": "审批意见"},
]

EVENTS = [
    {"field": "at", "headerName": "时间", "maxWidth": 150},
    {"field": "kind", "headerName": "事件", "maxWidth": 140},
    {"field": "user", "headerName": "操作人", "maxWidth": 120},
    {"field": "details", "headerName": "详情"},
]

RECEIVABLES = [
    {"field": "seq", "headerName": "期次", **NUMBER, "maxWidth": 80},
    {"field": "kind_label", "headerName": "款项"},
    {"field": "payer_label", "headerName": "付款方"},
    {"field": "due_on", "headerName": "应收日期"},
    {"field": "amount", "headerName": "应收金额", **MONEY},
    {"field": "paid", "headerName": "已收金额", **MONEY},
    {"field": "open", "headerName": "未收金额", **MONEY},
    {"field": "state", "headerName": "状态", "maxWidth": 100},
]
