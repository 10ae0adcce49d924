"""CRM commands on SQLite and MariaDB: registration with validation and duplicates, follow-ups,
stages, protection period, overrides, transfers, survey fields and the all-or-nothing import."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from data_layer import localtime
from data_layer.commands import crm
from data_layer.errors import DomainError, PermissionDenied, ValidationError
from data_layer.models import (
    AuditEntry,
    Customer,
    CustomerAssignment,
    CustomerStage,
    FollowUp,
    SurveyAnswer,
)
from data_layer.queries import crm as crm_queries

TODAY = date(2026, 12, 4)


def register(session, world, actor="consultant", **values):
    base = {"name": "王芳", "mobile": "13800001111", "contact_kind": "visit", "channel": "online"}
    base.update(values)
    consultant_id = base.pop("consultant_id", None)
    return crm.register_customer(
        session,
        actor=world.users[actor],
        project_id=world.projects[0].id,
        values=base,
        consultant_id=consultant_id,
        today=TODAY,
    )


def ours(world):
    """Rows of this test's projects (other modules may commit rows to the shared database)."""
    return Customer.project_id.in_([p.id for p in world.projects])


def count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_registration_stores_normalised_mobile_id_birthday_and_history(session, world):
    customer = register(
        session,
        world,
        mobile="+86 138-0000-1111",
        id_number="11010519491231002x",
        level="b",
        budget="3500000",
        area_min="90",
        area_max="120",
    )
    assert customer.mobile == "13800001111"
    assert customer.id_number == "11010519491231002X"
    assert customer.birthday == date(1949, 12, 31)
    assert customer.gender == "女"
    assert customer.stage == CustomerStage.OPPORTUNITY and customer.level == "B"
    assert customer.opportunity_on == TODAY
    assert customer.consultant_id == world.users["consultant"].id
    assert customer.visit_count == 1
    assert customer.next_follow_up_on == TODAY + timedelta(days=3)
    assert count(session, FollowUp, FollowUp.customer_id == customer.id) == 1
    history = session.scalars(
        select(CustomerAssignment).where(CustomerAssignment.customer_id == customer.id)
    ).all()
    assert [h.kind.value for h in history] == ["register"]
    entry = session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "crm.register", AuditEntry.entity_id == customer.id
        )
    ).one()
    assert entry.after["mobile"] == "138****1111"  # the log keeps no full phone number


def test_phone_call_is_not_counted_as_a_visit(session, world):
    customer = register(session, world, contact_kind="call")
    assert customer.visit_count == 0


