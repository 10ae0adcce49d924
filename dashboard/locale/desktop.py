"""English for the desktop (桌面) screens."""

EN = {
    "站内消息": "Messages",
    "写消息": "New message",
    "收件人": "To",
    "主题": "Subject",
    "正文": "Message",
    "发送": "Send",
    "收件箱": "Inbox",
    "已发送": "Sent",
    "发件人": "From",
    "已读": "Read",
    "未读": "Unread",
    "归档": "Archive",
    "已归档。": "Archived.",
    "点击一条消息查看内容。": "Click a message to read it.",
    "已发送给 {n} 人。": "Sent to {n} people.",
    "消息不存在。": "No such message.",
    "工作台": "My desk",
    "{n} 条未读消息": "{n} unread messages",
    "待跟进客户": "Follow-ups due",
    "近期生日客户": "Birthdays this week",
}
