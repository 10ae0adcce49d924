"""CRM screens: registration with the duplicate check, the customer list and its export, a
customer's page and its actions, reminders, transfers, survey fields and the lead import."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from dashboard import auth, exports, imports, shell
from dashboard.components import feedback, grid
from dashboard.db import database, reader
from dashboard.i18n import _, language
from data_layer import authz, localtime
from data_layer.commands import crm as commands
from data_layer.errors import DomainError
from data_layer.excel.crm_import import lead_spec
from data_layer.models import RoleCode, SurveyKind
from data_layer.queries import crm as queries
from data_layer.rules import idcard
from data_layer.rules import mobile as mobile_rules
from data_layer.rules.money import format_amount
from pages.crm import columns, ids
from pages.crm.labels import (
    ASSIGN_LABELS,
    CONTACT_LABELS,
    CUSTOMER_COLUMNS,
    DEAL_EVENT_LABELS,
    DEAL_STAGE_LABELS,
    DEAL_STATE_LABELS,
    EXPORT_EXTRA,
    STAGE_LABELS,
    SURVEY_KIND_LABELS,
    one,
)

# The visitor's fields of the registration form: (component, property, value when cleared);
# the default next follow-up date is computed per call (see _cleared_visitor).
VISITOR_FIELDS = [
    (ids.REG_NAME, "value", ""),
    (ids.REG_MOBILE, "value", ""),
    (ids.REG_ID, "value", ""),
    (ids.REG_CHANNEL, "value", None),
    (ids.REG_LAYOUT, "value", ""),
    (ids.REG_AREA_MIN, "value", None),
    (ids.REG_AREA_MAX, "value", None),
    (ids.REG_BUDGET, "value", None),
    (ids.REG_PURPOSE, "value", None),
    (ids.REG_LEVEL, "value", None),
    (ids.REG_NEXT, "date", None),
    (ids.REG_NOTES, "value", ""),
]

HIDDEN = {"display": "none"}
SHOWN = {"display": "inline-block"}


def plain(value, exact: bool = False):
    """A cell value for the grid: dates as ISO text, money as formatted text (kept a Decimal
    when `exact`, for an Excel file), no NaN."""
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN from pandas
        return None
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return value if exact else format_amount(value)
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def records(frame, exact: bool = False) -> list[dict]:
    return [
        {k: plain(v, exact) for k, v in row.items()}
        for row in frame.astype(object).to_dict("records")
    ]


def link(customer_id) -> str:
    return f"[{_('打开')}](/crm/customer/{int(customer_id)})"


def decorate(rows: list[dict], session=None) -> list[dict]:
    """Translated labels of the codes in customer rows, and the link to each customer."""
    channels = queries.code_labels(session or reader(), "channel", language())
    reasons = queries.code_labels(session or reader(), "lost_reason", language())
    for row in rows:
        row["detail"] = link(row["id"])
        row["stage_label"] = one(STAGE_LABELS.get(row.get("stage"), row.get("stage") or ""))
        row["channel_label"] = channels.get(row.get("channel"), row.get("channel") or "")
        row["first_contact_label"] = one(CONTACT_LABELS.get(row.get("first_contact"), ""))
        row["lost_reason_label"] = reasons.get(row.get("lost_reason"), "")
    return rows


def _error(err: DomainError):
    return feedback(err.text(language()), ok=False)


def _date_value(value) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _list_filter(project_id, search, stage, level, channel, consultant, start, end):
    return queries.CustomerFilter(
        project_id=project_id or None,
        search=search or "",
        stage=stage or None,
        level=level or None,
        channel=channel or None,
        consultant_id=consultant or None,
        start=_date_value(start),
        end=_date_value(end),
    )


def survey_inputs(fields) -> list:
    """The project's survey questions as form inputs with pattern-matching ids."""
    if not fields:
        return []
    cols = []
    for item in fields:
        component_id = {"type": ids.SURVEY_INPUT, "field": item.id}
        if item.kind == SurveyKind.SINGLE:
            control = dcc.Dropdown(
                id=component_id,
                options=[{"label": o, "value": o} for o in item.options],
                placeholder=_("请选择"),
            )
        elif item.kind == SurveyKind.MULTI:
            control = dcc.Dropdown(
                id=component_id,
                options=[{"label": o, "value": o} for o in item.options],
                multi=True,
                placeholder=_("可多选"),
            )
        elif item.kind == SurveyKind.NUMBER:
            control = dbc.Input(id=component_id, type="number")
        else:
            control = dbc.Input(id=component_id, maxlength=500)
        label = [item.label, html.Span(" *", className="text-danger") if item.required else None]
        cols.append(dbc.Col([dbc.Label(label), control], md=3, className="mb-2"))
    return [
        html.Div(_("问卷"), className="small text-muted border-top pt-2 mb-1"),
        dbc.Row(cols),
    ]


def _survey_form(user, project_id) -> list:
    """The registration form's survey: the project's questions, unanswered."""
    if not project_id:
        return []
    return survey_inputs(queries.survey_definitions(reader(), user, project_id))


