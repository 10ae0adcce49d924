"""广告效果分析: spend, funnel and cost ratios per channel and campaign; plan versus actual."""

import dash
import dash_bootstrap_components as dbc
from dash import html

from dashboard.components import grid, page_title
from dashboard.i18n import _
from pages.analytics.widgets import chart_card, period_filter, section
from pages.marketing import ids
from pages.marketing.widgets import COUNT, MONEY, RATE

dash.register_page(
    __name__,
    path="/marketing/effect",
    nav_module="marketing",
    label="广告效果分析",
    permission="marketing.view",
    order=230,
    title="广告效果分析 · Loupan",
)

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
CHANNEL_COLUMNS = [
    {"field": "channel_label", "headerName": "渠道", "pinned": "left", "minWidth": 100},
    *EFFECT,
]
CAMPAIGN_COLUMNS = [
    {"field": "campaign", "headerName": "广告活动", "pinned": "left", "minWidth": 130},
    {"field": "project", "headerName": "项目"},
    {"field": "channel_label", "headerName": "渠道"},
    {"field": "starts_on", "headerName": "开始"},
    {"field": "ends_on", "headerName": "结束"},
    {"field": "budget", "headerName": "预算", **MONEY},
    *EFFECT,
]
PLAN_COLUMNS = [
    {"field": "month", "headerName": "月份"},
    {"field": "plan", "headerName": "计划", **MONEY},
    {"field": "actual", "headerName": "实际", **MONEY},
    {"field": "variance", "headerName": "差异（实际−计划）", **MONEY},
    {"field": "variance_rate", "headerName": "差异率", **RATE},
    {"field": "execution", "headerName": "执行率", **RATE},
]


def _wide(grid_id, columns, height, **kwargs):
    table = grid(grid_id, columns, height=height, **kwargs)
    table.columnSize = "autoSize"
    return table


def layout(start=None, end=None, **_query):
    return html.Div(
        [
            page_title(_("广告效果分析")),
            period_filter(ids.EFF_PRESET, ids.EFF_PERIOD, start=start, end=end),
            html.Div(id=ids.EFF_ERROR),
            html.Div(id=ids.EFF_SUMMARY),
            dbc.Row(
                [
                    dbc.Col(
                        chart_card(
                            _("费用：实际与计划（按月）"), ids.EFF_SPEND_CHART, ids.EXPORTS["spend"]
                        ),
                        lg=6,
                    ),
                    dbc.Col(
                        chart_card(_("各渠道成交成本"), ids.EFF_COST_CHART, ids.EXPORTS["cost"]),
                        lg=6,
                    ),
                ]
            ),
            section(
                _("渠道效果（可按任一列排序；点击渠道查看其客户漏斗）"),
                _wide(ids.EFF_CHANNEL_GRID, CHANNEL_COLUMNS, 420, getRowId="params.data.channel"),
                ids.EXPORTS["channels"],
            ),
            chart_card(_("渠道客户漏斗"), ids.EFF_FUNNEL_CHART, ids.EXPORTS["funnel"], height=300),
            section(
                _("广告活动效果"),
                _wide(ids.EFF_CAMPAIGN_GRID, CAMPAIGN_COLUMNS, 280),
                ids.EXPORTS["campaigns"],
            ),
            section(
                _("计划与实际（按月）"),
                _wide(ids.EFF_PLAN_GRID, PLAN_COLUMNS, 300),
                ids.EXPORTS["plan"],
            ),
        ]
    )
