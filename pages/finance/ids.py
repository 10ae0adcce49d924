"""Component ids of the finance screens (收款登记, 退款登记, 收据审核, 催款, 收款日报, 回款分析,
业绩考核)."""

# 收款登记
RC_DEAL = "fin-rc-deal"
RC_RECEIVABLES = "fin-rc-receivables"
RC_AMOUNT = "fin-rc-amount"
RC_METHOD = "fin-rc-method"
RC_PAYER = "fin-rc-payer"
RC_DATE = "fin-rc-date"
RC_NUMBER = "fin-rc-number"
RC_NOTES = "fin-rc-notes"
RC_SUBMIT = "fin-rc-submit"
RC_TOKEN = "fin-rc-token"
RC_FEEDBACK = "fin-rc-feedback"
RC_RECEIPTS = "fin-rc-receipts"

# 收据 (print)
PRINT_SHEET = "fin-print-sheet"
PRINT_BUTTON = "fin-print-button"

# 收据审核
AU_STATUS = "fin-au-status"
AU_START = "fin-au-start"
AU_END = "fin-au-end"
AU_GRID = "fin-au-grid"
AU_AUDIT = "fin-au-audit"
AU_VOID = "fin-au-void"
AU_REVERSE = "fin-au-reverse"
AU_REASON = "fin-au-reason"
AU_FEEDBACK = "fin-au-feedback"
AU_PRINT = "fin-au-print"
AU_EXPORT = "fin-au-export"
AU_DOWNLOAD = "fin-au-download"

# 催款
DN_GRID = "fin-dn-grid"
DN_SUMMARY = "fin-dn-summary"
DN_BY = "fin-dn-by"
DN_EXPORT = "fin-dn-export"
DN_DOWNLOAD = "fin-dn-download"
DN_KPIS = "fin-dn-kpis"

# 收款日报
DR_DATE = "fin-dr-date"
DR_GRID = "fin-dr-grid"
DR_TOTALS = "fin-dr-totals"
DR_EXPORT = "fin-dr-export"
DR_DOWNLOAD = "fin-dr-download"

# 回款分析
CO_START = "fin-co-start"
CO_END = "fin-co-end"
CO_GRAIN = "fin-co-grain"
CO_CHART = "fin-co-chart"
CO_AGING = "fin-co-aging"
CO_KPIS = "fin-co-kpis"
CO_DRILL_TITLE = "fin-co-drill-title"
CO_DRILL = "fin-co-drill"

# 业绩考核
PF_START = "fin-pf-start"
PF_END = "fin-pf-end"
PF_CHART = "fin-pf-chart"
PF_GRID = "fin-pf-grid"
PF_EXPORT = "fin-pf-export"
PF_DOWNLOAD = "fin-pf-download"

# 退款登记
RF_DEAL = "fin-rf-deal"
RF_AMOUNT = "fin-rf-amount"
RF_METHOD = "fin-rf-method"
RF_PAYEE = "fin-rf-payee"
RF_DATE = "fin-rf-date"
RF_NUMBER = "fin-rf-number"
RF_NOTES = "fin-rf-notes"
RF_SUBMIT = "fin-rf-submit"
RF_TOKEN = "fin-rf-token"
RF_FEEDBACK = "fin-rf-feedback"
RF_GRID = "fin-rf-grid"
RF_VOUCHERS = "fin-rf-vouchers"
RF_EXPORT = "fin-rf-export"
RF_DOWNLOAD = "fin-rf-download"