def personal_data(user) -> dict:
    """The audit detail of a customer export: whether phone and ID numbers left unmasked."""
    return {"personal_data": authz.sees_personal_data(user)}


def _customer_rows(frame) -> list[dict]:
    """Customer rows for an Excel file: as the grid shows them (masking included), amounts
    exact."""
    return decorate(records(frame, exact=True))


# 完整导出: every column of the customers the grid shows, the ID number, lost reason and notes
# included (not on screen); only for a viewer who sees full phone and ID numbers.
FULL_COLUMNS = [c for c in CUSTOMER_COLUMNS if c["field"] != "detail"] + [
    {"field": f, "headerName": h} for f, h in EXPORT_EXTRA
]


def _register_list_export(app, list_state, button: str, download: str, full: bool) -> None:
    """An export of the customer list's grid: its rows in its filter and sort order, read again
    through the list's query for the user (masked as in the grid); the grid's visible columns in
    its order, or with `full` every column (完整导出). Audited with the filters."""

    @auth.callback(
        app,
        "crm.customers",
        Output(download, "data"),
        Input(button, "n_clicks"),
        *list_state,
        State(ids.LIST_GRID, "virtualRowData"),
        State(ids.LIST_GRID, "columnDefs"),
        State(ids.LIST_GRID, "columnState"),
        prevent_initial_call=True,
    )
    def export(_n, *values, user):
        *values, shown, column_defs, column_state = values
        personal = authz.sees_personal_data(user)
        if full and not personal:
            raise PreventUpdate
        f = _list_filter(*values)
        rows = _customer_rows(queries.customers_frame(reader(), user, f))
        what = "customers_full" if full else "customers"
        defaults = [
            {**c, "headerName": _(c["headerName"])}
            for c in (FULL_COLUMNS if full else CUSTOMER_COLUMNS)
        ]
        return exports.grid_xlsx(
            user,
            what,
            rows,
            shown,
            None if full else column_defs,
            defaults,
            _("客户列表"),
            details={"personal_data": personal, "filters": f.as_dict()},
            column_state=None if full else column_state,
            filename=f"{what}-{localtime.today():%Y%m%d}.xlsx",
        )


def _recent(user, project_id, exact: bool = False) -> list[dict]:
    """Customers registered today in the project (the registration screen's list)."""
    if not project_id:
        return []
    today = localtime.today()
    f = queries.CustomerFilter(project_id=project_id, start=today, end=today)
    return decorate(records(queries.customers_frame(reader(), user, f, limit=50), exact))


def _cleared_visitor() -> tuple:
    """The visitor's fields as a fresh form shows them (the next follow-up in 3 days)."""
    default_next = (localtime.today() + timedelta(days=commands.DEFAULT_NEXT_DAYS)).isoformat()
    return tuple(
        default_next if component == ids.REG_NEXT else empty
        for component, _prop, empty in VISITOR_FIELDS
    )


def _days(value) -> int:
    try:
        return int(value or 30)
    except ValueError:
        return 30


def _overdue(user, project_id, mine, _days_ahead=None):
    only = "mine" in (mine or [])
    return queries.overdue_follow_ups(reader(), user, localtime.today(), project_id, only)


def _birthdays(user, project_id, mine, days):
    only = "mine" in (mine or [])
    return queries.upcoming_birthdays(
        reader(), user, localtime.today(), project_id, days=_days(days), mine_only=only
    )


def _transferred(user, project_id, _mine=None, _days_ahead=None):
    return queries.transferred_to_me(reader(), user, localtime.today(), project_id)


