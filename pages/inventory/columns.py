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
