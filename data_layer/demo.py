"""Deterministic demo data for Loupan: `small` for `make run`, `bench` for load tests.

Everything is generated in Python from one `random.Random(seed)` and a fixed `today`, with primary
keys assigned here, and written through `bulk.bulk_insert` without ORM objects. The rows follow
the conventions of the commands (deals, finance, pricing), so that the screens and the commands
carry on from them: receivables, fees, refund lines, receipt numbers and their sequence, price
adjustments, approvals. Users share one password hash (scrypt per user would dominate the small
load). The CRM's survey and attribution history and the marketing campaigns are added by
demo_crm and demo_marketing at the end.
"""

from __future__ import annotations

import bisect
import calendar
import heapq
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from itertools import accumulate
from random import Random
from typing import Any, Generic, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import (
    demo_aftersales,
    demo_crm,
    demo_marketing,
    demo_settlement,
    demo_trials,
    figures,
    localtime,
)
from .bulk import bulk_insert
from .commands.deals import (
    DEFAULT_EXTRA_DISCOUNT_LIMIT,
    FEE_DUE_DAYS,
    STAGE_UNIT_STATUS,
    deed_tax_rules,
    split_schedule,
)
from .commands.finance import RECEIPT_PREFIX
from .commands.users import hash_password
from .db import Database
from .errors import ValidationError
from .models import (
    AdjustmentMethod,
    AdjustmentStatus,
    ApprovalKind,
    ApprovalStatus,
    AuditEntry,
    Building,
    CodeItem,
    Company,
    ContactKind,
    ContractStatus,
    Customer,
    CustomerStage,
    Deal,
    DealApproval,
    DealEvent,
    DealStage,
    DealState,
    FeeRule,
    FollowUp,
    Layout,
    MarketingBudget,
    MarketingExpense,
    PaymentPlan,
    PaymentPlanItem,
    PlanKind,
    PriceAdjustment,
    PriceAdjustmentItem,
    PriceChange,
    PricingBasis,
    Project,
    Receipt,
    ReceiptAllocation,
    ReceiptSequence,
    ReceiptStatus,
    Receivable,
    ReceivableKind,
    ReleaseBatch,
    RoleCode,
    SalesPlan,
    Team,
    Unit,
    UnitStatus,
    UnitStatusChange,
    User,
    project_member,
    utcnow,
)
from .models.deals import splits_kinds
from .rules import idcard
from .rules.fees import deed_tax, deed_tax_rule, deposit_limit, evaluate_formula
from .rules.money import format_amount, money

__all__ = ["DEMO_ACCOUNTS", "DEMO_PASSWORD", "DemoSummary", "is_empty", "load"]

T = TypeVar("T")

DEMO_PASSWORD = "Loupan2026"

# (username, display name, role): one account per role, printed by `python -m dashboard demo`.
_DEMO_USERS: tuple[tuple[str, str, RoleCode], ...] = (
    ("admin", "周立新", RoleCode.ADMIN),
    ("exec", "陈志远", RoleCode.EXECUTIVE),
    ("manager", "王海涛", RoleCode.MANAGER),
    ("consultant", "李娜", RoleCode.CONSULTANT),
    ("finance", "赵雪梅", RoleCode.FINANCE),
    ("marketing", "孙晓燕", RoleCode.MARKETING),
    ("aftersales", "刘洋", RoleCode.AFTERSALES),
)
_ROLE_LABELS = {
    RoleCode.ADMIN: "系统管理员",
    RoleCode.EXECUTIVE: "高管",
    RoleCode.MANAGER: "销售经理",
    RoleCode.CONSULTANT: "置业顾问",
    RoleCode.FINANCE: "财务",
    RoleCode.MARKETING: "市场营销",
    RoleCode.AFTERSALES: "售后专员",
}
DEMO_ACCOUNTS: list[tuple[str, str]] = [
    (username, _ROLE_LABELS[role]) for username, _name, role in _DEMO_USERS
]


@dataclass(frozen=True)
class DemoSummary:
    projects: int
    buildings: int
    units: int
    customers: int
    follow_ups: int
    deals: int
    receivables: int
    receipts: int
    price_changes: int
    marketing_expenses: int
    sales_plans: int
    users: int
    seconds: float = field(default=0.0, compare=False)

    def counts(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "seconds"}

    def describe(self) -> str:
        return (
            f"演示数据已加载 / demo data loaded: {self.projects} 个项目 projects, "
            f"{self.buildings} 栋 buildings, {self.units:,} 套房源 units, "
            f"{self.customers:,} 位客户 customers ({self.follow_ups:,} 次跟进 follow-ups), "
            f"{self.deals:,} 笔交易 deals, {self.receivables:,} 笔应收 receivables, "
            f"{self.receipts:,} 张收据 receipts, {self.price_changes:,} 条调价 price changes, "
            f"{self.marketing_expenses:,} 笔营销费用 expenses, {self.sales_plans:,} 条销售计划 "
            f"plans, {self.users} 个用户 users（{self.seconds:.1f} 秒 s）"
        )


# --------------------------------------------------------------------------------------------
# Reference data: places, names, layouts, wording
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _City:
    name: str
    code: str
    company: int  # index into _COMPANIES
    base_price: int  # ¥/m² of an ordinary high-rise flat
    fund_rate: int  # 维修基金 ¥/m²
    districts: tuple[tuple[str, str], ...]  # (district, 6-digit administrative division code)


_COMPANIES = (
    ("HYHD", "华宇置业（华东）有限公司"),
    ("HYZX", "华宇置业（中西部）有限公司"),
)
_GROUP_NAME = "华宇地产集团"

# city, code, company, base ¥/m², 维修基金 ¥/m², districts with their division codes
_CITY_TABLE = """
杭州 HZ 0 32000 90 滨江区:330108 余杭区:330110 西湖区:330106 拱墅区:330105 萧山区:330109
苏州 SU 0 26000 80 吴中区:320506 相城区:320507 姑苏区:320508 吴江区:320509
南京 NJ 0 30000 85 建邺区:320105 鼓楼区:320106 江宁区:320115 栖霞区:320113
合肥 HF 0 18000 60 蜀山区:340104 包河区:340111 庐阳区:340103
宁波 NB 0 24000 75 鄞州区:330212 海曙区:330203 江北区:330205
上海 SH 0 62000 120 浦东新区:310115 闵行区:310112 嘉定区:310114
无锡 WX 0 17000 60 滨湖区:320211 梁溪区:320213 新吴区:320214
武汉 WH 1 17000 60 洪山区:420111 武昌区:420106 江汉区:420103 江夏区:420115
成都 CD 1 19000 65 武侯区:510107 锦江区:510104 成华区:510108 双流区:510116
长沙 CS 1 12500 45 岳麓区:430104 天心区:430103 雨花区:430111
西安 XA 1 16000 55 雁塔区:610113 未央区:610112 长安区:610116
郑州 ZZ 1 12000 45 金水区:410105 二七区:410103 中原区:410102
重庆 CQ 1 13000 50 渝北区:500112 江北区:500105 南岸区:500108
昆明 KM 1 11000 40 五华区:530102 官渡区:530111 西山区:530112
"""


def _parse_cities(table: str) -> dict[str, _City]:
    cities = {}
    for line in table.strip().splitlines():
        name, code, company, price, fund, *districts = line.split()
        pairs = tuple(tuple(d.split(":")) for d in districts)
        cities[name] = _City(name, code, int(company), int(price), int(fund), pairs)
    return cities


_CITIES = _parse_cities(_CITY_TABLE)
# Buyers from elsewhere: ID numbers with these division codes.
_OTHER_REGIONS = (
    "342401", "341102", "320382", "411302", "430602", "360102", "350102", "330282",
    "321102", "370102", "130102", "610102", "420502", "510302", "330782", "340202",
)  # fmt: skip

_BANKS = ("中国建设银行", "中国工商银行", "中国农业银行", "中国银行", "招商银行", "交通银行")

_SURNAMES = (
    ("王", 720), ("李", 710), ("张", 690), ("刘", 550), ("陈", 460), ("杨", 320), ("黄", 240),
    ("赵", 230), ("吴", 210), ("周", 210), ("徐", 170), ("孙", 150), ("马", 150), ("朱", 140),
    ("胡", 140), ("郭", 140), ("何", 120), ("高", 120), ("林", 120), ("罗", 110), ("郑", 110),
    ("梁", 100), ("谢", 80), ("宋", 80), ("唐", 80), ("许", 70), ("韩", 70), ("冯", 70),
    ("邓", 70), ("曹", 70), ("彭", 60), ("曾", 60), ("肖", 60), ("田", 60), ("董", 50),
    ("袁", 50), ("潘", 50), ("于", 50), ("蒋", 50), ("蔡", 50), ("余", 50), ("杜", 50),
    ("叶", 50), ("程", 50), ("苏", 40), ("魏", 40), ("吕", 40), ("丁", 40), ("任", 40),
    ("沈", 40), ("姚", 40), ("卢", 40), ("姜", 40), ("崔", 40), ("钟", 30), ("谭", 30),
    ("陆", 30), ("汪", 30), ("范", 30), ("金", 30), ("石", 30), ("廖", 30), ("贾", 30),
    ("夏", 30), ("韦", 30), ("付", 30), ("方", 30), ("白", 30), ("邹", 30), ("孟", 30),
    ("熊", 30), ("秦", 30), ("邱", 30), ("江", 30), ("尹", 30), ("薛", 20), ("闫", 20),
    ("段", 20), ("雷", 20), ("侯", 20), ("龙", 20), ("史", 20), ("陶", 20), ("黎", 20),
    ("贺", 20), ("顾", 20), ("毛", 20), ("郝", 20), ("龚", 20), ("邵", 20), ("万", 20),
    ("钱", 20), ("严", 20), ("武", 20), ("戴", 20), ("覃", 10), ("莫", 10), ("孔", 10),
    ("向", 10), ("汤", 10), ("欧阳", 5), ("司马", 2), ("上官", 2), ("诸葛", 2),
)  # fmt: skip
_MALE_CHARS = (
    "伟强磊军洋勇杰涛明超俊斌鹏浩宇辉刚健峰建波亮飞凯晨旭博文志华鑫宁帅龙海林毅彬锋昊子轩睿"
    "哲泽宸然航远成嘉铭豪天晟瑞晖翔家国栋坤良平东中义兵振祥庆"
)
_FEMALE_CHARS = (
    "芳娜敏静丽艳娟霞燕婷雪琳玲倩颖慧佳莹欣悦怡琪雅晶璐蕾瑶萍红梅洁兰凤月彤萱涵诗梦思雨婧妍"
    "菲蓉薇琴茜楠媛露蓓晓丹韵宁文嘉一子"
)
_MOBILE_PREFIX_TEXT = """
130 131 132 133 134 135 136 137 138 139 147 150 151 152 153 155 156 157 158 159 166 172 173 175
176 177 178 180 181 182 183 184 185 186 187 188 189 191 193 195 196 198 199
"""
_MOBILE_PREFIXES = tuple(_MOBILE_PREFIX_TEXT.split())

# name, rooms, halls, baths, design gross area (m²)
_LAYOUTS = {
    "A": ("两室两厅一卫", 2, 2, 1, "89"),
    "B": ("三室两厅一卫", 3, 2, 1, "99"),
    "C": ("三室两厅两卫", 3, 2, 2, "118"),
    "D": ("四室两厅两卫", 4, 2, 2, "143"),
    "E": ("四室两厅三卫", 4, 2, 3, "168"),
    "F": ("三室两厅两卫（洋房）", 3, 2, 2, "128"),
    "S": ("临街商铺", 0, 0, 0, "68"),
}
# Floor plans of one section: (layout, orientation) per position on the floor.
_PLANS = {
    ("high", 2): (("C", "NS"), ("D", "NS")),
    ("high", 3): (("C", "SE"), ("B", "S"), ("D", "SW")),
    ("high", 4): (("D", "SE"), ("A", "S"), ("B", "S"), ("C", "SW")),
    ("high", 5): (("D", "SE"), ("A", "S"), ("A", "N"), ("B", "S"), ("C", "SW")),
    ("low", 4): (("F", "NS"), ("E", "NS"), ("E", "NS"), ("F", "NS")),
}
_ORIENTATION_FACTOR = {
    "NS": 1.03, "S": 1.02, "SE": 1.015, "SW": 1.005, "EW": 0.985, "E": 0.99, "W": 0.98, "N": 0.96,
}  # fmt: skip
_SKIPPED_FLOORS = frozenset({4, 13, 14})

# (kind, amount, reason) of batch price adjustments; "pct" amounts are fractions.
_ADJUSTMENTS = (
    ("pct", Decimal("0.02"), "去化良好，表价上调 2%"),
    ("abs", Decimal("300"), "加推前价格梳理，均价上调 300 元/㎡"),
    ("pct", Decimal("0.015"), "周边竞品提价，跟涨 1.5%"),
    ("abs", Decimal("500"), "景观楼层价值重估，上调 500 元/㎡"),
    ("pct", Decimal("-0.03"), "年末冲刺，限时优惠下调 3%"),
    ("abs", Decimal("-200"), "尾盘促销，下调 200 元/㎡"),
)
_ADJUSTMENT_WEIGHTS = (30, 25, 15, 10, 12, 8)

# name, kind, discount, schedule (kind, ratio, days after subscription)
_PLANS_OF_PAYMENT = (
    ("一次性付款", PlanKind.LUMP_SUM, "0.98", ((ReceivableKind.FULL_PAYMENT, "1", 7),)),
    (
        "商业按揭",
        PlanKind.COMMERCIAL,
        "0.99",
        ((ReceivableKind.DOWN_PAYMENT, "0.30", 7), (ReceivableKind.MORTGAGE, "0.70", 60)),
    ),
    (
        "公积金贷款",
        PlanKind.PROVIDENT,
        "0.995",
        ((ReceivableKind.DOWN_PAYMENT, "0.30", 7), (ReceivableKind.PROVIDENT, "0.70", 90)),
    ),
    (
        "组合贷款",
        PlanKind.COMBINED,
        "0.99",
        (
            (ReceivableKind.DOWN_PAYMENT, "0.30", 7),
            (ReceivableKind.PROVIDENT, "0.30", 90),
            (ReceivableKind.MORTGAGE, "0.40", 60),
        ),
    ),
    (
        "分期付款",
        PlanKind.INSTALLMENT,
        "1",
        (
            (ReceivableKind.DOWN_PAYMENT, "0.40", 7),
            *((ReceivableKind.INSTALLMENT, "0.10", 30 * month) for month in range(1, 7)),
        ),
    ),
)
_PLAN_WEIGHTS = (15, 55, 10, 12, 8)
_PAYERS = {ReceivableKind.MORTGAGE: "bank", ReceivableKind.PROVIDENT: "fund"}

