"""One rejected upload lists every error of every row at once (a bad cell does not hide the
CRM and project checks of its row, nor of the other rows), writes nothing, and reads in the
viewer's language: the lead import (线索导入) and the units import on the shared framework."""

import base64
import io

import openpyxl
import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import func, select

from data_layer.excel import importer
from data_layer.excel.crm_import import lead_spec
from data_layer.models import Customer, CustomerAssignment, Unit


def xlsx(headers, rows) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def lead_row(name, mobile, *, channel=None, area=(None, None), consultant=None):
    # 姓名 手机号码 身份证号 来访/来电 认知途径 意向户型 面积下限 面积上限 预算 置业目的 等级
    # 置业顾问用户名 备注
    return [name, mobile, None, "来访", channel, None, *area, None, None, None, consultant, None]


def import_leads(session, world, rows):
    actor = world.users["manager"]
    project_id = world.projects[0].id
    content = xlsx([c.header for c in lead_spec().columns], rows)
    return importer.run_import(
        session,
        lead_spec(),
        content,
        actor=actor,
        context={"project_id": project_id, "actor": actor},
    )


@pytest.fixture
def bad_leads(session, world):
    me = world.users["consultant"].username
    rows = [
        lead_row("张三", "13800000001", consultant=me),  # row 2: good
        # row 3: two bad cells (a framework format error and a choice) and an unknown consultant
        lead_row("李四", "13800000002", channel="飞鸽传书", area=("abc", 90), consultant="ghost"),
        lead_row("王五", "13800000003", consultant="nobody"),  # row 4: unknown consultant
        lead_row("赵六", "13800000004", area=(120, 90), consultant=me),  # row 5: min > max
        # row 6: repeats row 2's mobile, and its area minimum is above its maximum
        lead_row("孙七", "13800000001", area=(150, 100), consultant=me),
        lead_row("周八", "1380000", consultant=me),  # row 7: invalid mobile (a CRM rule)
    ]
    before = count(session, Customer), count(session, CustomerAssignment)
    result = import_leads(session, world, rows)
    return result, before


def test_every_error_of_every_lead_row_is_listed_at_once_and_nothing_is_written(
    session, world, bad_leads
):
    result, before = bad_leads
    assert not result.ok and result.written == 0 and result.total == 6
    assert [(e.row, e.column) for e in result.errors] == [
        (3, "认知途径"),
        (3, "意向面积下限"),
        (3, "置业顾问用户名"),  # hidden by the bad cells before
        (4, "置业顾问用户名"),
        (5, "意向面积上限"),
        (6, "手机号码"),
        (6, "意向面积上限"),  # hidden by the repeated mobile before
        (7, "手机号码"),
    ]
    messages = {(e.row, e.column): e.message for e in result.errors}
    assert messages[(3, "置业顾问用户名")] == "置业顾问“ghost”不存在或不属于该项目。"
    assert messages[(3, "意向面积下限")] == "应为数字，而不是「abc」"
    assert messages[(5, "意向面积上限")] == "意向面积的上限不能小于下限。"
    assert messages[(6, "手机号码")] == "「13800000001」与第 2 行重复"  # said once, not twice
    assert (count(session, Customer), count(session, CustomerAssignment)) == before
    assert count(session, Customer, Customer.project_id == world.projects[0].id) == 0


def test_lead_errors_read_in_english_for_an_english_viewer(bad_leads):
    result, _before = bad_leads
    english = {(r["row"], r["column"]): r["message"] for r in result.error_records("en")}
    assert english[(3, "置业顾问用户名")] == "No consultant “ghost” in this project."
    assert english[(3, "意向面积下限")] == "Must be a number, not “abc”"
    assert english[(3, "认知途径")].startswith("“飞鸽传书” is not one of the choices (")
    assert english[(5, "意向面积上限")] == "The wanted area's maximum is below its minimum."
    assert english[(6, "手机号码")] == "“13800000001” repeats row 2"
    assert english[(7, "手机号码")].startswith("Mobile number “1380000” is invalid")
    chinese = {(r["row"], r["column"]): r["message"] for r in result.error_records()}
    assert chinese[(4, "置业顾问用户名")] == "置业顾问“nobody”不存在或不属于该项目。"

    # The error table's Excel download: English headers and messages.
    content = importer.errors_xlsx(result.errors, "en")
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0)
    table = sheet.to_python()
    assert table[0] == ["Row", "Column", "Problem"]
    assert [int(r[0]) for r in table[1:]] == [e.row for e in result.errors]
    assert table[1 + 2][1:] == ["置业顾问用户名", "No consultant “ghost” in this project."]
    # The grid's rows (already in the viewer's language) download as they are.
    rows = result.error_records("en")
    again = CalamineWorkbook.from_filelike(io.BytesIO(importer.errors_xlsx(rows, "en")))
    assert again.get_sheet_by_index(0).to_python()[1:] == table[1:]
    assert importer.RowError(2, "列", "只有中文").text("en") == "只有中文"  # no twin: Chinese


