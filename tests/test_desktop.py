"""The desktop (桌面): figures and reminders within the viewer's scope."""

from datetime import date, timedelta

from data_layer.queries import desktop
from tests.factories import make_building, make_customer


def test_figures_count_only_what_the_viewer_may_see(session, world):
    u, p1, p2 = world.users, world.projects[0], world.projects[1]
    today = date(2026, 6, 15)
    make_customer(session, p1, u["consultant"], "张伟", "13800000001", first_contact_on=today)
    make_customer(
        session,
        p1,
        u["consultant2"],
        "李娜",
        "13800000002",
        first_contact_on=today - timedelta(days=40),
    )
    make_customer(session, p2, u["consultant_p2"], "王芳", "13800000003", first_contact_on=today)
    make_building(session, p1)  # 6 units for sale
    own = desktop.figures(session, u["consultant"], None, today)
    assert (own.customers, own.new_visits_month, own.units_available) == (1, 1, 6)
    assert own.received_month is None  # a consultant does not see money received
    team = desktop.figures(session, u["manager"], None, today)
    assert (team.customers, team.new_visits_month) == (2, 1)
    group = desktop.figures(session, u["executive"], None, today)
    assert group.customers == 3
    assert desktop.figures(session, u["executive"], p2.id, today).customers == 1
    # A project outside the viewer's scope (e.g. left in the browser by another account) is
    # ignored, never shown.
    assert desktop.figures(session, u["consultant"], p2.id, today).customers == 1


def test_figures_are_those_the_role_works_with(session, world):
    """Customers need crm.view, deals deal.view, money received finance.view: an after-sales
    clerk or a cashier is not shown follow-ups, marketing not the deals."""
    u, p1 = world.users, world.projects[0]
    today = date(2026, 6, 15)
    make_customer(session, p1, u["consultant"], "张伟", "13800000001", first_contact_on=today)
    make_building(session, p1)
    after = desktop.figures(session, u["aftersales"], None, today)
    assert (after.customers, after.new_visits_month, after.follow_ups_due) == (None, None, None)
    assert after.live_deals == 0 and after.units_available == 6 and after.received_month is None
    cashier = desktop.figures(session, u["finance"], None, today)
    assert cashier.customers is None and cashier.received_month == 0
    marketing = desktop.figures(session, u["marketing"], None, today)
    assert marketing.customers == 1
    assert (marketing.live_deals, marketing.subscribed_amount_month) == (None, None)


def test_follow_ups_due_today_first_and_masked_for_marketing(session, world):
    u, p1 = world.users, world.projects[0]
    today = date(2026, 6, 15)
    make_customer(
        session,
        p1,
        u["consultant"],
        "老客户",
        "13800000011",
        next_follow_up_on=today - timedelta(days=300),
    )
    make_customer(session, p1, u["consultant"], "今日客户", "13800000012", next_follow_up_on=today)
    make_customer(
        session,
        p1,
        u["consultant"],
        "明日客户",
        "13800000013",
        next_follow_up_on=today + timedelta(days=1),
    )
    make_customer(session, p1, u["consultant2"], "别人的", "13800000014", next_follow_up_on=today)
    due = desktop.follow_ups_due(session, u["consultant"], today)
    assert list(due["name"]) == ["今日客户", "老客户"]
    assert due.iloc[0]["mobile"] == "13800000012"
    seen_by_marketing = desktop.follow_ups_due(session, u["marketing"], today)
    assert set(seen_by_marketing["mobile"]) == {"138****0012", "138****0011", "138****0014"}


def test_birthdays_within_a_week(session, world):
    u, p1 = world.users, world.projects[0]
    today = date(2026, 12, 28)
    make_customer(session, p1, u["consultant"], "新年", "13800000021", birthday=date(1990, 1, 2))
    make_customer(session, p1, u["consultant"], "太远", "13800000022", birthday=date(1990, 1, 9))
    found = desktop.birthdays_soon(session, u["consultant"], today)
    assert list(found["name"]) == ["新年"]
