"""After-sales commands and work lists on SQLite and MariaDB: a case is made by the first action
on a deal, moves one step at a time with its history, refuses clearly and writes nothing when
it refuses, and stays within the clerk's projects."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from data_layer.commands import aftersales as cmd
from data_layer.commands import deals as deal_cmd
from data_layer.commands import finance as fin_cmd
from data_layer.errors import NotFound, PermissionDenied, ValidationError
from data_layer.models import (
    AftersalesCase,
    AftersalesDocument,
    AftersalesStep,
    AuditEntry,
    CaseKind,
    CaseStatus,
    CodeItem,
    Receivable,
    User,
)
from data_layer.queries import aftersales_cases as q
from data_layer.queries.aftersales import PRICE_KINDS
from tests.conftest import BACKENDS, own_database
from tests.factories import make_customer
from tests.test_deals_support import make_market, make_plans, make_units

TODAY = date(2026, 12, 4)
M, C = CaseKind.MORTGAGE, CaseKind.CERTIFICATE
MORTGAGE_DOCS = ["id_card", "hukou", "marriage", "income", "bank_statement", "contract",
                 "down_payment_receipt"]  # fmt: skip
CERTIFICATE_DOCS = ["id_card", "contract", "invoice", "deed_tax", "maintenance_fund",
                    "survey_report"]  # fmt: skip


def signed(session, market, unit, customer, plan, number, consultant="consultant"):
    deal = deal_cmd.subscribe(
        session,
        actor=market.user(consultant),
        unit_id=unit.id,
        customer_id=customer.id,
        plan_id=plan.id,
        deposit=Decimal("50000"),
        today=TODAY,
    )
    deal_cmd.sign_contract(
        session, actor=market.user(consultant), deal_id=deal.id, contract_no=number, today=TODAY
    )
    return deal


def pay_in_full(session, market, deal):
    lines = session.scalars(
        select(Receivable).where(
            Receivable.deal_id == deal.id,
            Receivable.cancelled.is_(False),
            Receivable.kind.in_(PRICE_KINDS),
        )
    ).all()
    allocations = [
        {"receivable_id": r.id, "amount": str(r.amount - r.paid)}
        for r in lines
        if r.amount > r.paid
    ]
    total = sum(Decimal(a["amount"]) for a in allocations)
    finance = market.user("finance")
    receipt = fin_cmd.record_receipt(
        session,
        actor=finance,
        deal_id=deal.id,
        amount=total,
        method="transfer",
        received_on=TODAY,
        allocations=allocations,
    )
    fin_cmd.audit_receipts(session, actor=finance, receipt_ids=[receipt.id])


@pytest.fixture
def market(session):
    return make_market(session)


@pytest.fixture
def mortgage_deal(session, market):
    return signed(session, market, market.units[0], market.customers[0], market.mortgage, "HT-M1")


@pytest.fixture
def lump_deal(session, market):
    return signed(session, market, market.units[1], market.customers[1], market.lump, "HT-L1",
                  consultant="consultant2")  # fmt: skip


def counts(session):
    return tuple(
        session.scalar(select(func.count()).select_from(model))
        for model in (AftersalesCase, AftersalesDocument, AftersalesStep, AuditEntry)
    )


def clerk(market):
    return market.user("aftersales")


def receive_all(session, market, kind, deal, codes):
    for code in codes:
        cmd.receive_document(
            session, actor=clerk(market), kind=kind, deal_id=deal.id, code=code, today=TODAY
        )


def test_first_document_creates_the_case_with_one_audit_entry(session, market, mortgage_deal):
    before = counts(session)
    case = cmd.receive_document(
        session, actor=clerk(market), kind="mortgage", deal_id=mortgage_deal.id, code="id_card",
        today=TODAY,
    )  # fmt: skip
    assert counts(session) == (before[0] + 1, before[1] + 1, before[2], before[3] + 1)
    assert (case.kind, case.status, case.status_on) == (M, CaseStatus.PENDING, TODAY)
    assert case.handler_id == clerk(market).id and case.project_id == mortgage_deal.project_id
    doc = session.scalar(select(AftersalesDocument).where(AftersalesDocument.case_id == case.id))
    assert (doc.code, doc.received_on, doc.user_id) == ("id_card", TODAY, clerk(market).id)
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.action == "aftersales.receive_document" and entry.entity_id == case.id
    assert entry.after["created"] is True and entry.after["code"] == "id_card"
    # The second document goes to the same case.
    again = cmd.receive_document(
        session, actor=clerk(market), kind=M, deal_id=mortgage_deal.id, code="hukou", today=TODAY
    )
    assert again.id == case.id
    with pytest.raises(cmd.AftersalesRefused, match="已于 2026-12-04 收到"):
        cmd.receive_document(
            session, actor=clerk(market), kind=M, deal_id=mortgage_deal.id, code="hukou"
        )


def test_submit_refused_naming_every_missing_document_and_nothing_written(
    session, market, mortgage_deal
):
    before = counts(session)
    with pytest.raises(cmd.DocumentsMissing) as refused:
        cmd.advance(session, actor=clerk(market), kind=M, deal_id=mortgage_deal.id, today=TODAY)
    assert counts(session) == before  # not even the case
    assert refused.value.missing == MORTGAGE_DOCS
    assert "不能送办" in refused.value.message and "身份证复印件、户口本" in refused.value.message
    assert "Copy of ID card" in refused.value.text("en")

    receive_all(session, market, M, mortgage_deal, MORTGAGE_DOCS[:5])
    before = counts(session)
    with pytest.raises(cmd.DocumentsMissing) as refused:
        cmd.advance(session, actor=clerk(market), kind=M, deal_id=mortgage_deal.id, today=TODAY)
    assert refused.value.missing == ["contract", "down_payment_receipt"]
    assert "缺少：购房合同、首付款收据。" in refused.value.message
    assert counts(session) == before


def test_mortgage_walks_to_done_with_history_and_stops(session, market, mortgage_deal):
    receive_all(session, market, M, mortgage_deal, MORTGAGE_DOCS)
    later = date(2026, 12, 10)
    case = cmd.advance(session, actor=clerk(market), kind=M, deal_id=mortgage_deal.id, today=later)
    assert (case.status, case.status_on) == (CaseStatus.SUBMITTED, later)
    case = cmd.advance(session, actor=clerk(market), kind=M, deal_id=mortgage_deal.id, today=later)
    assert case.status == CaseStatus.DONE
    steps = session.scalars(
        select(AftersalesStep).where(AftersalesStep.case_id == case.id).order_by(AftersalesStep.id)
    ).all()
    assert [(s.from_status, s.to_status, s.user_id) for s in steps] == [
        (CaseStatus.PENDING, CaseStatus.SUBMITTED, clerk(market).id),
        (CaseStatus.SUBMITTED, CaseStatus.DONE, clerk(market).id),
    ]
    before = counts(session)
    with pytest.raises(cmd.AftersalesRefused, match="已办结"):
        cmd.advance(session, actor=clerk(market), kind=M, deal_id=mortgage_deal.id)
    with pytest.raises(cmd.AftersalesRefused, match="已办结"):
        cmd.send_back(session, actor=clerk(market), kind=M, deal_id=mortgage_deal.id, reason="x")
    with pytest.raises(cmd.AftersalesRefused, match="已办结"):
        cmd.update_details(session, actor=clerk(market), kind=M, deal_id=mortgage_deal.id,
                           bank="工商银行")  # fmt: skip
    assert counts(session) == before
    # A note may still be added to a closed case.
    cmd.update_details(
        session, actor=clerk(market), kind=M, deal_id=mortgage_deal.id, note="已放款"
    )
    assert case.note == "已放款"


def test_send_back_needs_a_reason_and_documents_stay_once_submitted(session, market, mortgage_deal):
    receive_all(session, market, M, mortgage_deal, MORTGAGE_DOCS)
    cmd.advance(session, actor=clerk(market), kind=M, deal_id=mortgage_deal.id, today=TODAY)
    before = counts(session)
    with pytest.raises(ValidationError, match="请填写退回原因"):
        cmd.send_back(session, actor=clerk(market), kind=M, deal_id=mortgage_deal.id, reason=" ")
    with pytest.raises(cmd.AftersalesRefused, match="请先退回到待办"):
        cmd.unreceive_document(
            session, actor=clerk(market), kind=M, deal_id=mortgage_deal.id, code="income"
        )
    assert counts(session) == before
    case = cmd.send_back(
        session, actor=clerk(market), kind=M, deal_id=mortgage_deal.id, reason="银行要求补充流水",
        today=date(2026, 12, 12),
    )  # fmt: skip
    assert (case.status, case.status_on) == (CaseStatus.PENDING, date(2026, 12, 12))
    last = session.scalars(select(AftersalesStep).order_by(AftersalesStep.id.desc())).first()
    assert (last.from_status, last.to_status, last.note) == (
        CaseStatus.SUBMITTED,
        CaseStatus.PENDING,
        "银行要求补充流水",
    )
    with pytest.raises(cmd.AftersalesRefused, match="无法退回"):
        cmd.send_back(session, actor=clerk(market), kind=M, deal_id=mortgage_deal.id, reason="再退")
    cmd.unreceive_document(
        session, actor=clerk(market), kind=M, deal_id=mortgage_deal.id, code="bank_statement"
    )
    assert (
        session.scalar(select(func.count()).where(AftersalesDocument.case_id == case.id))
        == len(MORTGAGE_DOCS) - 1
    )
    with pytest.raises(cmd.AftersalesRefused, match="尚未登记收到"):
        cmd.unreceive_document(
            session, actor=clerk(market), kind=M, deal_id=mortgage_deal.id, code="bank_statement"
        )


def test_certificate_needs_full_payment_and_a_certificate_number(session, market, lump_deal):
    before = counts(session)
    with pytest.raises(cmd.DealNotEligible, match="尚未付清"):
        cmd.receive_document(
            session, actor=clerk(market), kind=C, deal_id=lump_deal.id, code="id_card"
        )
    assert counts(session) == before
    pay_in_full(session, market, lump_deal)
    receive_all(session, market, C, lump_deal, CERTIFICATE_DOCS)
    for expected in (CaseStatus.APPLIED, CaseStatus.SUBMITTED):
        case = cmd.advance(session, actor=clerk(market), kind=C, deal_id=lump_deal.id, today=TODAY)
        assert case.status == expected
    before = counts(session)
    with pytest.raises(cmd.AftersalesRefused, match="产权证号"):
        cmd.advance(session, actor=clerk(market), kind=C, deal_id=lump_deal.id)
    assert counts(session) == before
    number = "浙(2026)杭州市不动产权第0012345号"
    cmd.update_details(
        session, actor=clerk(market), kind=C, deal_id=lump_deal.id, certificate_no=number
    )
    case = cmd.advance(session, actor=clerk(market), kind=C, deal_id=lump_deal.id, today=TODAY)
    assert case.status == CaseStatus.ISSUED
    assert session.scalar(select(func.count()).where(AftersalesStep.case_id == case.id)) == 3


def test_deals_that_do_not_qualify_are_refused(session, market, mortgage_deal, lump_deal):
    before = counts(session)
    with pytest.raises(cmd.DealNotEligible, match="不是按揭"):
        cmd.receive_document(
            session, actor=clerk(market), kind=M, deal_id=lump_deal.id, code="id_card"
        )
    subscribed = deal_cmd.subscribe(
        session,
        actor=market.user("consultant"),
        unit_id=market.units[2].id,
        customer_id=market.customers[2].id,
        plan_id=market.mortgage.id,
        deposit=Decimal("50000"),
        today=TODAY,
    )
    before = counts(session)
    with pytest.raises(cmd.DealNotEligible, match="不是有效的签约交易"):
        cmd.receive_document(
            session, actor=clerk(market), kind=M, deal_id=subscribed.id, code="id_card"
        )
    with pytest.raises(NotFound):
        cmd.advance(session, actor=clerk(market), kind=M, deal_id=999999)
    assert counts(session) == before


def test_only_active_checklist_codes_are_accepted(session, market, mortgage_deal):
    item = session.scalar(
        select(CodeItem).where(
            CodeItem.category == "mortgage_document", CodeItem.code == "marriage"
        )
    )
    item.active = False
    session.flush()
    before = counts(session)
    for code in ("marriage", "invoice", "nonsense"):
        with pytest.raises(ValidationError, match="不在按揭办理的资料清单中"):
            cmd.receive_document(
                session, actor=clerk(market), kind=M, deal_id=mortgage_deal.id, code=code
            )
    assert counts(session) == before
    # The retired item is no longer required either.
    receive_all(session, market, M, mortgage_deal, [c for c in MORTGAGE_DOCS if c != "marriage"])
    case = cmd.advance(session, actor=clerk(market), kind=M, deal_id=mortgage_deal.id)
    assert case.status == CaseStatus.SUBMITTED


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-1", "不能为负数"),
        ("abc", "不是有效的数字"),
        ("1.001", "最多两位小数"),
        ("99999999", "超过成交总价"),
        (1.5, "不是有效的数字"),
    ],
)
def test_loan_amount_is_checked(session, market, mortgage_deal, value, message):
    before = counts(session)
    with pytest.raises(ValidationError, match=message):
        cmd.update_details(
            session, actor=clerk(market), kind=M, deal_id=mortgage_deal.id, loan_amount=value
        )
    assert counts(session) == before


def test_details_are_saved_exactly(session, market, mortgage_deal):
    case = cmd.update_details(
        session, actor=clerk(market), kind=M, deal_id=mortgage_deal.id, bank=" 建设银行 ",
        loan_amount="1,386,000.50", note="周三送银行",
    )  # fmt: skip
    session.expire_all()
    case = session.get(AftersalesCase, case.id)
    assert (case.bank, case.loan_amount, case.note) == (
        "建设银行",
        Decimal("1386000.50"),
        "周三送银行",
    )
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.action == "aftersales.update_details"
    assert entry.after["loan_amount"] == "1386000.50" and entry.before["bank"] == ""


def test_permissions_and_project_scope(session, market, mortgage_deal):
    world = market.world
    p2 = world.projects[1]
    units = make_units(session, p2, code="5")
    _lump, mortgage = make_plans(session, p2)
    customer = make_customer(session, p2, world.users["consultant_p2"], "周杰", "13800000009")
    other = signed(session, market, units[0], customer, mortgage, "HT-P2", "consultant_p2")
    before = counts(session)
    with pytest.raises(PermissionDenied):  # the clerk works for project 1 only
        cmd.receive_document(session, actor=clerk(market), kind=M, deal_id=other.id, code="id_card")
    for role in ("consultant", "finance", "executive", "manager"):
        with pytest.raises(PermissionDenied):
            cmd.receive_document(
                session, actor=market.user(role), kind=M, deal_id=mortgage_deal.id, code="id_card"
            )
    assert counts(session) == before
    cmd.receive_document(session, actor=market.user("admin"), kind=M, deal_id=other.id,
                         code="id_card")  # fmt: skip

    mine = q.work_list(session, clerk(market), M, today=TODAY)
    assert mine["deal_id"].tolist() == [mortgage_deal.id]
    everyone = q.work_list(session, market.user("executive"), M, today=TODAY)
    assert set(everyone["deal_id"]) == {mortgage_deal.id, other.id}
    assert q.work_list(session, clerk(market), M, world.projects[1].id, today=TODAY)[
        "deal_id"
    ].tolist() == [mortgage_deal.id]  # a foreign project filter falls back to the scope
    assert q.case_detail(session, clerk(market), M, other.id) is None
    with pytest.raises(PermissionDenied):
        q.work_list(session, market.user("consultant"), M)


def test_work_lists_rows_counts_and_detail(session, market, mortgage_deal, lump_deal):
    frame = q.work_list(session, clerk(market), M, today=date(2026, 12, 14))
    row = frame.iloc[0].to_dict()
    assert row["case_id"] is None or row["case_id"] != row["case_id"]  # no case yet
    assert (row["status"], row["status_label"], row["documents"]) == ("pending", "待办", "0/7")
    assert row["unit"] == market.units[0].code and row["owner"] == "王芳"
    assert row["contract_no"] == "HT-M1" and row["days"] == 10
    assert row["loan_amount"] == mortgage_deal.deal_total - sum(
        r.amount for r in mortgage_deal.receivables if r.kind.value != "mortgage"
        and r.kind in PRICE_KINDS and not r.cancelled
    )  # fmt: skip
    assert q.work_list(session, clerk(market), C).empty  # nothing paid in full yet

    receive_all(session, market, M, mortgage_deal, MORTGAGE_DOCS)
    cmd.update_details(session, actor=clerk(market), kind=M, deal_id=mortgage_deal.id,
                       bank="招商银行", loan_amount="1000000")  # fmt: skip
    cmd.advance(session, actor=clerk(market), kind=M, deal_id=mortgage_deal.id, today=TODAY)
    frame = q.work_list(session, clerk(market), M, today=date(2026, 12, 6))
    row = frame.iloc[0].to_dict()
    assert (row["status_label"], row["documents"], row["bank"]) == ("送办", "7/7", "招商银行")
    assert row["loan_amount"] == Decimal("1000000.00") and row["days"] == 2
    assert row["handler"] == clerk(market).display_name
    assert q.status_counts(frame, M) == [("pending", "待办", 0), ("submitted", "送办", 1),
                                         ("done", "已办", 0)]  # fmt: skip
    assert q.work_list(session, clerk(market), M, status="pending").empty
    assert len(q.work_list(session, clerk(market), M, status="submitted")) == 1
    assert len(q.work_list(session, clerk(market), M, search="王")) == 1
    assert len(q.work_list(session, clerk(market), M, search="HT-M")) == 1
    assert q.work_list(session, clerk(market), M, search="李").empty

    detail = q.case_detail(session, clerk(market), M, mortgage_deal.id)
    assert detail.status == CaseStatus.SUBMITTED and detail.next_status == CaseStatus.DONE
    assert [d["code"] for d in detail.documents] == MORTGAGE_DOCS
    assert all(d["received_on"] == TODAY for d in detail.documents)
    assert detail.documents[0]["user"] == clerk(market).display_name
    assert [(s["from"], s["to"], s["user"]) for s in detail.steps] == [
        ("待办", "送办", clerk(market).display_name)
    ]

    pay_in_full(session, market, lump_deal)
    certs = q.work_list(session, clerk(market), C, today=TODAY)
    assert certs["deal_id"].tolist() == [lump_deal.id]
    assert certs.iloc[0]["documents"] == "0/6"
    pending = q.case_detail(session, clerk(market), C, lump_deal.id)
    assert pending.case_id is None and pending.status == CaseStatus.PENDING and not pending.steps


def test_the_database_keeps_one_case_per_kind_and_deal(session, market, mortgage_deal):
    cmd.receive_document(session, actor=clerk(market), kind=M, deal_id=mortgage_deal.id,
                         code="id_card")  # fmt: skip
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(
            AftersalesCase(kind=M, deal_id=mortgage_deal.id, project_id=mortgage_deal.project_id)
        )
        session.flush()


@pytest.fixture(scope="module", params=BACKENDS)
def race_db(request, tmp_path_factory):
    """A private database per backend: the race commits for real."""
    with own_database(request.param, "asrace", tmp_path_factory.mktemp("asrace")) as db:
        yield db


def test_clerks_acting_at_once_on_a_new_deal_make_one_case(race_db):
    with race_db.writer() as s:
        market = make_market(s)
        deal = signed(s, market, market.units[0], market.customers[0], market.mortgage, "HT-R1")
        deal_id = deal.id
        clerks = [market.user("aftersales").id, market.user("admin").id]
    barrier = threading.Barrier(len(MORTGAGE_DOCS))
    errors: list[BaseException] = []

    def tick(i):
        def command(session, **kwargs):
            actor = session.get(User, clerks[i % 2])
            return cmd.receive_document(session, actor=actor, **kwargs)

        barrier.wait()
        try:
            race_db.run(command, kind=M, deal_id=deal_id, code=MORTGAGE_DOCS[i])
        except BaseException as err:  # reported below
            errors.append(err)

    threads = [threading.Thread(target=tick, args=(i,)) for i in range(len(MORTGAGE_DOCS))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    with race_db.factory() as s:
        cases = s.scalars(select(AftersalesCase).where(AftersalesCase.deal_id == deal_id)).all()
        assert len(cases) == 1
        codes = s.scalars(
            select(AftersalesDocument.code).where(AftersalesDocument.case_id == cases[0].id)
        ).all()
        assert sorted(codes) == sorted(MORTGAGE_DOCS)
