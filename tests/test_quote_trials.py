"""试算统计 on SQLite and MariaDB: every 试算 and every saved quote leaves one quote_trial row,
the figures are unchanged, a failure to record loses nothing; the statistics by layout,
orientation, floor band, odd/even floor and building, scoped to the viewer's projects; the
screen's callbacks through the Flask client."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from data_layer.commands import quote_trials as trial_cmd
from data_layer.commands import quotes as cmd
from data_layer.models import FeeRule, LoanKind, Quote, QuoteTrial, utcnow
from pages.plan import quote_ids as ids
from tests.test_deals_support import make_market

TODAY = date(2026, 12, 4)
D = Decimal


@pytest.fixture
def market(session):
    m = make_market(session)
    session.add(
        FeeRule(
            project_id=None,
            city="*",
            code="maintenance_fund",
            name="维修资金",
            formula="area * 80",
            effective_from=date(2020, 1, 1),
        )
    )
    session.flush()
    return m


def terms(market, unit=0, customer=0, **changes) -> cmd.QuoteTerms:
    values = dict(
        unit_id=market.units[unit].id,
        customer_id=market.customers[customer].id if customer is not None else None,
        plan_id=market.mortgage.id,
        extra_discount=D("10000"),
        deposit=D("50000"),
        down_payment_percent=D("30"),
        loan_kind=LoanKind.COMMERCIAL,
        loan_years=30,
        commercial_rate_percent=D("3.5"),
    )
    values.update(changes)
    return cmd.QuoteTerms(**values)


def trials(session) -> list[QuoteTrial]:
    session.expire_all()
    return list(session.scalars(select(QuoteTrial).order_by(QuoteTrial.id)))


# --- recording ----------------------------------------------------------------------------------


def test_a_try_records_one_row_and_keeps_its_figures(session, market):
    consultant = market.user("consultant")
    before = utcnow()
    built = cmd.build(session, actor=consultant, terms=terms(market, customer=None), today=TODAY)
    assert trials(session) == []  # build alone counts nothing
    quote = cmd.try_quote(
        session, actor=consultant, terms=terms(market, customer=None), today=TODAY
    )
    # The figures are those of build(): the trial changes nothing of them.
    for field in ("deal_total", "down_payment", "installment_monthly", "fees_total", "cash_needed"):
        assert getattr(quote, field) == getattr(built, field)
    assert quote.deal_total == D("1970000.00") and quote.number == ""
    [row] = trials(session)
    assert (row.project_id, row.unit_id, row.user_id) == (
        market.units[0].project_id,
        market.units[0].id,
        consultant.id,
    )
    assert (row.customer_id, row.plan_id, row.saved) == (None, market.mortgage.id, False)
    assert before.replace(microsecond=0) <= row.at <= utcnow()
    assert session.scalar(select(func.count()).select_from(Quote)) == 0


def test_a_saved_quote_records_a_saved_row(session, market):
    consultant = market.user("consultant")
    quote = cmd.create_quote(session, actor=consultant, terms=terms(market, unit=1), today=TODAY)
    [row] = trials(session)
    assert row.saved is True
    assert (row.unit_id, row.customer_id, row.user_id) == (
        market.units[1].id,
        market.customers[0].id,
        consultant.id,
    )
    assert quote.number == "ZY2026000001"


def test_a_refused_try_is_not_counted(session, market):
    from data_layer.errors import DomainError

    with pytest.raises(DomainError):
        cmd.try_quote(
            session,
            actor=market.user("consultant"),
            terms=terms(market, deposit=D("999999999")),
            today=TODAY,
        )
    assert trials(session) == []


def test_a_failure_to_record_loses_neither_figures_nor_the_saved_quote(
    session, market, monkeypatch, caplog
):
    def broken(*_args, **_kwargs):
        raise OperationalError("INSERT", {}, Exception("disk full"))

    real = session.execute

    def execute(statement, *args, **kwargs):
        if statement is trial_cmd._INSERT:
            broken()
        return real(statement, *args, **kwargs)

    monkeypatch.setattr(session, "execute", execute)
    consultant = market.user("consultant")
    quote = cmd.try_quote(session, actor=consultant, terms=terms(market), today=TODAY)
    assert quote.deal_total == D("1970000.00")
    saved = cmd.create_quote(session, actor=consultant, terms=terms(market), today=TODAY)
    session.flush()
    assert saved.id and saved.number == "ZY2026000001"
    assert "not recorded" in caplog.text
    monkeypatch.undo()
    assert trials(session) == []


def test_record_try_counts_what_the_screen_worked_out(session, market):
    consultant = market.user("consultant")
    quote = cmd.build(session, actor=consultant, terms=terms(market, unit=2), today=TODAY)
    assert trial_cmd.record_try(session, actor=consultant, quote=quote) is True
    [row] = trials(session)
    assert (row.unit_id, row.customer_id, row.saved) == (
        market.units[2].id,
        market.customers[0].id,
        False,
    )


# --- through the Flask client -------------------------------------------------------------------


@pytest.fixture(scope="module")
def env(app_env):
    from data_layer.models import Project, Unit
    from tests.test_deals_support import make_plans

    with app_env.server.extensions["loupan_db"].writer() as s:
        project = s.scalar(select(Project).where(Project.code == "P1"))
        _lump, mortgage = make_plans(s, project)
        unit = s.scalar(select(Unit).where(Unit.code == "1-1-101"))
        return app_env, mortgage.id, unit.id


def trial_count(app, saved=None) -> int:
    from tests.test_crm_callbacks import db_session

    query = select(func.count()).select_from(QuoteTrial)
    if saved is not None:
        query = query.where(QuoteTrial.saved.is_(saved))
    with db_session(app) as s:
        return s.scalar(query)


def test_a_try_through_the_callback_adds_a_row(env):
    from tests.test_crm_callbacks import logged_in
    from tests.test_quotes_callbacks import form, run, text_of

    app, plan_id, unit_id = env
    client = logged_in(app, "consultant")
    before = trial_count(app, saved=False)
    out = text_of(run(client, app, form(unit_id, plan_id, None), ids.TRY))
    assert "1,791,900.00" in out and "试算（未保存）" in out
    assert trial_count(app, saved=False) == before + 1
    # A refused try (bad input) shows the message and counts nothing.
    out = text_of(run(client, app, form(unit_id, plan_id, None, **{ids.DOWN: "100"}), ids.TRY))
    assert "首付比例" in out
    assert trial_count(app, saved=False) == before + 1


def test_a_failure_to_count_still_shows_the_figures(env, monkeypatch, caplog):
    from tests.test_crm_callbacks import logged_in
    from tests.test_quotes_callbacks import form, run, text_of

    def broken(session, **_kwargs):
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(trial_cmd, "record_try", broken)
    app, plan_id, unit_id = env
    client = logged_in(app, "consultant")
    before = trial_count(app)
    out = text_of(run(client, app, form(unit_id, plan_id, None), ids.TRY))
    assert "1,791,900.00" in out
    assert "not counted" in caplog.text
    assert trial_count(app) == before
