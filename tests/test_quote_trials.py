"""试算统计 on SQLite and MariaDB: every 试算 and every saved quote leaves one quote_trial row,
the figures are unchanged, a failure to record loses nothing; the statistics by layout,
orientation, floor band, odd/even floor and building, scoped to the viewer's projects; the
screen's callbacks through the Flask client."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from data_layer.commands import quote_trials as trial_cmd
from data_layer.commands import quotes as cmd
from data_layer.models import Quote, QuoteTrial, utcnow
from pages.plan import quote_ids as ids
from tests.test_quotes import make_quote_market, terms

TODAY = date(2026, 12, 4)
D = Decimal


@pytest.fixture
def market(session):
    return make_quote_market(session)


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


# --- statistics ---------------------------------------------------------------------------------

PERIOD_START, PERIOD_END = date(2026, 11, 1), date(2026, 11, 30)


def at(day: date, hour: int = 10) -> datetime:
    """A stored (UTC) moment of an office hour of `day` in Beijing."""
    from data_layer import localtime

    return localtime.to_utc(datetime.combine(day, time(hour)))


@pytest.fixture
def tried(session, market):
    """8栋: 12 floors × 2 units; position 1 is 户型A facing 南北, position 2 户型B facing 东.
    Trials in November: 1F-1 ×3, 6F-1 ×2 (one saved), 7F-2 ×1, 12F-2 ×1; one in October;
    one of the other project; 6F-1 subscribed on 20 November."""
    from data_layer.commands import deals as deal_cmd
    from data_layer.models import Layout
    from tests.test_deals_support import make_units

    p1, p2 = market.world.projects
    layouts = [Layout(project_id=p1.id, name="户型A"), Layout(project_id=p1.id, name="户型B")]
    session.add_all(layouts)
    session.flush()
    units = make_units(session, p1, code="8", floors=12, per_floor=2)
    for unit in units:
        unit.layout_id = layouts[unit.position - 1].id
        unit.orientation = "south_north" if unit.position == 1 else "east"
    other = make_units(session, p2, code="9", floors=1, per_floor=1)[0]
    session.flush()
    unit = {(u.floor, u.position): u for u in units}
    consultant = market.user("consultant")
    day = date(2026, 11, 10)
    plan = [((1, 1), 3, 0), ((6, 1), 2, 1), ((7, 2), 1, 0), ((12, 2), 1, 0)]
    for key, n, saved in plan:
        for i in range(n):
            trial_cmd.record_trial(
                session, consultant, unit[key], saved=i < saved, at=at(day, 9 + i)
            )
    trial_cmd.record_trial(session, consultant, unit[(2, 1)], at=at(date(2026, 10, 31), 15))
    trial_cmd.record_trial(session, market.user("consultant_p2"), other, at=at(day))
    deal_cmd.subscribe(
        session,
        actor=consultant,
        unit_id=unit[(6, 1)].id,
        customer_id=market.customers[0].id,
        plan_id=market.lump.id,
        deposit=D("50000"),
        today=date(2026, 11, 20),
    )
    return unit, layouts, other


def period(market, **changes):
    from data_layer.queries.quote_trials import Period

    values = dict(start=PERIOD_START, end=PERIOD_END, project_id=market.world.projects[0].id)
    values.update(changes)
    return Period(**values)


def test_counts_by_layout_orientation_band_parity_and_building(session, market, tried):
    from data_layer.queries import quote_trials as q

    manager = market.user("manager")
    p = period(market)
    assert q.total(session, manager, p) == (7, 1)
    layout = q.by_layout(session, manager, p)
    assert layout[["layout", "trials", "saved", "subscriptions"]].values.tolist() == [
        ["户型A", 5, 1, 1],
        ["户型B", 2, 0, 0],
    ]
    assert layout["conversion"].tolist()[0] == D("0.2000")
    assert layout["conversion"].tolist()[1] == D("0.0000")
    orientation = q.by_orientation(session, manager, p)
    assert orientation[["orientation", "trials"]].values.tolist() == [
        ["south_north", 5],
        ["east", 2],
    ]
    band = q.by_floor_band(session, manager, p)
    assert band[["band", "low", "high", "trials", "saved"]].values.tolist() == [
        [0, 1, 5, 3, 0],
        [1, 6, 10, 3, 1],
        [2, 11, 15, 1, 0],
    ]
    band3 = q.by_floor_band(session, manager, period(market, band=3))
    assert band3[["low", "trials"]].values.tolist() == [[1, 3], [4, 2], [7, 1], [10, 1]]
    parity = q.by_parity(session, manager, p)
    assert parity[["parity", "trials"]].values.tolist() == [["odd", 4], ["even", 3]]
    building = q.by_building(session, manager, p)
    assert building[["building", "trials", "saved"]].values.tolist() == [["8栋", 7, 1]]


def test_top_units_with_their_state_now(session, market, tried):
    from data_layer.queries import quote_trials as q

    _unit, _layouts, _other = tried
    top = q.top_units(session, market.user("manager"), period(market))
    assert top["unit"].tolist() == ["8-1-101", "8-1-601", "8-1-702", "8-1-1202"]
    assert top["trials"].tolist() == [3, 2, 1, 1]
    first, second = top.iloc[0], top.iloc[1]
    assert (first["status"], first["sold"], first["layout"], first["orientation"]) == (
        "available",
        False,
        "户型A",
        "south_north",
    )
    assert first["list_total"] == D("2000000.00") and isinstance(first["list_total"], Decimal)
    assert (second["status"], second["sold"], second["saved"]) == ("subscribed", True, 1)
    assert list(top.columns) == q.TOP_COLUMNS
    assert len(q.top_units(session, market.user("manager"), period(market), limit=2)) == 2


def test_scope_period_and_building_filters(session, market, tried):
    from data_layer.queries import quote_trials as q

    _unit, _layouts, other = tried
    # All projects of the viewer: the manager of P1 never counts P2's trial.
    everything = period(market, project_id=None)
    assert q.total(session, market.user("manager"), everything) == (7, 1)
    # The executive sees both projects; the P2 consultant only P2's trial.
    assert q.total(session, market.user("executive"), everything) == (8, 1)
    assert q.total(session, market.user("consultant_p2"), everything) == (1, 0)
    # A consultant sees the whole project's statistics, not only their own trials.
    assert q.total(session, market.user("consultant2"), period(market)) == (7, 1)
    # Another project asked for by id is refused.
    from data_layer.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        q.total(session, market.user("manager"), period(market, project_id=other.project_id))
    # Without quote.view: refused.
    with pytest.raises(PermissionDenied):
        q.by_layout(session, market.user("aftersales"), period(market))
    # The period's days are local: October's trial only in October.
    october = period(market, start=date(2026, 10, 1), end=date(2026, 10, 31))
    assert q.total(session, market.user("manager"), october) == (1, 0)
    # A building with no trial: empty frames with their columns.
    from tests.test_deals_support import make_units

    empty = make_units(session, market.world.projects[0], code="10", floors=1, per_floor=1)
    p = period(market, building_id=empty[0].building_id)
    assert q.total(session, market.user("manager"), p) == (0, 0)
    assert q.by_layout(session, market.user("manager"), p).empty
    assert q.top_units(session, market.user("manager"), p).empty
    assert list(q.by_floor_band(session, market.user("manager"), p).columns) == [
        "band",
        "low",
        "high",
        "trials",
        "saved",
    ]


# --- demo ---------------------------------------------------------------------------------------


def test_demo_trials_in_office_hours_saved_ones_at_their_quote(session, market):
    from random import Random

    from data_layer import demo_trials, localtime

    consultant = market.user("consultant")
    quote = cmd.create_quote(session, actor=consultant, terms=terms(market), today=TODAY)
    quote.created_at = localtime.to_utc(datetime(2026, 12, 3, 15, 20))
    session.flush()
    summary = demo_trials.seed(session, Random(3), TODAY)
    rows = trials(session)
    browsing = [r for r in rows if not r.saved]
    assert len(browsing) == demo_trials.PER_PROJECT and summary.startswith("400")
    [saved] = [r for r in rows if r.saved]
    assert saved.at == quote.created_at.replace(microsecond=0)
    for row in browsing:
        moment = localtime.local(row.at, "Asia/Shanghai")
        assert time(9, 30) <= moment.time() < time(18, 0)
        assert TODAY - timedelta(days=demo_trials.DAYS) <= moment.date() < TODAY
    # Idempotent.
    assert demo_trials.seed(session, Random(3), TODAY).startswith("已有")
    assert len(trials(session)) == len(rows)


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


def test_the_statistics_callback_answers_and_exports(env):
    import base64
    import io

    from openpyxl import load_workbook

    from data_layer import localtime
    from data_layer.models import AuditEntry
    from pages.plan import trial_ids as tids
    from tests.test_crm_callbacks import db_session, logged_in, post, response_of
    from tests.test_quotes_callbacks import form, run

    app, plan_id, unit_id = env
    consultant = logged_in(app, "consultant")
    run(consultant, app, form(unit_id, plan_id, None), ids.TRY)  # at least one trial today
    today = localtime.today().isoformat()
    values = {
        f"{tids.DATES}.start_date": today,
        f"{tids.DATES}.end_date": today,
        f"{tids.BAND}.value": 5,
    }
    out = response_of(post(consultant, app, tids.TOP_GRID, "rowData", values))
    [top] = out[tids.TOP_GRID]["rowData"]
    assert top["unit"] == "1-1-101" and top["trials"] == trial_count(app)
    assert top["status_label"] == "待售" and top["sold_label"] == "否"
    assert "customer" not in top and "customer_id" not in top  # statistics, no names
    layout_chart = out[tids.LAYOUT_CHART]["figure"]
    assert layout_chart["data"][0]["x"] == [trial_count(app)]  # horizontal bars
    assert "试算" in str(out[tids.SUMMARY]["children"])
    assert out[tids.EMPTY]["children"] is None
    # The floor-band chart labels its bars in Chinese.
    assert out[tids.BAND_CHART]["figure"]["data"][0]["x"] == ["1–5层"]
    parity = out[tids.PARITY_CHART]["figure"]["data"][0]
    assert parity["x"] == ["奇数层"]
    # A period without trials explains itself.
    empty = {
        **values,
        f"{tids.DATES}.start_date": "2020-01-01",
        f"{tids.DATES}.end_date": "2020-01-31",
    }
    out = response_of(post(consultant, app, tids.TOP_GRID, "rowData", empty))
    assert out[tids.TOP_GRID]["rowData"] == []
    assert "所选期间没有试算记录" in str(out[tids.EMPTY]["children"])
    # The export is what the grid shows, audited.
    manager = logged_in(app, "manager")
    resp = post(
        manager, app, tids.TOP_DOWNLOAD, "data", {**values, f"{tids.TOP_EXPORT}.n_clicks": 1}
    )
    download = response_of(resp)[tids.TOP_DOWNLOAD]["data"]
    sheet = load_workbook(io.BytesIO(base64.b64decode(download["content"]))).active
    header = [c.value for c in sheet[1]]
    assert "房间" in header and "试算次数" in header and "表价总价" in header
    assert sheet.cell(2, header.index("房间") + 1).value == "1-1-101"
    with db_session(app) as s:
        assert s.scalar(select(func.count()).where(AuditEntry.action == "export.quote_trials")) >= 1
    resp = post(
        manager, app, tids.LAYOUT_DOWNLOAD, "data", {**values, f"{tids.LAYOUT_EXPORT}.n_clicks": 1}
    )
    assert response_of(resp)[tids.LAYOUT_DOWNLOAD]["data"]["content"]


def test_the_statistics_need_a_session_and_quote_view(env):
    from pages.plan import trial_ids as tids
    from tests.test_crm_callbacks import logged_in, post

    app, _plan_id, _unit_id = env
    anonymous = app.server.test_client()
    assert post(anonymous, app, tids.TOP_GRID, "rowData", {}).status_code == 401
    for username in ("finance", "aftersales", "marketing"):
        assert post(logged_in(app, username), app, tids.TOP_GRID, "rowData", {}).status_code == 403
    assert post(logged_in(app, "exec"), app, tids.TOP_GRID, "rowData", {}).status_code == 200
    # The page itself: in the 置业计划 menu for those who may open it.
    page = logged_in(app, "manager").get("/plan/trials")
    assert page.status_code == 200
