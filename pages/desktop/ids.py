FIGURES = "desk-figures"
FAVORITES = "desk-favorites"  # 常用功能: callbacks/desktop_favorites.py
TODO = "desk-todo"  # 待办提醒: callbacks/desktop_todo.py
FOLLOW_UPS = "desk-follow-ups"
BIRTHDAYS = "desk-birthdays"
FOLLOW_UPS_EXPORT = "desk-follow-ups-export"
FOLLOW_UPS_DOWNLOAD = "desk-follow-ups-download"
BIRTHDAYS_EXPORT = "desk-birthdays-export"
BIRTHDAYS_DOWNLOAD = "desk-birthdays-download"
GREETING = "desk-greeting"

REMINDER_COLUMNS = [
    {"field": "name", "headerName": "客户"},
    {"field": "mobile", "headerName": "手机"},
    {"field": "level", "headerName": "等级", "maxWidth": 90},
    {"field": "next_follow_up_on", "headerName": "下次跟进"},
    {"field": "project", "headerName": "项目"},
    {"field": "consultant", "headerName": "置业顾问 "},
]
BIRTHDAY_COLUMNS = [
    {"field": "name", "headerName": "客户"},
    {"field": "mobile", "headerName": "手机"},
    {"field": "birthday", "headerName": "生日"},
    {"field": "project", "headerName": "项目"},
    {"field": "consultant", "headerName": "置业顾问 "},
]

MSG_RECIPIENTS = "msg-recipients"
MSG_SUBJECT = "msg-subject"
MSG_BODY = "msg-body"
MSG_SEND = "msg-send"
MSG_FEEDBACK = "msg-feedback"
MSG_TABS = "msg-tabs"
MSG_INBOX = "msg-inbox"
MSG_SENT = "msg-sent"
MSG_VIEW = "msg-view"
MSG_ARCHIVE = "msg-archive"
MSG_COLUMNS = [
    {"field": "sent_at", "headerName": "时间", "maxWidth": 170},
    {"field": "other", "headerName": "发件人"},
    {"field": "subject", "headerName": "主题", "minWidth": 240},
    {"field": "status", "headerName": "状态", "maxWidth": 100},
]
MSG_SENT_COLUMNS = [
    {"field": "sent_at", "headerName": "时间", "maxWidth": 170},
    {"field": "other", "headerName": "收件人"},
    {"field": "subject", "headerName": "主题", "minWidth": 240},
    {"field": "status", "headerName": "状态", "maxWidth": 100},
]
