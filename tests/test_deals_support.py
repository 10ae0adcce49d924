"""Test data for the deals and finance tests: a project with units, customers and plans."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from data_layer.models import (
    Building,
    PaymentPlan,
    PaymentPlanItem,
    PlanKind,
    ReceivableKind,
    Unit,
    UnitStatus,
)
from tests.factories import World, make_customer, make_world


@dataclass
class Market:
    world: World
    units: list[Unit]
    customers: list
    lump: PaymentPlan  # 一次性 98折
    mortgage: PaymentPlan  # 按揭 99折: 30% down, 70% bank

    def user(self, key):
        return self.world.users[key]


def make_units(session, project, code="3", floors=2, per_floor=2, price="20000.00") -> list[Unit]:
    building = Building(
        project_id=project.id, code=code, name=f"{code}栋", floors=floors, units_per_floor=per_floor
    )
    session.add(building)
    session.flush()
    units = []
    for floor in range(1, floors + 1):
        for position in range(1, per_floor + 1):
            area = Decimal("100.00")
            unit = Unit(
                project_id=project.id,
                building_id=building.id,
                floor=floor,
                position=position,
                code=f"{code}-1-{floor}{position:02d}",
                gross_area=area,
                internal_area=Decimal("85.00"),
                shared_area=Decimal("15.00"),
                list_unit_price=Decimal(price),
                list_total=area * Decimal(price),
                floor_unit_price=Decimal("19000.00"),
                floor_total=area * Decimal("19000.00"),
                status=UnitStatus.AVAILABLE,
            )
            session.add(unit)
            units.append(unit)
    session.flush()
    return units


def make_plans(session, project):
    lump = PaymentPlan(
        project_id=project.id,
        name="一次性98折",
        kind=PlanKind.LUMP_SUM,
        discount_rate=Decimal("0.98"),
        active=True,
    )
    mortgage = PaymentPlan(
        project_id=project.id,
        name="按揭99折",
        kind=PlanKind.COMMERCIAL,
        discount_rate=Decimal("0.99"),
        active=True,
    )
    session.add_all([lump, mortgage])
    session.flush()
    session.add_all(
        [
            PaymentPlanItem(
                plan_id=lump.id,
                seq=1,
                kind=ReceivableKind.FULL_PAYMENT,
                ratio=Decimal("1"),
                due_days=7,
            ),
            PaymentPlanItem(
                plan_id=mortgage.id,
                seq=1,
                kind=ReceivableKind.DOWN_PAYMENT,
                ratio=Decimal("0.3"),
                due_days=7,
            ),
            PaymentPlanItem(
                plan_id=mortgage.id,
                seq=2,
                kind=ReceivableKind.MORTGAGE,
                ratio=Decimal("0.7"),
                due_days=60,
            ),
        ]
    )
    session.flush()
    session.expire(lump)
    session.expire(mortgage)
    return lump, mortgage


def make_market(session, world: World | None = None) -> Market:
    world = world or make_world(session)
    p1 = world.projects[0]
    units = make_units(session, p1)
    customers = [
        make_customer(session, p1, world.users["consultant"], "王芳", "13800000001"),
        make_customer(session, p1, world.users["consultant2"], "李娜", "13800000002"),
        make_customer(session, p1, world.users["consultant"], "张伟", "13800000003"),
    ]
    lump, mortgage = make_plans(session, p1)
    return Market(world, units, customers, lump, mortgage)


def subscribe_in_app(s, *, mortgage: bool = False, contract_no: str | None = None):
    """In the app_env world (tests/conftest.py): the consultant subscribes 张伟 to P1's first
    unit on a new lump-sum (or mortgage) plan, and signs when `contract_no` is given; returns
    the deal and the unit."""
    from sqlalchemy import select

    from data_layer.commands import deals as deal_cmd
    from data_layer.models import Customer, Project, Unit, User

    project = s.scalar(select(Project).where(Project.code == "P1"))
    lump, mortgage_plan = make_plans(s, project)
    consultant = s.scalar(select(User).where(User.username == "consultant"))
    customer = s.scalar(select(Customer).where(Customer.name == "张伟"))
    unit = s.scalar(select(Unit).where(Unit.project_id == project.id).order_by(Unit.id))
    deal = deal_cmd.subscribe(
        s,
        actor=consultant,
        unit_id=unit.id,
        customer_id=customer.id,
        plan_id=(mortgage_plan if mortgage else lump).id,
        deposit=Decimal("50000"),
    )
    if contract_no:
        deal_cmd.sign_contract(s, actor=consultant, deal_id=deal.id, contract_no=contract_no)
    return deal, unit
