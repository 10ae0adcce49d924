"""Display labels of CRM codes (translated with _() at render time) and shared grid columns."""

from dashboard.i18n import EN, ONE, _, language
from pages.crm.columns import LINK

# The English of a label naming one customer's stage or one event (a badge, a cell, a row of
# the history). The catalogue's plain entry is shared with charts and column headers, where
# the same Chinese heads a count (来访 → "Visits", 成交 → "Deals", 经办人 → "Cashier" in
# finance); these read "one|中文" in the catalogue first (dashboard.i18n.ONE).


def one(text: str) -> str:
    """_() of a label naming a single thing (see ONE)."""
    if language() == "en":
        return EN.get(ONE + text) or _(text)
    return text


STAGE_LABELS = {
    "lead": "线索",
    "opportunity": "机会",
    "deal": "成交",
    "lost": "流失",
}
CONTACT_LABELS = {"visit": "来访", "call": "来电", "other": "其他"}
FUNNEL_LABELS = {
    "new": "新增来访来电",
    "returning": "复访",
    "opportunity": "机会客户",
    "subscribed": "认购",
    "contracted": "签约",
}
ASSIGN_LABELS = {
    "register": "登记归属",
    "import": "导入归属",
    "claim": "保护期满接手",
    "override": "经理改归属",
    "transfer": "客户接转",
}
DEAL_STAGE_LABELS = {"reserved": "预留", "held": "临定", "subscribed": "认购", "contracted": "签约"}
DEAL_STATE_LABELS = {
    "live": "有效",
    "expired": "已过期",
    "cancelled": "退房",
    "forfeited": "挞定",
    "swapped": "换房",
}
# Every kind of deal event that data_layer/commands/deals.py writes (`_event(...)`), and no other.
DEAL_EVENT_LABELS = {
    "reserve": "预留",
    "hold": "临定",
    "subscribe": "认购",
    "discount_approved": "额外优惠",
    "sign": "签约",
    "fee": "税费应收",
    "contract_audit": "合同审核",
    "contract_file": "合同备案",
    "contract_unfile": "撤销合同备案",
    "expire": "过期释放",
    "refund_adjust": "退款调整",
    "swap_out": "换房（换出）",
    "swap_in": "换房（换入）",
    "rename": "更名",
    "settlement": "面积补差",
    "request_discount": "申请额外优惠",
    "request_forfeit": "申请挞定",
    "request_cancel": "申请退房",
    "request_swap": "申请换房",
    "request_rename": "申请更名",
    "approve_discount": "批准额外优惠",
    "approve_forfeit": "批准挞定",
    "approve_cancel": "批准退房",
    "approve_swap": "批准换房",
    "approve_rename": "批准更名",
    "reject_discount": "驳回额外优惠",
    "reject_forfeit": "驳回挞定",
    "reject_cancel": "驳回退房",
    "reject_swap": "驳回换房",
    "reject_rename": "驳回更名",
}
SURVEY_KIND_LABELS = {"text": "文本", "number": "数字", "single": "单选", "multi": "多选"}
LEVELS = ["A", "B", "C", "D"]

CUSTOMER_COLUMNS = [
    LINK,
    {"field": "name", "headerName": "客户", "minWidth": 100},
    {"field": "mobile", "headerName": "手机", "minWidth": 120},
    {"field": "stage_label", "headerName": "阶段", "maxWidth": 100},
    {"field": "level", "headerName": "等级", "maxWidth": 80},
    {"field": "channel_label", "headerName": "认知途径", "minWidth": 100},
    {"field": "first_contact_label", "headerName": "来访/来电", "maxWidth": 110},
    {"field": "first_contact_on", "headerName": "首次到访", "minWidth": 115},
    {"field": "last_contact_on", "headerName": "最近联系", "minWidth": 115},
    {"field": "next_follow_up_on", "headerName": "下次跟进", "minWidth": 115},
    {
        "field": "visit_count",
        "headerName": "到访次数",
        "maxWidth": 110,
        "filter": "agNumberColumnFilter",
    },
    {
        "field": "follow_up_count",
        "headerName": "跟进次数",
        "maxWidth": 110,
        "filter": "agNumberColumnFilter",
    },
    {"field": "intended_layout", "headerName": "意向户型", "minWidth": 120},
    {"field": "budget", "headerName": "预算（元）", "minWidth": 130, "type": "rightAligned"},
    {"field": "consultant", "headerName": "置业顾问 ", "minWidth": 100},
    {"field": "project", "headerName": "项目", "minWidth": 130},
]
# Exported but not shown: the ID number and notes are in the file, not the grid.
EXPORT_EXTRA = [("id_number", "身份证号"), ("lost_reason_label", "流失原因"), ("notes", "备注")]