_SPRING_FESTIVAL = {
    2022: date(2022, 2, 1), 2023: date(2023, 1, 22), 2024: date(2024, 2, 10),
    2025: date(2025, 1, 29), 2026: date(2026, 2, 17), 2027: date(2027, 2, 6),
    2028: date(2028, 1, 26), 2029: date(2029, 2, 13), 2030: date(2030, 2, 3),
    2031: date(2031, 1, 23), 2032: date(2032, 2, 11),
}  # fmt: skip
_MONTH_FACTOR = (0.85, 0.8, 1.05, 1.1, 1.15, 0.95, 0.85, 0.9, 1.35, 1.45, 1.1, 0.95)
_WEEKDAY_FACTOR = (0.75, 0.7, 0.75, 0.8, 0.95, 1.9, 1.75)

_CHANNEL_WEIGHTS = {
    "referral": 14, "walkby": 10, "outdoor": 9, "online": 25, "newspaper": 3, "tv": 2,
    "sms": 4, "owner": 10, "agency": 17, "expo": 6,
}  # fmt: skip
_LOST_WEIGHTS = {
    "price": 30, "location": 12, "layout": 12, "competitor": 22, "funds": 14, "unreachable": 10,
}  # fmt: skip
_PURPOSE_WEIGHTS = {"own": 50, "upgrade": 30, "invest": 14, "retire": 6}
_CUSTOMER_NOTES = (
    "关注学区", "需要两个车位", "二胎家庭，想要四房", "父母同住，需要低楼层", "老业主推荐",
    "投资为主，关注租金回报", "公司团购客户", "关注地铁通车时间", "希望现房或准现房",
    "对精装标准比较在意",
)  # fmt: skip
_VISIT_NOTES = (
    "客户到访参观样板间，重点了解{layout}。",
    "客户带家人二次到访，复看{building}栋样板间，对中高楼层比较满意。",
    "客户到访咨询{plan}，已测算首付和月供。",
    "客户到售楼处参加周末暖场活动，顺便复看户型。",
    "客户到访比较{layout}与其他户型，倾向{building}栋。",
    "客户到访确认意向房源，准备认购资料。",
)
_CALL_NOTES = (
    "电话回访，客户表示还在比较周边楼盘。",
    "电话回访，客户关注学区和交通配套，已发送资料。",
    "电话通知加推信息，客户有兴趣，约周末看房。",
    "电话回访，客户资金在筹措中，下月再联系。",
    "电话回访未接通，稍后再联系。",
    "电话沟通{plan}政策，客户需要和家人商量。",
)
_OTHER_NOTES = (
    "微信发送最新价格表和{layout}户型图。",
    "微信沟通按揭政策，客户询问公积金贷款额度。",
    "微信推送工地进度照片和样板间视频。",
    "微信邀请客户参加周末业主答谢活动。",
)
# How many contacts an opportunity of each level has had (a range).
_CONTACTS_BY_LEVEL = {"A": (3, 8), "B": (2, 6), "C": (2, 4), "D": (1, 3)}
_FIRST_VISIT = "首次到访，置业顾问接待，介绍项目区位和{layout}。"
_FIRST_CALL = "首次来电咨询均价和在售户型，已邀约到访。"
_LOST_NOTES = {
    "price": "客户认为总价超出预算，暂停购房计划，转为流失。",
    "location": "客户更看重通勤，选择其他区域，转为流失。",
    "layout": "客户对在售户型不满意，转为流失。",
    "competitor": "客户已在其他楼盘成交，转为流失。",
    "funds": "客户首付资金不足，转为流失。",
    "unreachable": "多次联系不上客户，转为流失。",
}
_FORFEIT_REASONS = {
    "loan": "贷款未获批",
    "funds": "首付资金未到位",
    "family": "家庭原因放弃购买",
    "changed": "客户改变主意",
}
_CANCEL_REASONS = ("家庭变故，协商退房", "工作调动离开本市，申请退房", "按揭审批未通过，协商退房")

# Marketing: (channel, expense category, monthly budget in ¥ for a mid-size project).
_MARKETING_LINES = (
    ("online", "online", 120_000),
    ("outdoor", "media", 150_000),
    ("newspaper", "media", 30_000),
    ("tv", "media", 60_000),
    ("sms", "online", 15_000),
    ("expo", "event", 50_000),
    ("owner", "event", 40_000),
    ("walkby", "print", 15_000),
    ("agency", "agency", 0),  # commission on agency deals, budgeted from last month
)
_VENDORS = {
    "online": ("贝壳找房", "安居客", "巨量引擎（抖音）", "腾讯广告"),
    "media": ("{city}日报社", "分众传媒", "{city}城市户外广告有限公司", "{city}广播电视台"),
    "event": ("{city}嘉禾会展策划有限公司", "{city}乐享活动策划有限公司"),
    "print": ("{city}彩虹印务有限公司", "{city}华印广告制作有限公司"),
    "agency": ("链家", "我爱我家", "中原地产", "21世纪不动产"),
}
_CAMPAIGNS = {
    1: "春节返乡置业季", 2: "春节返乡置业季", 3: "春季房展会", 4: "春季看房团", 5: "五一购房节",
    6: "年中冲刺", 7: "暑期亲子活动", 8: "暑期亲子活动", 9: "金九购房节", 10: "银十国庆钜惠",
    11: "双十一线上选房", 12: "年末冲刺",
}  # fmt: skip

# Marketing channels whose spend is not run as campaigns (commissions, on-site material).
_UNCAMPAIGNED = frozenset({"agency", "walkby"})
# A consultant may give this share of the list price as extra discount without approval.
_EXTRA_LIMIT = DEFAULT_EXTRA_DISCOUNT_LIMIT
_STATUS_OF_STAGE = STAGE_UNIT_STATUS

# The ¥/m² at which the scales' transfer limits apply as given (Hangzhou).
_REFERENCE_PRICE = 32_000

_CENT = Decimal("0.01")
_YUAN = Decimal(1)
_TEN = Decimal(10)
_FLOOR_RATIO = Decimal("0.95")


# --------------------------------------------------------------------------------------------
# Scales and project specifications
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Scale:
    name: str
    projects: int
    customers: int
    deals: int
    min_units: int  # per generated project (projects after the first three)
    transfer_limits: tuple[int | None, ...]  # a buyer's daily online-banking limit (¥)
    atomic: bool  # one transaction for everything (else one per project)


_SCALES = {
    "small": _Scale("small", 3, 6_000, 760, 0, (None, None, None, 2_000_000, 1_000_000), True),
    "bench": _Scale(
        "bench", 40, 1_000_000, 200_000, 6_900, (100_000, 200_000, 200_000, 500_000), False
    ),
}


@dataclass(frozen=True)
class _BuildingSpec:
    code: str
    name: str
    floors: int  # top floor number (floors 4, 13, 14 are not counted when skip is set)
    sections: int
    per_section: int
    kind: str  # high / low / shop / parking
    batch: int | None  # release batch (None: not released yet)
    skip: bool = False
    factor: float = 1.0


@dataclass(frozen=True)
class _ProjectSpec:
    code: str
    name: str
    city: _City
    district: str
    address: str
    opened_months_ago: int
    buildings: tuple[_BuildingSpec, ...]
    decoration: str = "fitted"
    basis: PricingBasis = PricingBasis.GROSS
    price_factor: float = 1.0


def _small_projects() -> list[_ProjectSpec]:
    hz, wh = _CITIES["杭州"], _CITIES["武汉"]
    b = _BuildingSpec
    return [
        _ProjectSpec(
            "HZ01",
            "华宇·滨江壹号",
            hz,
            "滨江区",
            "杭州市滨江区江南大道 1688 号",
            17,
            (
                b("1", "1栋", 18, 2, 2, "high", 0, skip=True),
                b("2", "2栋", 26, 2, 2, "high", 0, skip=True),
                b("3", "3栋", 33, 2, 3, "high", 1, skip=True),
                # The sales-control-chart benchmark: 40 floors × 8 units.
                b("5", "5栋", 40, 2, 4, "high", 0, factor=1.04),
                b("6", "6栋", 11, 1, 4, "low", 2, factor=1.12),
                b("7", "7栋", 33, 2, 2, "high", None, skip=True),
                b("S1", "S1 商业街", 2, 1, 10, "shop", 1),
                b("CW", "地下车库", -1, 1, 80, "parking", 1),
            ),
        ),
        _ProjectSpec(
            "HZ02",
            "华宇·西溪云庐",
            hz,
            "余杭区",
            "杭州市余杭区文一西路 998 号",
            13,
            (
                b("1", "1栋", 26, 2, 2, "high", 0, skip=True),
                b("2", "2栋", 26, 2, 2, "high", 0, skip=True),
                b("3", "3栋", 18, 2, 3, "high", 1, skip=True),
                b("5", "5栋", 33, 2, 3, "high", 1, skip=True),
                b("6", "6栋", 11, 1, 4, "low", 2, factor=1.1),
                b("S1", "S1 商业", 2, 1, 8, "shop", 1),
            ),
            decoration="bare",
            price_factor=0.86,
        ),
        _ProjectSpec(
            "WH01",
            "华宇·光谷未来城",
            wh,
            "洪山区",
            "武汉市洪山区光谷大道 77 号",
            9,
            (
                b("1", "1栋", 34, 2, 3, "high", 0),
                b("2", "2栋", 34, 2, 3, "high", 0),
                b("3", "3栋", 27, 2, 2, "high", 1, skip=True),
                b("5", "5栋", 27, 2, 2, "high", None, skip=True),
                b("CW", "地下车库", -1, 1, 60, "parking", 1),
            ),
        ),
    ]


_BENCH_NAMES = (
    "云栖府", "锦绣华庭", "翡翠湾", "御湖湾", "观澜府", "星河湾", "逸园", "天樾", "江山悦", "玺园",
    "澜庭", "海上明月", "春江悦", "紫宸府", "书香名邸", "时代公馆", "望江府", "滨湖壹号", "未来城",
    "云璟", "铂悦府", "湖畔花园", "熙岸", "和鸣府", "半岛壹号", "青云台", "朗月府", "桃源居",
    "臻园", "万象府", "林语墅", "天元府", "瑞府", "东方樾", "嘉园", "尚城", "锦澜苑", "九章府",
)  # fmt: skip
_BENCH_ROADS = ("人民路", "中山路", "解放路", "建设大道", "新华路", "长江路", "和平路", "滨江路")


