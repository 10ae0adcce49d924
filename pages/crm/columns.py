"""Grid columns of the CRM screens that callbacks also need (the default columns of their
Excel exports); callbacks may import this module, never a page."""

LINK = {
    "field": "detail",
    "headerName": "详情",
    "cellRenderer": "markdown",
    "maxWidth": 80,
    "filter": False,
    "sortable": False,
}

# 来访/来电登记: today's registrations
RECENT = [
    LINK,
    {"field": "name", "headerName": "客户"},
    {"field": "mobile", "headerName": "手机"},
    {"field": "first_contact_label", "headerName": "来访/来电"},
    {"field": "level", "headerName": "等级"},
    {"field": "consultant", "headerName": "置业顾问 "},
]

# 跟进提醒
OVERDUE = [
    LINK,
    {"field": "name", "headerName": "客户"},
    {"field": "mobile", "headerName": "手机", "minWidth": 120},
    {"field": "stage_label", "headerName": "阶段", "maxWidth": 90},
    {"field": "level", "headerName": "等级", "maxWidth": 80},
    {"field": "next_follow_up_on", "headerName": "应跟进日期"},
    {
        "field": "days_overdue",
        "headerName": "逾期天数",
        "filter": "agNumberColumnFilter",
        "maxWidth": 110,
    },
    {"field": "last_contact_on", "headerName": "最近联系"},
    {"field": "follow_up_count", "headerName": "已跟进次数", "maxWidth": 120},
    {"field": "consultant", "headerName": "置业顾问 "},
    {"field": "project", "headerName": "项目"},
]
BIRTHDAYS = [
    LINK,
    {"field": "name", "headerName": "客户"},
    {"field": "mobile", "headerName": "手机", "minWidth": 120},
    {"field": "birthday", "headerName": "生日", "maxWidth": 100},
    {"field": "days_to_birthday", "headerName": "还有天数", "maxWidth": 110},
    {"field": "age", "headerName": "岁数", "maxWidth": 90},
    {"field": "stage_label", "headerName": "阶段", "maxWidth": 90},
    {"field": "consultant", "headerName": "置业顾问 "},
]
TRANSFERRED = [
    LINK,
    {"field": "name", "headerName": "客户"},
    {"field": "mobile", "headerName": "手机", "minWidth": 120},
    {"field": "stage_label", "headerName": "阶段", "maxWidth": 90},
    {"field": "transferred_at", "headerName": "接转时间"},
    {"field": "transferred_from", "headerName": "原置业顾问"},
    {"field": "reason", "headerName": "原因"},
    {"field": "next_follow_up_on", "headerName": "下次跟进"},
]

# 客户接转
TRANSFER = [
    {
        "field": "name",
        "headerName": "客户",
        "checkboxSelection": True,
        "headerCheckboxSelection": True,
        "headerCheckboxSelectionFilteredOnly": True,
    },
    {"field": "mobile", "headerName": "手机", "minWidth": 120},
    {"field": "stage_label", "headerName": "阶段", "maxWidth": 100},
    {"field": "level", "headerName": "等级", "maxWidth": 80},
    {"field": "last_contact_on", "headerName": "最近联系"},
    {"field": "next_follow_up_on", "headerName": "下次跟进"},
    {"field": "first_contact_on", "headerName": "首次到访"},
]

# 问卷设置
SURVEY = [
    {"field": "project", "headerName": "项目"},
    {"field": "label", "headerName": "问卷项"},
    {"field": "kind_label", "headerName": "类型", "maxWidth": 100},
    {"field": "options", "headerName": "选项"},
    {"field": "required_label", "headerName": "必填", "maxWidth": 90},
    {"field": "status", "headerName": "状态", "maxWidth": 100},
]

# 客户分析
RATES = [
    {"field": "stage", "headerName": "阶段", "filter": False, "sortable": False},
    {"field": "customers", "headerName": "客户数", "type": "rightAligned", "filter": False},
    {"field": "rate_previous", "headerName": "较上一阶段", "type": "rightAligned", "filter": False},
    {"field": "rate_first", "headerName": "占新增", "type": "rightAligned", "filter": False},
]
RANKING = [
    {"field": "rank", "headerName": "名次", "maxWidth": 80},
    {"field": "consultant", "headerName": "置业顾问 "},
    {"field": "new", "headerName": "新增来访来电", "filter": "agNumberColumnFilter"},
    {"field": "returning", "headerName": "复访"},
    {"field": "opportunity", "headerName": "机会客户"},
    {"field": "subscribed", "headerName": "认购"},
    {"field": "contracted", "headerName": "签约"},
    {"field": "conversion_text", "headerName": "认购转化率"},
]
