"""Columns of the 置业计划书 list (the grid and its Excel export)."""

from dashboard import format


def columns() -> list[dict]:
    places = format.current().amount_places
    money = [
        ("deal_total", "成交总价"),
        ("down_payment", "首付款"),
        ("loan_total", "贷款总额"),
        ("installment_monthly", "月供(等额本息)"),
        ("cash_needed", "首期现金"),
    ]
    return [
        {
            "field": "open",
            "headerName": "查看",
            "cellRenderer": "markdown",
            "maxWidth": 80,
            "filter": False,
            "sortable": False,
        },
        {"field": "number", "headerName": "编号", "minWidth": 140},
        {"field": "quoted_on", "headerName": "日期", "minWidth": 115},
        {"field": "valid_label", "headerName": "有效期", "minWidth": 115},
        {"field": "project", "headerName": "项目", "minWidth": 130},
        {"field": "unit", "headerName": "房间", "minWidth": 100},
        {"field": "customer", "headerName": "客户", "minWidth": 100},
        {"field": "consultant", "headerName": "置业顾问 ", "minWidth": 110},
        {"field": "plan_name", "headerName": "付款方案", "minWidth": 110},
        {"field": "loan_label", "headerName": "贷款类型", "minWidth": 110},
        *[format.number_column(field, header, places, minWidth=130) for field, header in money],
        {"field": "approval_label", "headerName": "优惠审批", "minWidth": 110},
    ]
