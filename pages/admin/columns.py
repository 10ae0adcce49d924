"""Grid columns of the administration screens (shared by pages and exports)."""

USERS = [
    {"field": "id", "headerName": "ID", "maxWidth": 80},
    {"field": "username", "headerName": "用户名", "checkboxSelection": True},
    {"field": "display_name", "headerName": "姓名"},
    {"field": "role_label", "headerName": "角色"},
    {"field": "projects", "headerName": "所属项目"},
    {"field": "status", "headerName": "状态"},
    {"field": "created_at", "headerName": "创建时间"},
]

AUDIT = [
    {"field": "at", "headerName": "时间", "minWidth": 160},
    {"field": "username", "headerName": "用户"},
    {"field": "action", "headerName": "操作"},
    {"field": "object", "headerName": "对象"},
    {"field": "ip", "headerName": "来源地址"},
    {"field": "result", "headerName": "结果", "maxWidth": 100},
    {"field": "details", "headerName": "详情", "minWidth": 300, "tooltipField": "details"},
]
