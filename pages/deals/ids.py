"""Component ids of the deal screens (交易登记, 交易列表, 交易变更, 合同管理).

The unit panel (its summary, action buttons and the form modal) is rendered into
pages.inventory.ids.UNIT_ACTIONS both on the sales control chart and on 交易登记."""

# 交易登记
REG_BUILDING = "deals-reg-building"
REG_GRID = "deals-reg-units"
REG_LEGEND = "deals-reg-legend"
REG_EXPORT = "deals-reg-export"
REG_DOWNLOAD = "deals-reg-download"

# unit panel (inside UNIT_ACTIONS)
PANEL_SUMMARY = "deal-panel-summary"
ACTION = "deal-action"  # pattern: {"type": ACTION, "action": name}
DONE = "deal-done"  # pattern: {"type": DONE, "id": "panel"}: data changes after a command
MODAL = "deal-modal"
MODAL_TITLE = "deal-modal-title"
MODAL_ACTION = "deal-modal-action"
MODAL_UNIT = "deal-modal-unit"  # the unit the open form acts on, taken when it opened
MODAL_TOKEN = "deal-modal-token"
F_CUSTOMER = "deal-f-customer"
F_PLAN = "deal-f-plan"
F_DEPOSIT = "deal-f-deposit"
F_EXTRA = "deal-f-extra"
F_UNTIL = "deal-f-until"
F_CONTRACT = "deal-f-contract"
F_HOMES = "deal-f-homes"
G_CUSTOMER = "deal-g-customer"
G_PLAN = "deal-g-plan"
G_DEPOSIT = "deal-g-deposit"
G_EXTRA = "deal-g-extra"
G_UNTIL = "deal-g-until"
G_CONTRACT = "deal-g-contract"
G_HOMES = "deal-g-homes"
PREVIEW = "deal-preview"
FEEDBACK = "deal-feedback"
SUBMIT = "deal-submit"

# 交易列表
LIST_STATE = "deals-list-state"
LIST_GRID = "deals-list-grid"
LIST_EXPORT = "deals-list-export"
LIST_DOWNLOAD = "deals-list-download"
LIST_DETAIL = "deals-list-detail"
LIST_FOCUS = "deals-list-focus"  # ?deal=<id>: the deal a link (e.g. 回款分析's drill-down) opens

# 交易变更
CH_DEAL = "deals-ch-deal"
CH_KIND = "deals-ch-kind"
CH_REASON_CODE = "deals-ch-reason-code"
CH_REASON = "deals-ch-reason"
CH_UNIT = "deals-ch-unit"
CH_CUSTOMER = "deals-ch-customer"
CH_EXTRA = "deals-ch-extra"
CH_FAULT = "deals-ch-fault"
CH_CONTRACT = "deals-ch-contract"  # the new contract's number when a signed deal swaps units
CH_SUBMIT = "deals-ch-submit"
CH_TOKEN = "deals-ch-token"
CH_FEEDBACK = "deals-ch-feedback"
AP_STATUS = "deals-ap-status"
AP_GRID = "deals-ap-grid"
AP_NOTE = "deals-ap-note"
AP_APPROVE = "deals-ap-approve"
AP_REJECT = "deals-ap-reject"
AP_FEEDBACK = "deals-ap-feedback"
AP_EXPORT = "deals-ap-export"
AP_DOWNLOAD = "deals-ap-download"

# 合同管理
CT_GRID = "deals-ct-grid"
CT_DEAL = "deals-ct-deal"
CT_NUMBER = "deals-ct-number"
CT_HOMES = "deals-ct-homes"
CT_SIGN = "deals-ct-sign"
CT_AUDIT = "deals-ct-audit"
CT_FILING = "deals-ct-filing"
CT_FILE = "deals-ct-file"
CT_UNFILE_REASON = "deals-ct-unfile-reason"
CT_UNFILE = "deals-ct-unfile"
CT_FEEDBACK = "deals-ct-feedback"
CT_EXPORT = "deals-ct-export"
CT_DOWNLOAD = "deals-ct-download"