def register(app):
    # -----------------------------------------------------------------------------------------
    # 来访/来电登记

    @auth.callback(
        app,
        "crm.edit",
        Output(ids.REG_PROJECT, "value"),
        Input(shell.PROJECT_SELECT, "value"),
        State(ids.REG_PROJECT, "options"),
        State(ids.REG_PROJECT, "value"),
    )
    def registration_project(shell_project, options, current, *, user):
        allowed = {o["value"] for o in options or []}
        if shell_project in allowed:
            return shell_project
        if current in allowed:
            return current
        return next(iter(allowed)) if len(allowed) == 1 else None

    @auth.callback(
        app,
        "crm.edit",
        Output(ids.REG_CONSULTANT, "options"),
        Output(ids.REG_CONSULTANT, "value"),
        Output(ids.REG_CONSULTANT, "disabled"),
        Output(ids.REG_SURVEY, "children"),
        Input(ids.REG_PROJECT, "value"),
    )
    def registration_form(project_id, *, user):
        if not project_id:
            return [], None, True, []
        session = reader()
        people = queries.project_consultants(session, user, project_id)
        options = [{"label": u.display_name, "value": u.id} for u in people]
        mine = user.role_code in (RoleCode.CONSULTANT, RoleCode.MANAGER)
        value = user.id if mine and user.id in {u.id for u in people} else None
        # A consultant registers their own customers; assigning to others is a manager's.
        locked = not authz.has(user, "crm.override")
        return options, value, locked and value is not None, _survey_form(user, project_id)

    @auth.callback(
        app,
        "crm.edit",
        Output(ids.REG_DUPLICATE, "children"),
        Output(ids.REG_REVISIT, "style"),
        Output(ids.REG_CLAIM, "style"),
        Input(ids.REG_MOBILE, "value"),
        Input(ids.REG_ID, "value"),
        Input(ids.REG_PROJECT, "value"),
    )
    def duplicate_check(mobile, id_number, project_id, *, user):
        mobile, id_number = (mobile or "").strip(), (id_number or "").strip()
        notes = []
        if mobile and len(mobile) >= 11 and not mobile_rules.is_valid(mobile):
            notes.append(_("手机号码格式不正确：应为 1 开头的 11 位数字。"))
        if id_number and len(id_number) >= 18 and not idcard.is_valid(id_number):
            notes.append(_("身份证号无效：请核对出生日期和末位校验码。"))
        warning = (
            dbc.Alert(" ".join(notes), color="warning", className="py-2 mb-1") if notes else None
        )
        try:
            hint = queries.duplicate_hint(reader(), user, project_id, mobile, id_number)
        except DomainError as err:
            return _error(err), HIDDEN, HIDDEN
        if hint is None:
            if mobile_rules.is_valid(mobile) and not notes:
                ok = _("该手机号在本项目尚未登记。")
                return html.Div(ok, className="text-success small"), HIDDEN, HIDDEN
            return warning, HIDDEN, HIDDEN
        what = _("手机号") if hint.matched_on == "mobile" else _("身份证号")
        text = _(
            "该{what}已登记：客户归属 {owner}（自 {since} 起）。",
            what=what,
            owner=hint.consultant_name,
            since=hint.since.isoformat(),
        )
        if hint.mine:
            extra = _("这是您的客户，可登记为复访。")
        elif hint.protected:
            extra = _("保护期至 {until}，如需改归属请联系销售经理。", until=hint.protected_until)
        else:
            extra = _("保护期已于 {until} 结束，可接手该客户。", until=hint.protected_until)
        children = [html.Strong(text), " ", extra]
        if hint.customer_id:
            children += [" ", html.A(_("查看客户"), href=f"/crm/customer/{hint.customer_id}")]
        revisit = SHOWN if hint.customer_id else HIDDEN
        claim = SHOWN if (not hint.protected and not hint.mine) else HIDDEN
        alert = dbc.Alert(children, color="danger", className="py-2 mb-1", id="crm-dup-alert")
        return [warning, alert], revisit, claim

    survey_values = State({"type": ids.SURVEY_INPUT, "field": ALL}, "value")
    survey_ids = State({"type": ids.SURVEY_INPUT, "field": ALL}, "id")

    @auth.callback(
        app,
        "crm.edit",
        Output(ids.REG_FEEDBACK, "children"),
        Output(ids.REG_RECENT, "rowData"),
        *[Output(component, prop) for component, prop, _empty in VISITOR_FIELDS],
        # The survey's questions drawn again, unanswered (the form's callback draws them too).
        Output(ids.REG_SURVEY, "children", allow_duplicate=True),
        Input(ids.REG_SUBMIT, "n_clicks"),
        Input(ids.REG_REVISIT, "n_clicks"),
        Input(ids.REG_CLAIM, "n_clicks"),
        # An Input: today's list follows the project as soon as it is chosen.
        Input(ids.REG_PROJECT, "value"),
        State(ids.REG_KIND, "value"),
        State(ids.REG_CONSULTANT, "value"),
        State(ids.REG_NAME, "value"),
        State(ids.REG_MOBILE, "value"),
        State(ids.REG_ID, "value"),
        State(ids.REG_CHANNEL, "value"),
        State(ids.REG_LAYOUT, "value"),
        State(ids.REG_AREA_MIN, "value"),
        State(ids.REG_AREA_MAX, "value"),
        State(ids.REG_BUDGET, "value"),
        State(ids.REG_PURPOSE, "value"),
        State(ids.REG_LEVEL, "value"),
        State(ids.REG_NEXT, "date"),
        State(ids.REG_NOTES, "value"),
        survey_values,
        survey_ids,
        # Runs when the project is set (registration_project does so as the page opens).
        prevent_initial_call=True,
    )
    def registration(
        _submit,
        _revisit,
        _claim,
        project_id,
        kind,
        consultant_id,
        name,
        mobile,
        id_number,
        channel,
        layout,
        area_min,
        area_max,
        budget,
        purpose,
        level,
        next_on,
        notes,
        answers,
        answer_ids,
        *,
        user,
    ):
        trigger = dash.ctx.triggered_id
        keep = (dash.no_update,) * (len(VISITOR_FIELDS) + 1)
        # After a registration every field of the visitor is emptied (the next visitor must not
        # inherit this one's channel, budget or answers); project, kind and consultant stay.
        cleared = (*_cleared_visitor(), _survey_form(user, project_id))
        message, ok = "", True
        db = database()
        try:
            if trigger == ids.REG_SUBMIT:
                values = {
                    "name": name,
                    "mobile": mobile,
                    "id_number": id_number,
                    "contact_kind": kind,
                    "channel": channel,
                    "intended_layout": layout,
                    "area_min": _text_number(area_min),
                    "area_max": _text_number(area_max),
                    "budget": _text_number(budget),
                    "purpose": purpose,
                    "level": level,
                    "next_follow_up_on": next_on,
                    "notes": notes,
                    "survey": {
                        str(i["field"]): v
                        for i, v in zip(answer_ids or [], answers or [], strict=False)
                    },
                }
                customer = db.run(
                    commands.register_customer,
                    actor=user,
                    project_id=project_id,
                    values=values,
                    consultant_id=consultant_id,
                )
                message = _("已登记客户 {name}。", name=customer.name)
                keep = cleared
            elif trigger in (ids.REG_REVISIT, ids.REG_CLAIM):
                owner = commands.find_owner(reader(), project_id, mobile or "", id_number or "")
                if owner is None:
                    raise DomainError(_("未找到该客户，请核对手机号。"))
                if trigger == ids.REG_REVISIT:
                    db.run(
                        commands.add_follow_up,
                        actor=user,
                        customer_id=owner.customer_id,
                        kind=kind or "visit",
                        notes=notes or _("复访登记") if kind == "visit" else notes or _("来电"),
                        next_on=_date_value(next_on),
                    )
                    message = _("已登记复访。")
                else:
                    db.run(commands.claim_customer, actor=user, customer_id=owner.customer_id)
                    message = _("已接手该客户，归属已变更为您。")
                keep = cleared
        except commands.DuplicateCustomer as err:
            message, ok = err.text(language()), False
        except DomainError as err:
            message, ok = err.text(language()), False
        return (feedback(message, ok), _recent(user, project_id), *keep)

    exports.register(
        app,
        "crm.edit",
        "registered_today",
        ids.REG_RECENT,
        ids.REG_RECENT_EXPORT,
        ids.REG_RECENT_DOWNLOAD,
        lambda user, project_id: _recent(user, project_id, exact=True),
        columns.RECENT,
        "今日登记客户",
        state=[State(ids.REG_PROJECT, "value")],
        details=personal_data,
    )

    # -----------------------------------------------------------------------------------------
    # 客户列表

    list_inputs = [
        Input(shell.PROJECT_SELECT, "value"),
        Input(ids.LIST_SEARCH, "value"),
        Input(ids.LIST_STAGE, "value"),
        Input(ids.LIST_LEVEL, "value"),
        Input(ids.LIST_CHANNEL, "value"),
        Input(ids.LIST_CONSULTANT, "value"),
        Input(ids.LIST_DATES, "start_date"),
        Input(ids.LIST_DATES, "end_date"),
    ]

    @auth.callback(
        app,
        "crm.customers",
        Output(ids.LIST_GRID, "rowData"),
        Output(ids.LIST_INFO, "children"),
        *list_inputs,
    )
    def customer_list(*values, user):
        f = _list_filter(*values)
        frame = queries.customers_frame(reader(), user, f)
        info = _("共 {n} 位客户", n=len(frame))
        if len(frame) >= queries.MAX_LIST_ROWS:
            info += " · " + _("最多显示 {n} 条，请用筛选缩小范围。", n=queries.MAX_LIST_ROWS)
        return decorate(records(frame)), info

    list_state = [State(i.component_id, i.component_property) for i in list_inputs]
    _register_list_export(app, list_state, ids.LIST_EXPORT, ids.LIST_DOWNLOAD, full=False)
    _register_list_export(app, list_state, ids.LIST_FULL_EXPORT, ids.LIST_FULL_DOWNLOAD, full=True)

    # -----------------------------------------------------------------------------------------
    # 客户详情

    @auth.callback(
        app,
        "crm.customers",
        Output(ids.DETAIL_BODY, "children"),
        Input(ids.DETAIL_ID, "data"),
        Input(ids.DETAIL_REFRESH, "data"),
    )
    def customer_page(customer_id, _refresh, *, user):
        try:
            detail = queries.customer_detail(reader(), user, customer_id)
        except DomainError as err:
            return dbc.Alert(err.text(language()), color="danger", id="crm-detail-refused")
        return detail_view(detail)

    @auth.callback(
        app,
        "crm.override",
        Output(ids.OVR_TO, "options"),
        Input(ids.DETAIL_ID, "data"),
    )
    def override_options(customer_id, *, user):
        try:
            customer = queries.visible_customer(reader(), user, customer_id, "crm.override")
        except DomainError:
            return []
        people = queries.project_consultants(reader(), user, customer.project_id)
        return [
            {"label": u.display_name, "value": u.id}
            for u in people
            if u.id != customer.consultant_id
        ]

    edit_fields = [
        (ids.ED_NAME, "name"),
        (ids.ED_ID, "id_number"),
        (ids.ED_CHANNEL, "channel"),
        (ids.ED_LAYOUT, "intended_layout"),
        (ids.ED_AREA_MIN, "area_min"),
        (ids.ED_AREA_MAX, "area_max"),
        (ids.ED_BUDGET, "budget"),
        (ids.ED_PURPOSE, "purpose"),
        (ids.ED_NOTES, "notes"),
    ]

    @auth.callback(
        app,
        "crm.edit",
        *[Output(component, "value") for component, _field in edit_fields],
        Input(ids.DETAIL_ID, "data"),
        Input(ids.DETAIL_REFRESH, "data"),
    )
    def edit_values(customer_id, _refresh, *, user):
        try:
            c = queries.visible_customer(reader(), user, customer_id, "crm.edit")
        except DomainError:
            return (None,) * len(edit_fields)
        values = []
        for _component, name in edit_fields:
            value = getattr(c, name)
            if isinstance(value, Decimal):
                value = str(int(value)) if value == value.to_integral() else str(value)
            values.append(value)
        return tuple(values)

    @auth.callback(
        app,
        "crm.edit",
        Output(ids.DETAIL_FEEDBACK, "children", allow_duplicate=True),
        Output(ids.DETAIL_REFRESH, "data", allow_duplicate=True),
        Input(ids.ED_SUBMIT, "n_clicks"),
        State(ids.DETAIL_ID, "data"),
        *[State(component, "value") for component, _field in edit_fields],
        prevent_initial_call=True,
    )
    def edit(_n, customer_id, *values, user):
        changes = {
            name: _text_number(value) if name in ("area_min", "area_max", "budget") else value
            for (_component, name), value in zip(edit_fields, values, strict=True)
        }
        return _detail_action(
            lambda: database().run(
                commands.update_customer, actor=user, customer_id=customer_id, values=changes
            ),
            _("客户资料已保存。"),
        )

    def _detail_action(run, success: str):
        try:
            run()
        except DomainError as err:
            return _error(err), dash.no_update
        return feedback(success), datetime.now().timestamp()

    @auth.callback(
        app,
        "crm.edit",
        Output(ids.DETAIL_FEEDBACK, "children", allow_duplicate=True),
        Output(ids.DETAIL_REFRESH, "data", allow_duplicate=True),
        Output(ids.FU_NOTES, "value"),
        Input(ids.FU_SUBMIT, "n_clicks"),
        State(ids.DETAIL_ID, "data"),
        State(ids.FU_KIND, "value"),
        State(ids.FU_NOTES, "value"),
        State(ids.FU_NEXT, "date"),
        prevent_initial_call=True,
    )
    def follow_up(_n, customer_id, kind, notes, next_on, *, user):
        message, refresh = _detail_action(
            lambda: database().run(
                commands.add_follow_up,
                actor=user,
                customer_id=customer_id,
                kind=kind,
                notes=notes or "",
                next_on=_date_value(next_on),
            ),
            _("跟进已保存。"),
        )
        return message, refresh, "" if refresh is not dash.no_update else dash.no_update

    @auth.callback(
        app,
        "crm.edit",
        Output(ids.DETAIL_FEEDBACK, "children", allow_duplicate=True),
        Output(ids.DETAIL_REFRESH, "data", allow_duplicate=True),
        Input(ids.STAGE_SUBMIT, "n_clicks"),
        State(ids.DETAIL_ID, "data"),
        State(ids.STAGE_VALUE, "value"),
        State(ids.STAGE_LEVEL, "value"),
        State(ids.STAGE_REASON, "value"),
        prevent_initial_call=True,
    )
    def stage(_n, customer_id, value, level, reason, *, user):
        return _detail_action(
            lambda: database().run(
                commands.change_stage,
                actor=user,
                customer_id=customer_id,
                stage=value or "",
                level=level or "",
                lost_reason=reason or "",
            ),
            _("客户阶段已更新。"),
        )

    @auth.callback(
        app,
        "crm.override",
        Output(ids.DETAIL_FEEDBACK, "children", allow_duplicate=True),
        Output(ids.DETAIL_REFRESH, "data", allow_duplicate=True),
        Input(ids.OVR_SUBMIT, "n_clicks"),
        State(ids.DETAIL_ID, "data"),
        State(ids.OVR_TO, "value"),
        State(ids.OVR_REASON, "value"),
        prevent_initial_call=True,
    )
    def override(_n, customer_id, to_id, reason, *, user):
        return _detail_action(
            lambda: database().run(
                commands.override_attribution,
                actor=user,
                customer_id=customer_id,
                to_consultant_id=to_id,
                reason=reason or "",
            ),
            _("客户归属已变更，记录已保存。"),
        )

    # -----------------------------------------------------------------------------------------
    # 跟进提醒

    @auth.callback(
        app,
        "crm.customers",
        Output(ids.REM_OVERDUE, "rowData"),
        Output(ids.REM_BIRTHDAYS, "rowData"),
        Output(ids.REM_TRANSFERRED, "rowData"),
        Output(ids.REM_SUMMARY, "children"),
        Input(shell.PROJECT_SELECT, "value"),
        Input(ids.REM_MINE, "value"),
        Input(ids.REM_DAYS, "value"),
    )
    def reminders(project_id, mine, days, *, user):
        overdue = _overdue(user, project_id, mine)
        birthdays = _birthdays(user, project_id, mine, days)
        moved = _transferred(user, project_id)
        late = int((overdue["days_overdue"] > 0).sum()) if len(overdue) else 0
        summary = _(
            "待跟进 {n} 位（其中逾期 {late} 位）· {d} 天内生日 {b} 位 · 接转给我 {t} 位",
            n=len(overdue),
            late=late,
            d=_days(days),
            b=len(birthdays),
            t=len(moved),
        )
        return (
            decorate(records(overdue)),
            decorate(records(birthdays)),
            decorate(records(moved)),
            summary,
        )

    reminder_state = [
        State(shell.PROJECT_SELECT, "value"),
        State(ids.REM_MINE, "value"),
        State(ids.REM_DAYS, "value"),
    ]
    for what, grid_ids, frame_of, cols, sheet in (
        (
            "follow_ups_due",
            (ids.REM_OVERDUE, ids.REM_OVERDUE_EXPORT, ids.REM_OVERDUE_DOWNLOAD),
            _overdue,
            columns.OVERDUE,
            "待跟进客户",
        ),
        (
            "birthdays_soon",
            (ids.REM_BIRTHDAYS, ids.REM_BIRTHDAYS_EXPORT, ids.REM_BIRTHDAYS_DOWNLOAD),
            _birthdays,
            columns.BIRTHDAYS,
            "近期生日客户",
        ),
        (
            "transferred_to_me",
            (ids.REM_TRANSFERRED, ids.REM_TRANSFERRED_EXPORT, ids.REM_TRANSFERRED_DOWNLOAD),
            _transferred,
            columns.TRANSFERRED,
            "接转给我的客户",
        ),
    ):
        exports.register(
            app,
            "crm.customers",
            what,
            *grid_ids,
            lambda user, *state, frame_of=frame_of: _customer_rows(frame_of(user, *state)),
            cols,
            sheet,
            state=reminder_state,
            details=personal_data,
        )

    # -----------------------------------------------------------------------------------------
    # 客户接转

    @auth.callback(
        app,
        "crm.transfer",
        Output(ids.TR_FROM, "options"),
        Output(ids.TR_TO, "options"),
        Input(shell.PROJECT_SELECT, "value"),
    )
    def transfer_people(project_id, *, user):
        if not project_id:
            return [], []
        session = reader()
        everyone = queries.owners(session, user, project_id)
        active = queries.project_consultants(session, user, project_id)
        label = lambda u: u.display_name + ("" if u.active else _("（已停用）"))  # noqa: E731
        return (
            [{"label": label(u), "value": u.id} for u in everyone],
            [{"label": u.display_name, "value": u.id} for u in active],
        )

    @auth.callback(
        app,
        "crm.transfer",
        Output(ids.TR_GRID, "rowData"),
        Output(ids.TR_FEEDBACK, "children"),
        Output(ids.TR_INFO, "children"),
        Input(shell.PROJECT_SELECT, "value"),
        Input(ids.TR_FROM, "value"),
        Input(ids.TR_SELECTED, "n_clicks"),
        Input(ids.TR_ALL, "n_clicks"),
        State(ids.TR_TO, "value"),
        State(ids.TR_REASON, "value"),
        State(ids.TR_GRID, "selectedRows"),
    )
    def transfer(project_id, from_id, _sel, _all, to_id, reason, selected, *, user):
        trigger = dash.ctx.triggered_id
        message, ok = "", True
        if trigger in (ids.TR_SELECTED, ids.TR_ALL):
            chosen = None
            if trigger == ids.TR_SELECTED:
                chosen = [int(r["id"]) for r in selected or []]
            try:
                if trigger == ids.TR_SELECTED and not chosen:
                    raise DomainError(_("请先勾选要接转的客户。"))
                n = database().run(
                    commands.transfer_customers,
                    actor=user,
                    project_id=project_id,
                    from_consultant_id=from_id,
                    to_consultant_id=to_id,
                    reason=reason or "",
                    customer_ids=chosen,
                )
                message = _("已接转 {n} 位客户。", n=n)
            except DomainError as err:
                message, ok = err.text(language()), False
        if not project_id or not from_id:
            return [], feedback(message, ok), _("请选择项目和原置业顾问。")
        rows = _transfer_rows(user, project_id, from_id)
        return rows, feedback(message, ok), _("该置业顾问在本项目共有 {n} 位客户", n=len(rows))

    exports.register(
        app,
        "crm.transfer",
        "transfer_customers",
        ids.TR_GRID,
        ids.TR_EXPORT,
        ids.TR_DOWNLOAD,
        lambda user, project_id, from_id: _transfer_rows(user, project_id, from_id, exact=True),
        columns.TRANSFER,
        "客户接转",
        state=[State(shell.PROJECT_SELECT, "value"), State(ids.TR_FROM, "value")],
        details=personal_data,
    )

    # -----------------------------------------------------------------------------------------
    # 问卷设置

    @auth.callback(
        app,
        "crm.survey",
        Output(ids.SV_GRID, "rowData"),
        Output(ids.SV_FEEDBACK, "children"),
        Input(shell.PROJECT_SELECT, "value"),
        Input(ids.SV_ADD, "n_clicks"),
        Input(ids.SV_TOGGLE, "n_clicks"),
        State(ids.SV_LABEL, "value"),
        State(ids.SV_KIND, "value"),
        State(ids.SV_OPTIONS, "value"),
        State(ids.SV_REQUIRED, "value"),
        State(ids.SV_GRID, "selectedRows"),
    )
    def survey(project_id, _add, _toggle, label, kind, options, required, selected, *, user):
        trigger = dash.ctx.triggered_id
        message, ok = "", True
        try:
            if trigger == ids.SV_ADD:
                item = database().run(
                    commands.define_survey_field,
                    actor=user,
                    project_id=project_id,
                    label=label or "",
                    kind=kind or "",
                    options=options or "",
                    required=bool(required),
                )
                message = _("问卷项“{label}”已添加。", label=item.label)
            elif trigger == ids.SV_TOGGLE:
                if not selected:
                    raise DomainError(_("请先在表格中选择一个问卷项。"))
                database().run(
                    commands.set_survey_field_active,
                    actor=user,
                    field_id=selected[0]["id"],
                    active=not selected[0]["active"],
                )
                message = _("已更新。")
        except DomainError as err:
            message, ok = err.text(language()), False
        return _survey_rows(user, project_id), feedback(message, ok)

    exports.register(
        app,
        "crm.survey",
        "survey_fields",
        ids.SV_GRID,
        ids.SV_EXPORT,
        ids.SV_DOWNLOAD,
        _survey_rows,
        columns.SURVEY,
        "问卷设置",
        state=[State(shell.PROJECT_SELECT, "value")],
    )

    # -----------------------------------------------------------------------------------------
    # 线索导入 (the shared import framework)

    imports.register(
        app,
        "crm-leads",
        spec=lambda user, project_id: lead_spec(),
        permission="crm.edit",
        context=lambda user, project_id: {"project_id": project_id, "actor": user},
        state=[State(shell.PROJECT_SELECT, "value")],
        template_name="线索导入模板.xlsx",
    )


