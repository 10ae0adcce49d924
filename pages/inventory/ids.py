"""Component ids of the inventory screens (销控表, 虚拟销控, 价格管理).

SELECTED_UNIT, BUILDING_SELECT and UNIT_ACTIONS are a contract with the deals area:
the chart page holds the clicked unit id in the dcc.Store SELECTED_UNIT; the deals
callbacks fill the empty html.Div UNIT_ACTIONS (inside the unit panel) from
Input(SELECTED_UNIT, "data"). Inventory callbacks never output to UNIT_ACTIONS.
"""

# Shared with the deals area -------------------------------------------------
SELECTED_UNIT = "inventory-selected-unit"
BUILDING_SELECT = "inventory-building-select"
UNIT_ACTIONS = "unit-panel-actions"

# 销控表 (sales control chart) ----------------------------------------------
CHART_GRAPH = "inventory-chart-graph"
CHART_LEGEND = "inventory-chart-legend"
CHART_INFO = "inventory-chart-info"
FINGERPRINT = "inventory-chart-fingerprint"
CHART_CELLS = "inventory-chart-cells"
LIVE_INTERVAL = "inventory-chart-live"
FILTER_LAYOUT = "inventory-filter-layout"
FILTER_ORIENTATION = "inventory-filter-orientation"
FILTER_STATUS = "inventory-filter-status"
FILTER_AREA_MIN = "inventory-filter-area-min"
FILTER_AREA_MAX = "inventory-filter-area-max"
FILTER_PRICE_MIN = "inventory-filter-price-min"
FILTER_PRICE_MAX = "inventory-filter-price-max"
FILTER_RESET = "inventory-filter-reset"
UNIT_PANEL = "inventory-unit-panel"
UNIT_DETAIL = "inventory-unit-detail"
URL_BUILDING = "inventory-url-building"

# 虚拟销控 / 放盘 -------------------------------------------------------------
VIRTUAL_BUILDING = "inventory-virtual-building"
VIRTUAL_GRAPH = "inventory-virtual-graph"
VIRTUAL_LEGEND = "inventory-virtual-legend"
VIRTUAL_FINGERPRINT = "inventory-virtual-fingerprint"
VIRTUAL_INTERVAL = "inventory-virtual-live"
RELEASE_GRID = "inventory-release-grid"
RELEASE_BATCH = "inventory-release-batch"
RELEASE_BUTTON = "inventory-release-button"
WITHDRAW_REASON = "inventory-withdraw-reason"
WITHDRAW_BUTTON = "inventory-withdraw-button"
VIRTUAL_SOLD_BUTTON = "inventory-virtual-sold"
VIRTUAL_UNSOLD_BUTTON = "inventory-virtual-unsold"
NOT_FOR_SALE_BUTTON = "inventory-not-for-sale"
RELEASE_FEEDBACK = "inventory-release-feedback"
RELEASE_EXPORT = "inventory-release-export"
RELEASE_DOWNLOAD = "inventory-release-download"
