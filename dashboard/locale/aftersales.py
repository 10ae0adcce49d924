"""English for the after-sales module (售后服务): shared labels."""

EN = {
    "按揭资料": "Mortgage documents",
    "产权资料": "Certificate documents",
    "按揭办理": "Mortgage processing",
    "产权办理": "Property certificates",
    "业主台帐": "Owner ledger",
    "待办": "Pending",
    "已申请": "Applied",
    "送办": "Submitted",
    "已办": "Done",
    "出证": "Issued",
}
