"""Screen text in Simplified Chinese (the key) with English translations, chosen per user."""

from __future__ import annotations

import flask
from flask_login import current_user

# Chinese is the source language: a string missing here shows in Chinese in both languages.
EN: dict[str, str] = {
    "Loupan 售楼管理系统": "Loupan Sales Office",
    "售楼管理系统": "Sales Office System",
    # modules
    "桌面": "Desktop",
    "基础数据": "Base data",
    "营销管理": "Marketing",
    "客户管理": "Customers",
    "置业计划": "Quotes",
    "交易管理": "Deals",
    "财务管理": "Finance",
    "售后服务": "After-sales",
    "决策分析": "Analytics",
    "系统管理": "Admin",
    # roles
    "系统管理员": "Administrator",
    "高管": "Executive",
    "销售经理": "Sales manager",
    "置业顾问": "Sales consultant",
    "财务": "Finance",
    "市场营销": "Marketing",
    "售后专员": "After-sales",
    # shell
    "全部项目": "All projects",
    "当前项目": "Current project",
    "修改密码": "Change password",
    "退出登录": "Log out",
    "语言": "Language",
    "没有权限": "No permission",
    "您的角色无权打开此页面。": "Your role may not open this page.",
    "页面不存在": "Page not found",
    "返回桌面": "Back to the desktop",
    # login
    "登录": "Log in",
    "用户名": "User name",
    "密码": "Password",
    "请登录": "Please log in",
    # desktop
    "我的工作台": "My desk",
    "欢迎，{name}": "Welcome, {name}",
    "角色": "Role",
    "可见项目": "Projects",
    "客户数": "Customers",
    "本月新增来访": "New visits this month",
    "待跟进（今日及逾期）": "Follow-ups due (today and overdue)",
    "在途交易": "Live deals",
    "本月认购套数": "Subscriptions this month",
    "本月认购金额": "Subscribed amount this month",
    "本月实收": "Received this month",
    "可售房源": "Units for sale",
    "待跟进客户": "Customers to follow up",
    "近期生日客户": "Customer birthdays (next 7 days)",
    "客户": "Customer",
    "手机": "Mobile",
    "等级": "Level",
    "下次跟进": "Next follow-up",
    "置业顾问 ": "Consultant",
    "项目": "Project",
    "生日": "Birthday",
    "暂无": "None",
    # users
    "用户管理": "Users",
    "新建用户": "New user",
    "姓名": "Name",
    "初始密码": "Initial password",
    "所属项目": "Projects",
    "创建": "Create",
    "重置密码": "Reset password",
    "新密码": "New password",
    "停用": "Disable",
    "启用": "Enable",
    "状态": "Status",
    "已启用": "Active",
    "已停用": "Disabled",
    "创建时间": "Created",
    "请先在表格中选择一个用户。": "Select a user in the table first.",
    "用户 {name} 已创建。": "User {name} created.",
    "{name} 的密码已重置，下次登录须修改。": "{name}'s password was reset; they must change it.",
    "{name} 已启用。": "{name} enabled.",
    "{name} 已停用。": "{name} disabled.",
    "导出 Excel": "Export to Excel",
    # account
    "当前密码": "Current password",
    "确认新密码": "Confirm new password",
    "保存": "Save",
    "两次输入的新密码不一致。": "The two new passwords differ.",
    "密码已修改。": "Password changed.",
    "请修改初始密码后继续使用。": "Please change your initial password to continue.",
    # audit
    "审计日志": "Audit log",
    "时间": "Time",
    "操作": "Action",
    "对象": "Object",
    "来源地址": "Address",
    "结果": "Result",
    "成功": "Success",
    "失败": "Failed",
    "详情": "Details",
    "开始日期": "From",
    "结束日期": "To",
    "查询": "Search",
    "共 {n} 条": "{n} entries",
    "操作类型": "Action",
    "用户": "User",
    "全部": "All",
    "结束日期不能早于开始日期。": "The end date precedes the start date.",
    "最多显示最近 {n} 条，请缩小范围。": "Showing the latest {n}; narrow the filters.",
    "登录失败": "Login failed",
    "登录被锁定": "Login blocked",
    "切换语言": "Language switch",
    "启用/停用账号": "Enable/disable account",
    "导出用户": "Export users",
    "导出审计日志": "Export audit log",
    "载入演示数据": "Demo data loaded",
}


def _load_catalogues() -> None:
    """Merge the per-area catalogues in dashboard/locale/ (one module per area, each with an
    EN dict) so that areas add their strings without editing this file."""
    import importlib
    import pkgutil

    from . import locale

    for info in sorted(pkgutil.iter_modules(locale.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{locale.__name__}.{info.name}")
        EN.update(getattr(module, "EN", {}))


_load_catalogues()


def language() -> str:
    """The viewer's language: their own setting, else the instance default."""
    if flask.has_request_context():
        lang = getattr(current_user, "language", None) if current_user else None
        if lang:
            return lang
    if flask.has_app_context():
        return flask.current_app.config.get("LOUPAN_LANGUAGE", "zh")
    return "zh"


# English entries for a count of exactly one are keyed "one|<Chinese>" ("{n} 套" → "1 unit").
ONE = "one|"


def _(text: str, **values) -> str:
    if language() == "en":
        out = (values.get("n") == 1 and EN.get(ONE + text)) or EN.get(text, text)
    else:
        out = text
    return out.format(**values) if values else out