def _transfer_rows(user, project_id, from_id, exact: bool = False) -> list[dict]:
    """The customers of one consultant in a project (the transfer screen's grid)."""
    if not project_id or not from_id:
        return []
    f = queries.CustomerFilter(project_id=project_id, consultant_id=from_id)
    return decorate(records(queries.customers_frame(reader(), user, f, limit=50_000), exact))


def _survey_rows(user, project_id) -> list[dict]:
    rows = records(queries.survey_fields_frame(reader(), user, project_id))
    for row in rows:
        row["kind_label"] = _(SURVEY_KIND_LABELS.get(row["kind"], row["kind"]))
        row["required_label"] = _("是") if row["required"] else _("否")
        row["status"] = _("已启用") if row["active"] else _("已停用")
    return rows


def _text_number(value):
    """A number from an input box as exact text (never a float into money)."""
    if value in (None, ""):
        return None
    return repr(value) if isinstance(value, float) else str(value)


def timeline_rows(timeline) -> list[dict]:
    """The customer timeline's grid rows in the viewer's language: a follow-up (known by its
    date only) shows its date, timed events their local date and minute."""
    rows = []
    for event in timeline.astype(object).to_dict("records") if len(timeline) else []:
        kind = event["kind"]
        title, details = "", event.get("details") or ""
        if kind.startswith("contact."):
            title = one(CONTACT_LABELS.get(event["title"], event["title"]))
            nxt = event.get("next_on")
            if nxt and nxt == nxt:
                details = f"{details}（{_('下次跟进')} {plain(nxt)}）"
        elif kind.startswith("assign."):
            title = _(ASSIGN_LABELS.get(event["title"], event["title"]))
            moved = f"{event.get('from') or ''} → {event.get('to') or ''}".strip(" →")
            details = "；".join(p for p in (moved, details) if p)
        elif kind == "deal.created":
            title = one("交易登记") + "·" + _(DEAL_STAGE_LABELS.get(event["title"], event["title"]))
            amount = event.get("amount")
            if amount is not None and amount == amount:
                details = f"{details} ¥{format_amount(amount)}"
        elif kind == "quote":
            title = _("置业计划书")
            details = f"{event['title']} {details} ¥{format_amount(event['amount'])}"
        else:
            title = _("交易") + "·" + _(DEAL_EVENT_LABELS.get(event["title"], event["title"]))
        at = event["at"]
        rows.append(
            {
                "at": plain(at.date() if event.get("all_day") else at),
                "title": title,
                "details": details,
                "by": event["by"],
            }
        )
    return rows


