"""Grid columns of the base-data screens (shared by pages and exports)."""

PROJECTS = [
    {"field": "code", "headerName": "项目编号"},
    {"field": "name", "headerName": "项目名称", "minWidth": 140},
    {"field": "city", "headerName": "城市"},
    {"field": "address", "headerName": "地址", "minWidth": 160},
    {"field": "opened_on", "headerName": "开盘日期"},
    {"field": "buildings", "headerName": "楼栋数", "maxWidth": 100},
    {"field": "units", "headerName": "房间数", "maxWidth": 100},
    {"field": "protection_days", "headerName": "客户保护天数"},
    {"field": "hold_days", "headerName": "临定天数", "maxWidth": 110},
    {"field": "active", "headerName": "启用", "maxWidth": 90},
]
BUILDINGS = [
    {"field": "project", "headerName": "项目"},
    {"field": "code", "headerName": "楼栋编号"},
    {"field": "name", "headerName": "楼栋名称"},
    {"field": "floors", "headerName": "楼层数"},
    {"field": "sections", "headerName": "单元数"},
    {"field": "units_per_floor", "headerName": "每层户数"},
    {"field": "units", "headerName": "房间数"},
]
LAYOUTS = [
    {"field": "project", "headerName": "项目"},
    {"field": "name", "headerName": "户型名称", "minWidth": 150},
    {"field": "rooms", "headerName": "室", "maxWidth": 80},
    {"field": "halls", "headerName": "厅", "maxWidth": 80},
    {"field": "baths", "headerName": "卫", "maxWidth": 80},
    {"field": "plan", "headerName": "户型图", "maxWidth": 100},
    {"field": "units", "headerName": "房间数", "maxWidth": 100},
]
CODES = [
    {"field": "category_label", "headerName": "类别"},
    {"field": "code", "headerName": "代码"},
    {"field": "label", "headerName": "名称"},
    {"field": "label_en", "headerName": "英文名称"},
    {"field": "sort", "headerName": "排序", "maxWidth": 90},
    {"field": "active", "headerName": "启用", "maxWidth": 90},
]
UNITS = [
    {
        "field": "code",
        "headerName": "房间编码",
        "checkboxSelection": True,
        "pinned": "left",
        "editable": True,
        "minWidth": 140,
    },
    {"field": "section", "headerName": "单元", "maxWidth": 80},
    {"field": "floor", "headerName": "楼层", "maxWidth": 80},
    {"field": "position", "headerName": "房号", "maxWidth": 80},
    {"field": "layout", "headerName": "户型", "editable": True, "cellEditor": "agSelectCellEditor"},
    {
        "field": "orientation_label",
        "headerName": "朝向",
        "editable": True,
        "cellEditor": "agSelectCellEditor",
    },
    {
        "field": "use_label",
        "headerName": "用途",
        "editable": True,
        "cellEditor": "agSelectCellEditor",
    },
    {"field": "status_label", "headerName": "状态", "maxWidth": 100},
]
UNIT_NUMBERS = [
    ("gross_area", "建筑面积", "area", {"editable": True}),
    ("internal_area", "套内面积", "area", {"editable": True}),
    ("shared_area", "公摊面积", "area", {"editable": True}),
    ("list_unit_price", "表价单价", "price", {}),
    ("list_total", "表价总价", "amount", {}),
]
STAFF = [
    {"field": "project", "headerName": "项目"},
    {"field": "display_name", "headerName": "姓名", "checkboxSelection": True},
    {"field": "username", "headerName": "用户名"},
    {"field": "role", "headerName": "岗位"},
    {"field": "team", "headerName": "销售小组"},
    {"field": "mobile", "headerName": "手机"},
    {"field": "active", "headerName": "状态"},
]
PLANS = [
    {"field": "project", "headerName": "项目"},
    {"field": "month", "headerName": "月份"},
    {"field": "team", "headerName": "小组"},
    {"field": "consultant", "headerName": "置业顾问"},
    {"field": "target_units", "headerName": "目标套数"},
]
PLAN_NUMBERS = [("target_area", "目标面积", "area"), ("target_amount", "目标金额", "amount")]
