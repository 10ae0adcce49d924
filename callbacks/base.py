"""Callbacks of the base-data screens (基础数据): projects and buildings, layouts and plans,
the code dictionary, precision settings, unit definition, sales staff and sales plans."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, html, no_update

from dashboard import auth, exports, format, imports, shell
from dashboard.components import feedback
from dashboard.db import database, reader
from dashboard.i18n import _, language
from data_layer.commands import base as commands
from data_layer.commands import inventory as inventory_commands
from data_layer.errors import DomainError, ValidationError
from data_layer.models import Building
from data_layer.queries import base as queries
from data_layer.queries import inventory as inventory_queries
from pages.base import columns, ids
from pages.inventory.columns import with_numbers

EDIT = "inventory.edit"
ADMIN = "base.admin"
PLAN = "plan.edit"


def _export(app, permission, what, grid, button, download, frame_of, cols, sheet, state=()):
    """A base-data grid's export as shown: `frame_of(user, *state values)` is the grid's own
    query (None: nothing to export), read again for the user with exact values."""

    def rows(user, *values):
        try:
            frame = frame_of(user, *values)
        except DomainError:
            return None  # e.g. a crafted building outside the user's projects: nothing
        return None if frame is None else exports.exact_rows(frame)

    exports.register(app, permission, what, grid, button, download, rows, cols, sheet, state)


def _code_frame(category):
    """代码设置's rows as its grid shows them (启用 as 是/否)."""
    frame = queries.code_items_frame(reader(), category)
    frame["active"] = frame["active"].map(lambda a: _("是") if a else _("否"))
    return frame


def _selected_id(rows) -> int | None:
    return int(rows[0]["id"]) if rows else None


def _need_project(project_id) -> int:
    if not project_id:
        raise ValidationError("请先在右上角选择项目。", "Choose a project at the top first.")
    return int(project_id)


def _count(
    value, label: str, label_en: str, minimum: int | None = 0, maximum: int | None = None
) -> int:
    """A whole number typed in a number field. The browser sends None both for an empty field
    and for a value outside the field's min/max (−3 in 目标套数): refuse it, never default."""
    try:
        number = Decimal(str(value))
        ok = (
            number.is_finite()
            and number == number.to_integral_value()
            and (minimum is None or number >= minimum)
            and (maximum is None or number <= maximum)
        )
    except (ArithmeticError, ValueError):
        ok = False
    if not ok or value in (None, ""):
        if minimum is not None and maximum is not None:
            zh, en = f"{minimum} 到 {maximum} 之间的整数", f"a whole number {minimum}–{maximum}"
        elif minimum is not None:
            zh, en = f"不小于 {minimum} 的整数", f"a whole number of at least {minimum}"
        else:
            zh, en = "整数", "a whole number"
        raise ValidationError(f"请填写{label}：{zh}。", f"Enter {label_en}: {en}.")
    return int(number)


def _quantity(value, label: str, label_en: str) -> str:
    """A number ≥ 0 (an area, an amount) typed in a number field, as text for the command;
    empty or negative (None from the browser) is refused, as in _count."""
    try:
        number = Decimal(str(value))
        ok = number.is_finite() and number >= 0
    except (ArithmeticError, ValueError):
        ok = False
    if not ok or value in (None, ""):
        raise ValidationError(
            f"请填写{label}：不小于 0 的数。", f"Enter {label_en}: a number of at least 0."
        )
    return str(value)


def _error(err: DomainError):
    return feedback(err.text(language()), ok=False)


def _grid_refusal(err) -> dbc.Alert:
    """房源定义's refused edit: every problem on its own line (the first 20, then "…另有 N 条")."""
    lang = language()
    return dbc.Alert(
        [
            html.Div(err.heading(lang), className="fw-semibold mb-1"),
            html.Ul(
                [html.Li(line) for line in err.lines(lang)],
                className="mb-0 ps-3 unit-grid-problems",
                style={"maxHeight": "18rem", "overflowY": "auto"},
            ),
        ],
        color="danger",
        className="py-2 mb-2",
    )


