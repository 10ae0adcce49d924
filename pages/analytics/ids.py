"""Component ids of the 决策分析 screens (callbacks import this, never the pages)."""

PRESET = "ov-preset"
PERIOD = "ov-period"
URL = "ov-url"
PROJECT = "ov-project"  # the drilled-into project (from ?project=)
MEASURE = "ov-measure"  # the card whose per-project breakdown is shown
CARDS = "ov-cards"
HEADER = "ov-header"
LINKS = "ov-links"
ERROR = "ov-error"
SALES_CHART = "ov-sales-chart"
PRICE_CHART = "ov-price-chart"
PROJECT_CHART = "ov-project-chart"
PROJECT_GRID = "ov-project-grid"
GRID_EXPORT = "ov-grid-export"
GRID_DOWNLOAD = "ov-grid-download"
NAVIGATE = "ov-navigate"
# one Excel download per chart / table: (button, download)
EXPORTS = {
    "sales": ("ov-sales-export", "ov-sales-download"),
    "price": ("ov-price-export", "ov-price-download"),
    "projects": ("ov-projects-export", "ov-projects-download"),
}
CARD_IDS = [
    "sales_amount",
    "sales_units",
    "sell_through",
    "collections",
    "stock",
    "visits",
    "avg_price",
    "cost_per_deal",
]


def card(measure: str) -> dict:
    return {"type": "ov-card", "measure": measure}


Q_PERIOD = "lq-period"
Q_KIND = "lq-kind"
Q_SEARCH = "lq-search"
Q_GRID = "lq-grid"
Q_INFO = "lq-info"
Q_EXPORT = "lq-export"
Q_DOWNLOAD = "lq-download"
