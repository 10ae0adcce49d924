"""Small, explicit test data built through the models (fast: no password hashing per user)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.orm import Session

from data_layer import localtime
from data_layer.commands.users import hash_password
from data_layer.models import (
    Building,
    Company,
    Customer,
    CustomerStage,
    Project,
    RoleCode,
    Team,
    Unit,
    UnitStatus,
    User,
)

PASSWORD = "Secret123"
_HASH = None


def password_hash() -> str:
    global _HASH
    if _HASH is None:
        _HASH = hash_password(PASSWORD)
    return _HASH


@dataclass
class World:
    company: Company
    projects: list[Project]
    users: dict[str, User] = field(default_factory=dict)


def make_user(session: Session, username: str, role: RoleCode, projects=(), team=None) -> User:
    user = User(
        username=username,
        display_name=username.title(),
        role_code=role,
        password_hash=password_hash(),
        team_id=team.id if team else None,
        projects=list(projects),
    )
    session.add(user)
    session.flush()
    return user


def make_world(session: Session) -> World:
    company = Company(code="HY", name="华宇地产")
    session.add(company)
    session.flush()
    p1 = Project(company_id=company.id, code="P1", name="滨江壹号", city="杭州")
    p2 = Project(company_id=company.id, code="P2", name="西湖花园", city="杭州")
    session.add_all([p1, p2])
    session.flush()
    t1 = Team(project_id=p1.id, name="一组")
    t2 = Team(project_id=p2.id, name="二组")
    session.add_all([t1, t2])
    session.flush()
    world = World(company=company, projects=[p1, p2])
    world.users = {
        "admin": make_user(session, "admin", RoleCode.ADMIN),
        "executive": make_user(session, "exec", RoleCode.EXECUTIVE),
        "manager": make_user(session, "manager", RoleCode.MANAGER, [p1], t1),
        "consultant": make_user(session, "consultant", RoleCode.CONSULTANT, [p1], t1),
        "consultant2": make_user(session, "consultant2", RoleCode.CONSULTANT, [p1], t1),
        "consultant_p2": make_user(session, "consultant3", RoleCode.CONSULTANT, [p2], t2),
        "finance": make_user(session, "finance", RoleCode.FINANCE, [p1]),
        "marketing": make_user(session, "marketing", RoleCode.MARKETING, [p1, p2]),
        "aftersales": make_user(session, "aftersales", RoleCode.AFTERSALES, [p1]),
    }
    return world


def make_customer(
    session: Session, project: Project, consultant: User, name: str, mobile: str, **kwargs
) -> Customer:
    values = dict(first_contact_on=localtime.today(), stage=CustomerStage.LEAD)
    values.update(kwargs)
    customer = Customer(
        project_id=project.id, consultant_id=consultant.id, name=name, mobile=mobile, **values
    )
    session.add(customer)
    session.flush()
    return customer


def make_building(
    session: Session,
    project: Project,
    code: str = "1",
    floors: int = 3,
    per_floor: int = 2,
    status: UnitStatus = UnitStatus.AVAILABLE,
) -> Building:
    building = Building(
        project_id=project.id, code=code, name=f"{code}栋", floors=floors, units_per_floor=per_floor
    )
    session.add(building)
    session.flush()
    for floor in range(1, floors + 1):
        for position in range(1, per_floor + 1):
            area = Decimal("89.50") + position
            price = Decimal("20000.00")
            session.add(
                Unit(
                    project_id=project.id,
                    building_id=building.id,
                    floor=floor,
                    position=position,
                    code=f"{code}-1-{floor}{position:02d}",
                    gross_area=area,
                    internal_area=area - Decimal("15.00"),
                    shared_area=Decimal("15.00"),
                    list_unit_price=price,
                    list_total=area * price,
                    floor_unit_price=Decimal("19000.00"),
                    floor_total=area * Decimal("19000.00"),
                    status=status,
                )
            )
    session.flush()
    return building
