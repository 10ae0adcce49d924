"""广告效果分析: spend, funnel and cost ratios per channel and campaign; plan versus actual."""

import dash
import dash_bootstrap_components as dbc
from dash import html

from dashboard.components import grid, page_title
from dashboard.i18n import _
from pages.analytics.widgets import chart_card, period_filter, section
from pages.marketing import columns, ids

dash.register_page(
    __name__,
    path="/marketing/effect",
    nav_module="marketing",
    label="广告效果分析",
    permission="marketing.view",
    order=230,
    title="广告效果分析 · Loupan",
)


def _wide(grid_id, grid_columns, height, **kwargs):
    table = grid(grid_id, grid_columns, height=height, **kwargs)
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
                _wide(
                    ids.EFF_CHANNEL_GRID,
                    columns.EFFECT_CHANNELS,
                    420,
                    getRowId="params.data.channel",
                ),
                ids.EXPORTS["channels"],
            ),
            chart_card(_("渠道客户漏斗"), ids.EFF_FUNNEL_CHART, ids.EXPORTS["funnel"], height=300),
            section(
                _("广告活动效果"),
                _wide(ids.EFF_CAMPAIGN_GRID, columns.EFFECT_CAMPAIGNS, 280),
                ids.EXPORTS["campaigns"],
            ),
            section(
                _("计划与实际（按月）"),
                _wide(ids.EFF_PLAN_GRID, columns.PLAN, 300),
                ids.EXPORTS["plan"],
            ),
        ]
    )
