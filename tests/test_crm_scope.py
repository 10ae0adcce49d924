"""Who sees what in the CRM, for every read and every role, on SQLite and MariaDB; the funnel,
trend, ranking and lost-reason figures on a known set of customers."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from data_layer import localtime
from data_layer.errors import NotFound, PermissionDenied
from data_layer.models import (
    ContactKind,
    CustomerStage,
    Deal,
    DealStage,
    RoleCode,
    Team,
    Unit,
)
from data_layer.queries import crm as queries
from data_layer.queries import funnel
from tests.factories import make_building, make_customer, make_user

D = date(2026, 11, 10)
PERIOD = funnel.FunnelFilter(start=date(2026, 11, 1), end=date(2026, 11, 30))


@pytest.fixture
def crm_world(session, world):
    """Customers of three consultants in two projects, a second team in project 1, deals."""
    p1, p2 = world.projects
    u = world.users
    team_b = Team(project_id=p1.id, name="二组")
    session.add(team_b)
    session.flush()
    u["consultant_b"] = make_user(session, "consultantb", RoleCode.CONSULTANT, [p1], team_b)
    u["manager_b"] = make_user(session, "managerb", RoleCode.MANAGER, [p1], team_b)
    u["manager_all"] = make_user(session, "managerall", RoleCode.MANAGER, [p1, p2])
    c = {}
    c["a1"] = make_customer(
        session,
        p1,
        u["consultant"],
        "甲一",
        "13800000001",
        first_contact_on=D,
        visit_count=2,
        opportunity_on=D,
        stage=CustomerStage.OPPORTUNITY,
        level="A",
        channel="online",
        id_number="11010519491231002X",
        birthday=date(1949, 12, 31),
        next_follow_up_on=D,
    )
    c["a2"] = make_customer(
        session,
        p1,
        u["consultant"],
        "甲二",
        "13800000002",
        first_contact_on=D,
        first_contact=ContactKind.CALL,
        visit_count=0,
        channel="referral",
    )
    c["a3"] = make_customer(
        session,
        p1,
        u["consultant2"],
        "乙一",
        "13800000003",
        first_contact_on=D + timedelta(1),
        visit_count=1,
        opportunity_on=D,
        stage=CustomerStage.OPPORTUNITY,
        level="B",
        channel="online",
    )
    c["a4"] = make_customer(
        session,
        p1,
        u["consultant2"],
        "乙二",
        "13800000004",
        first_contact_on=date(2026, 10, 1),
        stage=CustomerStage.LOST,
        lost_reason="price",
        lost_on=D,
        channel="online",
    )
    c["b1"] = make_customer(
        session,
        p1,
        u["consultant_b"],
        "丙一",
        "13800000005",
        first_contact_on=D,
        visit_count=3,
        channel="online",
    )
    c["p2"] = make_customer(
        session,
        p2,
        u["consultant_p2"],
        "丁一",
        "13800000006",
        first_contact_on=D,
        channel="online",
    )
    make_building(session, p1)
    units = session.scalars(select(Unit).where(Unit.project_id == p1.id).order_by(Unit.id)).all()
    # a1 subscribed then signed; b1 subscribed without anyone marking them an opportunity.
    session.add_all(
        [
            Deal(
                project_id=p1.id,
                unit_id=units[0].id,
                customer_id=c["a1"].id,
                consultant_id=u["consultant"].id,
                stage=DealStage.CONTRACTED,
                subscribed_on=D,
                contracted_on=D + timedelta(5),
                deal_total=Decimal("2000000.00"),
            ),
            Deal(
                project_id=p1.id,
                unit_id=units[1].id,
                customer_id=c["b1"].id,
                consultant_id=u["consultant_b"].id,
                stage=DealStage.SUBSCRIBED,
                subscribed_on=D,
            ),
        ]
    )
    session.flush()
    return u, c


def names(frame):
    return set(frame["name"])


ALL_P1 = {"甲一", "甲二", "乙一", "乙二", "丙一"}
# The dates of this module's customers: rows other test modules commit (with today's date) to
# the shared database stay out of the all-project views of the administrator and executive.
OWN_DATES = queries.CustomerFilter(start=date(2026, 10, 1), end=date(2026, 11, 30))
EXPECTED_LIST = {
    "admin": ALL_P1 | {"丁一"},
    "executive": ALL_P1 | {"丁一"},
    "manager": {"甲一", "甲二", "乙一", "乙二"},  # team 一组 only
    "manager_b": {"丙一"},
    "manager_all": ALL_P1 | {"丁一"},  # no team of their own: their projects
    "consultant": {"甲一", "甲二"},
    "consultant2": {"乙一", "乙二"},
    "consultant_p2": {"丁一"},
}


@pytest.mark.parametrize("role", list(EXPECTED_LIST))
def test_customer_list_is_scoped_for_every_role(session, crm_world, role):
    users, _ = crm_world
    frame = queries.customers_frame(session, users[role], OWN_DATES)
    assert names(frame) == EXPECTED_LIST[role]


@pytest.mark.parametrize("role", ["marketing", "finance", "aftersales"])
def test_roles_without_customer_records_are_refused_every_customer_read(session, crm_world, role):
    users, c = crm_world
    viewer = users[role]
    today = D
    for read in (
        lambda: queries.customers_frame(session, viewer, queries.CustomerFilter()),
        lambda: queries.customer_detail(session, viewer, c["a1"].id),
        lambda: queries.overdue_follow_ups(session, viewer, today),
        lambda: queries.upcoming_birthdays(session, viewer, today),
        lambda: queries.transferred_to_me(session, viewer, today),
        lambda: funnel.stage_customers(session, viewer, PERIOD, "new"),
    ):
        with pytest.raises(PermissionDenied):
            read()


def test_marketing_reads_aggregates_of_its_projects(session, crm_world):
    users, _ = crm_world
    counts = funnel.stage_counts(session, users["marketing"], PERIOD)[None]
    assert counts["new"] == 5  # 4 of project 1 first contacted in November + 1 of project 2
    frame = funnel.trend(session, users["marketing"], PERIOD, "month")
    assert frame["total"].sum() == 5


def test_customer_page_refuses_another_consultants_customer(session, crm_world):
    users, c = crm_world
    detail = queries.customer_detail(session, users["consultant"], c["a1"].id)
    assert detail.mobile == "13800000001"
    with pytest.raises(PermissionDenied):
        queries.customer_detail(session, users["consultant"], c["a3"].id)
    with pytest.raises(PermissionDenied):
        queries.customer_detail(session, users["manager_b"], c["a1"].id)
    with pytest.raises(PermissionDenied):
        queries.customer_detail(session, users["manager"], c["p2"].id)
    with pytest.raises(NotFound):
        queries.customer_detail(session, users["consultant"], 999999)
    with pytest.raises(NotFound):
        queries.customer_detail(session, users["consultant"], "1 OR 1=1")


def test_customer_page_lists_contacts_and_deals_in_time_order(session, crm_world):
    users, c = crm_world
    detail = queries.customer_detail(session, users["executive"], c["a1"].id)
    assert list(detail.deals["unit"]) == ["1-1-101"]
    assert detail.deals["deal_total"].iloc[0] == Decimal("2000000.00")
    assert list(detail.timeline["kind"]) == ["deal.created"]


def test_masking_for_viewers_without_personal_data_permission(session, crm_world, monkeypatch):
    users, _c = crm_world
    from data_layer import authz

    monkeypatch.setattr(authz, "sees_personal_data", lambda viewer: False)
    frame = queries.customers_frame(session, users["executive"], OWN_DATES)
    row = frame[frame["name"] == "甲一"].iloc[0]
    assert row["mobile"] == "138****0001"
    assert row["id_number"] == "110105********002X"
    # and a search by phone digits does not reveal who has them
    found = queries.customers_frame(
        session, users["executive"], replace(OWN_DATES, search="13800000001")
    )
    assert len(found) == 0


def test_search_by_name_mobile_and_id(session, crm_world):
    users, _ = crm_world
    viewer = users["executive"]
    assert names(queries.customers_frame(session, viewer, replace(OWN_DATES, search="乙"))) == {
        "乙一",
        "乙二",
    }
    assert names(
        queries.customers_frame(session, viewer, replace(OWN_DATES, search="0000 0005"))
    ) == {"丙一"}
    assert names(
        queries.customers_frame(session, viewer, replace(OWN_DATES, search="1231002x"))
    ) == {"甲一"}
    assert names(queries.customers_frame(session, viewer, replace(OWN_DATES, search="%"))) == set()


def test_reminders_are_scoped_and_sorted(session, crm_world):
    users, _c = crm_world
    due = queries.overdue_follow_ups(session, users["consultant"], D + timedelta(days=2))
    assert list(due["name"]) == ["甲一"]
    assert due["days_overdue"].iloc[0] == 2
    assert len(queries.overdue_follow_ups(session, users["consultant2"], D)) == 0
    birthdays = queries.upcoming_birthdays(session, users["consultant"], date(2026, 12, 25), days=7)
    assert list(birthdays["name"]) == ["甲一"]
    assert birthdays["days_to_birthday"].iloc[0] == 6
    assert birthdays["age"].iloc[0] == 77
    assert len(queries.upcoming_birthdays(session, users["consultant2"], date(2026, 12, 25))) == 0


def test_funnel_counts_and_conversion_rates(session, crm_world):
    users, _ = crm_world
    f = funnel.FunnelFilter(
        project_id=crm_world[0]["manager"].projects[0].id, start=PERIOD.start, end=PERIOD.end
    )
    frame = funnel.funnel(session, users["executive"], f)
    got = dict(zip(frame["stage"], frame["customers"], strict=True))
    # Nested stages (reached at least): new: a1 a2 a3 b1; returning: a1 b1 + a3 (opportunity at
    # the first visit); opportunity: a1 a3 + b1 (subscribed); subscribed: a1 b1; contracted: a1
    assert got == {"new": 4, "returning": 3, "opportunity": 3, "subscribed": 2, "contracted": 1}
    rates = dict(zip(frame["stage"], frame["rate_previous"], strict=True))
    assert rates["returning"] == Decimal("75.0")
    assert rates["opportunity"] == Decimal("100.0")
    assert rates["contracted"] == Decimal("50.0")
    first = dict(zip(frame["stage"], frame["rate_first"], strict=True))
    assert first["subscribed"] == Decimal("50.0")


def test_funnel_is_scoped_and_filtered(session, crm_world):
    users, _ = crm_world
    mine = funnel.stage_counts(session, users["consultant"], PERIOD)[None]
    assert mine == {"new": 2, "returning": 1, "opportunity": 1, "subscribed": 1, "contracted": 1}
    team_b = funnel.stage_counts(session, users["manager_b"], PERIOD)[None]
    assert team_b["new"] == 1 and team_b["subscribed"] == 1
    calls = funnel.stage_counts(
        session, users["executive"], funnel.FunnelFilter(start=D, end=D, contact="call")
    )[None]
    assert calls["new"] == 1
    online = funnel.stage_counts(
        session, users["executive"], funnel.FunnelFilter(start=D, end=D, channel="online")
    )[None]
    assert online["new"] == 3  # a1, b1 in project 1 and the customer of project 2
    level_a = funnel.stage_counts(
        session,
        users["executive"],
        funnel.FunnelFilter(start=PERIOD.start, end=PERIOD.end, level="A"),
    )[None]
    assert level_a["new"] == 1
    nobody = funnel.stage_counts(
        session,
        users["executive"],
        funnel.FunnelFilter(start=date(2020, 1, 1), end=date(2020, 1, 2)),
    )[None]
    assert nobody == dict.fromkeys(funnel.STAGES, 0)


def test_funnel_split_by_consultant_and_team(session, crm_world):
    users, _ = crm_world
    by_consultant = funnel.stage_counts(session, users["executive"], PERIOD, split="consultant")
    assert by_consultant[users["consultant"].id]["new"] == 2
    assert by_consultant[users["consultant_b"].id]["subscribed"] == 1
    by_team = funnel.stage_counts(session, users["executive"], PERIOD, split="team")
    assert by_team[users["consultant_b"].team_id]["new"] == 1
    assert by_team[users["consultant"].team_id]["new"] == 3


def test_stage_click_lists_the_customers_within_scope(session, crm_world):
    users, _ = crm_world
    assert names(funnel.stage_customers(session, users["executive"], PERIOD, "opportunity")) == {
        "甲一",
        "乙一",
        "丙一",
    }
    assert names(funnel.stage_customers(session, users["consultant"], PERIOD, "subscribed")) == {
        "甲一"
    }
    assert names(funnel.stage_customers(session, users["manager"], PERIOD, "returning")) == {
        "甲一",
        "乙一",
    }


def test_trend_by_day_week_month(session, crm_world):
    users, _ = crm_world
    f = funnel.FunnelFilter(start=date(2026, 11, 9), end=date(2026, 11, 15))
    daily = funnel.trend(session, users["executive"], f, "day")
    assert len(daily) == 7  # empty days are shown as zero
    row = daily[daily["period"] == D].iloc[0]
    assert (row["visit"], row["call"]) == (3, 1)
    weekly = funnel.trend(session, users["executive"], f, "week")
    assert list(weekly["period"]) == [date(2026, 11, 9)]
    assert weekly["total"].iloc[0] == 5
    monthly = funnel.trend(session, users["consultant"], PERIOD, "month")
    assert monthly["total"].tolist() == [2]


def test_ranking_and_lost_reasons(session, crm_world):
    users, _ = crm_world
    ranking = funnel.consultant_ranking(session, users["manager"], PERIOD)
    assert ranking["consultant"].tolist() == ["Consultant", "Consultant2"]
    assert ranking["conversion"].tolist() == [Decimal("50.0"), Decimal("0.0")]
    lost = funnel.lost_reasons(session, users["executive"], PERIOD)
    assert lost.to_dict("records") == [
        {"reason": "price", "customers": 1, "share": Decimal("100.0")}
    ]
    assert funnel.lost_reasons(session, users["consultant"], PERIOD).empty


@pytest.mark.parametrize("role", list(EXPECTED_LIST))
def test_every_customer_read_follows_the_same_scope(session, crm_world, role):
    users, customers = crm_world
    viewer = users[role]
    visible = EXPECTED_LIST[role]
    for customer in customers.values():
        if customer.name in visible:
            assert queries.customer_detail(session, viewer, customer.id).customer.id == customer.id
        else:
            with pytest.raises(PermissionDenied):
                queries.customer_detail(session, viewer, customer.id)
    year = funnel.FunnelFilter(start=OWN_DATES.start, end=OWN_DATES.end)
    assert names(funnel.stage_customers(session, viewer, year, "new")) == visible
    assert funnel.stage_counts(session, viewer, year)[None]["new"] == len(visible)
    ranking = funnel.consultant_ranking(session, viewer, year)
    assert int(ranking["new"].sum()) == len(visible)
    ours = {c.name for c in customers.values()}
    birthdays = queries.upcoming_birthdays(session, viewer, date(2026, 12, 25), days=7)
    assert set(birthdays["name"]) & ours == {"甲一"} & visible
    due = queries.overdue_follow_ups(session, viewer, D)
    assert set(due["name"]) & ours == {"甲一"} & visible


def test_stage_list_of_a_split_funnels_empty_group_is_selected_in_sql(session, world):
    """未填写 / 未分级 / 无团队 are chosen by the statement, before the list's limit: the
    newest customers having a channel never crowd out the one without."""
    from tests.factories import make_customer

    p1 = world.projects[0]
    consultant = world.users["consultant"]
    make_customer(session, p1, consultant, "无渠道", "13600000001", channel=None, level=None)
    for i in range(3):
        make_customer(
            session, p1, consultant, f"有渠道{i}", f"1360000001{i}", channel="online", level="A"
        )
    f = funnel.FunnelFilter(project_id=p1.id, start=localtime.today(), end=localtime.today())
    executive = world.users["executive"]
    none = funnel.stage_customers(session, executive, f, "new", limit=1, empty_group="channel")
    assert list(none["name"]) == ["无渠道"]
    unrated = funnel.stage_customers(session, executive, f, "new", empty_group="level")
    assert "无渠道" in set(unrated["name"]) and not set(unrated["name"]) & {"有渠道0", "有渠道1"}
    # Every consultant of the test world has a team: 无团队 is empty.
    assert funnel.stage_customers(session, executive, f, "new", empty_group="team").empty
    with pytest.raises(ValueError):
        funnel.stage_customers(session, executive, f, "new", empty_group="project")
