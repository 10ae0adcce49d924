"""Grid columns of the 营销管理 screens (also the default columns of their Excel exports:
callbacks may import this module, never a page)."""

from pages.marketing.widgets import COUNT, MONEY, RATE

EDITABLE = {"editable": True, "cellEditor": "agNumberCellEditor", "cellClass": "editable-cell"}


def budget(editable: bool = False) -> list[dict]:
    """费用计划: project, channel and category, one column per month, the year's total."""
    months = [
        {"field": f"m{m:02d}", "headerName": f"{m}月", **MONEY, **(EDITABLE if editable else {})}
        for m in range(1, 13)
    ]
    return [
        {"field": "project", "headerName": "项目", "pinned": "left", "minWidth": 120},
        {"field": "channel_label", "headerName": "渠道", "pinned": "left", "minWidth": 100},
        {"field": "category_label", "headerName": "费用类别", "minWidth": 100},
        *months,
        {"field": "total", "headerName": "全年合计", **MONEY},
    ]


EXPENSES = [
    {"field": "spent_on", "headerName": "日期", "minWidth": 110},
    {"field": "project", "headerName": "项目"},
    {"field": "channel_label", "headerName": "渠道"},
    {"field": "category_label", "headerName": "费用类别"},
    {"field": "campaign", "headerName": "广告活动"},
    {"field": "vendor", "headerName": "供应商"},
    {"field": "invoice_no", "headerName": "发票号"},
    {"field": "amount", "headerName": "金额", **MONEY},
    {"field": "created_by", "headerName": "录入人", "maxWidth": 110},
]

CAMPAIGNS = [
    {"field": "name", "headerName": "活动名称", "minWidth": 140},
    {"field": "project", "headerName": "项目"},
    {"field": "channel_label", "headerName": "渠道"},
    {"field": "starts_on", "headerName": "开始日期"},
    {"field": "ends_on", "headerName": "结束日期"},
    {"field": "budget", "headerName": "预算", **MONEY},
    {"field": "spent", "headerName": "已花费", **MONEY},
    {"field": "notes", "headerName": "说明"},
]

# 广告效果分析
EFFECT = [
    {"field": "spend", "headerName": "费用", **MONEY},
    {"field": "visits", "headerName": "来访", **COUNT},
    {"field": "opportunities", "headerName": "机会", **COUNT},
    {"field": "deals", "headerName": "成交", **COUNT},
    {"field": "deal_amount", "headerName": "成交金额", **MONEY},
    {"field": "cost_per_visit", "headerName": "来访成本", **MONEY},
    {"field": "cost_per_opportunity", "headerName": "机会成本", **MONEY},
    {"field": "cost_per_deal", "headerName": "成交成本", **MONEY},
    {"field": "cost_per_10k", "headerName": "每万元销售费用", **MONEY},
    {"field": "conversion", "headerName": "来访成交率", **RATE},
]
EFFECT_CHANNELS = [
    {"field": "channel_label", "headerName": "渠道", "pinned": "left", "minWidth": 100},
    *EFFECT,
]
EFFECT_CAMPAIGNS = [
    {"field": "campaign", "headerName": "广告活动", "pinned": "left", "minWidth": 130},
    {"field": "project", "headerName": "项目"},
    {"field": "channel_label", "headerName": "渠道"},
    {"field": "starts_on", "headerName": "开始"},
    {"field": "ends_on", "headerName": "结束"},
    {"field": "budget", "headerName": "预算", **MONEY},
    *EFFECT,
]
PLAN = [
    {"field": "month", "headerName": "月份"},
    {"field": "plan", "headerName": "计划", **MONEY},
    {"field": "actual", "headerName": "实际", **MONEY},
    {"field": "variance", "headerName": "差异（实际−计划）", **MONEY},
    {"field": "variance_rate", "headerName": "差异率", **RATE},
    {"field": "execution", "headerName": "执行率", **RATE},
]
