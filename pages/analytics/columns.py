"""Grid columns of the analytics screens (shared by the pages and their Excel exports)."""

from dashboard.format import grid_number

MONEY = grid_number(",.2f", minWidth=130)
RATE = grid_number(".1%")
COUNT = {"type": "rightAligned"}

PROJECT_COLUMNS = [
    {"field": "project", "headerName": "项目", "pinned": "left", "minWidth": 120},
    {"field": "sales_amount", "headerName": "销售金额", **MONEY},
    {"field": "plan_amount", "headerName": "计划金额", **MONEY},
    {"field": "amount_vs_plan", "headerName": "金额完成率", **RATE},
    {"field": "sales_units", "headerName": "销售套数", **COUNT},
    {"field": "plan_units", "headerName": "计划套数", **COUNT},
    {"field": "sell_through_count", "headerName": "去化率(套数)", **RATE},
    {"field": "sell_through_area", "headerName": "去化率(面积)", **RATE},
    {"field": "sell_through_value", "headerName": "去化率(货值)", **RATE},
    {"field": "received", "headerName": "实收", **MONEY},
    {"field": "due", "headerName": "应收", **MONEY},
    {"field": "collection_rate", "headerName": "回款率", **RATE},
    {"field": "stock_value", "headerName": "剩余货值", **MONEY},
    {"field": "visits", "headerName": "来访", **COUNT},
    {"field": "conversion", "headerName": "转化率", **RATE},
    {"field": "avg_price", "headerName": "成交均价(元/㎡)", **MONEY},
    {"field": "marketing_cost", "headerName": "营销费用", **MONEY},
    {"field": "cost_per_deal", "headerName": "营销费用/成交", **MONEY},
]
