"""Component ids of the 营销管理 screens."""

# 费用计划
BUDGET_YEAR = "mk-budget-year"
BUDGET_GRID = "mk-budget-grid"
BUDGET_FEEDBACK = "mk-budget-feedback"
BUDGET_PROJECT = "mk-budget-project"
BUDGET_MONTH = "mk-budget-month"
BUDGET_CHANNEL = "mk-budget-channel"
BUDGET_CATEGORY = "mk-budget-category"
BUDGET_AMOUNT = "mk-budget-amount"
BUDGET_SAVE = "mk-budget-save"
BUDGET_EXPORT = "mk-budget-export"
BUDGET_DOWNLOAD = "mk-budget-download"
BUDGET_IMPORT = "mk-budget-import"
BUDGET_REFRESH = "mk-budget-refresh"

# 实际费用
EXP_PERIOD = "mk-exp-period"
EXP_PROJECT = "mk-exp-project"
EXP_DATE = "mk-exp-date"
EXP_CHANNEL = "mk-exp-channel"
EXP_CATEGORY = "mk-exp-category"
EXP_CAMPAIGN = "mk-exp-campaign"
EXP_VENDOR = "mk-exp-vendor"
EXP_INVOICE = "mk-exp-invoice"
EXP_AMOUNT = "mk-exp-amount"
EXP_SAVE = "mk-exp-save"
EXP_DELETE = "mk-exp-delete"
EXP_FEEDBACK = "mk-exp-feedback"
EXP_GRID = "mk-exp-grid"
EXP_EXPORT = "mk-exp-export"
EXP_DOWNLOAD = "mk-exp-download"
EXP_IMPORT = "mk-exp-import"
EXP_REFRESH = "mk-exp-refresh"

# 广告活动
CAMP_PROJECT = "mk-camp-project"
CAMP_NAME = "mk-camp-name"
CAMP_CHANNEL = "mk-camp-channel"
CAMP_PERIOD = "mk-camp-period"
CAMP_BUDGET = "mk-camp-budget"
CAMP_NOTES = "mk-camp-notes"
CAMP_SAVE = "mk-camp-save"
CAMP_NEW = "mk-camp-new"
CAMP_FEEDBACK = "mk-camp-feedback"
CAMP_GRID = "mk-camp-grid"
CAMP_EXPORT = "mk-camp-export"
CAMP_DOWNLOAD = "mk-camp-download"

# 广告效果分析
EFF_PRESET = "mk-eff-preset"
EFF_PERIOD = "mk-eff-period"
EFF_ERROR = "mk-eff-error"
EFF_SUMMARY = "mk-eff-summary"
EFF_CHANNEL_GRID = "mk-eff-channel-grid"
EFF_CAMPAIGN_GRID = "mk-eff-campaign-grid"
EFF_PLAN_GRID = "mk-eff-plan-grid"
EFF_SPEND_CHART = "mk-eff-spend-chart"
EFF_COST_CHART = "mk-eff-cost-chart"
EFF_FUNNEL_CHART = "mk-eff-funnel-chart"
EFF_FUNNEL_TITLE = "mk-eff-funnel-title"
EXPORTS = {
    "channels": ("mk-eff-channels-export", "mk-eff-channels-download"),
    "campaigns": ("mk-eff-campaigns-export", "mk-eff-campaigns-download"),
    "plan": ("mk-eff-plan-export", "mk-eff-plan-download"),
    "spend": ("mk-eff-spend-export", "mk-eff-spend-download"),
    "cost": ("mk-eff-cost-export", "mk-eff-cost-download"),
    "funnel": ("mk-eff-funnel-export", "mk-eff-funnel-download"),
}
