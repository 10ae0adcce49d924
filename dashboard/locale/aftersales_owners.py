"""English for 业主台帐 (the owner ledger)."""

EN = {
    "已付清": "Paid in full",
    "未付清": "Not paid in full",
    "7 天内生日": "Birthdays in 7 days",
    "7 天内": "Within 7 days",
    "30 天内": "Within 30 days",
    "业主数": "Owners",
    "搜索业主姓名、房间或合同编号": "Search owner, unit or contract no.",
    "房款": "Price",
    "业主列表": "Owners",
    "点击一行查看该业主的付款记录和交易历史。": "Click a row for the owner's payments and history.",
    "业主": "Owner",
    "距生日(天)": "Days to birthday",
    "方案类型": "Plan type",
    "已付房款": "Price paid",
    "未付房款": "Price outstanding",
    "是否付清": "Paid in full",
    "已付清房款": "Paid in full",
    "没有找到这位业主，或您无权查看。": "Owner not found, or you may not see them.",
    "业主详情": "Owner details",
    "付款记录": "Payments",
    "仅显示前 {n} 位业主，请用搜索或筛选缩小范围。": (
        "Only the first {n} owners are shown: narrow the list with the search or filters."
    ),
    "共 {n} 位": "{n} owners",
    "系统": "System",
}