def detail_view(detail: queries.CustomerDetail):
    c = detail.customer
    channels = queries.code_labels(reader(), "channel", language())
    purposes = queries.code_labels(reader(), "purpose", language())
    reasons = queries.code_labels(reader(), "lost_reason", language())
    area = ""
    if c.area_min is not None or c.area_max is not None:
        area = f"{format_amount(c.area_min) if c.area_min is not None else ''} – " + (
            f"{format_amount(c.area_max)}" if c.area_max is not None else ""
        )
    facts = [
        (_("手机"), detail.mobile),
        (_("身份证号"), detail.id_number),
        (_("性别"), c.gender),
        (_("生日"), c.birthday.isoformat() if c.birthday else ""),
        (_("认知途径"), channels.get(c.channel, c.channel)),
        (_("来访/来电"), one(CONTACT_LABELS.get(c.first_contact.value, ""))),
        (_("首次到访"), c.first_contact_on.isoformat()),
        (_("到访次数"), str(c.visit_count)),
        (_("跟进次数"), str(c.follow_up_count)),
        (_("下次跟进"), c.next_follow_up_on.isoformat() if c.next_follow_up_on else ""),
        (_("意向户型"), c.intended_layout),
        (_("意向面积（㎡）"), area),
        (_("预算（元）"), format_amount(c.budget) if c.budget is not None else ""),
        (_("置业目的"), purposes.get(c.purpose, c.purpose)),
        (_("归属保护期至"), detail.protected_until.isoformat()),
    ]
    if c.lost_reason:
        facts.append((_("流失原因"), reasons.get(c.lost_reason, c.lost_reason)))
    facts += [(label, value) for label, value in detail.survey]
    badge_color = {
        "lead": "secondary",
        "opportunity": "primary",
        "deal": "success",
        "lost": "dark",
    }.get(c.stage.value, "secondary")
    header = html.Div(
        [
            html.Span(c.name, className="h4 me-2", id="crm-detail-name"),
            dbc.Badge(one(STAGE_LABELS[c.stage.value]), color=badge_color, className="me-1"),
            dbc.Badge(c.level, color="info", className="me-2") if c.level else None,
            html.Span(
                f"{detail.project} · {_('置业顾问')}: {detail.consultant}", className="text-muted"
            ),
        ],
        className="mb-2",
    )
    info = dbc.Card(
        dbc.CardBody(
            [
                dbc.Row(
                    [
                        dbc.Col(
                            [html.Div(label, className="small text-muted"), html.Div(value or "—")],
                            md=3,
                            className="mb-2",
                        )
                        for label, value in facts
                    ]
                ),
                html.Div(_("备注"), className="small text-muted"),
                # Plain text: whatever was typed (even HTML or script) is shown, never run.
                html.Div(c.notes or "—", style={"whiteSpace": "pre-wrap"}, id="crm-detail-notes"),
            ]
        ),
        className="shadow-sm mb-3",
    )
    timeline = grid(
        ids.DETAIL_TIMELINE,
        [
            {"field": "at", "headerName": "时间", "maxWidth": 170},
            {"field": "title", "headerName": "事项", "maxWidth": 170},
            {"field": "details", "headerName": "内容", "minWidth": 300, "tooltipField": "details"},
            # Translated here: the catalogue's 经办人 is finance's "Cashier".
            {"field": "by", "headerName": one("经办人"), "maxWidth": 140},
        ],
        timeline_rows(detail.timeline),
        height=360,
    )
    deals = records(detail.deals)
    for row in deals:
        row["stage"] = _(DEAL_STAGE_LABELS.get(row["stage"], row["stage"]))
        row["state"] = _(DEAL_STATE_LABELS.get(row["state"], row["state"]))
    deal_grid = grid(
        "crm-detail-deals",
        [
            {"field": "unit", "headerName": "房间"},
            {"field": "stage", "headerName": "阶段"},
            {"field": "state", "headerName": "状态"},
            {"field": "deal_total", "headerName": "成交总价"},
            {"field": "subscribed_on", "headerName": "认购日期"},
            {"field": "contracted_on", "headerName": "签约日期"},
            {"field": "consultant", "headerName": "置业顾问 "},
        ],
        deals,
        height=180,
    )
    return html.Div(
        [
            header,
            info,
            html.H2(_("跟进、到访与归属记录（按时间）"), className="h6"),
            timeline,
            html.H2(_("交易"), className="h6 mt-3"),
            deal_grid if deals else html.Div(_("暂无交易"), className="text-muted small"),
            quote_section(detail),
        ]
    )


