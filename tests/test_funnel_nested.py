"""客户分析's funnel is nested: each stage counts the customers who reached at least it, so no
stage exceeds the one before it and no conversion rate exceeds 100 %. The data below made the
old definition (复访 = came back twice, whatever happened next) show 机会客户 ÷ 复访 = 400 %:
opportunities made on the phone or at the first visit, and subscriptions nobody marked."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from data_layer.models import ContactKind, Customer, CustomerStage, Deal, DealStage, Unit
from data_layer.queries import funnel
from tests.factories import make_building, make_customer

D = date(2023, 5, 10)  # a period of this module's own: other modules' committed rows stay out


@pytest.fixture
def cohort(session, world):
    p1 = world.projects[0]
    one, two = world.users["consultant"], world.users["consultant2"]
    c = {}
    # An opportunity made on the phone: never visited.
    c["phone"] = make_customer(
        session,
        p1,
        one,
        "电话机",
        "13700000001",
        first_contact_on=D,
        first_contact=ContactKind.CALL,
        visit_count=0,
        opportunity_on=D,
        stage=CustomerStage.OPPORTUNITY,
    )
    # An opportunity at the first visit.
    c["first"] = make_customer(
        session,
        p1,
        one,
        "首访机",
        "13700000002",
        first_contact_on=D,
        visit_count=1,
        opportunity_on=D,
        stage=CustomerStage.OPPORTUNITY,
    )
    # Subscribed at the first visit, never marked an opportunity.
    c["walk"] = make_customer(
        session, p1, two, "直认购", "13700000003", first_contact_on=D, visit_count=1
    )
    # Signed directly at the first visit (no subscription date), never marked an opportunity.
    c["signed"] = make_customer(
        session, p1, two, "直签约", "13700000004", first_contact_on=D + timedelta(1), visit_count=1
    )
    # Came back twice, nothing more.
    c["back"] = make_customer(
        session, p1, one, "复访客", "13700000005", first_contact_on=D, visit_count=2
    )
    # Came once.
    c["once"] = make_customer(
        session, p1, two, "一次客", "13700000006", first_contact_on=D, visit_count=1
    )
    make_building(session, p1, code="F9")
    units = session.scalars(
        select(Unit).where(Unit.project_id == p1.id, Unit.code.like("F9-%")).order_by(Unit.id)
    ).all()
    session.add_all(
        [
            Deal(
                project_id=p1.id,
                unit_id=units[0].id,
                customer_id=c["walk"].id,
                consultant_id=two.id,
                stage=DealStage.SUBSCRIBED,
                subscribed_on=D,
            ),
            Deal(
                project_id=p1.id,
                unit_id=units[1].id,
                customer_id=c["signed"].id,
                consultant_id=two.id,
                stage=DealStage.CONTRACTED,
                contracted_on=D + timedelta(2),
                deal_total=Decimal("1800000.00"),
            ),
        ]
    )
    session.flush()
    f = funnel.FunnelFilter(project_id=p1.id, start=D, end=D + timedelta(20))
    return world.users, c, f


def _nested(counts: dict) -> None:
    previous = None
    for stage in funnel.STAGES:
        if previous is not None:
            assert counts[stage] <= counts[previous], (stage, counts)
        previous = stage


def test_each_stage_counts_who_reached_at_least_it(session, cohort):
    users, _c, f = cohort
    # The old 复访 (visit_count ≥ 2 alone) was 1 here, against 4 opportunities: 400 %.
    came_back_twice = session.scalar(
        select(func.count())
        .select_from(Customer)
        .where(
            Customer.project_id == f.project_id,
            Customer.first_contact_on.between(f.start, f.end),
            Customer.visit_count >= 2,
        )
    )
    assert came_back_twice == 1
    counts = funnel.stage_counts(session, users["executive"], f)[None]
    assert counts == {"new": 6, "returning": 5, "opportunity": 4, "subscribed": 2, "contracted": 1}
    _nested(counts)
    frame = funnel.funnel(session, users["executive"], f)
    rates = dict(zip(frame["stage"], frame["rate_previous"], strict=True))
    assert rates == {
        "new": None,
        "returning": Decimal("83.3"),
        "opportunity": Decimal("80.0"),
        "subscribed": Decimal("50.0"),
        "contracted": Decimal("50.0"),
    }
    assert all(r is None or r <= 100 for r in frame["rate_previous"])
    assert all(r <= 100 for r in frame["rate_first"])


def test_every_group_of_a_split_funnel_is_nested_and_adds_up(session, cohort):
    users, _c, f = cohort
    whole = funnel.stage_counts(session, users["executive"], f)[None]
    for split in funnel.SPLITS:
        groups = funnel.stage_counts(session, users["executive"], f, split=split)
        for counts in groups.values():
            _nested(counts)
        assert {s: sum(g[s] for g in groups.values()) for s in funnel.STAGES} == whole, split
    by_consultant = funnel.stage_counts(session, users["executive"], f, split="consultant")
    assert by_consultant[users["consultant2"].id] == {
        "new": 3,
        "returning": 2,
        "opportunity": 2,
        "subscribed": 2,
        "contracted": 1,
    }
    ranking = funnel.consultant_ranking(session, users["executive"], f)
    for row in ranking.to_dict("records"):
        _nested(row)


def test_a_clicked_stage_lists_exactly_its_customers_and_each_list_holds_the_next(session, cohort):
    users, c, f = cohort
    viewer = users["executive"]
    counts = funnel.stage_counts(session, viewer, f)[None]
    listed = {
        stage: set(funnel.stage_customers(session, viewer, f, stage)["name"])
        for stage in funnel.STAGES
    }
    for stage in funnel.STAGES:
        assert len(listed[stage]) == counts[stage], stage
    for earlier, later in zip(funnel.STAGES, funnel.STAGES[1:], strict=False):
        assert listed[later] <= listed[earlier], (earlier, later)
    assert listed["returning"] == {c[k].name for k in ("phone", "first", "walk", "signed", "back")}
    # A consultant sees their own part of the same nesting.
    mine = funnel.stage_counts(session, users["consultant"], f)[None]
    assert mine == {"new": 3, "returning": 3, "opportunity": 2, "subscribed": 0, "contracted": 0}