def _bench_projects(rng: Random, count: int, min_units: int) -> list[_ProjectSpec]:
    specs = _small_projects()
    cities = list(_CITIES.values())
    per_city: Counter[str] = Counter(spec.city.code for spec in specs)
    b = _BuildingSpec
    templates = (
        (34, 2, 3, False),
        (33, 2, 3, True),
        (26, 2, 4, True),
        (18, 2, 2, True),
        (40, 2, 4, False),
        (32, 1, 5, True),
        (27, 2, 2, True),
    )
    for index in range(count - len(specs)):
        city = cities[index % len(cities)]
        per_city[city.code] += 1
        district = _pick(rng, city.districts)[0]
        buildings: list[_BuildingSpec] = []
        units = 0
        number = 0
        while units < min_units:
            number += 1
            if number in (4, 13, 14):
                continue
            floors, sections, per, skip = _pick(rng, templates)
            buildings.append(b(str(number), f"{number}栋", floors, sections, per, "high", 0, skip))
            units += (floors - (3 if skip else 0)) * sections * per
        # Batches by position; the last ~4% of buildings are not released yet.
        batches = _ri(rng, 3, 5)
        released = max(1, round(len(buildings) * 0.96))
        buildings = [
            b(
                x.code,
                x.name,
                x.floors,
                x.sections,
                x.per_section,
                x.kind,
                (i * batches // released) if i < released else None,
                x.skip,
                round(rng.uniform(0.96, 1.06), 3),
            )
            for i, x in enumerate(buildings)
        ]
        if rng.random() < 0.5:
            buildings.append(b("S1", "S1 商业街", 2, 1, 12, "shop", 1))
        specs.append(
            _ProjectSpec(
                f"{city.code}{per_city[city.code]:02d}",
                f"华宇·{_BENCH_NAMES[index % len(_BENCH_NAMES)]}",
                city,
                district,
                f"{city.name}市{district}{_pick(rng, _BENCH_ROADS)} {_ri(rng, 1, 2999)} 号",
                _ri(rng, 7, 18),
                tuple(buildings),
                decoration=_pick(rng, ("fitted", "bare")),
                basis=PricingBasis.INTERNAL if city.code == "CQ" else PricingBasis.GROSS,
                price_factor=round(rng.uniform(0.85, 1.2), 3),
            )
        )
    return specs


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def _months_before(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _season(day: date) -> float:
    """Relative traffic of a day: weekends busier, 金九银十 peak, Spring Festival dip."""
    weight = _MONTH_FACTOR[day.month - 1] * _WEEKDAY_FACTOR[day.weekday()]
    festival = _SPRING_FESTIVAL.get(day.year, date(day.year, 2, 1))
    if -7 <= (day - festival).days <= 10:
        weight *= 0.25
    if day.month == 10 and day.day <= 7:
        weight *= 1.4
    elif day.month == 5 and day.day <= 5:
        weight *= 1.3
    return weight


def _spread(total: int, weights: list[float], rng: Random) -> list[int]:
    """Split `total` over days in proportion to `weights`, with a little noise."""
    weight_sum = sum(weights) or 1.0
    counts = []
    for weight in weights:
        expected = total * weight / weight_sum * rng.uniform(0.8, 1.2)
        whole = int(expected)
        counts.append(whole + (1 if rng.random() < expected - whole else 0))
    return counts


def _ri(rng: Random, low: int, high: int) -> int:
    """rng.randint(low, high) at a fraction of the cost (one random() per draw); millions of
    draws make Random's rejection sampling the slowest part of the bench load."""
    return low + int(rng.random() * (high - low + 1))


def _pick(rng: Random, items: Sequence[T]) -> T:
    return items[int(rng.random() * len(items))]


class _Weighted(Generic[T]):
    """A weighted choice with the cumulative weights computed once."""

    def __init__(self, items: Sequence[T], weights: Sequence[float]):
        self.items = list(items)
        self.cumulative = list(accumulate(weights))
        self.total = self.cumulative[-1]

    def draw(self, rng: Random) -> T:
        return self.items[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


# How buyers pay: on time, late, very late, or only part of a line (dunning has work).
_PAYMENT_PROFILES = _Weighted(("prompt", "late", "very_late", "partial"), (80, 11, 5, 4))
# Homes the household owns with this one (deed-tax rates differ).
_HOME_COUNTS = _Weighted((1, 2, 3), (68, 27, 5))


class _OfficeClock:
    """The demo plans its history on the office's wall clock (visits 9:00–19:00, prices fixed at
    8:30); DateTime columns hold naive UTC (localtime), so every time is converted as it is made.
    The zone is localtime's office zone (`python -m dashboard demo` sets it from
    LOUPAN_TIMEZONE). Its offset is looked up once per day and hour: the bench load makes
    millions of times, and zoneinfo costs about 3 µs a conversion."""

    def __init__(self) -> None:
        self._offsets: dict[tuple[int, int], timedelta] = {}

    def utc(self, wall: datetime) -> datetime:
        key = (wall.toordinal(), wall.hour)
        offset = self._offsets.get(key)
        if offset is None:  # zones change offset on the hour, so the hour's offset is exact
            hour = wall.replace(minute=0, second=0, microsecond=0)
            offset = self._offsets[key] = hour - localtime.to_utc(hour)
        return wall - offset

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        """`day` at hour:minute in the office, as stored."""
        return self.utc(datetime(day.year, day.month, day.day, hour, minute))

    def during(self, day: date, rng: Random, start: int = 9, end: int = 19) -> datetime:
        """A random minute of `day` between `start` and `end` o'clock in the office, as stored
        (one draw of `rng`)."""
        minute = int(rng.random() * (end - start) * 60)
        return self.at(day, start + minute // 60, minute % 60)


def _round_price(value: float) -> Decimal:
    """A list unit price rounded to ten yuan, as price lists show them."""
    return Decimal(int(value / 10 + 0.5) * 10)


def _round_ten(value: Decimal) -> Decimal:
    return (value / _TEN).quantize(_YUAN, rounding=ROUND_HALF_UP) * _TEN


def _floor_price(list_price: Decimal) -> Decimal:
    return (list_price * _FLOOR_RATIO).quantize(_YUAN, rounding=ROUND_HALF_UP)


def _id_number(region: str, born: date, male: bool, rng: Random) -> str:
    sequence = int(rng.random() * 500) * 2 + (1 if male else 0)
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + idcard.check_char(first17)


class _Names:
    def __init__(self, rng: Random):
        self.rng = rng
        self.surnames = _Weighted([s for s, _w in _SURNAMES], [w for _s, w in _SURNAMES])

    def person(self) -> tuple[str, bool]:
        rng = self.rng
        male = rng.random() < 0.52
        surname = self.surnames.draw(rng)
        chars = _MALE_CHARS if male else _FEMALE_CHARS
        given = _pick(rng, chars) if rng.random() < 0.3 else _pick(rng, chars) + _pick(rng, chars)
        return surname + given, male

    def mobile(self) -> str:
        draw = self.rng.random
        return f"{_pick(self.rng, _MOBILE_PREFIXES)}{int(draw() * 100_000_000):08d}"


class _Codes:
    """The code dictionary as migrated (code_item); demo data uses only codes that exist."""

    def __init__(self, session: Session):
        self.by_category: dict[str, list[tuple[str, str]]] = defaultdict(list)
        query = (
            select(CodeItem.category, CodeItem.code, CodeItem.label)
            .where(CodeItem.active.is_(True))
            .order_by(CodeItem.category, CodeItem.sort, CodeItem.id)
        )
        for category, code, label in session.execute(query):
            self.by_category[category].append((code, label))

    def codes(self, category: str) -> list[str]:
        return [code for code, _label in self.by_category.get(category, [])]

    def label(self, category: str, code: str) -> str:
        return dict(self.by_category.get(category, [])).get(code, code)

    def pick(self, category: str, preferred: str) -> str:
        codes = self.codes(category)
        if preferred in codes or not codes:
            return preferred
        return codes[0]

    def weighted(self, category: str, weights: dict[str, int]) -> tuple[list[str], list[int]]:
        codes = self.codes(category) or list(weights)
        return codes, [weights.get(code, 3) for code in codes]


class _Ids:
    """Primary keys handed out here, after the current maximum of each table."""

    def __init__(self, session: Session, models: list[type]):
        self._next = {m: (session.scalar(select(func.max(m.id))) or 0) + 1 for m in models}

    def take(self, model: type, count: int = 1) -> int:
        first = self._next[model]
        self._next[model] = first + count
        return first


_ID_MODELS = [
    Company, Project, Building, Layout, Team, User, ReleaseBatch, Unit, PaymentPlan,
    PaymentPlanItem, Customer, FollowUp, Deal, DealEvent, UnitStatusChange, PriceChange,
    Receivable, Receipt, ReceiptAllocation, SalesPlan, MarketingBudget, MarketingExpense, FeeRule,
    AuditEntry, DealApproval, PriceAdjustment, PriceAdjustmentItem, ReceiptSequence,
]  # fmt: skip


# --------------------------------------------------------------------------------------------
# Shared state of one load
# --------------------------------------------------------------------------------------------


@dataclass
class _Staff:
    project_id: int
    team_ids: list[int]
    manager_ids: list[int]  # team leaders, by team
    consultants: list[tuple[int, int, float]]  # (user id, team id, share of customers)


@dataclass
class _Context:
    scale: _Scale
    today: date
    clock: _OfficeClock
    now: datetime  # the end of `today`'s office hours, as stored
    seed: int
    codes: _Codes
    ids: _Ids
    deed_tax_rules: list = field(default_factory=list)
    deed_tax_start: date = date.min
    company_ids: list[int] = field(default_factory=list)
    demo_user_ids: dict[str, int] = field(default_factory=dict)
    counts: Counter = field(default_factory=Counter)
    receipt_numbers: Counter = field(default_factory=Counter)  # (company id, year) → last

    def insert(self, session: Session, model: Any, rows: list[dict]) -> None:
        if rows:
            bulk_insert(session, model, rows, chunk=10_000)
            self.counts[model] += len(rows)


class _Unit:
    __slots__ = (
        "basis",
        "batch_id",
        "building",
        "changes",
        "code",
        "deals",
        "fixed_total",
        "floor",
        "gross",
        "id",
        "internal",
        "layout",
        "orientation",
        "position",
        "price",
        "released_on",
        "section",
        "shared",
        "status",
        "updated_at",
        "use",
        "virtual_sold",
    )  # fmt: skip

    def __init__(self, **values: Any):
        self.deals: list[_Deal] = []
        self.changes: list[tuple[date, Decimal, Decimal, Any]] = []
        self.virtual_sold = False
        self.updated_at: datetime | None = None
        for key, value in values.items():
            setattr(self, key, value)

    def area(self) -> Decimal:
        return self.internal if self.basis == PricingBasis.INTERNAL else self.gross

    def total(self, price: Decimal) -> Decimal:
        if self.basis == PricingBasis.UNIT:
            return self.fixed_total
        return money(self.area() * price)


class _Deal:
    __slots__ = (
        "approval", "close_reason", "closed_at", "closed_on", "consultant_id", "contract_no",
        "contract_status", "contracted_on", "customer", "deal_total", "deposit", "extra", "fate",
        "fees", "held_until", "home_count", "id", "list_price", "list_total", "lost_reason",
        "plan", "reserved_until", "seq", "stage", "start", "state", "subscribed_on", "unfiled",
        "unit",
    )  # fmt: skip

    def __init__(self, start: date, fate: str):
        self.start = start
        self.fate = fate
        self.id = 0
        self.unit: _Unit | None = None
        self.customer = -1
        self.consultant_id = 0
        self.stage = DealStage.SUBSCRIBED
        self.state = DealState.LIVE
        self.plan: _Plan | None = None
        self.reserved_until: date | None = None
        self.held_until: date | None = None
        self.subscribed_on: date | None = None
        self.contracted_on: date | None = None
        self.contract_status = ContractStatus.NONE
        self.unfiled = False  # filed, then the filing withdrawn before the cancellation
        self.contract_no: str | None = None
        self.closed_on: date | None = None
        self.close_reason = ""
        self.closed_at: datetime | None = None
        self.approval: tuple[ApprovalKind, dict, str] | None = None
        self.home_count = 1
        self.fees: list[tuple[str, str, Decimal]] = []
        self.seq = 0
        self.list_price = Decimal(0)
        self.list_total = Decimal(0)
        self.extra = Decimal(0)
        self.deal_total = Decimal(0)
        self.deposit = Decimal(0)
        self.lost_reason = ""

    @property
    def live(self) -> bool:
        return self.state == DealState.LIVE


@dataclass
class _Plan:
    id: int
    name: str
    kind: PlanKind
    discount: Decimal
    items: list[tuple[ReceivableKind, Decimal, int]]


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def is_empty(db: Database) -> bool:
    """True when the database has neither projects nor users (a fresh installation)."""
    with db.factory() as session:
        return (
            session.scalar(select(Project.id).limit(1)) is None
            and session.scalar(select(User.id).limit(1)) is None
        )


def load(
    db: Database,
    scale: str = "small",
    seed: int = 42,
    progress: Callable[[str], None] = print,
    today: date | None = None,
) -> DemoSummary:
    """Generate and insert the demo data set; the same seed and `today` give the same data."""
    if scale not in _SCALES:
        raise ValueError(f"unknown demo scale {scale!r}; choose one of {sorted(_SCALES)}")
    spec = _SCALES[scale]
    today = today or localtime.today()
    started = time.perf_counter()
    rng = Random(seed)
    clock = _OfficeClock()
    specs = (
        _small_projects()
        if spec.projects <= 3
        else _bench_projects(Random(rng.getrandbits(64)), spec.projects, spec.min_units)
    )
    seeds = [rng.getrandbits(64) for _ in specs]
    extra_seeds = [rng.getrandbits(64) for _ in range(2)]
    progress(
        f"演示数据 demo [{scale}] {_GROUP_NAME}, seed={seed}, today={today.isoformat()}: "
        f"{len(specs)} 个项目 projects"
    )

    with _transactions(db, spec.atomic) as next_session:
        session = next_session()
        ctx = _Context(
            scale=spec,
            today=today,
            clock=clock,
            now=clock.at(today, 18),
            seed=seed,
            codes=_Codes(session),
            ids=_Ids(session, _ID_MODELS),
        )
        _refuse_second_load(session, specs)
        ctx.deed_tax_rules = deed_tax_rules(session)
        ctx.deed_tax_start = min(rule.effective_from for rule in ctx.deed_tax_rules)
        projects, staff = _setup(session, ctx, specs, Random(rng.getrandbits(64)))
        weights = [_unit_estimate(s) for s in specs]
        weight_sum = sum(weights)
        for index, (project_spec, project_id) in enumerate(zip(specs, projects, strict=True)):
            session = next_session()
            builder = _ProjectBuilder(
                ctx,
                project_spec,
                project_id,
                staff[project_id],
                Random(seeds[index]),
                customers=round(spec.customers * weights[index] / weight_sum),
                deals=round(spec.deals * weights[index] / weight_sum),
                first=index == 0,
            )
            builder.build(session)
            elapsed = time.perf_counter() - started
            progress(
                f"  [{index + 1}/{len(specs)}] {project_spec.code} {project_spec.name}: "
                f"{builder.stats()} | 累计 total {ctx.counts[Unit]:,} units, "
                f"{ctx.counts[Customer]:,} customers, {ctx.counts[Deal]:,} deals, "
                f"{ctx.counts[Receipt]:,} receipts ({elapsed:.1f} s)"
            )
        session = next_session()
        _receipt_sequences(session, ctx)
        summary = _summary(ctx, len(specs), time.perf_counter() - started)
        _audit(session, ctx, summary, scale)
    # The CRM's and marketing's own demo tables (surveys, attribution history, campaigns) come
    # from their areas' loaders, which build on what is committed now; both are idempotent.
    crm = demo_crm.load(db, Random(extra_seeds[0]), today)
    campaigns = demo_marketing.load(db, Random(extra_seeds[1]), today)
    progress(f"  售后 aftersales: {demo_aftersales.load(db, Random(seed + 15), today)}")
    progress(f"  试算统计 price trials: {demo_trials.load(db, Random(seed + 16), today)}")
    progress(f"  面积补差 settlement: {demo_settlement.load(db, Random(seed + 17), today)}")
    # The demo wrote customers with Core updates too: the overview's daily figures are
    # recomputed from the tables once, as after any bulk load.
    with db.writer() as session:
        figures.rebuild(session)
    progress(f"  CRM: {crm}; 广告活动 campaigns: {campaigns}")
    summary = _summary(ctx, len(specs), time.perf_counter() - started)
    progress(summary.describe())
    return summary


@contextmanager
def _transactions(db: Database, atomic: bool) -> Iterator[Callable[[], Session]]:
    """Hand out sessions: the same one for an atomic load, else a new transaction each call
    (bench data commits per project so that SQLite's write-ahead log stays small)."""
    if atomic:
        with db.writer() as session:
            yield lambda: session
        return
    stack: list[Any] = []

    def next_session() -> Session:
        if stack:
            stack.pop().__exit__(None, None, None)
        manager = db.writer()
        session = manager.__enter__()
        stack.append(manager)
        return session

    try:
        yield next_session
    except BaseException as error:
        if stack:
            stack.pop().__exit__(type(error), error, error.__traceback__)
        raise
    if stack:
        stack.pop().__exit__(None, None, None)


def _refuse_second_load(session: Session, specs: list[_ProjectSpec]) -> None:
    usernames = [u for u, _n, _r in _DEMO_USERS]
    taken = session.scalar(select(func.count()).where(User.username.in_(usernames)))
    codes = [s.code for s in specs]
    clash = session.scalar(select(func.count()).where(Project.code.in_(codes)))
    companies = session.scalar(
        select(func.count()).where(Company.code.in_([c for c, _n in _COMPANIES]))
    )
    if taken or clash or companies:
        raise ValidationError(
            "数据库中已有演示数据（演示账号、项目或公司编码已存在），请使用空数据库。",
            "Demo data is already loaded (demo accounts, projects or companies exist); "
            "use an empty database.",
        )


def _unit_estimate(spec: _ProjectSpec) -> int:
    total = 0
    for b in spec.buildings:
        floors = 1 if b.kind == "parking" else b.floors
        if b.skip:
            floors -= len([f for f in _SKIPPED_FLOORS if f <= b.floors])
        total += floors * b.sections * b.per_section
    return total


def _summary(ctx: _Context, projects: int, seconds: float) -> DemoSummary:
    c = ctx.counts
    return DemoSummary(
        projects=projects,
        buildings=c[Building],
        units=c[Unit],
        customers=c[Customer],
        follow_ups=c[FollowUp],
        deals=c[Deal],
        receivables=c[Receivable],
        receipts=c[Receipt],
        price_changes=c[PriceChange],
        marketing_expenses=c[MarketingExpense],
        sales_plans=c[SalesPlan],
        users=c[User],
        seconds=seconds,
    )


def _receipt_sequences(session: Session, ctx: _Context) -> None:
    """Continue each company's receipt numbering after the demo receipts (the finance commands
    take the next number from receipt_sequence)."""
    ctx.insert(
        session,
        ReceiptSequence,
        [
            {
                "id": ctx.ids.take(ReceiptSequence),
                "company_id": company_id,
                "year": year,
                "next_no": last + 1,
            }
            for (company_id, year), last in sorted(ctx.receipt_numbers.items())
        ],
    )


def _audit(session: Session, ctx: _Context, summary: DemoSummary, scale: str) -> None:
    ctx.insert(
        session,
        AuditEntry,
        [
            {
                "id": ctx.ids.take(AuditEntry),
                "at": utcnow(),
                "user_id": None,
                "username": "demo",
                "action": "demo.load",
                "entity": "",
                "entity_id": None,
                "subject": f"demo:{scale}",
                "ip": "",
                "success": True,
                "before": None,
                "after": {
                    "scale": scale,
                    "seed": ctx.seed,
                    "today": ctx.today.isoformat(),
                    **summary.counts(),
                },
            }
        ],
    )


# --------------------------------------------------------------------------------------------
# Organisation: companies, projects, teams, users, fee rules
# --------------------------------------------------------------------------------------------


def _setup(
    session: Session, ctx: _Context, specs: list[_ProjectSpec], rng: Random
) -> tuple[list[int], dict[int, _Staff]]:
    names = _Names(rng)
    history_start = _months_before(ctx.today, 18)
    created = ctx.clock.at(history_start - timedelta(days=30), 0)
    companies = []
    for code, name in _COMPANIES:
        company_id = ctx.ids.take(Company)
        ctx.company_ids.append(company_id)
        companies.append({"id": company_id, "code": code, "name": name})
    ctx.insert(session, Company, companies)

    projects, project_ids = [], []
    for spec in specs:
        project_id = ctx.ids.take(Project)
        project_ids.append(project_id)
        opened = _months_before(ctx.today, spec.opened_months_ago)
        projects.append(
            {
                "id": project_id,
                "company_id": ctx.company_ids[spec.city.company],
                "code": spec.code,
                "name": spec.name,
                "city": spec.city.name,
                "address": spec.address,
                "opened_on": opened,
                "protection_days": 30,
                "hold_days": 3,
                "active": True,
                "created_at": ctx.clock.at(opened - timedelta(days=45), 0),
            }
        )
    ctx.insert(session, Project, projects)

    teams, staff = [], {}
    for project_id in project_ids:
        team_ids = []
        for name in ("一组", "二组"):
            team_id = ctx.ids.take(Team)
            team_ids.append(team_id)
            teams.append({"id": team_id, "project_id": project_id, "name": name})
        staff[project_id] = _Staff(project_id, team_ids, [], [])
    ctx.insert(session, Team, teams)

    password = hash_password(DEMO_PASSWORD)
    users: list[dict] = []
    members: list[dict] = []
    used_names: set[str] = {name for _u, name, _r in _DEMO_USERS}

    def person() -> str:
        while True:
            name, _male = names.person()
            if name not in used_names:
                used_names.add(name)
                return name

    def add_user(username: str, display: str, role: RoleCode, projects_of: list[int], team=None):
        user_id = ctx.ids.take(User)
        users.append(
            {
                "id": user_id,
                "username": username,
                "display_name": display,
                "password_hash": password,
                "role_code": role,
                "team_id": team,
                "mobile": names.mobile(),
                "language": "zh",
                "active": True,
                "must_change_password": False,
                "password_changed_at": created,
                "notes": "演示账号" if username in dict(DEMO_ACCOUNTS) else "",
                "created_at": created,
            }
        )
        members.extend({"user_id": user_id, "project_id": p} for p in projects_of)
        return user_id

    first = project_ids[0]
    everywhere = list(project_ids)
    first_team = staff[first].team_ids[0]
    for username, display, role in _DEMO_USERS:
        if role == RoleCode.MANAGER:
            scope = project_ids[:2]  # a sales manager over the two Hangzhou projects
        elif role == RoleCode.CONSULTANT:
            scope = [first]
        elif role in (RoleCode.FINANCE, RoleCode.MARKETING, RoleCode.AFTERSALES):
            scope = everywhere
        else:
            scope = []  # admin and executives see every project through their role
        team = first_team if role == RoleCode.CONSULTANT else None
        ctx.demo_user_ids[username] = add_user(username, display, role, scope, team)

    manager_no = consultant_no = 0
    for index, project_id in enumerate(project_ids):
        s = staff[project_id]
        for team_id in s.team_ids:
            manager_no += 1
            s.manager_ids.append(
                add_user(f"mgr{manager_no:02d}", person(), RoleCode.MANAGER, [project_id], team_id)
            )
        if index == 0:
            # The demo consultant works in the first project's 一组 and owns a large share.
            s.consultants.append((ctx.demo_user_ids["consultant"], first_team, 3.0))
        per_team = 3 if index == 0 or ctx.scale.projects > 3 else _pick(rng, (2, 3))
        for team_id in s.team_ids:
            for _ in range(per_team):
                consultant_no += 1
                user_id = add_user(
                    f"gu{consultant_no:02d}", person(), RoleCode.CONSULTANT, [project_id], team_id
                )
                s.consultants.append((user_id, team_id, round(rng.uniform(0.7, 1.3), 2)))
    ctx.insert(session, User, users)
    ctx.insert(session, project_member, members)

    cities = list(dict.fromkeys(spec.city for spec in specs))
    ctx.insert(
        session,
        FeeRule,
        [
            {
                "id": ctx.ids.take(FeeRule),
                "project_id": None,
                "city": city.name,
                "code": "maintenance_fund",
                "name": "住宅专项维修资金",
                "formula": f"area * {city.fund_rate}",
                "effective_from": date(history_start.year, 1, 1),
                "created_at": created,
            }
            for city in cities
        ],
    )
    return project_ids, staff


# --------------------------------------------------------------------------------------------
# One project: inventory, customers, deals, money, plans, marketing
# --------------------------------------------------------------------------------------------


class _ProjectBuilder:
    def __init__(
        self,
        ctx: _Context,
        spec: _ProjectSpec,
        project_id: int,
        staff: _Staff,
        rng: Random,
        *,
        customers: int,
        deals: int,
        first: bool,
    ):
        self.ctx = ctx
        self.spec = spec
        self.project_id = project_id
        self.company_id = ctx.company_ids[spec.city.company]
        self.staff = staff
        self.rng = rng
        self.names = _Names(rng)
        self.n_customers = customers
        self.n_deals = deals
        self.first = first
        self.today = ctx.today
        self.clock = ctx.clock
        self.opened = _months_before(ctx.today, spec.opened_months_ago)
        self.history_start = self.opened - timedelta(days=30)  # 蓄客: registrations before sale
        self.manager_id = staff.manager_ids[0]
        self.finance_id = ctx.demo_user_ids["finance"]
        self.marketing_id = ctx.demo_user_ids["marketing"]
        self.aftersales_id = ctx.demo_user_ids["aftersales"]
        self.rows: dict[Any, list[dict]] = defaultdict(list)
        self.before = Counter(ctx.counts)
        self.done: Counter = Counter()
        self.layout_names: dict[int, str] = {}
        self.fund_formula = f"area * {spec.city.fund_rate}"
        codes = ctx.codes
        self.use = {k: codes.pick("use", k) for k in ("residential", "shop", "parking")}
        self.decoration = codes.pick("decoration", spec.decoration)
        self.orientations = set(codes.codes("orientation"))
        self.channels = codes.weighted("channel", _CHANNEL_WEIGHTS)
        self.lost = codes.weighted("lost_reason", _LOST_WEIGHTS)
        self.purposes = codes.weighted("purpose", _PURPOSE_WEIGHTS)
        self.forfeits = codes.codes("forfeit_reason") or list(_FORFEIT_REASONS)
        # Cancellations for the buyer's reasons (the developer's fault refunds double).
        self.cancel_reasons = [c for c in codes.codes("cancel_reason") if c != "developer"] or [
            "customer"
        ]
        self.hold_days = 3
        self.methods = set(codes.codes("payment_method"))
        self.expense_categories = set(codes.codes("expense_category"))

    # ---------------------------------------------------------------- orchestration

    def build(self, session: Session) -> None:
        self._plans()
        self._inventory()
        self._customers()
        self._deals()
        self._prices()
        self._deal_rows()
        self._customer_rows()
        self._money()
        self._sales_plans()
        self._marketing()
        order = (
            Layout, ReleaseBatch, Building, PaymentPlan, PaymentPlanItem, Unit, Customer,
            FollowUp, Deal, DealApproval, DealEvent, UnitStatusChange,
            PriceAdjustment, PriceAdjustmentItem, PriceChange, Receivable, Receipt,
            ReceiptAllocation, SalesPlan, MarketingBudget, MarketingExpense,
        )  # fmt: skip
        for model in order:
            self.ctx.insert(session, model, self.rows.pop(model, []))
            self.done[model] = self.ctx.counts[model]

    def stats(self) -> str:
        count = self.counts
        return (
            f"{count[Unit]:,} 套房源 units, {count[Customer]:,} 客户 customers, "
            f"{count[Deal]:,} 交易 deals, {count[Receipt]:,} 收据 receipts"
        )

    @property
    def counts(self) -> Counter:
        return Counter({m: self.done[m] - self.before.get(m, 0) for m in self.done})

    # ---------------------------------------------------------------- payment plans

    def _plans(self) -> None:
        self.plans: list[_Plan] = []
        for name, kind, discount, schedule in _PLANS_OF_PAYMENT:
            plan_id = self.ctx.ids.take(PaymentPlan)
            items = [(k, Decimal(ratio), days) for k, ratio, days in schedule]
            self.plans.append(_Plan(plan_id, name, kind, Decimal(discount), items))
            self.rows[PaymentPlan].append(
                {
                    "id": plan_id,
                    "project_id": self.project_id,
                    "name": name,
                    "kind": kind,
                    "discount_rate": Decimal(discount),
                    "active": True,
                }
            )
            for seq, (item_kind, ratio, days) in enumerate(items, start=1):
                self.rows[PaymentPlanItem].append(
                    {
                        "id": self.ctx.ids.take(PaymentPlanItem),
                        "plan_id": plan_id,
                        "seq": seq,
                        "kind": item_kind,
                        "ratio": ratio,
                        "due_days": days,
                    }
                )

        self.plan_choice = _Weighted(self.plans, _PLAN_WEIGHTS)
        # Shops and parking spaces are paid in one sum or in installments, without a mortgage.
        self.plans_for_others = [
            p for p in self.plans if p.kind in (PlanKind.LUMP_SUM, PlanKind.INSTALLMENT)
        ]

    # ---------------------------------------------------------------- inventory

    def _inventory(self) -> None:
        rng, spec, ctx = self.rng, self.spec, self.ctx
        today = self.today
        # Release batches: 首开 on the opening day, then 加推 every few months.
        batch_count = 1 + max((b.batch or 0) for b in spec.buildings)
        release_days: list[date] = [self.opened]
        # Later batches every few months, squeezed so that young projects released most.
        widest = max(20, int((today - self.opened).days * 0.85 / max(1, batch_count - 1)))
        for _ in range(1, batch_count):
            gap = _ri(rng, min(70, widest), min(140, widest))
            release_days.append(release_days[-1] + timedelta(days=gap))
        batch_ids: list[int | None] = []
        names = ("首开", "二批次加推", "三批次加推", "四批次加推", "五批次加推", "六批次加推")
        for index, day in enumerate(release_days):
            if day > today - timedelta(days=3):
                batch_ids.append(None)
                continue
            batch_id = ctx.ids.take(ReleaseBatch)
            batch_ids.append(batch_id)
            self.rows[ReleaseBatch].append(
                {
                    "id": batch_id,
                    "project_id": self.project_id,
                    "name": f"{day:%Y年%m月}{names[min(index, len(names) - 1)]}",
                    "released_at": ctx.clock.at(day, 9, 18),
                    "user_id": self.manager_id,
                }
            )
        self.release_days = [d for d, b in zip(release_days, batch_ids, strict=True) if b]

        layouts: dict[str, int] = {}
        base = spec.city.base_price * spec.price_factor
        if spec.basis == PricingBasis.INTERNAL:
            base *= 1.28  # the same flat costs more per m² of internal area
        self.units: list[_Unit] = []
        self.batches_by_building: dict[int, list[tuple[date, str, Decimal, str, str]]] = {}
        created = ctx.clock.at(self.history_start, 0)
        for b in spec.buildings:
            building_id = ctx.ids.take(Building)
            per_floor = b.sections * b.per_section
            self.rows[Building].append(
                {
                    "id": building_id,
                    "project_id": self.project_id,
                    "code": b.code,
                    "name": b.name,
                    "floors": 1 if b.kind == "parking" else b.floors,
                    "sections": b.sections,
                    "units_per_floor": per_floor,
                }
            )
            batch_index = b.batch
            released_on = None
            batch_id = None
            if batch_index is not None and batch_ids[batch_index] is not None:
                batch_id = batch_ids[batch_index]
                released_on = release_days[batch_index]
            if b.kind in ("high", "low"):
                plan = _PLANS.get((b.kind, b.per_section)) or _PLANS[("high", 4)]
                shared_ratio = (
                    rng.uniform(0.2, 0.25) if b.kind == "high" else rng.uniform(0.12, 0.16)
                )
                areas = []
                for layout_code, orientation in plan:
                    design = Decimal(_LAYOUTS[layout_code][4])
                    gross = (design + Decimal(_ri(rng, -250, 250)) / 100).quantize(_CENT)
                    internal = (gross * Decimal(str(round(1 - shared_ratio, 4)))).quantize(_CENT)
                    areas.append((layout_code, orientation, gross, internal))
                    if layout_code not in layouts:
                        layouts[layout_code] = self._layout(layout_code)
                floors = [
                    f for f in range(1, b.floors + 1) if not (b.skip and f in _SKIPPED_FLOORS)
                ]
                for floor in floors:
                    floor_factor = self._floor_factor(b, floor, floors[-1])
                    for section in range(1, b.sections + 1):
                        for position, (layout_code, orientation, gross, internal) in enumerate(
                            areas, start=1
                        ):
                            if orientation not in self.orientations:
                                orientation = ""
                            price = _round_price(
                                base
                                * b.factor
                                * floor_factor
                                * _ORIENTATION_FACTOR.get(orientation, 1.0)
                            )
                            self._add_unit(
                                building_id,
                                b,
                                section,
                                floor,
                                position,
                                f"{b.code}-{section}-{floor}{position:02d}",
                                layouts[layout_code],
                                orientation,
                                self.use["residential"],
                                gross,
                                internal,
                                spec.basis,
                                price,
                                None,
                                batch_id,
                                released_on,
                            )
            elif b.kind == "shop":
                if "S" not in layouts:
                    layouts["S"] = self._layout("S")
                for floor in range(1, b.floors + 1):
                    for position in range(1, b.per_section + 1):
                        gross = Decimal(_ri(rng, 4500, 15000)) / 100
                        internal = (gross * Decimal("0.72")).quantize(_CENT)
                        price = _round_price(
                            base * (2.0 if floor == 1 else 1.4) * rng.uniform(0.95, 1.08)
                        )
                        self._add_unit(
                            building_id,
                            b,
                            1,
                            floor,
                            position,
                            f"{b.code}-1-{floor}{position:02d}",
                            layouts["S"],
                            _pick(rng, ("S", "E", "W", "N")),
                            self.use["shop"],
                            gross,
                            internal,
                            PricingBasis.GROSS,
                            price,
                            None,
                            batch_id,
                            released_on,
                        )
            else:  # parking priced per space (按套)
                total_price = Decimal(round(spec.city.base_price * 6.5 / 1000) * 1000)
                for position in range(1, b.per_section + 1):
                    gross, internal = Decimal("32.50"), Decimal("12.50")
                    fixed = total_price + Decimal(_pick(rng, (0, 0, 0, 20_000, -10_000)))
                    self._add_unit(
                        building_id,
                        b,
                        1,
                        -1,
                        position,
                        f"{b.code}-1-B1{position:02d}",
                        None,
                        "",
                        self.use["parking"],
                        gross,
                        internal,
                        PricingBasis.UNIT,
                        money(fixed / gross),
                        fixed,
                        batch_id,
                        released_on,
                    )
            if released_on is not None and b.kind != "parking":
                self.batches_by_building[building_id] = self._price_batches(b, released_on)
        for unit in self.units:
            released = unit.released_on
            unit.updated_at = ctx.clock.at(released, 9, 18) if released else created
        # Inside released buildings: a few units kept back (控盘) or not for sale (保留房).
        for unit in self.units:
            if unit.released_on is None:
                continue
            draw = rng.random()
            if draw < 0.015:
                unit.status = UnitStatus.NOT_FOR_SALE
            elif draw < 0.04 and unit.use != self.use["parking"]:
                unit.status = UnitStatus.UNRELEASED
                unit.batch_id = None
                unit.released_on = None
            else:
                unit.status = UnitStatus.AVAILABLE

    def _layout(self, code: str) -> int:
        name, rooms, halls, baths, area = _LAYOUTS[code]
        layout_id = self.ctx.ids.take(Layout)
        label = f"{code}户型 {name} {area}㎡" if rooms else f"{name} {area}㎡"
        self.rows[Layout].append(
            {
                "id": layout_id,
                "project_id": self.project_id,
                "name": label,
                "rooms": rooms,
                "halls": halls,
                "baths": baths,
                "gross_area": Decimal(area),
                "plan_image": None,
            }
        )
        if rooms:
            self.layout_names[layout_id] = name
        return layout_id

    @staticmethod
    def _floor_factor(b: _BuildingSpec, floor: int, top: int) -> float:
        if b.kind == "low":
            return 1.08 if floor in (1, top) else 1.0  # garden and terrace
        if floor == 1:
            return 0.94
        if floor == 2:
            return 0.97
        factor = 1 + 0.005 * (floor - 1)
        return factor - 0.02 if floor == top else factor

    def _add_unit(
        self,
        building_id,
        b,
        section,
        floor,
        position,
        code,
        layout_id,
        orientation,
        use,
        gross,
        internal,
        basis,
        price,
        fixed_total,
        batch_id,
        released_on,
    ) -> None:
        self.units.append(
            _Unit(
                id=self.ctx.ids.take(Unit),
                building=building_id,
                section=section,
                floor=floor,
                position=position,
                code=code,
                layout=layout_id,
                orientation=orientation,
                use=use,
                gross=gross,
                internal=internal,
                shared=gross - internal,
                basis=basis,
                price=price,
                fixed_total=fixed_total,
                status=UnitStatus.UNRELEASED,
                batch_id=batch_id,
                released_on=released_on,
            )
        )

    def _price_batches(self, b: _BuildingSpec, released_on: date):
        rng = self.rng
        batches = []
        day = released_on
        for _ in range(_pick(rng, (1, 2, 2, 3))):
            day = day + timedelta(days=_ri(rng, 45, 170))
            if day >= self.today:
                break
            kind, amount, reason = rng.choices(_ADJUSTMENTS, weights=_ADJUSTMENT_WEIGHTS)[0]
            label = f"{day:%Y%m}-{b.code}栋调价"
            batches.append((day, kind, amount, reason, label))
        return batches

    # ---------------------------------------------------------------- customers

    def _customers(self) -> None:
        rng, names, today = self.rng, self.names, self.today
        days = [
            self.history_start + timedelta(days=i)
            for i in range((today - self.history_start).days + 1)
        ]
        release_ordinals = [d.toordinal() for d in self.release_days]
        weights = []
        for day in days:
            weight = _season(day)
            if day < self.opened:
                weight *= 1.3  # 蓄客: registrations for the opening
            for release in release_ordinals:
                if 0 <= day.toordinal() - release < 14:
                    weight *= 1.8
                    break
            weights.append(weight)
        counts = _spread(self.n_customers, weights, rng)

        consultants = self.staff.consultants
        consultant = _Weighted([c[0] for c in consultants], [c[2] for c in consultants])
        channel = _Weighted(*self.channels)
        purpose = _Weighted(*self.purposes)
        regions = [code for _n, code in self.spec.city.districts]
        layout_names = list(self.layout_names.values())
        mobiles: set[str] = set()
        first_id = self.ctx.ids.take(Customer, sum(counts))
        self.c_rows: list[dict] = []
        self.c_ord: list[int] = []
        price_per_m2 = self.spec.city.base_price * self.spec.price_factor
        # Wished-for areas and budgets as Decimals, built once per area.
        wishes = {
            area: (
                Decimal(area - 10),
                Decimal(area + 15),
                Decimal(round(area * price_per_m2 / 100_000) * 100_000),
            )
            for area in range(85, 156)
        }
        customer_id = first_id
        for day, count in zip(days, counts, strict=True):
            weekend = day.weekday() >= 5
            ordinal = day.toordinal()
            for _ in range(count):
                name, male = names.person()
                mobile = names.mobile()
                while mobile in mobiles:
                    mobile = names.mobile()
                mobiles.add(mobile)
                id_number = birthday = None
                if rng.random() < 0.4:
                    age = min(70, max(23, int(rng.gauss(38, 9))))
                    born = date(day.year - age, _ri(rng, 1, 12), _ri(rng, 1, 28))
                    region = (
                        _pick(rng, regions) if rng.random() < 0.7 else _pick(rng, _OTHER_REGIONS)
                    )
                    id_number = _id_number(region, born, male, rng)
                    birthday = born
                area_min, area_max, budget = wishes[_ri(rng, 85, 155)]
                contact = (
                    ContactKind.CALL
                    if rng.random() < (0.25 if weekend else 0.45)
                    else (ContactKind.VISIT)
                )
                at = self.clock.during(day, rng)
                self.c_rows.append(
                    {
                        "id": customer_id,
                        "project_id": self.project_id,
                        "consultant_id": consultant.draw(rng),
                        "name": name,
                        "mobile": mobile,
                        "id_number": id_number,
                        "gender": "男" if male else "女",
                        "birthday": birthday,
                        "channel": channel.draw(rng),
                        "first_contact": contact,
                        "first_contact_on": day,
                        "stage": CustomerStage.LEAD,
                        "level": "",
                        "lost_reason": "",
                        "intended_layout": _pick(rng, layout_names),
                        "area_min": area_min,
                        "area_max": area_max,
                        "budget": budget,
                        "purpose": purpose.draw(rng),
                        "visit_count": 0,
                        "follow_up_count": 0,
                        "last_contact_on": day,
                        "next_follow_up_on": None,
                        "assigned_at": at,
                        "notes": _pick(rng, _CUSTOMER_NOTES) if rng.random() < 0.25 else "",
                        "created_at": at,
                        "opportunity_on": None,
                        "lost_on": None,
                    }
                )
                self.c_ord.append(ordinal)
                customer_id += 1
        self.c_deal: list[_Deal | None] = [None] * len(self.c_rows)

    # ---------------------------------------------------------------- deals

    def _deals(self) -> None:
        rng, today = self.rng, self.today
        sellable = sorted(
            (u for u in self.units if u.status == UnitStatus.AVAILABLE),
            key=lambda u: (u.released_on, u.id),
        )
        if not sellable or not self.c_rows:
            self.deals: list[_Deal] = []
            return
        target = min(self.n_deals, int(len(sellable) * 0.85))
        first_sale = sellable[0].released_on
        days = [first_sale + timedelta(days=i) for i in range((today - first_sale).days + 1)]
        release_ordinals = {d.toordinal(): i for i, d in enumerate(self.release_days)}
        weights = []
        for day in days:
            weight = _season(day)
            index = release_ordinals.get(day.toordinal())
            if index is not None:
                weight *= 40 if index == 0 else 15  # 开盘当天 sells a lot
            weights.append(weight)
        reserved_live = max(3, round(target * 0.015))
        held_live = max(3, round(target * 0.01))
        counts = _spread(target - reserved_live - held_live, weights, rng)
        fates = ("complete", "reserve", "hold", "forfeit", "cancel")
        fate_weights = (80, 7, 4, 6, 3)
        planned: list[_Deal] = []
        for day, count in zip(days, counts, strict=True):
            for _ in range(count):
                planned.append(_Deal(day, rng.choices(fates, fate_weights)[0]))
        for _ in range(reserved_live):
            planned.append(_Deal(today - timedelta(days=_ri(rng, 0, 3)), "reserve_live"))
        for _ in range(held_live):
            planned.append(_Deal(today - timedelta(days=_ri(rng, 0, 1)), "hold_live"))
        planned.sort(key=lambda d: d.start)

        pool: list[_Unit] = []
        returning: list[tuple[date, int, _Unit]] = []
        pointer = 0
        self.deals = []
        for deal in planned:
            while pointer < len(sellable) and sellable[pointer].released_on <= deal.start:
                pool.append(sellable[pointer])
                pointer += 1
            while returning and returning[0][0] <= deal.start:
                pool.append(heapq.heappop(returning)[2])
            customer = self._pick_customer(deal.start)
            if not pool or customer is None:
                continue
            unit = self._pick_unit(pool)
            deal.unit = unit
            deal.customer = customer
            deal.consultant_id = self.c_rows[customer]["consultant_id"]
            self.c_deal[customer] = deal
            self._timeline(deal)
            unit.deals.append(deal)
            if deal.closed_on is not None:
                heapq.heappush(returning, (deal.closed_on + timedelta(days=1), unit.id, unit))
            self.deals.append(deal)
        deal_id = self.ctx.ids.take(Deal, len(self.deals))
        for offset, deal in enumerate(self.deals):
            deal.id = deal_id + offset

    def _pick_unit(self, pool: list[_Unit]) -> _Unit:
        rng = self.rng
        index = rng.randrange(len(pool))
        if pool[index].use != self.use["residential"] and rng.random() < 0.6:
            index = rng.randrange(len(pool))  # shops and parking sell slower than flats
        pool[index], pool[-1] = pool[-1], pool[index]
        return pool.pop()

    def _pick_customer(self, day: date) -> int | None:
        rng = self.rng
        ordinal = day.toordinal()
        limit = bisect.bisect_right(self.c_ord, ordinal)
        if limit == 0:
            return None
        lag = 0 if rng.random() < 0.15 else min(int(rng.expovariate(1 / 30)), 300)
        start = max(0, bisect.bisect_right(self.c_ord, ordinal - lag, 0, limit) - 1)
        deals = self.c_deal
        for step in range(0, 600):
            for index in (start - step, start + step):
                if 0 <= index < limit and deals[index] is None:
                    return index
        for index in range(limit - 1, -1, -1):
            if deals[index] is None:
                return index
        return None

    def _timeline(self, deal: _Deal) -> None:
        """Stage, state and dates of a deal from its planned fate; what has not happened by
        `today` stays live."""
        rng, today = self.rng, self.today
        d = deal.start
        fate = deal.fate
        if fate in ("reserve", "reserve_live"):
            # A reservation or a hold has no payment plan yet (the app quotes it without one).
            deal.stage = DealStage.RESERVED
            deal.reserved_until = d + timedelta(days=_ri(rng, 2, 5))
            if fate == "reserve_live":
                deal.reserved_until = max(deal.reserved_until, today + timedelta(days=1))
            if deal.reserved_until < today:
                self._close(deal, DealState.EXPIRED, deal.reserved_until + timedelta(days=1))
            return
        if fate in ("hold", "hold_live"):
            deal.stage = DealStage.HELD
            deal.held_until = d + timedelta(days=self.hold_days)
            if deal.held_until < today:
                self._close(deal, DealState.EXPIRED, deal.held_until + timedelta(days=1))
            return
        if deal.unit.use != self.use["residential"]:
            deal.plan = _pick(rng, self.plans_for_others)
        else:
            deal.plan = self.plan_choice.draw(rng)
        deal.subscribed_on = d
        if fate == "forfeit":
            forfeit_on = d + timedelta(days=_ri(rng, 5, 45))
            if forfeit_on < today:
                code = _pick(rng, self.forfeits)
                label = self.ctx.codes.label("forfeit_reason", code)
                deal.lost_reason = "funds" if code in ("loan", "funds") else "price"
                deal.approval = (
                    ApprovalKind.FORFEIT,
                    {"reason_code": code, "reason_label": label},
                    f"客户申请挞定：{label}",
                )
                self._close(deal, DealState.FORFEITED, forfeit_on, label)
            return
        draw = rng.random()
        if draw < 0.6:
            lag = _ri(rng, 3, 15)
        elif draw < 0.9:
            lag = _ri(rng, 16, 45)
        else:
            lag = _ri(rng, 46, 120)  # waiting for the mortgage approval
        contracted_on = d + timedelta(days=lag)
        if contracted_on > today:
            return
        deal.stage = DealStage.CONTRACTED
        deal.contracted_on = contracted_on
        age = (today - contracted_on).days
        if age >= 20 and rng.random() < 0.8:
            deal.contract_status = ContractStatus.FILED
        elif age >= 5:
            deal.contract_status = ContractStatus.AUDITED
        else:
            deal.contract_status = ContractStatus.SIGNED
        deal.home_count = _HOME_COUNTS.draw(rng)
        if fate == "cancel":
            cancel_on = contracted_on + timedelta(days=_ri(rng, 30, 200))
            if cancel_on < today:
                code = _pick(rng, self.cancel_reasons)
                deal.lost_reason = "funds"
                deal.approval = (
                    ApprovalKind.CANCEL,
                    {"developer_fault": False, "reason_code": code},
                    _pick(rng, _CANCEL_REASONS),
                )
                if deal.contract_status == ContractStatus.FILED:
                    # A filed contract is cancelled only after its filing is withdrawn.
                    deal.unfiled = True
                    deal.contract_status = ContractStatus.AUDITED
                self._close(deal, DealState.CANCELLED, cancel_on, "退房")

    def _close(self, deal: _Deal, state: DealState, on: date, reason: str = "expired") -> None:
        deal.state = state
        deal.closed_on = on
        deal.close_reason = reason

    # ---------------------------------------------------------------- prices

    def _prices(self) -> None:
        """Apply each building's batch adjustments to the units that were free at the time, then
        snapshot every deal's price as it stood on the deal's first day."""
        rng = self.rng
        for unit in self.units:
            batches = self.batches_by_building.get(unit.building, ())
            history = [(date.min, unit.price)]
            price = unit.price
            for day, kind, amount, reason, label in batches:
                if any(
                    deal.start < day and (deal.closed_on is None or day <= deal.closed_on)
                    for deal in unit.deals
                ):
                    continue  # sold or reserved units keep their price
                new = _round_ten(price * (1 + amount)) if kind == "pct" else price + amount
                unit.changes.append((day, price, new, (reason, label, kind, amount)))
                price = new
                history.append((day, price))
            unit.price = price
            for deal in unit.deals:
                snapshot = history[0][1]
                for day, value in history:
                    if day <= deal.start:
                        snapshot = value
                deal.list_price = snapshot
                deal.list_total = unit.total(snapshot)
                discount = deal.plan.discount if deal.plan else Decimal(1)
                if deal.plan is not None and rng.random() < 0.15:
                    # Within the 1% a consultant may give without a manager's approval.
                    limit = (deal.list_total * _EXTRA_LIMIT).quantize(_YUAN, rounding=ROUND_DOWN)
                    deal.extra = min(Decimal(_pick(rng, (2000, 5000, 10000, 20000))), limit)
                deal.deal_total = money(deal.list_total * discount - deal.extra)
                if deal.stage == DealStage.HELD:
                    small = Decimal(_pick(rng, (10000, 20000)))
                    deal.deposit = min(small, deposit_limit(deal.deal_total))
                elif deal.subscribed_on is not None:
                    deal.deposit = self._deposit(deal.deal_total)
            unit.virtual_sold = (
                unit.status == UnitStatus.AVAILABLE and not unit.deals and rng.random() < 0.03
            )

    def _deposit(self, total: Decimal) -> Decimal:
        if total > 3_000_000:
            choices = (100_000, 200_000)
        elif total > 1_000_000:
            choices = (50_000, 100_000)
        else:
            choices = (10_000, 20_000, 30_000)
        return min(Decimal(_pick(self.rng, choices)), deposit_limit(total))

    # ---------------------------------------------------------------- deal rows

    def _deal_rows(self) -> None:
        """Deals with the events, unit status history, approvals and fee lines that the deal
        commands would have written, then units with their price history."""
        rng = self.rng
        contracts = sorted(
            (d for d in self.deals if d.contracted_on is not None),
            key=lambda d: (d.contracted_on, d.id),
        )
        for number, deal in enumerate(contracts, start=1):
            deal.contract_no = f"HT-{self.spec.code}-{deal.contracted_on.year}-{number:05d}"
        pending = [
            d
            for d in self.deals
            if d.live and d.stage == DealStage.SUBSCRIBED and not d.extra and d.plan is not None
        ]
        for deal in rng.sample(pending, min(len(pending), max(2, len(pending) // 20))):
            deal.approval = (ApprovalKind.DISCOUNT, {}, "")  # filled below with the amounts
        events: list[tuple] = []
        changes: list[tuple] = []
        for deal in self.deals:
            self._deal_history(deal, events, changes)
        first = self.ctx.ids.take(DealEvent, len(events))
        self.rows[DealEvent] = [
            {
                "id": first + offset,
                "deal_id": deal.id,
                "at": at,
                "user_id": user,
                "kind": kind,
                "details": details,
            }
            for offset, (deal, at, user, kind, details) in enumerate(events)
        ]
        first = self.ctx.ids.take(UnitStatusChange, len(changes))
        self.rows[UnitStatusChange] = [
            {
                "id": first + offset,
                "unit_id": unit.id,
                "at": at,
                "user_id": user,
                "from_status": old,
                "to_status": new,
                "deal_id": deal.id,
                "note": note[:200],
            }
            for offset, (unit, at, user, old, new, deal, note) in enumerate(changes)
        ]
        self._unit_rows()

    def _deal_history(self, deal: _Deal, events: list, changes: list) -> None:
        rng, unit = self.rng, deal.unit
        consultant = deal.consultant_id
        started = self.clock.during(deal.start, rng)
        first_stage = DealStage.SUBSCRIBED if deal.subscribed_on else deal.stage
        first_status = _STATUS_OF_STAGE[first_stage]
        if first_stage == DealStage.RESERVED:
            kind, note, details = "reserve", "预留", {"until": deal.reserved_until.isoformat()}
        elif first_stage == DealStage.HELD:
            details = {"deposit": str(deal.deposit), "until": deal.held_until.isoformat()}
            kind, note = "hold", "临定"
        else:
            kind, note = "subscribe", "认购"
            details = {
                "plan": deal.plan.name,
                "deposit": str(deal.deposit),
                "list_total": str(deal.list_total),
                "discount_rate": str(deal.plan.discount),
                "extra_discount": str(deal.extra),
                "deal_total": str(deal.deal_total),
            }
        events.append((deal, started, consultant, kind, details))
        changes.append((unit, started, consultant, UnitStatus.AVAILABLE, first_status, deal, note))
        last = started
        if deal.contracted_on is not None:
            signed = self.clock.during(deal.contracted_on, rng)
            contract = {"contract_no": deal.contract_no, "home_count": deal.home_count}
            events.append((deal, signed, consultant, "sign", contract))
            deal.fees = self._fee_lines(deal)
            for code, name, amount in deal.fees:
                fee = {"code": code, "name": name, "amount": str(amount)}
                events.append((deal, signed, None, "fee", fee))
            changes.append(
                (
                    unit,
                    signed,
                    consultant,
                    UnitStatus.SUBSCRIBED,
                    UnitStatus.CONTRACTED,
                    deal,
                    "签约",
                )
            )
            last = signed
            if deal.contract_status in (ContractStatus.AUDITED, ContractStatus.FILED):
                at = self.clock.during(deal.contracted_on + timedelta(days=_ri(rng, 1, 4)), rng)
                events.append((deal, at, self.manager_id, "contract_audit", {}))
            if deal.contract_status == ContractStatus.FILED or deal.unfiled:
                at = self.clock.during(deal.contracted_on + timedelta(days=_ri(rng, 8, 18)), rng)
                filing = {
                    "filing_no": f"{self.spec.city.code}YS{deal.contracted_on:%Y}{deal.id:07d}"
                }
                events.append((deal, at, self.aftersales_id, "contract_file", filing))
        closed_at = None
        if deal.closed_on is not None:
            current = _STATUS_OF_STAGE[deal.stage]
            if deal.state == DealState.EXPIRED:
                closed_at = self.clock.at(deal.closed_on, 0, 5)  # the nightly expire-deals run
                events.append((deal, closed_at, None, "expire", {"stage": deal.stage.value}))
                changes.append(
                    (unit, closed_at, None, current, UnitStatus.AVAILABLE, deal, "到期释放")
                )
            else:
                closed_at = self.clock.during(deal.closed_on, rng)
                if deal.unfiled:
                    # Before the cancellation is asked for (1 to 3 days before it is approved).
                    unfiled = ("contract_unfile", {"reason": "退房前撤销备案"})
                    events.append((deal, closed_at - timedelta(days=4), self.manager_id, *unfiled))
                self._approval(deal, closed_at - timedelta(days=_ri(rng, 1, 3)), closed_at, events)
                changes.append(
                    (unit, closed_at, self.manager_id, current, UnitStatus.AVAILABLE, deal,
                     deal.close_reason)
                )  # fmt: skip
            last = closed_at
        elif deal.approval is not None:  # a pending 额外优惠 request
            extra = min(
                Decimal(_pick(rng, (30000, 50000))), money(deal.list_total * _EXTRA_LIMIT * 3)
            )
            limit = money(deal.list_total * _EXTRA_LIMIT)
            reason = f"额外优惠 ¥{format_amount(extra)} 超过限额 ¥{format_amount(limit)}"
            deal.approval = (ApprovalKind.DISCOUNT, {"extra_discount": str(extra)}, reason)
            self._approval(deal, started + timedelta(minutes=20), None, events)
        deal.closed_at = closed_at
        if unit.updated_at is None or last > unit.updated_at:
            unit.updated_at = last
        if deal.live:
            unit.status = _STATUS_OF_STAGE[deal.stage]
        area = unit.area()
        self.rows[Deal].append(
            {
                "id": deal.id,
                "project_id": self.project_id,
                "unit_id": unit.id,
                "live_unit_id": unit.id if deal.live else None,
                "customer_id": self.c_rows[deal.customer]["id"],
                "consultant_id": consultant,
                "stage": deal.stage,
                "state": deal.state,
                "plan_id": deal.plan.id if deal.plan else None,
                "area": area,
                "list_unit_price": deal.list_price,
                "list_total": deal.list_total,
                "discount_rate": deal.plan.discount if deal.plan else Decimal(1),
                "extra_discount": deal.extra,
                "deal_unit_price": money(deal.deal_total / area),
                "deal_total": deal.deal_total,
                "deposit": deal.deposit,
                "reserved_until": deal.reserved_until,
                "held_until": deal.held_until,
                "subscribed_on": deal.subscribed_on,
                "contract_no": deal.contract_no,
                "contracted_on": deal.contracted_on,
                "contract_status": deal.contract_status,
                "closed_at": closed_at,
                "close_reason": deal.close_reason,
                "created_at": started,
            }
        )

    def _approval(self, deal: _Deal, asked: datetime, decided: datetime | None, events) -> None:
        """交易变更: forfeits and cancellations were approved by the manager; a few discount
        requests still wait."""
        kind, payload, reason = deal.approval
        events.append(
            (deal, asked, deal.consultant_id, f"request_{kind.value}",
             {"payload": payload, "reason": reason})
        )  # fmt: skip
        if decided is not None:
            events.append(
                (deal, decided, self.manager_id, f"approve_{kind.value}",
                 {"note": "同意", "payload": payload})
            )  # fmt: skip
        self.rows[DealApproval].append(
            {
                "id": self.ctx.ids.take(DealApproval),
                "project_id": self.project_id,
                "deal_id": deal.id,
                "pending_deal_id": None if decided else deal.id,
                "kind": kind,
                "status": ApprovalStatus.APPROVED if decided else ApprovalStatus.PENDING,
                "payload": payload,
                "reason": reason[:200],
                "requested_by": deal.consultant_id,
                "decided_by": self.manager_id if decided else None,
                "decided_at": decided,
                "decision_note": "同意" if decided else "",
                "created_at": asked,
            }
        )

    def _fee_lines(self, deal: _Deal) -> list[tuple[str, str, Decimal]]:
        """契税 and the fee rules in force, as the deal commands compute them at signing."""
        unit, on = deal.unit, deal.contracted_on
        # The seeded rates start in December 2024; earlier signings use the first rates.
        on = max(on, self.ctx.deed_tax_start)
        city = self.spec.city.name
        if unit.use == self.use["residential"]:
            tax = deed_tax(
                deal.deal_total, unit.gross, deal.home_count, self.ctx.deed_tax_rules, on, city
            )
        else:
            rule = deed_tax_rule(self.ctx.deed_tax_rules, on, city)
            tax = money(deal.deal_total * rule.other_home_rate)
        lines = [("deed_tax", "契税", tax)]
        variables = {
            "area": unit.gross,
            "price": deal.deal_total,
            "unit_price": money(deal.deal_total / unit.area()),
        }
        fund = money(evaluate_formula(self.fund_formula, variables))
        if fund > 0:
            lines.append(("maintenance_fund", "住宅专项维修资金", fund))
        return lines

    def _unit_rows(self) -> None:
        ctx = self.ctx
        adjustments: dict[tuple[int, date], list] = defaultdict(list)
        initial: dict[int, list] = defaultdict(list)  # building → (unit, first price, floor)
        for unit in self.units:
            price = unit.price
            floor_price = _floor_price(price)
            if unit.basis == PricingBasis.UNIT:
                floor_total = unit.fixed_total - Decimal(10_000)
                floor_price = money(floor_total / unit.gross)
            else:
                floor_total = money(unit.area() * floor_price)
            self.rows[Unit].append(
                {
                    "id": unit.id,
                    "project_id": self.project_id,
                    "building_id": unit.building,
                    "section": unit.section,
                    "floor": unit.floor,
                    "position": unit.position,
                    "code": unit.code,
                    "layout_id": unit.layout,
                    "orientation": unit.orientation,
                    "use": unit.use,
                    "decoration": self.decoration if unit.use == self.use["residential"] else "",
                    "gross_area": unit.gross,
                    "internal_area": unit.internal,
                    "shared_area": unit.shared,
                    "measured_gross_area": None,
                    "measured_internal_area": None,
                    "pricing_basis": unit.basis,
                    "list_unit_price": price,
                    "list_total": unit.total(price),
                    "floor_unit_price": floor_price,
                    "floor_total": floor_total,
                    "status": unit.status,
                    "release_batch_id": unit.batch_id,
                    "virtual_sold": unit.virtual_sold,
                    "updated_at": unit.updated_at,
                }
            )
            first = unit.changes[0][1] if unit.changes else price
            if first is not None:
                first_floor = (
                    floor_price if unit.basis == PricingBasis.UNIT else _floor_price(first)
                )
                initial[unit.building].append((unit, first, first_floor))
            for day, old, new, batch in unit.changes:
                adjustments[(unit.building, day)].append((unit, old, new, batch))
        self._initial_prices(initial)
        # 调价单: one applied adjustment per building and day, its items, and the history rows
        # that name it (PriceChange.batch = the adjustment's code, as the pricing commands do).
        building_codes = {b["id"]: b["code"] for b in self.rows[Building]}
        for (building_id, day), lines in adjustments.items():
            reason, _label, kind, amount = lines[0][3]
            adjustment_id = ctx.ids.take(PriceAdjustment)
            at = self.clock.at(day, 8, 30)
            code = f"TJ{at:%Y%m%d%H%M%S}{adjustment_id % 65536:04X}"
            old_total = sum((u.total(old) for u, old, _n, _b in lines), Decimal(0))
            new_total = sum((u.total(new) for u, _o, new, _b in lines), Decimal(0))
            change = max(abs(new - old) / old for _u, old, new, _b in lines)
            self.rows[PriceAdjustment].append(
                {
                    "id": adjustment_id,
                    "project_id": self.project_id,
                    "building_id": building_id,
                    "code": code,
                    "method": AdjustmentMethod.PERCENT
                    if kind == "pct"
                    else AdjustmentMethod.AMOUNT,
                    "value": amount * 100 if kind == "pct" else amount,
                    "scope": f"{building_codes[building_id]}栋 在售房源",
                    "reason": reason,
                    "status": AdjustmentStatus.APPLIED,
                    "unit_count": len(lines),
                    "old_total": old_total,
                    "new_total": new_total,
                    "max_change": change.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP),
                    "requested_by": self.manager_id,
                    "requested_at": at,
                    "decided_by": None,
                    "decided_at": None,
                    "decision_note": "",
                }
            )
            for unit, old, new, _batch in lines:
                prices = {
                    "unit_id": unit.id,
                    "old_list_unit_price": old,
                    "new_list_unit_price": new,
                    "old_list_total": unit.total(old),
                    "new_list_total": unit.total(new),
                    "old_floor_unit_price": _floor_price(old),
                    "new_floor_unit_price": _floor_price(new),
                }
                self._price_line(adjustment_id, code, at, reason, prices)

    def _price_line(self, adjustment_id: int, code: str, at, reason: str, prices: dict) -> None:
        """One unit's line of an adjustment and the price-history row it leaves."""
        ids = self.ctx.ids
        self.rows[PriceAdjustmentItem].append(
            {"id": ids.take(PriceAdjustmentItem), "adjustment_id": adjustment_id, **prices}
        )
        self.rows[PriceChange].append(
            {"id": ids.take(PriceChange), "at": at, "user_id": self.manager_id,
             "reason": reason, "batch": code, **prices}
        )  # fmt: skip

    def _initial_prices(self, initial: dict[int, list]) -> None:
        """定价: every priced unit's first price, as the 逐套定价 adjustment (one per building,
        before the sale) that set_prices would have written: its items and the history rows
        from no price to the first one, so that price trends cover every unit from the start."""
        ctx = self.ctx
        at = self.clock.at(self.history_start, 8)
        building_codes = {b["id"]: b["code"] for b in self.rows[Building]}
        reason = "开盘定价"
        for building_id, lines in initial.items():
            adjustment_id = ctx.ids.take(PriceAdjustment)
            code = f"TJ{at:%Y%m%d%H%M%S}{adjustment_id % 65536:04X}"
            self.rows[PriceAdjustment].append(
                {
                    "id": adjustment_id,
                    "project_id": self.project_id,
                    "building_id": building_id,
                    "code": code,
                    "method": AdjustmentMethod.DIRECT,
                    "value": None,
                    "scope": f"{building_codes[building_id]}栋 逐套定价 {len(lines)} 套",
                    "reason": reason,
                    "status": AdjustmentStatus.APPLIED,
                    "unit_count": len(lines),
                    "old_total": Decimal("0.00"),
                    "new_total": sum((u.total(p) for u, p, _f in lines), Decimal(0)),
                    "max_change": Decimal(0),  # from no price: rules.change_ratio gives 0
                    "requested_by": self.manager_id,
                    "requested_at": at,
                    "decided_by": None,
                    "decided_at": None,
                    "decision_note": "",
                }
            )
            for unit, price, floor_price in lines:
                prices = {
                    "unit_id": unit.id,
                    "old_list_unit_price": None,
                    "new_list_unit_price": price,
                    "old_list_total": None,
                    "new_list_total": unit.total(price),
                    "old_floor_unit_price": None,
                    "new_floor_unit_price": floor_price,
                }
                self._price_line(adjustment_id, code, at, reason, prices)

    # ---------------------------------------------------------------- customer rows

    def _customer_rows(self) -> None:
        """Stages from deals and age, follow-ups leading up to them, and the counters."""
        rng, today = self.rng, self.today
        lost = _Weighted(*self.lost)
        levels = _Weighted("ABCD", (10, 25, 35, 30))
        plan_names = [p.name for p in self.plans]
        buildings = [b.code for b in self.spec.buildings if b.kind in ("high", "low")]
        follow_ups: list[dict] = []
        demo_consultant = self.ctx.demo_user_ids["consultant"]
        reminders: list[int] = []
        for index, row in enumerate(self.c_rows):
            deal = self.c_deal[index]
            first = row["first_contact_on"]
            age = (today - first).days
            level, lost_reason = "", ""
            end = today
            lost_on = None
            if deal is not None:
                level = "A"
                if deal.live and deal.stage in (DealStage.SUBSCRIBED, DealStage.CONTRACTED):
                    stage = CustomerStage.DEAL
                elif deal.live:
                    stage = CustomerStage.OPPORTUNITY
                elif deal.state == DealState.EXPIRED:
                    stage = CustomerStage.OPPORTUNITY
                    level = _pick(rng, "BC")
                else:
                    stage, lost_reason = CustomerStage.LOST, deal.lost_reason or "funds"
                    lost_on = deal.closed_on
                end = deal.start
                count = 1 if first == deal.start else _ri(rng, 2, 6)
                row["intended_layout"] = self.layout_names.get(
                    deal.unit.layout, row["intended_layout"]
                )
            else:
                draw = rng.random()
                if age <= 14:
                    stage = (
                        CustomerStage.LEAD
                        if draw < 0.55
                        else (CustomerStage.OPPORTUNITY if draw < 0.95 else CustomerStage.LOST)
                    )
                elif age <= 90:
                    stage = (
                        CustomerStage.LEAD
                        if draw < 0.25
                        else (CustomerStage.OPPORTUNITY if draw < 0.7 else CustomerStage.LOST)
                    )
                else:
                    stage = (
                        CustomerStage.LEAD
                        if draw < 0.12
                        else (CustomerStage.OPPORTUNITY if draw < 0.4 else CustomerStage.LOST)
                    )
                if stage == CustomerStage.OPPORTUNITY:
                    level = levels.draw(rng)
                    count = _ri(rng, *_CONTACTS_BY_LEVEL[level])
                elif stage == CustomerStage.LOST:
                    lost_reason = lost.draw(rng)
                    count = _ri(rng, 1, 4)
                    if rng.random() < 0.45:
                        level = _pick(rng, "CD")  # had been an opportunity before
                else:
                    count = _ri(rng, 1, 2)
            # Contact dates: the first contact, then every few days up to `end`.
            dates = [first]
            span = (end - first).days
            for _ in range(count - 1):
                if span <= 0:
                    break
                step = _ri(rng, 1, max(1, min(21, span // max(1, count - 1) * 2)))
                nxt = dates[-1] + timedelta(days=step)
                if nxt > end:
                    break
                dates.append(nxt)
            if deal is not None and dates[-1] != deal.start:
                dates.append(deal.start)  # the customer came in to reserve or subscribe
            after_deal = None
            if (
                deal is not None
                and deal.contracted_on is not None
                and deal.contracted_on > (dates[-1])
            ):
                after_deal = deal.contracted_on
                dates.append(after_deal)
            visits = 0
            context = {
                "layout": row["intended_layout"],
                "building": _pick(rng, buildings) if buildings else "1",
                "plan": _pick(rng, plan_names),
            }
            kinds = []
            notes = []
            for n, day in enumerate(dates):
                if n == 0:
                    kind = row["first_contact"]
                    note = (_FIRST_VISIT if kind == ContactKind.VISIT else _FIRST_CALL).format(
                        **context
                    )
                elif deal is not None and day == deal.start:
                    kind = ContactKind.VISIT
                    note = {
                        DealStage.RESERVED: "客户到访预留房源 {unit}。",
                        DealStage.HELD: "客户到访临定房源 {unit}，已收小定。",
                    }.get(deal.stage, "客户到访认购房源 {unit}，已收定金。").format(
                        unit=deal.unit.code
                    )
                elif day == after_deal:
                    kind = ContactKind.VISIT
                    note = f"客户到访签署商品房买卖合同（{deal.unit.code}）。"
                else:
                    draw = rng.random()
                    if draw < 0.35:
                        kind, note = ContactKind.VISIT, _pick(rng, _VISIT_NOTES)
                    elif draw < 0.8:
                        kind, note = ContactKind.CALL, _pick(rng, _CALL_NOTES)
                    else:
                        kind, note = ContactKind.OTHER, _pick(rng, _OTHER_NOTES)
                    note = note.format(**context)
                if kind == ContactKind.VISIT:
                    visits += 1
                kinds.append(kind)
                notes.append(note)
            if stage == CustomerStage.LOST and deal is None:
                notes[-1] = notes[-1] + " " + _LOST_NOTES.get(lost_reason, "客户转为流失。")
            # The next follow-up planned after the last contact.
            last = dates[-1]
            next_on = None
            if stage in (CustomerStage.LEAD, CustomerStage.OPPORTUNITY):
                if (today - last).days <= 30 or rng.random() < 0.2:
                    next_on = last + timedelta(days=_ri(rng, 1, 10))
            elif stage == CustomerStage.DEAL and deal.contracted_on is None:
                next_on = last + timedelta(days=_ri(rng, 3, 10))  # remind to sign
            if (
                next_on is None
                and row["consultant_id"] == demo_consultant
                and stage in (CustomerStage.LEAD, CustomerStage.OPPORTUNITY)
            ):
                reminders.append(index)
            for n, day in enumerate(dates):
                planned = dates[n + 1] if n + 1 < len(dates) else next_on
                follow_ups.append(
                    {
                        "id": 0,
                        "customer_id": row["id"],
                        "user_id": row["consultant_id"],
                        "kind": kinds[n],
                        "happened_on": day,
                        "notes": notes[n],
                        "next_on": planned,
                    }
                )
            row["stage"] = stage
            row["level"] = level
            row["lost_reason"] = lost_reason
            if level:  # an opportunity from registration or from the second contact on
                row["opportunity_on"] = (
                    dates[0] if len(dates) == 1 or rng.random() < 0.4 else (dates[1])
                )
            if stage == CustomerStage.LOST:
                row["lost_on"] = lost_on or last
            row["visit_count"] = visits
            row["follow_up_count"] = len(dates)
            row["last_contact_on"] = last
            row["next_follow_up_on"] = next_on
        self._reminders(follow_ups, reminders)
        follow_id = self.ctx.ids.take(FollowUp, len(follow_ups))
        for offset, row in enumerate(follow_ups):
            row["id"] = follow_id + offset
        self.rows[Customer] = self.c_rows
        self.rows[FollowUp] = follow_ups

    def _reminders(self, follow_ups: list[dict], candidates: list[int]) -> None:
        """Make sure the demo consultant's desk shows follow-ups due today and overdue, and
        birthdays in the coming week."""
        if not self.first:
            return
        rng, today = self.rng, self.today
        last_follow_up = {}
        for row in follow_ups:
            last_follow_up[row["customer_id"]] = row  # rows are in date order per customer
        chosen = candidates[-12:]
        for n, index in enumerate(chosen):
            row = self.c_rows[index]
            due = today - timedelta(days=n % 4) if n < 8 else today + timedelta(days=n - 7)
            if due < row["last_contact_on"]:
                due = today
            row["next_follow_up_on"] = due
            last_follow_up[row["id"]]["next_on"] = due
        demo = self.ctx.demo_user_ids["consultant"]
        with_id = [r for r in self.c_rows if r["consultant_id"] == demo and r["id_number"]]
        for n, row in enumerate(with_id[-7:]):
            upcoming = today + timedelta(days=n)
            born = row["birthday"]
            year = born.year
            if (upcoming.month, upcoming.day) == (2, 29):
                continue
            born = date(year, upcoming.month, upcoming.day)
            row["birthday"] = born
            male = row["gender"] == "男"
            row["id_number"] = _id_number(row["id_number"][:6], born, male, rng)

    # ---------------------------------------------------------------- receivables and receipts

    def _money(self) -> None:
        """Receivables as the deal commands write them and receipts as finance records them:
        most paid on time, some late or partly (dunning), bank loans after the contract, big
        transfers split by the buyer's daily online-banking limit."""
        rng, today = self.rng, self.today
        limits = self.ctx.scale.transfer_limits
        price_level = self.spec.city.base_price * self.spec.price_factor / _REFERENCE_PRICE
        receivables: list[dict] = []
        receipts: list[list] = []  # [day, deal, payer, method, [(receivable row, amount)]]
        bank = f"{_pick(rng, _BANKS)}{self.spec.city.name}分行"
        fund = f"{self.spec.city.name}住房公积金管理中心"
        for deal in self.deals:
            if deal.stage == DealStage.RESERVED:
                continue
            customer = self.c_rows[deal.customer]["name"]
            mine = [self._receivable(deal, kind, due, amount) for kind, due, amount in
                    self._schedule(deal)]  # fmt: skip
            receivables.extend(mine)
            # Money stops at a forfeit (only the deposit was paid) or the day before a refund.
            if deal.state == DealState.FORFEITED:
                cutoff = deal.closed_on
            elif deal.closed_on is not None:
                cutoff = deal.closed_on - timedelta(days=1)
            else:
                cutoff = today
            profile = _PAYMENT_PROFILES.draw(rng)
            limit = _pick(rng, limits)
            if limit:
                # Dearer cities, bigger transfers: a similar number of transfers per sale.
                limit = max(20_000, round(limit * price_level / 10_000) * 10_000)
            fees = []
            for row in mine:
                kind, amount, due = row["kind"], row["amount"], row["due_on"]
                if kind == ReceivableKind.DEPOSIT:
                    method = "card" if rng.random() < 0.6 else "transfer"
                    receipts.append([due, deal, customer, method, [(row, amount)]])
                elif deal.state == DealState.FORFEITED:
                    continue
                elif kind == ReceivableKind.FEE:
                    fees.append(row)
                elif row["payer"] != "buyer":
                    if deal.contracted_on is None:
                        continue  # the bank lends after the contract
                    paid_on = max(due, deal.contracted_on + timedelta(days=_ri(rng, 15, 45)))
                    if paid_on <= cutoff and rng.random() < 0.95:
                        payer = bank if kind == ReceivableKind.MORTGAGE else fund
                        receipts.append([paid_on, deal, payer, "bank", [(row, amount)]])
                else:
                    receipts.extend(self._payments(deal, row, customer, profile, limit, cutoff))
            if fees:
                paid_on = deal.contracted_on + timedelta(days=_ri(rng, 0, 20))
                if paid_on <= cutoff:
                    receipts.append(
                        [paid_on, deal, customer, "transfer", [(r, r["amount"]) for r in fees]]
                    )
        self._receipt_rows(receivables, receipts)

    def _receivable(self, deal: _Deal, kind: ReceivableKind, due: date, amount: Decimal) -> dict:
        deal.seq += 1
        return {
            "id": self.ctx.ids.take(Receivable),
            "project_id": self.project_id,
            "deal_id": deal.id,
            "seq": deal.seq,
            "kind": kind,
            "payer": _PAYERS.get(kind, "buyer"),
            "due_on": due,
            "amount": amount,
            "paid": Decimal(0),
            "cancelled": False,
        }

    def _schedule(self, deal: _Deal) -> list[tuple[ReceivableKind, date, Decimal]]:
        """A hold's small deposit; for a sale the deposit, the rest of the price spread over the
        plan's shares (deals.split_schedule), and from the contract on its taxes and fees."""
        if deal.subscribed_on is None:
            return [(ReceivableKind.DEPOSIT, deal.start, deal.deposit)]
        start = deal.subscribed_on
        lines = [(ReceivableKind.DEPOSIT, start, deal.deposit)]
        for kind, amount, days in split_schedule(deal.deal_total - deal.deposit, deal.plan.items):
            if amount:
                lines.append((kind, start + timedelta(days=days), amount))
        if deal.contracted_on is not None:
            due = deal.contracted_on + timedelta(days=FEE_DUE_DAYS)
            lines.extend((ReceivableKind.FEE, due, amount) for _c, _n, amount in deal.fees)
        return lines

    def _payments(self, deal, row, payer, profile, limit, cutoff) -> list[list]:
        rng = self.rng
        due, amount = row["due_on"], row["amount"]
        if profile == "prompt":
            paid_on = due + timedelta(days=_ri(rng, -3, 3))
        elif profile == "late":
            paid_on = due + timedelta(days=_ri(rng, 5, 60))
        elif profile == "very_late":
            paid_on = due + timedelta(days=_ri(rng, 60, 240))
        else:
            paid_on = due + timedelta(days=_ri(rng, 0, 10))
            if row["kind"] != ReceivableKind.FULL_PAYMENT and rng.random() < 0.5:
                amount = money(amount * Decimal("0.6"))  # paid part, the rest still owed
        paid_on = max(paid_on, deal.subscribed_on)
        # Online banking limits split a big payment into a transfer a day.
        step = Decimal(limit) if limit else amount
        out = []
        rest = amount
        day = paid_on
        while rest > 0 and day <= cutoff:
            part = min(step, rest)
            method = "transfer" if part >= 50_000 else _pick(rng, ("card", "transfer"))
            out.append([day, deal, payer, method, [(row, part)]])
            rest -= part
            day += timedelta(days=1)
        return out

    def _receipt_rows(self, receivables: list[dict], receipts: list[list]) -> None:
        rng, today, ctx = self.rng, self.today, self.ctx
        receipts.sort(key=lambda r: (r[0], r[1].id))
        receipt_rows: list[dict] = []
        allocation_rows: list[dict] = []
        for day, deal, payer, method, allocations in receipts:
            amount = sum((a for _r, a in allocations), Decimal(0))
            if method not in self.methods and self.methods:
                method = "transfer" if "transfer" in self.methods else sorted(self.methods)[0]
            statuses = []
            if deal.live:
                if rng.random() < 0.006:
                    statuses.append(ReceiptStatus.VOIDED)  # mistyped, voided, issued again
                recent = (today - day).days <= 2
                statuses.append(
                    ReceiptStatus.DRAFT if recent and rng.random() < 0.5 else ReceiptStatus.AUDITED
                )
            else:
                statuses.append(ReceiptStatus.AUDITED)  # closing needs every receipt audited
            kind = max(allocations, key=lambda line: line[1])[0]["kind"]
            split = splits_kinds(row["kind"] for row, _part in allocations)
            for status in statuses:
                key = (self.company_id, day.year)
                ctx.receipt_numbers[key] += 1
                receipt_id = ctx.ids.take(Receipt)
                created = self.clock.during(day, rng)
                audited_at = None
                if status == ReceiptStatus.AUDITED:
                    # Finance audits the same day or the next days, never before the entry.
                    audited_on = day + timedelta(days=_pick(rng, (0, 0, 1, 2)))
                    audited_at = self.clock.during(audited_on, rng)
                    audited_at = max(min(audited_at, ctx.now), created)
                receipt_rows.append(
                    {
                        "id": receipt_id,
                        "company_id": self.company_id,
                        "project_id": self.project_id,
                        "deal_id": deal.id,
                        "number": f"{RECEIPT_PREFIX}{day.year}{ctx.receipt_numbers[key]:06d}",
                        "payer": payer[:100],
                        "method": method,
                        "kind": kind,
                        "amount": amount,
                        "received_on": day,
                        "status": status,
                        "reverses_id": None,
                        "created_by": self.finance_id,
                        "audited_by": self.finance_id if audited_at else None,
                        "audited_at": audited_at,
                        "notes": self._receipt_note(kind, status),
                        "created_at": created,
                        "split_kinds": split,
                    }
                )
                for receivable, part in allocations:
                    allocation_rows.append(
                        {
                            "id": ctx.ids.take(ReceiptAllocation),
                            "receipt_id": receipt_id,
                            "receivable_id": receivable["id"],
                            "amount": part,
                        }
                    )
                    if status == ReceiptStatus.AUDITED:
                        receivable["paid"] += part
        self._close_money(receivables)
        self.rows[Receivable] = receivables
        self.rows[Receipt] = receipt_rows
        self.rows[ReceiptAllocation] = allocation_rows

    def _close_money(self, receivables: list[dict]) -> None:
        """Closed deals as the close commands leave them: unpaid lines cancelled, and what is
        owed back (all of it after 退房, beyond the deposit after 挞定, a hold's deposit after it
        expired) as a negative line payable by the developer."""
        by_deal: dict[int, list[dict]] = defaultdict(list)
        for row in receivables:
            by_deal[row["deal_id"]].append(row)
        for deal in self.deals:
            if deal.live or deal.id not in by_deal:
                continue
            rows = by_deal[deal.id]
            paid = sum((r["paid"] for r in rows), Decimal(0))
            if deal.state == DealState.FORFEITED:
                paid -= sum((r["paid"] for r in rows if r["kind"] == ReceivableKind.DEPOSIT),
                            Decimal(0))  # fmt: skip
            for row in rows:
                if row["paid"] == 0:
                    row["cancelled"] = True
            if paid > 0:
                refund = self._receivable(deal, ReceivableKind.REFUND, deal.closed_on, -paid)
                refund["payer"] = "developer"
                receivables.append(refund)

    @staticmethod
    def _receipt_note(kind: ReceivableKind, status: ReceiptStatus) -> str:
        if status == ReceiptStatus.VOIDED:
            return "付款方式录入错误，作废重开"
        return {
            ReceivableKind.DEPOSIT: "定金",
            ReceivableKind.MORTGAGE: "银行按揭放款",
            ReceivableKind.PROVIDENT: "公积金贷款放款",
            ReceivableKind.FEE: "代收契税及维修资金",
        }.get(kind, "")

    # ---------------------------------------------------------------- sales plans

    def _sales_plans(self) -> None:
        rng, today = self.rng, self.today
        actual: Counter = Counter()
        for deal in self.deals:
            if deal.subscribed_on is not None:
                month = _month_start(deal.subscribed_on)
                actual[(month, None)] += 1
                actual[(month, deal.consultant_id)] += 1
        sold = [d for d in self.deals if d.subscribed_on is not None]
        mean_area = (
            sum((d.unit.area() for d in sold), Decimal(0)) / len(sold) if sold else Decimal(100)
        )
        mean_total = (
            sum((d.deal_total for d in sold), Decimal(0)) / len(sold)
            if sold
            else Decimal(2_000_000)
        )
        team_of = {user_id: team_id for user_id, team_id, _w in self.staff.consultants}
        month = _month_start(self.opened)
        last_month = _next_month(_month_start(today))
        recent: list[int] = []
        while month <= last_month:
            future = month > _month_start(today)
            project_actual = actual[(month, None)]
            if future or month == _month_start(today):
                base = max(4, round(sum(recent[-3:]) / max(1, len(recent[-3:]))))
            else:
                base = max(2, project_actual)
                recent.append(project_actual)
            target = max(2, round(base * rng.uniform(0.9, 1.25)))
            self._plan_row(month, None, None, target, mean_area, mean_total)
            per_user = {}
            for user_id, _team, weight in self.staff.consultants:
                per_user[user_id] = max(
                    1, round(target * weight / sum(w for _u, _t, w in self.staff.consultants))
                )
            for team_id in self.staff.team_ids:
                team_target = sum(t for u, t in per_user.items() if team_of[u] == team_id)
                self._plan_row(month, team_id, None, team_target, mean_area, mean_total)
            for user_id, user_target in per_user.items():
                self._plan_row(month, team_of[user_id], user_id, user_target, mean_area, mean_total)
            month = _next_month(month)

    def _plan_row(self, month, team_id, user_id, units, mean_area, mean_total) -> None:
        self.rows[SalesPlan].append(
            {
                "id": self.ctx.ids.take(SalesPlan),
                "project_id": self.project_id,
                "month": month,
                "team_id": team_id,
                "user_id": user_id,
                "target_units": units,
                "target_area": (mean_area * units).quantize(_YUAN, rounding=ROUND_HALF_UP),
                "target_amount": (mean_total * units / 10_000).quantize(
                    _YUAN, rounding=ROUND_HALF_UP
                )
                * 10_000,
            }
        )

    # ---------------------------------------------------------------- marketing

    def _marketing(self) -> None:
        rng, today, ctx = self.rng, self.today, self.ctx
        size = max(0.3, len(self.units) / 1200)
        channels = set(ctx.codes.codes("channel"))
        lines = [
            line
            for line in _MARKETING_LINES
            if line[0] in channels and line[1] in self.expense_categories
        ]
        agency_by_month: Counter = Counter()
        for deal in self.deals:
            customer = self.c_rows[deal.customer]
            if deal.contracted_on is not None and customer["channel"] == "agency":
                agency_by_month[_month_start(deal.contracted_on)] += deal.deal_total
        city = self.spec.city.name
        month = _month_start(self.history_start)
        last_month = _next_month(_month_start(today))
        while month <= last_month:
            days_in_month = calendar.monthrange(month.year, month.month)[1]
            season = _MONTH_FACTOR[month.month - 1]
            for channel, category, monthly in lines:
                if channel == "tv" and month.month not in (3, 4, 9, 10):
                    continue
                if channel == "expo" and month.month not in (3, 5, 9, 10, 11):
                    continue
                if channel == "agency":
                    previous = agency_by_month.get(_month_start(month - timedelta(days=1)), 0)
                    actual_total = money(Decimal(agency_by_month.get(month, 0)) * Decimal("0.01"))
                    budget = max(
                        Decimal(50_000), money(Decimal(previous) * Decimal("0.011"))
                    ).quantize(_YUAN)
                else:
                    budget = Decimal(round(monthly * size * season / 1000) * 1000)
                    actual_total = None
                if budget <= 0:
                    continue
                self.rows[MarketingBudget].append(
                    {
                        "id": ctx.ids.take(MarketingBudget),
                        "project_id": self.project_id,
                        "month": month,
                        "channel": channel,
                        "category": category,
                        "amount": budget,
                    }
                )
                # Campaigns run two months; demo_marketing makes them from these names.
                start = month.replace(month=(month.month - 1) // 2 * 2 + 1)
                campaign = (
                    "" if channel in _UNCAMPAIGNED else f"{start.year}年{_CAMPAIGNS[start.month]}"
                )
                if month > today:
                    continue
                spend = (
                    actual_total
                    if actual_total is not None
                    else money(budget * Decimal(str(round(rng.uniform(0.7, 1.12), 3))))
                )
                if spend <= 0:
                    continue
                pieces = 1 if channel == "agency" else _ri(rng, 1, 3)
                shares = [Decimal(_ri(rng, 2, 6)) for _ in range(pieces)]
                amounts = [money(spend * s / sum(shares)) for s in shares[:-1]]
                amounts.append(spend - sum(amounts, Decimal(0)))
                for amount in amounts:
                    last_day = min(days_in_month, (today - month).days + 1)
                    if last_day < 1 or amount <= 0:
                        continue
                    spent_on = month.replace(day=_ri(rng, 1, last_day))
                    vendor = _pick(rng, _VENDORS.get(category, ("{city}营销服务有限公司",)))
                    expense = {
                        "id": ctx.ids.take(MarketingExpense),
                        "project_id": self.project_id,
                        "spent_on": spent_on,
                        "channel": channel,
                        "category": category,
                        "campaign": campaign,
                        "campaign_id": None,
                        "vendor": vendor.format(city=city),
                        "invoice_no": f"{spent_on.year % 100:02d}{rng.randrange(10**17, 10**18)}",
                        "amount": amount,
                        "created_by": self.marketing_id,
                        "created_at": self.clock.during(spent_on, rng),
                    }
                    self.rows[MarketingExpense].append(expense)
            month = _next_month(month)
