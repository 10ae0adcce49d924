"""The Excel import framework: a good file is written whole; a file with any kind of error is
rejected whole (row counts unchanged) with every error listed; formula-like text is neutralised."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import func, insert, select

from data_layer.errors import PermissionDenied
from data_layer.excel import importer
from data_layer.excel.export import to_xlsx
from data_layer.excel.importer import Column, ImportSpec
from data_layer.models import CodeItem

CATEGORY = "test_import"


def _write(session, rows, *, actor, context, progress):
    session.execute(
        insert(CodeItem),
        [
            {
                "category": CATEGORY,
                "code": r["code"],
                "label": r["label"],
                "label_en": r["label_en"] or "",
                "sort": r["sort"],
                "active": r["active"],
            }
            for r in rows
        ],
    )
    return len(rows)


def _check_db(session, rows, context):
    existing = set(
        session.scalars(select(CodeItem.code).where(CodeItem.category == CATEGORY)).all()
    )
    for r in rows:
        if r["code"] in existing:
            yield importer.RowError(r["_row"], "代码", f"代码「{r['code']}」已存在")


def _row_rule(values, context):
    if values["label"] == values["code"]:
        yield "名称", "名称不能与代码相同"


SPEC = ImportSpec(
    name="代码",
    columns=[
        Column("代码", "code", required=True, max_length=32, unique=True, example="A1"),
        Column("名称", "label", required=True, max_length=100),
        Column("英文名称", "label_en", max_length=100),
        Column("排序", "sort", "int", min=0, max=999, default=0),
        Column("启用", "active", "bool", default=True),
        Column("面积", "area", "decimal", min=Decimal("0.01"), max=Decimal("10000"), places=2),
        Column("日期", "on", "date"),
        Column("朝向", "orientation", "choice", choices=importer.code_choices("orientation")),
    ],
    writer=_write,
    row_validator=_row_rule,
    db_check=_check_db,
    permission="inventory.edit",
)
HEADERS = [c.header for c in SPEC.columns]


def xlsx(rows, headers=HEADERS) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def count(session) -> int:
    return session.scalar(
        select(func.count()).select_from(CodeItem).where(CodeItem.category == CATEGORY)
    )


GOOD = [
    ["A1", "甲", "Alpha", 1, "是", 89.5, date(2026, 3, 1), "南北"],
    ["A2", "乙", None, None, "否", "120.25", "2026-03-02", "SE"],
    ["A3", "丙", "", 3, None, None, None, None],
]


def test_good_file_is_written_whole(session, world):
    result = importer.run_import(
        session, SPEC, xlsx(GOOD), actor=world.users["manager"], context={}
    )
    assert result.ok, result.errors
    assert (result.total, result.written) == (3, 3)
    assert count(session) == 3
    items = {
        i.code: i
        for i in session.scalars(select(CodeItem).where(CodeItem.category == CATEGORY)).all()
    }
    assert items["A1"].sort == 1 and items["A1"].active is True
    assert items["A2"].active is False and items["A2"].sort == 0
    assert items["A3"].active is True  # default when empty


def test_parse_converts_types_exactly(session):
    parsed = importer.parse(SPEC, xlsx(GOOD), session=session)
    assert parsed.ok, parsed.errors
    first, second = parsed.rows[0], parsed.rows[1]
    assert first["area"] == Decimal("89.5") and isinstance(first["area"], Decimal)
    assert second["area"] == Decimal("120.25")
    assert first["on"] == date(2026, 3, 1) and second["on"] == date(2026, 3, 2)
    assert first["orientation"] == "NS" and second["orientation"] == "SE"  # label or code
    assert first["_row"] == 2


BAD_CASES = {
    "required": (["", "甲", None, 1, "是", None, None, None], "代码", "必填"),
    "int type": (["B1", "甲", None, "三", "是", None, None, None], "排序", "整数"),
    "below min": (["B1", "甲", None, -1, "是", None, None, None], "排序", "不能小于"),
    "above max": (["B1", "甲", None, 1, "是", 99999, None, None], "面积", "不能大于"),
    "negative area": (["B1", "甲", None, 1, "是", -5, None, None], "面积", "不能小于"),
    "too many places": (["B1", "甲", None, 1, "是", "1.234", None, None], "面积", "小数"),
    "bad date": (["B1", "甲", None, 1, "是", None, "明天", None], "日期", "日期"),
    "unknown choice": (["B1", "甲", None, 1, "是", None, None, "斜"], "朝向", "不是可选值"),
    "bad bool": (["B1", "甲", None, 1, "也许", None, None, None], "启用", "是"),
    "too long": (["B1", "甲" * 101, None, 1, "是", None, None, None], "名称", "超过"),
    "row rule": (["B1", "B1", None, 1, "是", None, None, None], "名称", "不能与代码相同"),
}


@pytest.mark.parametrize("case", list(BAD_CASES))
def test_each_kind_of_error_rejects_the_whole_file(session, world, case):
    bad, column, words = BAD_CASES[case]
    rows = [GOOD[0], bad, GOOD[2]]
    result = importer.run_import(
        session, SPEC, xlsx(rows), actor=world.users["manager"], context={}
    )
    assert not result.ok
    assert result.written == 0
    assert count(session) == 0
    assert [(e.row, e.column) for e in result.errors] == [(3, column)]
    assert words in result.errors[0].message


def test_duplicates_in_the_file_and_against_the_database(session, world):
    session.add(CodeItem(category=CATEGORY, code="A2", label="旧"))
    session.flush()
    rows = [GOOD[0], GOOD[2], ["a1", "重复", None, 1, "是", None, None, None], GOOD[1]]
    result = importer.run_import(
        session, SPEC, xlsx(rows), actor=world.users["manager"], context={}
    )
    assert not result.ok
    assert count(session) == 1  # only the row that was there before
    messages = {(e.row, e.column): e.message for e in result.errors}
    assert "与第 2 行重复" in messages[(4, "代码")]
    assert "已存在" in messages[(5, "代码")]


def test_all_errors_are_collected_not_only_the_first(session, world):
    rows = [["", "", None, "x", "也许", "abc", "no", "斜"]] * 3
    parsed = importer.parse(SPEC, xlsx(rows), session=session)
    assert len(parsed.errors) == 3 * 7
    assert {e.row for e in parsed.errors} == {2, 3, 4}


def test_missing_required_column_is_reported_on_the_header_row(session):
    parsed = importer.parse(SPEC, xlsx([["甲"]], headers=["名称"]), session=session)
    assert [(e.row, e.column) for e in parsed.errors] == [(1, "代码")]


def test_a_writer_failure_leaves_nothing_behind(session, world):
    def failing(session, rows, **_):
        _write(session, rows, actor=None, context={}, progress=None)
        raise importer.ImportRejected("写入失败", "write failed")

    spec = ImportSpec(name="代码", columns=SPEC.columns, writer=failing)
    result = importer.run_import(session, spec, xlsx(GOOD), actor=world.users["manager"])
    assert not result.ok and result.errors[0].message == "写入失败"
    assert count(session) == 0


def test_permission_is_checked_before_reading(session, world):
    with pytest.raises(PermissionDenied):
        importer.run_import(session, SPEC, xlsx(GOOD), actor=world.users["consultant"])
    assert count(session) == 0


def test_formula_like_text_is_neutralised_and_never_exported_as_a_formula(session, world):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADERS)
    ws.append(["F1", "x", None, 1, "是", None, None, None])
    ws.append(["F2", "y", None, 2, "是", None, None, None])
    ws.append(["F3", "z", None, 3, "是", None, None, None])
    # Text cells that a spreadsheet would run as formulas (stored as text in the file).
    for ref, text in (
        ("B2", '=HYPERLINK("http://evil","x")'),
        ("B3", "@SUM(1)"),
        ("C4", "+cmd|' /C calc'!A0"),
    ):
        ws[ref].value = text
        ws[ref].data_type = "s"
    # A real formula cell: calamine reads its cached value (none here), never computes it.
    ws["C2"] = "=1+1"
    buffer = io.BytesIO()
    wb.save(buffer)
    result = importer.run_import(
        session, SPEC, buffer.getvalue(), actor=world.users["manager"], context={}
    )
    assert result.ok, result.errors
    assert result.neutralised == 3
    labels = dict(
        session.execute(
            select(CodeItem.code, CodeItem.label).where(CodeItem.category == CATEGORY)
        ).all()
    )
    assert labels["F1"] == '\'=HYPERLINK("http://evil","x")'
    assert labels["F2"] == "'@SUM(1)"
    english = session.scalar(select(CodeItem.label_en).where(CodeItem.code == "F1"))
    assert english == ""  # the formula was not evaluated to 2
    # Exported again: a plain string cell, not a formula.
    out = to_xlsx([("label", "名称")], [{"label": "=1+1"}, {"label": labels["F1"]}])
    sheet = openpyxl.load_workbook(io.BytesIO(out)).active
    assert sheet["A2"].data_type == "s" and sheet["A3"].data_type == "s"


def test_template_has_headers_instructions_and_drop_downs(session):
    content = importer.template_xlsx(SPEC, session)
    wb = openpyxl.load_workbook(io.BytesIO(content))
    assert wb.sheetnames[0] == "代码" and "填写说明" in wb.sheetnames
    ws = wb["代码"]
    assert [c.value for c in ws[1]] == HEADERS
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert len(lists) == 1 and "选项" in lists[0].formula1
    options = [r[0] for r in wb["选项"].iter_rows(min_col=8, max_col=8, values_only=True)]
    assert "南北" in options
    # The template imports as an empty file (no data rows) and says so.
    parsed = importer.parse(SPEC, content, session=session)
    assert [e.message for e in parsed.errors] == ["文件中没有数据行"]


def test_error_table_downloads_as_excel():
    errors = [importer.RowError(3, "面积", "不能小于 0.01"), importer.RowError(5, "代码", "必填")]
    content = importer.errors_xlsx(errors)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    assert rows[0] == ["行号", "列", "错误说明"]
    assert rows[1][1:] == ["面积", "不能小于 0.01"] and int(rows[1][0]) == 3
    assert len(rows) == 3


def test_progress_is_reported_through_the_stages(session, world):
    seen = []
    importer.run_import(
        session,
        SPEC,
        xlsx(GOOD),
        actor=world.users["manager"],
        context={},
        progress=lambda done, total, stage: seen.append(stage),
    )
    assert seen[0] == "read" and "validate" in seen and seen[-1] == "done"


def test_unreadable_file_is_refused_with_a_message(session, world):
    from data_layer.errors import DomainError

    with pytest.raises(DomainError) as err:
        importer.run_import(session, SPEC, b"not excel", actor=world.users["manager"])
    assert "Excel" in err.value.message


def test_checks_across_rows_skip_blank_rows_and_rows_with_bad_cells(session):
    rows = [
        ["A1", "甲", None, 1, "是", None, None, None],  # row 2
        [None] * 8,  # row 3: an empty line in the middle is skipped
        ["a1", "乙", None, "x", "是", None, None, None],  # row 4: bad cell, not a first occurrence
        ["A1", "丙", None, 1, "是", None, None, None],  # row 5: repeats row 2
        ["B1", "B1", None, 1, "是", None, None, None],  # row 6: row rule
        ["b1", "丁", None, 1, "是", None, None, None],  # row 7: repeats row 6 (valid cells)
        ["C1", "戊", None, 2, "是", None, None, None],  # row 8: good
    ]
    parsed = importer.parse(SPEC, xlsx(rows), session=session)
    assert [(e.row, e.column, e.message) for e in parsed.errors] == [
        (4, "排序", "应为整数，而不是「x」"),
        (5, "代码", "「A1」与第 2 行重复"),
        (6, "名称", "名称不能与代码相同"),
        (7, "代码", "「b1」与第 6 行重复"),
    ]
    assert [(r["code"], r["_row"]) for r in parsed.rows] == [("A1", 2), ("C1", 8)]
    assert list(parsed.rows[0]) == [f.field for f in SPEC.columns] + ["_row"]


def test_parsed_rows_are_also_given_column_by_column(session):
    rows = [GOOD[0], ["A1", "重复", None, 1, "是", None, None, None], GOOD[1], GOOD[2]]
    parsed = importer.parse(SPEC, xlsx(rows), session=session)
    assert [e.row for e in parsed.errors] == [3]  # the valid rows are still all given
    columns = parsed.rows.columns
    assert set(columns) == set(parsed.rows[0])
    for name, values in columns.items():
        assert values == [row[name] for row in parsed.rows], name
    assert columns["_row"] == [2, 4, 5] and columns["sort"] == [1, 0, 3]


def test_rows_repeating_fields_together_are_refused_after_the_first(session):
    spec = ImportSpec(
        name="代码",
        columns=SPEC.columns,
        unique_together=[("label", "sort")],
    )
    rows = [
        ["A1", "甲", None, 1, "是", None, None, None],
        ["A2", "甲", None, 2, "是", None, None, None],
        ["A3", "甲", None, 1, "是", None, None, None],
        ["A4", "甲", None, None, "是", None, None, None],  # sort takes its default 0
        ["A5", "甲", None, 0, "是", None, None, None],
    ]
    parsed = importer.parse(spec, xlsx(rows), session=session)
    assert [(e.row, e.column, e.message) for e in parsed.errors] == [
        (4, "名称+排序", "与第 2 行重复"),
        (6, "名称+排序", "与第 5 行重复"),
    ]


def test_text_cells_are_stripped_and_checked_for_length_in_every_column(session):
    rows = [
        [" A1 ", "  甲 ", "Alpha", 1, "是", None, None, None],
        ["A2", "乙" * 100, "x" * 101, 1, "是", None, None, None],
        ["A3", "   ", "Gamma", 1, "是", None, None, None],
    ]
    parsed = importer.parse(SPEC, xlsx(rows), session=session)
    assert [(e.row, e.column) for e in parsed.errors] == [(3, "英文名称"), (4, "名称")]
    assert [(r["code"], r["label"]) for r in parsed.rows] == [("A1", "甲")]


@pytest.mark.parametrize("total", [1, 199, 200, 451, 3000])
def test_bulk_insert_writes_every_row_in_order_in_any_number(session, total):
    # 3,000 long labels: more than one statement on MySQL (a statement is at most ~1 MB).
    from data_layer.bulk import bulk_insert_columns

    codes = [f"K{i:04d}" for i in range(total)]

    def label(i):
        return f"{i} 50% '{{q}}' \\ %s " + "长" * 70

    written = bulk_insert_columns(
        session,
        CodeItem,
        {
            "category": [CATEGORY] * total,
            "code": codes,
            "label": [label(i) for i in range(total)],
            "sort": list(range(total)),
        },
        chunk=300 if total < 3000 else 10_000,
    )
    assert written == total
    stored = session.execute(
        select(CodeItem.code, CodeItem.label, CodeItem.sort, CodeItem.active, CodeItem.label_en)
        .where(CodeItem.category == CATEGORY)
        .order_by(CodeItem.id)
    ).all()
    assert [tuple(r) for r in stored] == [
        (code, label(i), i, True, "") for i, code in enumerate(codes)
    ]


def test_bulk_insert_of_a_duplicate_is_refused_by_the_database(session):
    from sqlalchemy.exc import IntegrityError

    from data_layer.bulk import bulk_insert

    rows = [{"category": CATEGORY, "code": f"K{i:04d}", "label": "x"} for i in range(450)]
    rows[300]["code"] = "K0007"
    with pytest.raises(IntegrityError), session.begin_nested():
        bulk_insert(session, CodeItem, rows)
    assert count(session) == 0


def _units_file(rows: list[dict]) -> bytes:
    from data_layer.commands.inventory import UNIT_COLUMNS

    base = {"单元": 1, "建筑面积": 89.5, "套内面积": 72.3, "表价单价": 20000}
    return xlsx(
        [[{**base, **row}.get(c.header) for c in UNIT_COLUMNS] for row in rows],
        headers=[c.header for c in UNIT_COLUMNS],
    )


@pytest.fixture
def units_project(session, world):
    from data_layer.models import Building, Layout

    project = world.projects[0]
    building = Building(project_id=project.id, code="9", name="九栋", floors=9, units_per_floor=2)
    layout = Layout(project_id=project.id, name="A户型")
    session.add_all([building, layout])
    session.flush()
    return project, building, layout


def _import_units(session, world, project, rows):
    from data_layer.commands.inventory import UNITS_IMPORT

    return importer.run_import(
        session,
        UNITS_IMPORT,
        _units_file(rows),
        actor=world.users["manager"],
        context={"project_id": project.id},
    )


def test_units_import_finds_buildings_by_code_or_name_and_layouts(session, world, units_project):
    from data_layer.models import Unit

    project, building, layout = units_project
    rows = [
        {"楼栋": "9", "楼层": 5, "房号": 1, "房间编码": "9-501", "户型": "A户型"},
        {"楼栋": "九栋", "楼层": 5, "房号": 2, "房间编码": "9-502"},
    ]
    result = _import_units(session, world, project, rows)
    assert result.ok, result.errors
    stored = session.execute(
        select(Unit.code, Unit.building_id, Unit.layout_id)
        .where(Unit.project_id == project.id)
        .order_by(Unit.code)
    ).all()
    assert [tuple(r) for r in stored] == [
        ("9-501", building.id, layout.id),
        ("9-502", building.id, None),
    ]


def test_units_import_names_every_clash_with_the_project_row_by_row(session, world, units_project):
    project, _building, _layout = units_project
    rows = [
        {"楼栋": "9", "楼层": 5, "房号": 1, "房间编码": "9-501"},
        {"楼栋": "九栋", "楼层": 5, "房号": 1, "房间编码": "9-501b"},  # same place by name
        {"楼栋": "8", "楼层": 5, "房号": 1, "房间编码": "8-501", "户型": "Z户型"},
    ]
    result = _import_units(session, world, project, rows)
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (3, "房号", "与第 2 行是同一位置"),
        (4, "楼栋", "楼栋「8」不存在，请先在楼盘资料中添加"),
        (4, "户型", "户型「Z户型」不存在，请先在户型图中添加"),
    ]


def test_bulk_insert_stores_what_the_orm_stores_on_each_database(session, world):
    from datetime import datetime

    from data_layer.bulk import bulk_insert
    from data_layer.models import MarketingExpense, Message

    sender, recipient = world.users["manager"].id, world.users["consultant"].id
    read = [None, datetime(2026, 3, 1, 9, 30), datetime(2026, 3, 1, 9, 30, 15, 250), None]
    messages = [
        {
            "sender_id": sender,
            "recipient_id": recipient,
            "subject": f"M{i}",
            "body": ["", "50% 'x' \\ %s {}", "长" * 30, "\n"][i],
            "sent_at": datetime(2026, 3, 1, 8, 0, i),
            "read_at": at,
            "archived": i % 2 == 1,
        }
        for i, at in enumerate(read)
    ]
    project = world.projects[0].id
    amounts = [Decimal("12345.675"), Decimal("1.5"), Decimal("1.50"), Decimal("7")]
    expenses = [
        {
            "project_id": project,
            "spent_on": date(2026, 1, i + 1),
            "channel": "online",
            "category": "online",
            "campaign": f"E{i}",
            "amount": amount,
            "created_at": datetime(2026, 1, 2, 9, 30, 15),
        }
        for i, amount in enumerate(amounts)
    ]
    for model, rows, label in (
        (Message, messages, "subject"),
        (MarketingExpense, expenses, "campaign"),
    ):
        session.execute(insert(model), [{**r, label: "orm" + r[label]} for r in rows])
        assert bulk_insert(session, model, [{**r, label: "bulk" + r[label]} for r in rows]) == 4
        stored = {
            getattr(o, label): o
            for o in session.scalars(select(model).where(getattr(model, label).like("%_")))
        }
        for r in rows:
            orm, fast = stored["orm" + r[label]], stored["bulk" + r[label]]
            for column in model.__table__.columns:
                if column.key not in ("id", label):
                    assert getattr(orm, column.key) == getattr(fast, column.key), column.key
    session.expire_all()
    assert session.scalar(
        select(MarketingExpense.amount).where(MarketingExpense.campaign == "bulkE0")
    ) == Decimal("12345.68")
