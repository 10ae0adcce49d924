FIGURES = "desk-figures"
FOLLOW_UPS = "desk-follow-ups"
BIRTHDAYS = "desk-birthdays"
GREETING = "desk-greeting"

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
