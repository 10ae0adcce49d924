"""Grid columns of the inventory screens (shared by pages and exports)."""

RELEASE_COLUMNS = [
    {
        "field": "code",
        "headerName": "房间编码",
        "checkboxSelection": True,
        "headerCheckboxSelection": True,
        "headerCheckboxSelectionFilteredOnly": True,
        "minWidth": 130,
    },
    {"field": "floor", "headerName": "楼层", "maxWidth": 90},
    {"field": "layout", "headerName": "户型"},
    {"field": "orientation_label", "headerName": "朝向"},
    {"field": "status_label", "headerName": "状态"},
    {"field": "virtual_sold", "headerName": "虚拟已售", "maxWidth": 110},
]

UNIT_PRICES = [
    {"field": "code", "headerName": "房间编码", "pinned": "left", "minWidth": 120},
    {"field": "floor", "headerName": "楼层", "maxWidth": 80},
    {"field": "layout", "headerName": "户型"},
    {"field": "orientation_label", "headerName": "朝向", "maxWidth": 100},
    {"field": "status_label", "headerName": "状态", "maxWidth": 100},
]
UNIT_PRICE_NUMBERS = [
    ("gross_area", "建筑面积", "area", {}),
    ("list_unit_price", "表价单价", "price", {"editable": True, "cellClass": "editable-cell"}),
    ("list_total", "表价总价", "amount", {}),
    ("floor_unit_price", "底价单价", "price", {"editable": True, "cellClass": "editable-cell"}),
    ("floor_total", "底价总价", "amount", {}),
]

PREVIEW = [
    {"field": "code", "headerName": "房间编码"},
    {"field": "floor", "headerName": "楼层", "maxWidth": 80},
]
PREVIEW_NUMBERS = [
    ("area", "面积", "area"),
    ("old_unit_price", "原单价", "price"),
    ("new_unit_price", "新单价", "price"),
    ("old_total", "原总价", "amount"),
    ("new_total", "新总价", "amount"),
    ("change_pct", "变动%", "pct"),
]

ADJUSTMENTS = [
    {"field": "code", "headerName": "调价单号", "minWidth": 170},
    {"field": "project", "headerName": "项目"},
    {"field": "scope", "headerName": "范围", "minWidth": 160},
    {"field": "method", "headerName": "方式"},
    {"field": "units", "headerName": "套数", "maxWidth": 80},
    {"field": "status_label", "headerName": "状态", "maxWidth": 100},
    {"field": "reason", "headerName": "原因", "minWidth": 140},
    {"field": "requested_by", "headerName": "申请人"},
    {"field": "requested_at", "headerName": "申请时间", "minWidth": 140},
    {"field": "decided_by", "headerName": "审批人"},
    {"field": "decision_note", "headerName": "审批意见"},
]
ADJUSTMENT_NUMBERS = [
    ("old_total", "原总价", "amount"),
    ("new_total", "新总价", "amount"),
    ("difference", "差额", "amount"),
    ("max_change_pct", "最大变动%", "pct"),
]
ADJUSTMENT_ITEMS = [
    {"field": "code", "headerName": "房间编码"},
    {"field": "floor", "headerName": "楼层", "maxWidth": 80},
]
ADJUSTMENT_ITEM_NUMBERS = [
    ("old_unit_price", "原单价", "price"),
    ("new_unit_price", "新单价", "price"),
    ("old_total", "原总价", "amount"),
    ("new_total", "新总价", "amount"),
    ("difference", "差额", "amount"),
]
TREND_EVENTS = [
    {"field": "at", "headerName": "生效时间", "minWidth": 140},
    {"field": "code", "headerName": "调价单号", "minWidth": 160},
    {"field": "scope", "headerName": "范围", "minWidth": 160},
    {"field": "method", "headerName": "方式"},
    {"field": "reason", "headerName": "原因", "minWidth": 160},
]
TREND_EVENT_NUMBERS = [("change", "总价变动", "amount")]

HISTORY = [
    {"field": "at", "headerName": "时间", "minWidth": 140},
]
HISTORY_NUMBERS = [
    ("old_unit_price", "原表价单价", "price"),
    ("new_unit_price", "新表价单价", "price"),
    ("old_total", "原总价", "amount"),
    ("new_total", "新总价", "amount"),
    ("new_floor_price", "底价单价", "price"),
]
HISTORY_TAIL = [
    {"field": "user", "headerName": "操作人"},
    {"field": "reason", "headerName": "原因", "minWidth": 160},
    {"field": "batch", "headerName": "调价单号", "minWidth": 150},
]


def with_numbers(columns, numbers, fmt):
    """Text columns followed by number columns formatted with the precision settings."""
    from dashboard.format import number_column

    places = {
        "area": fmt.area_places,
        "price": fmt.price_places,
        "amount": fmt.amount_places,
        "pct": 2,
    }
    out = list(columns)
    for spec in numbers:
        field, header, kind = spec[:3]
        extra = spec[3] if len(spec) > 3 else {}
        out.append(number_column(field, header, places[kind], **extra))
    return out


def trend_event_columns(fmt):
    return with_numbers(TREND_EVENTS, TREND_EVENT_NUMBERS, fmt)


def history_columns(fmt):
    return with_numbers(HISTORY, HISTORY_NUMBERS, fmt) + HISTORY_TAIL
