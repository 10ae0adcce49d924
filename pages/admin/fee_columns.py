"""Grid columns of 费用设置 (shared by the page and its Excel exports)."""

from data_layer.commands.fees import RATE_FIELDS

PERCENT = {
    "type": "rightAligned",
    "minWidth": 120,
    "wrapHeaderText": True,
    "autoHeaderHeight": True,
    "valueFormatter": {
        "function": "params.value == null ? '' : d3.format('.2f')(params.value) + '%'"
    },
}

FEE_RULES = [
    {"field": "code", "headerName": "费用代码", "checkboxSelection": True, "minWidth": 140},
    {"field": "name", "headerName": "费用名称", "minWidth": 140},
    {"field": "scope", "headerName": "适用范围", "minWidth": 120},
    {"field": "formula", "headerName": "公式", "minWidth": 220, "tooltipField": "formula"},
    {"field": "effective_from", "headerName": "生效日期", "minWidth": 110},
    {"field": "status", "headerName": "状态", "maxWidth": 110},
    {"field": "created_at", "headerName": "录入时间", "minWidth": 140},
]

DEED_TAX = [
    {"field": "city", "headerName": "城市", "minWidth": 110},
    {"field": "effective_from", "headerName": "生效日期", "minWidth": 110},
    {"field": "area_threshold", "headerName": "面积分界(㎡)", "type": "rightAligned"},
    *({"field": field, "headerName": f"{label}（%）", **PERCENT} for field, label in RATE_FIELDS),
    {"field": "status", "headerName": "状态", "maxWidth": 110},
    {"field": "source", "headerName": "来源", "maxWidth": 90},
]
