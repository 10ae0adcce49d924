"""reference data: roles, the default code dictionary and precision settings

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLES = [
    ("admin", "系统管理员", "Administrator"),
    ("executive", "高管", "Executive"),
    ("manager", "销售经理", "Sales manager"),
    ("consultant", "置业顾问", "Sales consultant"),
    ("finance", "财务", "Finance"),
    ("marketing", "市场营销", "Marketing"),
    ("aftersales", "售后专员", "After-sales"),
]

CODES = {
    "orientation": [
        ("NS", "南北", "North-south"), ("S", "南", "South"), ("SE", "东南", "South-east"),
        ("SW", "西南", "South-west"), ("E", "东", "East"), ("W", "西", "West"),
        ("N", "北", "North"), ("EW", "东西", "East-west"),
    ],
    "use": [
        ("residential", "住宅", "Residential"), ("shop", "商铺", "Shop"),
        ("parking", "车位", "Parking"), ("office", "办公", "Office"),
    ],
    "decoration": [("bare", "毛坯", "Bare shell"), ("fitted", "精装", "Fitted")],
    "channel": [
        ("referral", "朋友介绍", "Referral"), ("walkby", "路过", "Walk-by"),
        ("outdoor", "户外广告", "Outdoor ads"), ("online", "网络", "Online"),
        ("newspaper", "报纸", "Newspaper"), ("tv", "电视", "TV"), ("sms", "短信", "SMS"),
        ("owner", "老带新", "Owner referral"), ("agency", "中介", "Agency"),
        ("expo", "房展会", "Property expo"),
    ],
    "lost_reason": [
        ("price", "价格偏高", "Price too high"), ("location", "位置不满意", "Location"),
        ("layout", "户型不满意", "Layout"), ("competitor", "已购其他楼盘", "Bought elsewhere"),
        ("funds", "资金不足", "Not enough funds"), ("unreachable", "联系不上", "Unreachable"),
    ],
    "forfeit_reason": [
        ("loan", "贷款未获批", "Loan refused"), ("funds", "资金问题", "Funds"),
        ("family", "家庭原因", "Family reasons"), ("changed", "改变主意", "Changed mind"),
    ],
    "purpose": [
        ("own", "自住", "Own use"), ("upgrade", "改善", "Upgrade"),
        ("invest", "投资", "Investment"), ("retire", "养老", "Retirement"),
    ],
    "expense_category": [
        ("media", "媒体广告", "Media"), ("event", "活动", "Events"), ("agency", "代理费", "Agency"),
        ("print", "印刷物料", "Print"), ("online", "网络推广", "Online"),
    ],
    "payment_method": [
        ("cash", "现金", "Cash"), ("card", "刷卡", "Card"), ("transfer", "转账", "Transfer"),
        ("bank", "银行放款", "Bank disbursement"),
    ],
}

SETTINGS = [("precision.area", "2"), ("precision.unit_price", "2"), ("precision.amount", "2")]


def upgrade() -> None:
    role = sa.table("role", sa.column("code"), sa.column("name"), sa.column("name_en"))
    op.bulk_insert(role, [{"code": c, "name": n, "name_en": e} for c, n, e in ROLES])
    code_item = sa.table(
        "code_item",
        sa.column("category"), sa.column("code"), sa.column("label"), sa.column("label_en"),
        sa.column("sort"), sa.column("active"),
    )
    op.bulk_insert(
        code_item,
        [
            {"category": cat, "code": code, "label": label, "label_en": en, "sort": i,
             "active": True}
            for cat, items in CODES.items()
            for i, (code, label, en) in enumerate(items)
        ],
    )
    setting = sa.table("setting", sa.column("key"), sa.column("value"))
    op.bulk_insert(setting, [{"key": k, "value": v} for k, v in SETTINGS])


def downgrade() -> None:
    op.execute("DELETE FROM setting")
    op.execute("DELETE FROM code_item")
    op.execute("DELETE FROM role")