def quote_section(detail: queries.CustomerDetail) -> html.Div:
    """置业计划书 of the customer (newest first), each opening its printable page."""
    items = [
        html.Li(
            [
                html.A(q["number"], href=f"/plan/quote/print?id={q['id']}", className="me-2"),
                f"{q['unit']} · {q['plan_name']} · ¥{format_amount(q['deal_total'])} · "
                + _("有效期至 {d}", d=q["valid_until"].isoformat()),
                dbc.Badge(_("优惠待审批"), color="warning", className="ms-2")
                if q["needs_approval"]
                else None,
            ],
            className="small",
        )
        for q in reversed(detail.quotes)
    ]
    new = (
        html.A(
            [html.I(className="bi bi-plus-lg me-1"), _("新建置业计划书")],
            href=f"/plan/quote?customer={detail.customer.id}",
            className="btn btn-outline-primary btn-sm ms-2 no-print",
            id="crm-detail-new-quote",
        )
        if authz.has(auth.viewer(), "quote.create")
        else None
    )
    return html.Div(
        [
            html.Div([html.H2(_("置业计划书"), className="h6 mb-0"), new], className="d-flex mt-3"),
            html.Ul(items, className="mt-2 mb-0", id="crm-detail-quotes")
            if items
            else html.Div(_("暂无置业计划书"), className="text-muted small mt-2"),
        ]
    )
