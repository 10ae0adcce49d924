"""Lead import from an Excel file on the shared importer: the template, every bad row reported
with its row number, all or nothing, and formula-looking text kept as text."""

import io

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from data_layer.excel import importer
from data_layer.excel.crm_import import lead_spec
from data_layer.models import Customer, CustomerAssignment


def workbook(rows):
    wb = Workbook()
    ws = wb.active
    ws.append([c.header for c in lead_spec().columns])
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


def ours(world):
    """Rows of this test's projects (other modules may commit rows to the shared database)."""
    return Customer.project_id.in_([p.id for p in world.projects])


def test_template_has_the_lead_columns(session, world):
    content = importer.template_xlsx(lead_spec(), session, {"project_id": world.projects[0].id})
    headers = [c.value for c in load_workbook(io.BytesIO(content)).active[1]]
    assert headers[:4] == ["姓名", "手机号码", "身份证号", "来访/来电"]


def test_bad_rows_are_listed_and_nothing_is_imported(session, world):
    content = workbook(
        [
            ["张三", "13800000001", None, "来访", "网络"],
            ["李四", "1380000", None, "来电"],
            ["王五", "13800000003", "110105194912310021", "来访"],
            ["", "13800000004", None, "来访", "飞鸽传书"],
            ["赵六", "13800000001", None, "来访"],
        ]
    )
    result = importer.run_import(
        session,
        lead_spec(),
        content,
        actor=world.users["consultant"],
        context={"project_id": world.projects[0].id, "actor": world.users["consultant"]},
    )
    assert not result.ok
    where = {(e.row, e.column) for e in result.errors}
    assert (3, "手机号码") in where  # invalid mobile
    assert (4, "身份证号") in where  # wrong check character
    assert (6, "手机号码") in where  # same mobile as row 2
    assert (5, "姓名") in where and (5, "认知途径") in where
    assert count(session, Customer, ours(world)) == 0
    assert importer.errors_xlsx(result.errors)[:2] == b"PK"


def test_good_file_is_imported_whole_with_history(session, world):
    content = workbook(
        [
            [
                "张三",
                "13800000001",
                None,
                "来访",
                "网络",
                None,
                90,
                120,
                3000000,
                "自住",
                "B",
                None,
                "=1+1",
            ],
            [
                "李四",
                "13800000002",
                "11010519491231002X",
                "来电",
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                "consultant2",
                "@王经理 回访",
            ],
        ]
    )
    manager = world.users["manager"]
    result = importer.run_import(
        session,
        lead_spec(),
        content,
        actor=manager,
        context={"project_id": world.projects[0].id, "actor": manager},
    )
    assert result.ok and result.written == 2, result.errors
    customers = {c.mobile: c for c in session.scalars(select(Customer).where(ours(world)))}
    first = customers["13800000001"]
    assert (first.stage, first.level, first.channel, str(first.budget)) == (
        "opportunity",
        "B",
        "online",
        "3000000.00",
    )
    assert first.notes == ""  # a formula is never evaluated (no cached value: empty)
    second = customers["13800000002"]
    assert second.notes == "'@王经理 回访"  # text a spreadsheet would take for a formula
    assert customers["13800000002"].consultant_id == world.users["consultant2"].id
    assert customers["13800000002"].visit_count == 0
    assert (
        count(session, CustomerAssignment, CustomerAssignment.project_id == world.projects[0].id)
        == 2
    )


def test_import_without_project_is_refused(session, world):
    content = workbook([["张三", "13800000001", None, "来访"]])
    result = importer.run_import(
        session,
        lead_spec(),
        content,
        actor=world.users["admin"],
        context={"project_id": None, "actor": world.users["admin"]},
    )
    assert not result.ok
    assert "选择要导入的项目" in result.errors[0].message