def test_a_good_lead_file_is_still_imported(session, world):
    me = world.users["consultant"].username
    rows = [
        lead_row("张三", "13800000001", area=(90, 120), consultant=me),
        lead_row("李四", "13800000002", channel="网络", consultant=me),
    ]
    result = import_leads(session, world, rows)
    assert result.ok, result.errors
    assert result.written == 2
    assert count(session, Customer, Customer.project_id == world.projects[0].id) == 2


# ---------------------------------------------------------------------------------------------
# The units import has the same framework: a bad cell no longer hides the project checks.


@pytest.fixture
def units_project(session, world):
    from data_layer.models import Building

    project = world.projects[0]
    session.add(Building(project_id=project.id, code="9", name="九栋", floors=9, units_per_floor=2))
    session.flush()
    return project


def units_file(rows: list[dict]) -> bytes:
    from data_layer.commands.inventory import UNIT_COLUMNS

    base = {"单元": 1, "建筑面积": 89.5, "套内面积": 72.3, "表价单价": 20000}
    return xlsx(
        [c.header for c in UNIT_COLUMNS],
        [[{**base, **row}.get(c.header) for c in UNIT_COLUMNS] for row in rows],
    )


def test_units_import_lists_project_errors_of_rows_with_bad_cells(session, world, units_project):
    from data_layer.commands.inventory import UNITS_IMPORT

    rows = [
        {"楼栋": "9", "楼层": 5, "房号": 1, "房间编码": "9-501"},  # row 2: good
        # row 3: a bad area, an unknown building and an unknown layout
        {"楼栋": "8", "楼层": 5, "房号": 1, "房间编码": "8-501", "户型": "Z户型", "建筑面积": "x"},
        # row 4: repeats row 2's place and has internal area above gross area
        {"楼栋": "9", "楼层": 5, "房号": 1, "房间编码": "9-501b", "套内面积": 95},
        {"楼栋": "9", "楼层": "五", "房号": 2, "房间编码": ""},  # row 5: two bad cells
    ]
    result = importer.run_import(
        session,
        UNITS_IMPORT,
        units_file(rows),
        actor=world.users["manager"],
        context={"project_id": units_project.id},
    )
    assert not result.ok
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (3, "建筑面积", "应为数字，而不是「x」"),
        (3, "楼栋", "楼栋「8」不存在，请先在楼盘资料中添加"),
        (3, "户型", "户型「Z户型」不存在，请先在户型图中添加"),
        (4, "楼栋+单元+楼层+房号", "与第 2 行重复"),  # once: not also as "同一位置"
        (4, "套内面积", "套内面积 95 大于建筑面积 89.5"),
        (5, "楼层", "应为整数，而不是「五」"),
        (5, "房间编码", "「房间编码」必填"),
    ]
    english = [e.text("en") for e in result.errors]
    assert english[1] == "No building “8”: add it in the project data first"
    assert english[3] == "Repeats row 2"
    assert english[4] == "Internal area 95 exceeds the gross area 89.5"
    assert english[6] == "“房间编码” is required"
    assert count(session, Unit, Unit.project_id == units_project.id) == 0


# ---------------------------------------------------------------------------------------------
# The screen: the error table's Excel download in the viewer's language.


def _set_language(app, username: str, language: str) -> None:
    from data_layer.models import User

    with app.server.extensions["loupan_db"].writer() as s:
        s.scalar(select(User).where(User.username == username)).language = language


def _error_download(app, rows):
    from tests import dash_client
    from tests.conftest import login

    client = app.server.test_client()
    assert login(client, "consultant").status_code == 302
    response = dash_client.post(
        client,
        app,
        "crm-leads-error-download.data",
        {"crm-leads-error-button.n_clicks": 1, "crm-leads-errors.rowData": rows},
        "crm-leads-error-button.n_clicks",
    )
    data = dash_client.response_of(response)["crm-leads-error-download"]["data"]
    content = base64.b64decode(data["content"])
    return CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()


def test_the_error_download_is_headed_in_the_viewers_language(app_env):
    rows = [
        {"row": 3, "column": "置业顾问用户名", "message": "No consultant “ghost” in this project."}
    ]
    try:
        _set_language(app_env, "consultant", "en")
        table = _error_download(app_env, rows)
        assert table[0] == ["Row", "Column", "Problem"]
        assert table[1][1:] == ["置业顾问用户名", "No consultant “ghost” in this project."]
        _set_language(app_env, "consultant", "zh")
        assert _error_download(app_env, rows)[0] == ["行号", "列", "错误说明"]
    finally:
        _set_language(app_env, "consultant", "zh")
