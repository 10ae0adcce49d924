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
