"""Component ids of the mortgage calculator (按揭计算器), and its schedule grid's columns (shared
by the page and its Excel export)."""

from dashboard.format import grid_number

PRICE = "plan-mg-price"
DOWN_RATIO = "plan-mg-down-ratio"
KIND = "plan-mg-kind"
METHOD = "plan-mg-method"
YEARS = "plan-mg-years"
COMMERCIAL = "plan-mg-commercial"
COMMERCIAL_RATE = "plan-mg-commercial-rate"
PROVIDENT = "plan-mg-provident"
PROVIDENT_RATE = "plan-mg-provident-rate"
CALCULATE = "plan-mg-calculate"
SUMMARY = "plan-mg-summary"
SCHEDULE = "plan-mg-schedule"
FEEDBACK = "plan-mg-feedback"
EXPORT = "plan-mg-export"
DOWNLOAD = "plan-mg-download"

MONEY = grid_number(",.2f", "")
SCHEDULE_COLUMNS = [
    {"field": "month", "headerName": "期数", "type": "rightAligned", "maxWidth": 90},
    {"field": "payment", "headerName": "月供", **MONEY},
    {"field": "principal", "headerName": "本金", **MONEY},
    {"field": "interest", "headerName": "利息", **MONEY},
    {"field": "remaining", "headerName": "剩余本金", **MONEY},
]
