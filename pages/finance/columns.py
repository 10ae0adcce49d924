"""Grid columns of the finance screens."""

from dashboard.format import grid_number
from pages.deals.columns import MONEY, NUMBER

# A receipt number has 13 characters (SJ + year + sequence); with the selection box the
# column needs more room, or the number is cut (「SJ202600…」).
RECEIPT_NO_WIDTH = 150
RECEIPT_NO_BOX_WIDTH = 185

RECEIPTS = [
    {
        "field": "number",
        "headerName": "收据编号",
        "minWidth": RECEIPT_NO_BOX_WIDTH,
        "checkboxSelection": True,
        "headerCheckboxSelection": True,
    },
    {"field": "received_on", "headerName": "收款日期", "minWidth": 110},
    {"field": "project", "headerName": "项目", "minWidth": 130},
    {"field": "unit", "headerName": "房间", "minWidth": 100},
    {"field": "customer", "headerName": "客户"},
    {"field": "payer", "headerName": "付款人"},
    {"field": "method", "headerName": "方式", "maxWidth": 110},
    {"field": "kind", "headerName": "款项", "maxWidth": 120},
    {"field": "amount", "headerName": "金额", **MONEY},
    {"field": "status", "headerName": "状态", "maxWidth": 100},
    {"field": "reversed", "headerName": "红冲", "maxWidth": 90},
    {"field": "reverses", "headerName": "冲销收据", "minWidth": RECEIPT_NO_WIDTH},
    {"field": "created_by", "headerName": "经办人"},
]

# 收款日报's receipts: the number first, without the selection box.
DAILY_RECEIPTS = [
    {"field": "number", "headerName": "收据编号", "minWidth": RECEIPT_NO_WIDTH},
    *[c for c in RECEIPTS if c["field"] != "number"],
]

OPEN_RECEIVABLES = [
    {"field": "seq", "headerName": "期次", **NUMBER, "maxWidth": 80},
    {"field": "kind", "headerName": "款项"},
    {"field": "payer", "headerName": "付款方"},
    {"field": "due_on", "headerName": "应收日期"},
    {"field": "amount", "headerName": "应收金额", **MONEY},
    {"field": "paid", "headerName": "已收金额", **MONEY},
    {"field": "open", "headerName": "可收金额", **MONEY},
    {
        "field": "allocate",
        "headerName": "本次分配（可填）",
        "editable": True,
        "type": "rightAligned",
        "cellStyle": {"backgroundColor": "#fffde7"},
        "minWidth": 150,
    },
]

OVERDUE = [
    {"field": "project", "headerName": "项目", "minWidth": 130},
    {"field": "unit", "headerName": "房间"},
    {"field": "customer", "headerName": "客户"},
    {"field": "mobile", "headerName": "手机", "minWidth": 120},
    {"field": "consultant", "headerName": "置业顾问"},
    {"field": "kind", "headerName": "款项"},
    {"field": "payer", "headerName": "付款方", "maxWidth": 130},
    {"field": "due_on", "headerName": "应收日期", "minWidth": 110},
    {"field": "days", "headerName": "逾期天数", **NUMBER, "minWidth": 120, "maxWidth": 130},
    {"field": "bucket", "headerName": "账龄", "maxWidth": 110},
    {"field": "open", "headerName": "欠款金额", **MONEY},
]

# 回款分析's drill-down of an aging bar: the overdue receivables of that bucket.
AGING_DETAIL = [c for c in OVERDUE if c["field"] != "mobile"]

# 回款分析's drill-down: each row links to its deal (交易列表?deal=…); not exported.
DEAL_LINK = {
    "field": "deal_link",
    "headerName": "交易",
    "cellRenderer": "markdown",
    "minWidth": 100,
    "filter": False,
    "sortable": False,
}
DRILL_AGING = [DEAL_LINK, *AGING_DETAIL]
# 回款分析's receipts behind a bar: what each put into the clicked series (a receipt split
# between 定金 and 房款 shows its 定金 part under 定金) beside its whole amount.
DRILL_RECEIPTS = [
    DEAL_LINK,
    *[
        c
        for col in DAILY_RECEIPTS
        for c in (
            [col, {"field": "part", "headerName": "计入本类", **MONEY}]
            if col["field"] == "amount"
            else [col]
        )
    ],
]

AGING = [
    {"field": "key", "headerName": "置业顾问/项目"},
    {"field": "≤30天", "headerName": "≤30天", **MONEY},
    {"field": "31–60天", "headerName": "31–60天", **MONEY},
    {"field": "61–90天", "headerName": "61–90天", **MONEY},
    {"field": ">90天", "headerName": ">90天", **MONEY},
    {"field": "total", "headerName": "合计", **MONEY},
]

DAILY_TOTALS = [
    {"field": "group", "headerName": "分组"},
    {"field": "name", "headerName": "项目"},
    {"field": "count", "headerName": "笔数", **NUMBER},
    {"field": "amount", "headerName": "金额", **MONEY},
]

PERFORMANCE = [
    {"field": "month", "headerName": "月份", "maxWidth": 110},
    {"field": "team", "headerName": "团队"},
    {"field": "consultant", "headerName": "置业顾问"},
    {"field": "units", "headerName": "认购套数", **NUMBER},
    {"field": "target_units", "headerName": "目标套数", **NUMBER},
    {"field": "amount", "headerName": "认购金额", **MONEY},
    {"field": "target_amount", "headerName": "目标金额", **MONEY},
    {"field": "rate", "headerName": "完成率%", **grid_number(",.1f")},
]

REFUNDS = [
    {"field": "project", "headerName": "项目", "minWidth": 130},
    {"field": "unit", "headerName": "房间", "checkboxSelection": True, "minWidth": 110},
    {"field": "customer", "headerName": "客户"},
    {"field": "state", "headerName": "交易状态", "minWidth": 110},
    {"field": "closed_on", "headerName": "关闭/应退日期", "minWidth": 110},
    {"field": "due", "headerName": "应退金额", **MONEY},
    {"field": "paid_out", "headerName": "已退金额", **MONEY},
    {"field": "pending", "headerName": "待审核退款", **MONEY},
    {"field": "open", "headerName": "未退金额", **MONEY},
]
