"""Component ids of 常用功能 (the desktop card, its settings dialog and the ★ top-bar menu)."""

CARD = "fav-card"
LIST = "fav-list"
SETTINGS = "fav-settings"
MODAL = "fav-modal"
CHECKS = "fav-checks"  # the dialog's body: one checklist per module
CHECK = "fav-check"  # pattern-matching {"type": CHECK, "module": m}
ORDER = "fav-order"  # the chosen pages in order, with up / down buttons
UP = "fav-up"  # {"type": UP, "path": p}
DOWN = "fav-down"  # {"type": DOWN, "path": p}
SELECTION = "fav-selection"  # dcc.Store: the ordered paths being edited
SAVE = "fav-save"
CANCEL = "fav-cancel"
ERROR = "fav-error"
QUICK_MENU = "shell-favorites"  # the ★ dropdown in the top bar (dashboard/shell.py)
