"""实测面积导入 (面积补差): a good file sets the units' measured areas with an audit entry; every
kind of error is listed and the whole file is refused, writing nothing. SQLite and MariaDB."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import func, select

from data_layer.errors import DomainError, PermissionDenied
from data_layer.excel import importer
from data_layer.excel.measured_import import SPEC
from data_layer.models import AuditEntry, Unit
from tests.test_deals_support import make_units

HEADER = ["房间编码", "实测建筑面积", "实测套内面积"]


def xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def units(session, world):
    return make_units(session, world.projects[0], code="8")


def run(session, world, content, user="finance", project=0):
    return importer.run_import(
        session,
        SPEC,
        content,
        actor=world.users[user],
        context={"project_id": world.projects[project].id},
    )


def measured(session, units):
    session.expire_all()
    return {
        u.code: (u.measured_gross_area, u.measured_internal_area)
        for u in session.scalars(select(Unit).where(Unit.id.in_([u.id for u in units])))
    }


def imports_audited(session) -> int:
    return session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == "settlement.import_measured")
    )


def test_good_file_sets_measured_areas_and_is_audited(session, world, units):
    content = xlsx([[units[0].code, 102.5, 86.1], [units[1].code.upper(), "97.00", "83.00"]])
    result = run(session, world, content)
    assert result.ok, result.errors
    assert result.written == 2
    areas = measured(session, units)
    assert areas[units[0].code] == (Decimal("102.50"), Decimal("86.10"))
    assert areas[units[1].code] == (Decimal("97.00"), Decimal("83.00"))
    assert areas[units[2].code] == (None, None)
    entry = session.scalar(
        select(AuditEntry).where(AuditEntry.action == "settlement.import_measured")
    )
    assert entry.after["units"] == 2 and entry.after["changed"] == 2
    assert entry.user_id == world.users["finance"].id


def test_reimport_replaces_the_areas(session, world, units):
    assert run(session, world, [HEADER, [units[0].code, "101.00", "85.50"]]).ok
    assert run(session, world, [HEADER, [units[0].code, "99.00", "84.00"]]).ok
    assert measured(session, units)[units[0].code] == (Decimal("99.00"), Decimal("84.00"))
    assert imports_audited(session) == 2


def test_every_error_is_listed_and_nothing_is_written(session, world, units):
    other = make_units(session, world.projects[1], code="9")[0]
    rows = [
        [units[0].code, "101.00", "85.00"],  # good, but the file is refused
        ["X-404", "100.00", "85.00"],  # unknown unit
        [other.code, "100.00", "85.00"],  # a unit of another project
        [units[1].code, "一百", "85.00"],  # non-numeric
        [units[2].code, "0", "-1"],  # ≤ 0
        [units[3].code, "100.00", "101.00"],  # internal > gross
        [units[0].code, "100.00", "85.00"],  # repeated code
        [units[3].code.lower() + "x", "250.00", "85.00"],  # unknown and absurd area
        [units[1].code + "", "", "85.00"],  # missing gross (and repeats row 5)
        [units[2].code + "", "100.123", "85.00"],  # 3 decimals (and repeats)
    ]
    before = measured(session, units)
    result = run(session, world, xlsx(rows))
    assert not result.ok
    errors = {(e.row, e.column) for e in result.errors}
    assert (3, "房间编码") in errors
    assert (4, "房间编码") in errors
    assert (5, "实测建筑面积") in errors
    assert (6, "实测建筑面积") in errors and (6, "实测套内面积") in errors
    assert (7, "实测套内面积") in errors
    assert any(e.row == 8 and e.column == "房间编码" for e in result.errors)  # repeated
    assert (9, "房间编码") in errors
    assert (10, "实测建筑面积") in errors
    assert (11, "实测建筑面积") in errors
    assert all(e.message for e in result.errors)
    assert measured(session, units) == before
    assert imports_audited(session) == 0
    # the error list downloads as a workbook
    assert importer.errors_xlsx(result.errors)[:2] == b"PK"


def test_absurd_area_against_the_design_is_refused(session, world, units):
    result = run(session, world, [HEADER, [units[0].code, "150.00", "85.00"]])
    assert not result.ok
    assert [(e.row, e.column) for e in result.errors] == [(2, "实测建筑面积")]
    assert "30%" in result.errors[0].message
    assert measured(session, units)[units[0].code] == (None, None)


def test_internal_larger_than_gross_is_refused(session, world, units):
    result = run(session, world, [HEADER, [units[0].code, "90.00", "91.00"]])
    assert [(e.row, e.column) for e in result.errors] == [(2, "实测套内面积")]


def test_permission_and_project(session, world, units):
    with pytest.raises(PermissionDenied):
        run(session, world, [HEADER, [units[0].code, "100.00", "85.00"]], user="consultant")
    with pytest.raises(PermissionDenied):  # finance of project 1 only
        run(session, world, [HEADER, [units[0].code, "100.00", "85.00"]], project=1)
    with pytest.raises(DomainError):  # no project chosen
        importer.run_import(
            session,
            SPEC,
            [HEADER, [units[0].code, "100.00", "85.00"]],
            actor=world.users["admin"],
            context={"project_id": None},
        )
    assert measured(session, units)[units[0].code] == (None, None)


def test_template_has_the_columns(session, world, units):
    content = importer.template_xlsx(SPEC, session, {"project_id": world.projects[0].id})
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert [c.value for c in book.worksheets[0][1]][:3] == HEADER