@pytest.mark.parametrize(
    "values, field",
    [
        ({"mobile": "1380000111"}, "mobile"),
        ({"mobile": "23800001111"}, "mobile"),
        ({"id_number": "110105194912310021"}, "id_number"),
        ({"name": "  "}, "name"),
        ({"level": "E"}, "level"),
        ({"channel": "carrier-pigeon"}, "channel"),
        ({"budget": "-5"}, "budget"),
        ({"area_min": "150", "area_max": "90"}, "area_max"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_nothing_is_written(session, world, values, field):
    audit_before = count(session, AuditEntry)
    with pytest.raises(ValidationError) as err:
        register(session, world, **values)
    assert field in err.value.errors
    assert any("\u4e00" <= ch <= "\u9fff" for ch in err.value.message)
    assert count(session, Customer, ours(world)) == 0
    assert count(session, AuditEntry) == audit_before


def test_duplicate_mobile_or_id_is_refused_with_owner_and_since(session, world):
    register(session, world, id_number="440306199003073115")
    with pytest.raises(crm.DuplicateCustomer) as err:
        register(session, world, actor="consultant2", name="王芳2", mobile="138 0000 1111")
    assert err.value.owner.consultant_name == "Consultant"
    assert err.value.owner.since == localtime.today()
    assert "保护期至" in err.value.message
    with pytest.raises(crm.DuplicateCustomer) as err:
        register(
            session,
            world,
            actor="consultant2",
            mobile="13900002222",
            id_number="440306199003073115",
        )
    assert err.value.owner.matched_on == "id_number"
    assert count(session, Customer, ours(world)) == 1


def test_same_mobile_in_another_project_is_a_different_customer(session, world):
    register(session, world)
    other = crm.register_customer(
        session,
        actor=world.users["consultant_p2"],
        project_id=world.projects[1].id,
        values={"name": "王芳", "mobile": "13800001111"},
        today=TODAY,
    )
    assert other.project_id == world.projects[1].id


def test_consultant_may_not_register_for_another_project_or_consultant(session, world):
    with pytest.raises(PermissionDenied):
        crm.register_customer(
            session,
            actor=world.users["consultant"],
            project_id=world.projects[1].id,
            values={"name": "甲", "mobile": "13800003333"},
            today=TODAY,
        )
    with pytest.raises(PermissionDenied):
        register(session, world, consultant_id=world.users["consultant2"].id)


def test_manager_must_choose_a_consultant(session, world):
    with pytest.raises(ValidationError) as err:
        register(session, world, actor="admin")
    assert "置业顾问" in err.value.message
    customer = register(
        session, world, actor="manager", consultant_id=world.users["consultant2"].id
    )
    assert customer.consultant_id == world.users["consultant2"].id


def test_follow_up_counts_returning_visits_and_sets_next_date(session, world):
    customer = register(session, world)
    crm.add_follow_up(
        session,
        actor=world.users["consultant"],
        customer_id=customer.id,
        kind="visit",
        notes="带看样板间",
        next_on=TODAY + timedelta(days=7),
        today=TODAY,
    )
    crm.add_follow_up(
        session,
        actor=world.users["consultant"],
        customer_id=customer.id,
        kind="call",
        notes="电话回访",
        next_on=None,
        today=TODAY,
    )
    assert customer.visit_count == 2
    assert customer.follow_up_count == 2
    assert customer.next_follow_up_on is None
    with pytest.raises(ValidationError):
        crm.add_follow_up(
            session,
            actor=world.users["consultant"],
            customer_id=customer.id,
            kind="call",
            notes="x",
            next_on=TODAY - timedelta(days=1),
            today=TODAY,
        )


def test_another_consultant_cannot_follow_up_my_customer(session, world):
    customer = register(session, world)
    with pytest.raises(PermissionDenied):
        crm.add_follow_up(
            session,
            actor=world.users["consultant2"],
            customer_id=customer.id,
            kind="call",
            notes="抢客户",
            next_on=None,
            today=TODAY,
        )
    assert customer.follow_up_count == 0


def test_stages_need_level_or_dictionary_reason(session, world):
    customer = register(session, world)
    actor = world.users["consultant"]
    with pytest.raises(ValidationError):
        crm.change_stage(session, actor=actor, customer_id=customer.id, stage="opportunity")
    crm.change_stage(
        session, actor=actor, customer_id=customer.id, stage="opportunity", level="A", today=TODAY
    )
    assert customer.opportunity_on == TODAY
    with pytest.raises(ValidationError):
        crm.change_stage(
            session, actor=actor, customer_id=customer.id, stage="lost", lost_reason="whatever"
        )
    crm.change_stage(
        session,
        actor=actor,
        customer_id=customer.id,
        stage="lost",
        lost_reason="price",
        today=TODAY,
    )
    assert (customer.stage, customer.lost_reason, customer.lost_on) == ("lost", "price", TODAY)
    assert customer.next_follow_up_on is None
    with pytest.raises(ValidationError):
        crm.change_stage(session, actor=actor, customer_id=customer.id, stage="deal")
    crm.change_stage(session, actor=actor, customer_id=customer.id, stage="lead", today=TODAY)
    assert customer.lost_on is None and customer.opportunity_on == TODAY


def test_claim_only_after_protection_period(session, world):
    customer = register(session, world)
    second = world.users["consultant2"]
    with pytest.raises(DomainError) as err:
        crm.claim_customer(session, actor=second, customer_id=customer.id, today=localtime.today())
    assert "保护期" in err.value.message
    later = localtime.today() + timedelta(days=world.projects[0].protection_days + 1)
    crm.claim_customer(session, actor=second, customer_id=customer.id, today=later)
    assert customer.consultant_id == second.id
    kinds = session.scalars(
        select(CustomerAssignment.kind).where(CustomerAssignment.customer_id == customer.id)
    ).all()
    assert [k.value for k in kinds] == ["register", "claim"]


def test_override_needs_a_manager_and_a_reason_and_leaves_history(session, world):
    customer = register(session, world)
    second = world.users["consultant2"]
    with pytest.raises(PermissionDenied):
        crm.override_attribution(
            session,
            actor=second,
            customer_id=customer.id,
            to_consultant_id=second.id,
            reason="我先接待的",
        )
    with pytest.raises(ValidationError):
        crm.override_attribution(
            session,
            actor=world.users["manager"],
            customer_id=customer.id,
            to_consultant_id=second.id,
            reason=" ",
        )
    crm.override_attribution(
        session,
        actor=world.users["manager"],
        customer_id=customer.id,
        to_consultant_id=second.id,
        reason="客户要求更换顾问",
    )
    assert customer.consultant_id == second.id
    last = session.scalars(
        select(CustomerAssignment)
        .where(CustomerAssignment.customer_id == customer.id)
        .order_by(CustomerAssignment.id.desc())
    ).first()
    assert (last.kind.value, last.reason, last.by_user_id) == (
        "override",
        "客户要求更换顾问",
        world.users["manager"].id,
    )


def test_transfer_all_customers_of_a_leaving_consultant(session, world):
    leaving, heir = world.users["consultant"], world.users["consultant2"]
    a = register(session, world, mobile="13800000001", next_follow_up_on=TODAY + timedelta(days=9))
    b = register(session, world, mobile="13800000002")
    b.next_follow_up_on = None
    session.flush()
    moved = crm.transfer_customers(
        session,
        actor=world.users["manager"],
        project_id=world.projects[0].id,
        from_consultant_id=leaving.id,
        to_consultant_id=heir.id,
        reason="离职",
        today=TODAY,
    )
    assert moved == 2
    assert {a.consultant_id, b.consultant_id} == {heir.id}
    assert b.next_follow_up_on == TODAY  # no plan: due at once for the new owner
    assert a.next_follow_up_on == TODAY + timedelta(days=9)
    transfers = CustomerAssignment.kind == "transfer"
    assert (
        count(
            session, CustomerAssignment, transfers, CustomerAssignment.customer_id.in_([a.id, b.id])
        )
        == 2
    )
    # The heir's reminders list them as transferred.
    frame = crm_queries.transferred_to_me(session, heir, localtime.today(), days=1)
    assert set(frame["id"]) == {a.id, b.id}
    assert set(frame["transferred_from"]) == {"Consultant"}


def test_transfer_of_selected_customers_is_all_or_nothing(session, world):
    leaving, heir = world.users["consultant"], world.users["consultant2"]
    a = register(session, world, mobile="13800000001")
    foreign = register(session, world, actor="consultant2", mobile="13800000009")
    with pytest.raises(ValidationError):
        crm.transfer_customers(
            session,
            actor=world.users["manager"],
            project_id=world.projects[0].id,
            from_consultant_id=leaving.id,
            to_consultant_id=heir.id,
            reason="离职",
            customer_ids=[a.id, foreign.id],
        )
    assert a.consultant_id == leaving.id
    with pytest.raises(PermissionDenied):
        crm.transfer_customers(
            session,
            actor=leaving,
            project_id=world.projects[0].id,
            from_consultant_id=leaving.id,
            to_consultant_id=heir.id,
            reason="x",
        )
    with pytest.raises(ValidationError):  # the heir must work on the project
        crm.transfer_customers(
            session,
            actor=world.users["manager"],
            project_id=world.projects[0].id,
            from_consultant_id=leaving.id,
            to_consultant_id=world.users["consultant_p2"].id,
            reason="离职",
        )


def test_survey_fields_validate_answers(session, world):
    admin = world.users["admin"]
    p1 = world.projects[0].id
    budget = crm.define_survey_field(
        session, actor=admin, project_id=p1, label="家庭人口", kind="number", required=True
    )
    focus = crm.define_survey_field(
        session, actor=admin, project_id=p1, label="关注点", kind="multi", options="学区，交通,价格"
    )
    with pytest.raises(PermissionDenied):
        crm.define_survey_field(
            session, actor=world.users["manager"], project_id=p1, label="x", kind="text"
        )
    with pytest.raises(ValidationError) as err:
        register(session, world, survey={str(focus.id): ["学区"]})
    assert f"survey-{budget.id}" in err.value.errors
    with pytest.raises(ValidationError):
        register(session, world, survey={str(budget.id): "3", str(focus.id): ["火星"]})
    customer = register(
        session, world, survey={str(budget.id): "3", str(focus.id): ["学区", "价格"]}
    )
    answers = dict(
        session.execute(
            select(SurveyAnswer.field_id, SurveyAnswer.value).where(
                SurveyAnswer.customer_id == customer.id
            )
        ).all()
    )
    assert answers == {budget.id: "3", focus.id: '["学区", "价格"]'}
    detail = crm_queries.customer_detail(session, world.users["consultant"], customer.id)
    assert ("关注点", "学区、价格") in detail.survey


def test_update_customer_keeps_script_text_as_is_and_audits(session, world):
    customer = register(session, world)
    crm.update_customer(
        session,
        actor=world.users["consultant"],
        customer_id=customer.id,
        values={"notes": "<script>alert(1)</script>", "id_number": "440306199003073115"},
        today=TODAY,
    )
    assert customer.notes == "<script>alert(1)</script>"
    assert customer.birthday == date(1990, 3, 7)
    entry = session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "crm.update", AuditEntry.entity_id == customer.id
        )
    ).one()
    assert entry.after["id_number"] == "440306********3115"


def test_import_is_all_or_nothing_with_row_errors(session, world):
    rows = [
        {"name": "甲", "mobile": "13800000001", "contact_kind": "来访", "channel": "网络"},
        {"name": "乙", "mobile": "12345", "contact_kind": "来电"},
        {"name": "丙", "mobile": "13800000001", "contact_kind": "来访"},
        {"name": "丁", "mobile": "13800000004", "contact_kind": "路过"},
    ]
    with pytest.raises(crm.ImportRejected) as err:
        crm.import_leads(
            session,
            actor=world.users["consultant"],
            project_id=world.projects[0].id,
            rows=rows,
            today=TODAY,
        )
    problems = {(e.row, e.column) for e in err.value.errors}
    assert (3, "手机号码") in problems
    assert (4, "手机号码") in problems  # duplicate of row 2
    assert (5, "来访/来电") in problems
    assert count(session, Customer, ours(world)) == 0
    good = [
        rows[0],
        {
            "name": "戊",
            "mobile": "13800000005",
            "contact_kind": "来电",
            "consultant": "consultant2",
        },
    ]
    n = crm.import_leads(
        session,
        actor=world.users["manager"],
        project_id=world.projects[0].id,
        rows=good,
        today=TODAY,
    )
    assert n == 2
    imported = {c.mobile: c for c in session.scalars(select(Customer).where(ours(world)))}
    assert imported["13800000001"].channel == "online"
    assert imported["13800000001"].consultant_id == world.users["manager"].id
    assert imported["13800000005"].consultant_id == world.users["consultant2"].id
    # Already registered now: a second import of the same mobile is refused by row.
    with pytest.raises(crm.ImportRejected) as err:
        crm.import_leads(
            session,
            actor=world.users["manager"],
            project_id=world.projects[0].id,
            rows=[rows[0]],
            today=TODAY,
        )
    assert "已是" in err.value.errors[0].message


def test_registration_date_time_is_assigned_now(session, world):
    customer = register(session, world)
    assert abs((customer.assigned_at - datetime.utcnow()).total_seconds()) < 120