def parse_position_specs(text: str) -> tuple[tuple, tuple, tuple, tuple]:
    """ "89.5/72.3/A户型/NS, 120/98//E" → areas, internal areas, layout names, orientations."""
    gross, internal, layouts, orientations = [], [], [], []
    for part in (text or "").replace("，", ",").split(","):
        part = part.strip()
        if not part:
            continue
        pieces = [p.strip() for p in part.split("/")]
        if len(pieces) < 2:
            raise ValidationError(
                f"「{part}」应写成 建筑面积/套内面积[/户型/朝向代码]。",
                f"{part}: gross/internal[/layout/orientation].",
            )
        try:
            gross.append(Decimal(pieces[0]))
            internal.append(Decimal(pieces[1]))
        except ArithmeticError:
            raise ValidationError(
                f"「{part}」中的面积不是数字。", "Areas must be numbers."
            ) from None
        layouts.append(pieces[2] if len(pieces) > 2 else "")
        orientations.append(pieces[3] if len(pieces) > 3 else "")
    return tuple(gross), tuple(internal), tuple(layouts), tuple(orientations)


def register(app):
    # ------------------------------------------------------------------ 楼盘资料
    @auth.callback(
        app,
        EDIT,
        Output(ids.PROJECT_GRID, "rowData"),
        Input(ids.PROJECT_FEEDBACK, "children"),
        Input(ids.BUILDING_FEEDBACK, "children"),
    )
    def projects(_f1, _f2, *, user):
        return format.grid_records(queries.projects_frame(reader(), user))

    @auth.callback(
        app,
        EDIT,
        Output(ids.PROJECT_CODE, "value"),
        Output(ids.PROJECT_NAME, "value"),
        Output(ids.PROJECT_CITY, "value"),
        Output(ids.PROJECT_ADDRESS, "value"),
        Output(ids.PROJECT_OPENED, "date"),
        Output(ids.PROJECT_PROTECTION, "value"),
        Output(ids.PROJECT_HOLD, "value"),
        Output(ids.PROJECT_ACTIVE, "value"),
        Input(ids.PROJECT_GRID, "selectedRows"),
        Input(ids.PROJECT_NEW, "n_clicks"),
        prevent_initial_call=True,
    )
    def project_form(selected, _new, *, user):
        if ctx.triggered_id == ids.PROJECT_NEW or not selected:
            return "", "", "", "", None, 30, 3, True
        p = selected[0]
        return (
            p["code"],
            p["name"],
            p["city"],
            p["address"],
            p["opened_on"] or None,
            p["protection_days"],
            p["hold_days"],
            p["active"] == "是",
        )

    @auth.callback(
        app,
        EDIT,
        Output(ids.PROJECT_FEEDBACK, "children"),
        Input(ids.PROJECT_SAVE, "n_clicks"),
        State(ids.PROJECT_GRID, "selectedRows"),
        State(ids.PROJECT_CODE, "value"),
        State(ids.PROJECT_NAME, "value"),
        State(ids.PROJECT_CITY, "value"),
        State(ids.PROJECT_ADDRESS, "value"),
        State(ids.PROJECT_OPENED, "date"),
        State(ids.PROJECT_PROTECTION, "value"),
        State(ids.PROJECT_HOLD, "value"),
        State(ids.PROJECT_ACTIVE, "value"),
        prevent_initial_call=True,
    )
    def save_project(
        _n, selected, code, name, city, address, opened, protection, hold, active, *, user
    ):
        editing = _selected_id(selected)
        # A selected row whose code was changed to a new one still edits that row; to create,
        # press 新建 first (it clears the selection's form).
        try:
            protection = _count(protection, "客户保护天数", "the protection days", 1, 365)
            hold = _count(hold, "临定天数", "the hold days", 1)
            project = database().run(
                commands.save_project,
                actor=user,
                project_id=editing,
                code=code,
                name=name,
                city=city,
                address=address or "",
                opened_on=date.fromisoformat(opened[:10]) if opened else None,
                protection_days=protection,
                hold_days=hold,
                active=bool(active),
            )
        except DomainError as err:
            return _error(err)
        return feedback(_("项目「{name}」已保存。", name=project.name))

    @auth.callback(
        app,
        EDIT,
        Output(ids.BUILDING_GRID, "rowData"),
        Input(shell.PROJECT_SELECT, "value"),
        Input(ids.BUILDING_FEEDBACK, "children"),
    )
    def buildings(project_id, _feedback, *, user):
        return format.grid_records(queries.buildings_frame(reader(), user, project_id))

    @auth.callback(
        app,
        EDIT,
        Output(ids.BUILDING_CODE, "value"),
        Output(ids.BUILDING_NAME, "value"),
        Output(ids.BUILDING_FLOORS, "value"),
        Output(ids.BUILDING_SECTIONS, "value"),
        Output(ids.BUILDING_PER_FLOOR, "value"),
        Input(ids.BUILDING_GRID, "selectedRows"),
        Input(ids.BUILDING_NEW, "n_clicks"),
        prevent_initial_call=True,
    )
    def building_form(selected, _new, *, user):
        if ctx.triggered_id == ids.BUILDING_NEW or not selected:
            return "", "", None, 1, None
        b = selected[0]
        return b["code"], b["name"], b["floors"], b["sections"], b["units_per_floor"]

    @auth.callback(
        app,
        EDIT,
        Output(ids.BUILDING_FEEDBACK, "children"),
        Input(ids.BUILDING_SAVE, "n_clicks"),
        Input(ids.COPY_BUTTON, "n_clicks"),
        State(shell.PROJECT_SELECT, "value"),
        State(ids.BUILDING_GRID, "selectedRows"),
        State(ids.BUILDING_CODE, "value"),
        State(ids.BUILDING_NAME, "value"),
        State(ids.BUILDING_FLOORS, "value"),
        State(ids.BUILDING_SECTIONS, "value"),
        State(ids.BUILDING_PER_FLOOR, "value"),
        State(ids.COPY_CODE, "value"),
        State(ids.COPY_NAME, "value"),
        State(ids.COPY_PRICES, "value"),
        prevent_initial_call=True,
    )
    def save_building(
        _s,
        _c,
        project_id,
        selected,
        code,
        name,
        floors,
        sections,
        per_floor,
        copy_code,
        copy_name,
        copy_prices,
        *,
        user,
    ):
        try:
            if ctx.triggered_id == ids.COPY_BUTTON:
                source = _selected_id(selected)
                if source is None:
                    raise ValidationError("请先在表格中选择要复制的楼栋。", "Select a building.")
                target = database().run(
                    commands.copy_building,
                    actor=user,
                    source_id=source,
                    code=copy_code or "",
                    name=copy_name or "",
                    with_prices=bool(copy_prices),
                )
                return feedback(_("已复制为「{name}」，房间均为未放盘。", name=target.name))
            editing = selected[0] if selected else None
            project = int(editing["project_id"]) if editing else _need_project(project_id)
            building = database().run(
                commands.save_building,
                actor=user,
                building_id=int(editing["id"]) if editing else None,
                project_id=project,
                code=code,
                name=name,
                floors=_count(floors, "楼层数", "the floors", 1),
                sections=_count(sections, "单元数", "the sections", 1),
                units_per_floor=_count(per_floor, "每层户数", "the units per floor", 1),
            )
        except DomainError as err:
            return _error(err)
        return feedback(_("楼栋「{name}」已保存。", name=building.name))

    _export(
        app,
        EDIT,
        "projects",
        ids.PROJECT_GRID,
        ids.PROJECT_EXPORT,
        ids.PROJECT_DOWNLOAD,
        lambda user: queries.projects_frame(reader(), user),
        columns.PROJECTS,
        "楼盘资料",
    )

    _export(
        app,
        EDIT,
        "buildings",
        ids.BUILDING_GRID,
        ids.BUILDING_EXPORT,
        ids.BUILDING_DOWNLOAD,
        lambda user, project_id: queries.buildings_frame(reader(), user, project_id),
        columns.BUILDINGS,
        "楼栋",
        state=[State(shell.PROJECT_SELECT, "value")],
    )

    # ------------------------------------------------------------------ 户型图
    @auth.callback(
        app,
        EDIT,
        Output(ids.LAYOUT_GRID, "rowData"),
        Input(shell.PROJECT_SELECT, "value"),
        Input(ids.LAYOUT_FEEDBACK, "children"),
    )
    def layouts(project_id, _feedback, *, user):
        return format.grid_records(queries.layouts_frame(reader(), user, project_id))

    @auth.callback(
        app,
        EDIT,
        Output(ids.LAYOUT_NAME, "value"),
        Output(ids.LAYOUT_ROOMS, "value"),
        Output(ids.LAYOUT_HALLS, "value"),
        Output(ids.LAYOUT_BATHS, "value"),
        Output(ids.LAYOUT_AREA, "value"),
        Output(ids.LAYOUT_IMAGE, "children"),
        Input(ids.LAYOUT_GRID, "selectedRows"),
        Input(ids.LAYOUT_NEW, "n_clicks"),
        Input(ids.LAYOUT_FEEDBACK, "children"),
        prevent_initial_call=True,
    )
    def layout_form(selected, _new, _feedback, *, user):
        if ctx.triggered_id == ids.LAYOUT_NEW or not selected:
            return "", 3, 2, 1, None, None
        x = selected[0]
        item = queries.layout(reader(), user, int(x["id"]))
        image = (
            html.Img(
                src=f"/plans/{item.id}?v={item.plan_image}",
                className="img-fluid border",
                style={"maxHeight": "360px"},
                alt=item.name,
            )
            if item is not None and item.plan_image
            else html.Div(_("未上传户型图"), className="text-muted small")
        )
        return x["name"], x["rooms"], x["halls"], x["baths"], x["gross_area"], image

    @auth.callback(
        app,
        EDIT,
        Output(ids.LAYOUT_FEEDBACK, "children"),
        Input(ids.LAYOUT_SAVE, "n_clicks"),
        Input(ids.LAYOUT_UPLOAD, "contents"),
        State(shell.PROJECT_SELECT, "value"),
        State(ids.LAYOUT_GRID, "selectedRows"),
        State(ids.LAYOUT_NAME, "value"),
        State(ids.LAYOUT_ROOMS, "value"),
        State(ids.LAYOUT_HALLS, "value"),
        State(ids.LAYOUT_BATHS, "value"),
        State(ids.LAYOUT_AREA, "value"),
        prevent_initial_call=True,
    )
    def save_layout(_n, contents, project_id, selected, name, rooms, halls, baths, area, *, user):
        editing = _selected_id(selected)
        try:
            if ctx.triggered_id == ids.LAYOUT_UPLOAD:
                if editing is None:
                    raise ValidationError(
                        "请先在表格中选择户型，再上传户型图。", "Select a layout."
                    )
                settings = app.server.config["LOUPAN_SETTINGS"]
                layout = database().run(
                    commands.set_layout_plan,
                    actor=user,
                    layout_id=editing,
                    content=imports.decode_upload(contents),
                    folder=settings.instance_dir / "plans",
                )
                return feedback(_("「{name}」的户型图已上传。", name=layout.name))
            from data_layer.models import Layout

            project = (
                reader().get(Layout, editing).project_id if editing else _need_project(project_id)
            )
            layout = database().run(
                commands.save_layout,
                actor=user,
                layout_id=editing,
                project_id=project,
                name=name,
                rooms=_count(rooms, "室", "the bedrooms"),
                halls=_count(halls, "厅", "the living rooms"),
                baths=_count(baths, "卫", "the bathrooms"),
                gross_area=str(area) if area not in (None, "") else None,
            )
        except DomainError as err:
            return _error(err)
        return feedback(_("户型「{name}」已保存。", name=layout.name))

    _export(
        app,
        EDIT,
        "layouts",
        ids.LAYOUT_GRID,
        ids.LAYOUT_EXPORT,
        ids.LAYOUT_DOWNLOAD,
        lambda user, project_id: queries.layouts_frame(reader(), user, project_id),
        columns.LAYOUTS,
        "户型",
        state=[State(shell.PROJECT_SELECT, "value")],
    )

    # ------------------------------------------------------------------ 代码设置
    @auth.callback(
        app,
        ADMIN,
        Output(ids.CODE_GRID, "rowData"),
        Input(ids.CODE_CATEGORY, "value"),
        Input(ids.CODE_FEEDBACK, "children"),
    )
    def code_items(category, _feedback, *, user):
        return format.grid_records(_code_frame(category))

    @auth.callback(
        app,
        ADMIN,
        Output(ids.CODE_CODE, "value"),
        Output(ids.CODE_LABEL, "value"),
        Output(ids.CODE_LABEL_EN, "value"),
        Output(ids.CODE_SORT, "value"),
        Output(ids.CODE_ACTIVE, "value"),
        Output(ids.CODE_CODE, "disabled"),
        Input(ids.CODE_GRID, "selectedRows"),
        Input(ids.CODE_NEW, "n_clicks"),
        prevent_initial_call=True,
    )
    def code_form(selected, _new, *, user):
        if ctx.triggered_id == ids.CODE_NEW or not selected:
            return "", "", "", 0, True, False
        c = selected[0]
        return c["code"], c["label"], c["label_en"], c["sort"], c["active"] == "是", True

    @auth.callback(
        app,
        ADMIN,
        Output(ids.CODE_FEEDBACK, "children"),
        Input(ids.CODE_SAVE, "n_clicks"),
        State(ids.CODE_CATEGORY, "value"),
        State(ids.CODE_GRID, "selectedRows"),
        State(ids.CODE_CODE, "value"),
        State(ids.CODE_LABEL, "value"),
        State(ids.CODE_LABEL_EN, "value"),
        State(ids.CODE_SORT, "value"),
        State(ids.CODE_ACTIVE, "value"),
        State(ids.CODE_CODE, "disabled"),
        prevent_initial_call=True,
    )
    def save_code(_n, category, selected, code, label, label_en, sort, active, editing, *, user):
        try:
            item = database().run(
                commands.save_code_item,
                actor=user,
                item_id=_selected_id(selected) if editing else None,
                category=category,
                code=code,
                label=label,
                label_en=label_en or "",
                sort=_count(sort, "排序", "the sort order"),
                active=bool(active),
            )
        except DomainError as err:
            return _error(err)
        return feedback(_("「{label}」已保存。", label=item.label))

    _export(
        app,
        ADMIN,
        "code_items",
        ids.CODE_GRID,
        ids.CODE_EXPORT,
        ids.CODE_DOWNLOAD,
        lambda user, category: _code_frame(category),
        columns.CODES,
        "代码设置",
        state=[State(ids.CODE_CATEGORY, "value")],
    )

    # ------------------------------------------------------------------ 数据设置
    @auth.callback(
        app,
        ADMIN,
        Output(ids.SETTINGS_FEEDBACK, "children"),
        Output(ids.SETTINGS_SAMPLE, "children"),
        Input(ids.SETTINGS_SAVE, "n_clicks"),
        State(ids.PRECISION_AREA, "value"),
        State(ids.PRECISION_PRICE, "value"),
        State(ids.PRECISION_AMOUNT, "value"),
        State(ids.THRESHOLD, "value"),
    )
    def save_settings(n, area, price, amount, threshold, *, user):
        message = None
        if n:
            try:
                places = [
                    _count(area, "面积小数位", "the area decimals", 0, 4),
                    _count(price, "单价小数位", "the unit price decimals", 0, 4),
                    _count(amount, "金额小数位", "the amount decimals", 0, 4),
                ]
                percent = _quantity(threshold, "审批阈值", "the approval threshold")
                database().run(
                    commands.set_precision,
                    actor=user,
                    area=places[0],
                    unit_price=places[1],
                    amount=places[2],
                )
                database().run(commands.set_approval_threshold, actor=user, percent=percent)
            except DomainError as err:
                return _error(err), no_update
            message = feedback(_("数据设置已保存，各界面刷新后按新精度显示。"))
        fmt = format.current()
        sample = _(
            "示例：面积 {a} ㎡，单价 {p} 元/㎡，金额 {m} 元",
            a=fmt.area(Decimal("89.456")),
            p=fmt.unit_price(Decimal("23456.789")),
            m=fmt.amount(Decimal("2098765.432")),
        )
        return message, sample

    # ------------------------------------------------------------------ 房源定义
    @auth.callback(
        app,
        EDIT,
        Output(ids.UNITS_BUILDING, "options"),
        Output(ids.UNITS_BUILDING, "value"),
        Output(ids.GEN_USE, "options"),
        Input(shell.PROJECT_SELECT, "value"),
        Input(ids.UNITS_REFRESH, "data"),
        State(ids.UNITS_BUILDING, "value"),
    )
    def unit_buildings(project_id, _refresh, current, *, user):
        session = reader()
        options = queries.building_options(session, user, project_id)
        values = [o["value"] for o in options]
        value = current if current in values else (values[0] if values else None)
        return options, value, queries.code_options(session, "use")

    @auth.callback(
        app,
        EDIT,
        Output(ids.UNITS_GRID, "rowData"),
        Output(ids.UNITS_GRID, "columnDefs"),
        Output(ids.UNITS_EDITS, "data"),
        Input(ids.UNITS_BUILDING, "value"),
        Input(ids.UNITS_REFRESH, "data"),
    )
    def unit_rows(building_id, _refresh, *, user):
        from pages.inventory.columns import with_numbers

        fmt = format.current()
        # Headers translated here as components.grid does for the layout's columns.
        defs = [
            {**c, "headerName": _(c.get("headerName", c["field"]))}
            for c in with_numbers(columns.UNITS, columns.UNIT_NUMBERS, fmt)
        ]
        if not building_id:
            return [], defs, {}
        session = reader()
        orientation = queries.code_labels(session, "orientation")
        uses = queries.code_labels(session, "use")
        building = session.get(Building, int(building_id))
        layouts = [x.name for x in queries.layouts(session, user, building.project_id)]
        choices = {
            "layout": ["", *layouts],
            "orientation_label": [""]
            + [o["label"] for o in queries.code_options(session, "orientation")],
            "use_label": [o["label"] for o in queries.code_options(session, "use")],
        }
        for col in defs:
            if col["field"] in choices:
                col["cellEditorParams"] = {"values": choices[col["field"]]}
        frame = inventory_queries.units_frame(
            session, user, int(building_id), orientation_labels=orientation, use_labels=uses
        )
        return format.grid_records(frame), defs, {}

    @auth.callback(
        app,
        EDIT,
        Output(ids.UNITS_EDITS, "data", allow_duplicate=True),
        Input(ids.UNITS_GRID, "cellValueChanged"),
        State(ids.UNITS_EDITS, "data"),
        prevent_initial_call=True,
    )
    def collect_unit_edits(changes, edits, *, user):
        edits = dict(edits or {})
        for change in changes or []:
            row = change.get("data") or {}
            column = change.get("colId")
            if "id" not in row or not column:
                continue
            edits.setdefault(str(row["id"]), {})[column] = change.get("value")
        return edits

    @auth.callback(
        app,
        EDIT,
        Output(ids.UNITS_FEEDBACK, "children"),
        Output(ids.UNITS_REFRESH, "data"),
        Input(ids.UNITS_SAVE, "n_clicks"),
        Input(ids.UNITS_DELETE, "n_clicks"),
        Input(ids.GEN_BUTTON, "n_clicks"),
        State(ids.UNITS_EDITS, "data"),
        State(ids.UNITS_GRID, "selectedRows"),
        State(ids.UNITS_BUILDING, "value"),
        State(ids.GEN_FLOOR_FROM, "value"),
        State(ids.GEN_FLOOR_TO, "value"),
        State(ids.GEN_SECTIONS, "value"),
        State(ids.GEN_PER_FLOOR, "value"),
        State(ids.GEN_SKIP, "value"),
        State(ids.GEN_PATTERN, "value"),
        State(ids.GEN_AREAS, "value"),
        State(ids.GEN_USE, "value"),
        State(ids.UNITS_REFRESH, "data"),
        prevent_initial_call=True,
    )
    def unit_actions(
        _s,
        _d,
        _g,
        edits,
        selected,
        building_id,
        f_from,
        f_to,
        sections,
        per_floor,
        skip,
        pattern,
        areas,
        use,
        refresh,
        *,
        user,
    ):
        action = ctx.triggered_id
        try:
            if not building_id:
                raise ValidationError("请先选择楼栋。", "Choose a building first.")
            if action == ids.UNITS_DELETE:
                n = database().run(
                    commands.delete_units, actor=user, unit_ids=[r["id"] for r in selected or []]
                )
                return feedback(_("已删除 {n} 套房间。", n=n)), (refresh or 0) + 1
            if action == ids.GEN_BUTTON:
                gross, internal, layout_names, orientations = parse_position_specs(areas)
                session = reader()
                building = session.get(Building, int(building_id))
                by_name = {
                    x.name: x.id for x in queries.layouts(session, user, building.project_id)
                }
                unknown = [n for n in layout_names if n and n not in by_name]
                if unknown:
                    raise ValidationError(
                        f"户型「{unknown[0]}」不存在，请先在户型图中添加。",
                        f"Unknown layout {unknown[0]}.",
                    )
                unit_pattern = commands.UnitPattern(
                    floor_from=_count(f_from, "起始楼层", "the first floor", None),
                    floor_to=_count(f_to, "结束楼层", "the last floor", None),
                    sections=_count(sections, "单元数", "the sections", 1),
                    units_per_floor=_count(per_floor, "每单元每层户数", "the units per floor", 1),
                    skip_floors=commands.parse_skip_floors(skip or ""),
                    code_pattern=pattern or "{b}-{s}-{f}{p:02d}",
                    gross_areas=gross,
                    internal_areas=internal,
                    layout_ids=tuple(by_name.get(n) for n in layout_names),
                    orientations=orientations,
                    use=use or "residential",
                )
                n = database().run(
                    commands.generate_units,
                    actor=user,
                    building_id=int(building_id),
                    pattern=unit_pattern,
                )
                return feedback(_("已生成 {n} 套房间（未放盘）。", n=n)), (refresh or 0) + 1
            changes = _unit_changes(edits, user, int(building_id))
            if not changes:
                return feedback(_("没有修改。"), ok=False), no_update
            n = database().run(commands.update_units, actor=user, changes=changes)
        except (DomainError, ValueError) as err:
            if isinstance(err, commands.UnitGridRefused):
                return _grid_refusal(err), no_update
            if isinstance(err, DomainError):
                return _error(err), no_update
            return feedback(str(err), ok=False), no_update
        return feedback(_("已保存 {n} 套房间的修改。", n=n)), (refresh or 0) + 1

    def unit_frame(user, building_id):
        if not building_id:
            return None
        session = reader()
        return inventory_queries.units_frame(
            session,
            user,
            int(building_id),
            orientation_labels=queries.code_labels(session, "orientation"),
            use_labels=queries.code_labels(session, "use"),
        )

    _export(
        app,
        EDIT,
        "units",
        ids.UNITS_GRID,
        ids.UNITS_EXPORT,
        ids.UNITS_DOWNLOAD,
        unit_frame,
        lambda: with_numbers(columns.UNITS, columns.UNIT_NUMBERS, format.current()),
        "房间资料",
        state=[State(ids.UNITS_BUILDING, "value")],
    )

    def _units_context(user, building_id):
        building = reader().get(Building, int(building_id)) if building_id else None
        return {"project_id": building.project_id if building else None}

    imports.register(
        app,
        ids.UNITS_IMPORT,
        spec=inventory_commands.UNITS_IMPORT,
        permission=EDIT,
        context=_units_context,
        state=[State(ids.UNITS_BUILDING, "value")],
        template_name="房间资料导入模板.xlsx",
        on_done=Output(ids.UNITS_REFRESH, "data", allow_duplicate=True),
    )

    # ------------------------------------------------------------------ 销售人员 / 销售计划
    @auth.callback(
        app,
        PLAN,
        Output(ids.STAFF_GRID, "rowData"),
        Output(ids.STAFF_TEAM, "options"),
        Input(shell.PROJECT_SELECT, "value"),
        Input(ids.STAFF_FEEDBACK, "children"),
    )
    def staff(project_id, _feedback, *, user):
        session = reader()
        frame = queries.staff_frame(session, user, project_id)
        teams = [{"label": t.name, "value": t.id} for t in queries.teams(session, user, project_id)]
        return format.grid_records(frame), teams

    @auth.callback(
        app,
        PLAN,
        Output(ids.PLAN_TEAM, "options"),
        Output(ids.PLAN_USER, "options"),
        Input(shell.PROJECT_SELECT, "value"),
    )
    def plan_targets(project_id, *, user):
        session = reader()
        frame = queries.staff_frame(session, user, project_id)
        teams = [{"label": t.name, "value": t.id} for t in queries.teams(session, user, project_id)]
        people = [
            {"label": n, "value": i}
            for i, n in dict(zip(frame["id"], frame["display_name"], strict=True)).items()
        ]
        return teams, people

    @auth.callback(
        app,
        PLAN,
        Output(ids.STAFF_FEEDBACK, "children"),
        Input(ids.TEAM_CREATE, "n_clicks"),
        Input(ids.STAFF_ASSIGN, "n_clicks"),
        State(shell.PROJECT_SELECT, "value"),
        State(ids.TEAM_NAME, "value"),
        State(ids.STAFF_GRID, "selectedRows"),
        State(ids.STAFF_TEAM, "value"),
        prevent_initial_call=True,
    )
    def staff_actions(_c, _a, project_id, team_name, selected, team_id, *, user):
        try:
            if ctx.triggered_id == ids.TEAM_CREATE:
                team = database().run(
                    commands.save_team,
                    actor=user,
                    project_id=_need_project(project_id),
                    name=team_name,
                )
                return feedback(_("小组「{name}」已建立。", name=team.name))
            if not selected:
                raise ValidationError("请先在表格中勾选人员。", "Select people first.")
            for row in selected:
                database().run(
                    commands.assign_team,
                    actor=user,
                    user_id=int(row["id"]),
                    team_id=int(team_id) if team_id else None,
                )
        except DomainError as err:
            return _error(err)
        return feedback(_("已调整 {n} 人的小组。", n=len(selected)))

    _export(
        app,
        PLAN,
        "sales_staff",
        ids.STAFF_GRID,
        ids.STAFF_EXPORT,
        ids.STAFF_DOWNLOAD,
        lambda user, project_id: queries.staff_frame(reader(), user, project_id),
        columns.STAFF,
        "销售人员",
        state=[State(shell.PROJECT_SELECT, "value")],
    )

    @auth.callback(
        app,
        PLAN,
        Output(ids.PLAN_GRID, "rowData"),
        Input(shell.PROJECT_SELECT, "value"),
        Input(ids.PLAN_YEAR, "value"),
        Input(ids.PLAN_FEEDBACK, "children"),
    )
    def plans(project_id, year, _feedback, *, user):
        frame = queries.sales_plans_frame(reader(), user, project_id, int(year) if year else None)
        return format.grid_records(frame)

    @auth.callback(
        app,
        PLAN,
        Output(ids.PLAN_FEEDBACK, "children"),
        Input(ids.PLAN_SAVE, "n_clicks"),
        Input(ids.PLAN_DELETE, "n_clicks"),
        State(shell.PROJECT_SELECT, "value"),
        State(ids.PLAN_YEAR, "value"),
        State(ids.PLAN_MONTH, "value"),
        State(ids.PLAN_TEAM, "value"),
        State(ids.PLAN_USER, "value"),
        State(ids.PLAN_UNITS, "value"),
        State(ids.PLAN_AREA, "value"),
        State(ids.PLAN_AMOUNT, "value"),
        State(ids.PLAN_GRID, "selectedRows"),
        prevent_initial_call=True,
    )
    def plan_actions(
        _s, _d, project_id, year, month, team_id, user_id, units, area, amount, selected, *, user
    ):
        try:
            if ctx.triggered_id == ids.PLAN_DELETE:
                plan_id = _selected_id(selected)
                if plan_id is None:
                    raise ValidationError("请先在表格中选择计划。", "Select a plan first.")
                database().run(commands.delete_sales_plan, actor=user, plan_id=plan_id)
                return feedback(_("计划已删除。"))
            database().run(
                commands.save_sales_plan,
                actor=user,
                project_id=_need_project(project_id),
                month=date(_count(year, "年份", "the year", 2000, 2100), int(month), 1),
                team_id=team_id,
                user_id=user_id,
                target_units=_count(units, "目标套数", "the target units"),
                target_area=_quantity(area, "目标面积", "the target area"),
                target_amount=_quantity(amount, "目标金额", "the target amount"),
            )
        except DomainError as err:
            return _error(err)
        return feedback(_("{y}年{m}月的计划已保存。", y=year, m=month))

    _export(
        app,
        PLAN,
        "sales_plans",
        ids.PLAN_GRID,
        ids.PLAN_EXPORT,
        ids.PLAN_DOWNLOAD,
        lambda user, project_id, year: queries.sales_plans_frame(
            reader(), user, project_id, int(year) if year else None
        ),
        lambda: with_numbers(columns.PLANS, columns.PLAN_NUMBERS, format.current()),
        "销售计划",
        state=[State(shell.PROJECT_SELECT, "value"), State(ids.PLAN_YEAR, "value")],
    )


def _unit_changes(edits: dict, user, building_id: int) -> list[dict]:
    """Grid edits (display labels) → command changes (codes and ids)."""
    session = reader()
    building = session.get(Building, building_id)
    layouts = {x.name: x.id for x in queries.layouts(session, user, building.project_id)}
    orientation = {v: k for k, v in queries.code_labels(session, "orientation").items()}
    uses = {v: k for k, v in queries.code_labels(session, "use").items()}
    changes = []
    for unit_id, fields in (edits or {}).items():
        change: dict = {"id": int(unit_id)}
        for column, value in fields.items():
            if column == "layout":
                change["layout_id"] = layouts.get(value) if value else None
            elif column == "orientation_label":
                change["orientation"] = orientation.get(value, value or "")
            elif column == "use_label":
                change["use"] = uses.get(value, value or "residential")
            elif column in ("gross_area", "internal_area", "shared_area"):
                change[column] = str(value) if value not in (None, "") else None
            elif column == "code":
                change["code"] = value
        changes.append(change)
    return changes
