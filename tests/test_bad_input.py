"""Input that no database can store — NUL, unpaired surrogates, numbers beyond the columns, hostile XLSX
files — is refused with a 4xx and a message, never a 500, and nothing of it is written. These run on SQLite
and, with EXAMSYS_TEST_DATABASE_URL set, on PostgreSQL, where most of them answered 500 before."""
from __future__ import annotations

import io
import zipfile

import pytest

from examsys.auth.models import Role
from examsys.auth.permissions import SYSTEM
from examsys.auth.services import grant_role
from examsys.exams.models import Answer, Attempt
from examsys.imports.tabular import Column, UnreadableFile, check_xlsx_archive, read_table, write_xlsx
from examsys.personnel.models import Person
from tests.factories import make_user
from tests.test_reviews import rv  # noqa: F401  (the review fixture)

NUL = "\x00"


def _message(response) -> str:
    return response.get_data(as_text=True)


def test_nul_in_the_login_identifier_is_a_400_with_a_message(db, tree, client):
    make_user(db, "clerk", tree.county_dept)
    response = client.post("/login", data={"identifier": "cl" + NUL + "erk", "password": "x"})
    assert response.status_code == 400 and "cannot be stored" in _message(response)


@pytest.mark.parametrize("path", ["/public-register?q=%00", "/public-register?q=a%00b", "/public-register?%00=1"])
def test_nul_in_the_public_register_search_is_a_400(db, tree, client, path):
    assert client.get(path).status_code == 400


@pytest.mark.parametrize("path", ["/personnel/?q=%00", "/credentials/?q=%00", "/bank/?q=%00", "/accounts?q=%00", "/audit/?q=%00",
                                  "/credentials/requests/?q=%00", "/orgs/?q=%00"])
def test_nul_in_a_list_search_box_is_a_400(db, tree, client, auth, path):
    boss = make_user(db, "boss", tree.region, Role.SYSADMIN)
    for role in (Role.HR_ADMIN, Role.EXAM_ADMIN, Role.AUDITOR):
        grant_role(db, SYSTEM, boss.id, role, tree.region.id)
    db.commit()
    auth.login("boss")
    assert client.get(path).status_code == 400


def test_nul_in_a_form_field_is_a_400_and_nothing_is_written(db, tree, client, auth):
    make_user(db, "county-hr", tree.county, Role.HR_ADMIN)
    auth.login("county-hr")
    before = db.query(Person).count()
    response = client.post("/personnel/new", data={"name": "张" + NUL + "三", "id_number": "150102198501150011", "org_id": tree.county_dept.id})
    assert response.status_code == 400 and db.query(Person).count() == before


def _started(db, exam, client, auth) -> Attempt:
    auth.login("candidate")
    attempt = db.query(Attempt).filter_by(person_id=exam["officer"].id).one()
    client.post(f"/exams/attempt/{attempt.id}/start")
    return attempt


@pytest.mark.parametrize("body", [
    {"position": 0, "response": NUL, "seq": 1},
    {"position": 0, "response": ["A", "\ud800"], "seq": 1},
    {"position": 0, "response": "A", "seq": 1, NUL: 1},
    {"position": 0, "response": "A", "seq": 2**70},
    {"position": 0, "response": "A", "seq": -(2**70)},
    {"position": 2**70, "response": "A", "seq": 1},
    {"position": 2**40, "response": "A", "seq": 1},
])
def test_an_exam_save_with_unstorable_input_is_refused_and_writes_nothing(db, exam, client, auth, body):
    attempt = _started(db, exam, client, auth)
    response = client.post(f"/exams/attempt/{attempt.id}/save", json=body)
    assert 400 <= response.status_code < 500
    assert db.query(Answer).filter_by(attempt_id=attempt.id).count() == 0


@pytest.mark.parametrize("number", [2**31, 10**19, 10**20, 10**400])
def test_an_id_beyond_the_columns_in_a_path_is_a_404(db, tree, client, auth, number):
    make_user(db, "boss", tree.region, Role.SYSADMIN)
    auth.login("boss")
    for path in (f"/orgs/{number}", f"/exams/attempt/{number}/result", f"/accounts/{number}"):
        assert client.get(path).status_code == 404, path


def test_the_audit_trail_still_takes_big_sequence_numbers(db, tree, client, auth):
    make_user(db, "boss", tree.region, Role.AUDITOR)
    auth.login("boss")
    assert client.get(f"/audit/{2**40}").status_code == 404
    assert client.get(f"/audit/{2**64}").status_code == 404


@pytest.mark.pg
def test_a_number_beyond_its_column_in_a_query_string_is_a_400_on_postgresql(db, tree, client, auth):
    """The net under the checks: PostgreSQL's "integer out of range" is a bad request, not a server error."""
    make_user(db, "county-hr", tree.county, Role.HR_ADMIN)
    auth.login("county-hr")
    assert client.get(f"/personnel/?org={2**40}").status_code in (400, 404)


# ---- hostile workbooks --------------------------------------------------------------------------

COLUMNS = (Column("name", "姓名"),)


def _rewrite(data: bytes, change) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            target.writestr(member.filename, change(member.filename, source.read(member)))
    return out.getvalue()


def _with_entity(data: bytes) -> bytes:
    def change(name, content):
        if name == "xl/worksheets/sheet1.xml":
            return b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY x "boom">]>' + content.replace(b"<sheetData>", b"<sheetData>&x;", 1)
        return content
    return _rewrite(data, change)


def _bomb() -> bytes:
    """A workbook whose sheet unpacks to 64 MB of blank XML from about 64 KB."""
    def change(name, content):
        if name == "xl/worksheets/sheet1.xml":
            return content.replace(b"</sheetData>", b"<!-- " + b" " * (64 * 1024 * 1024) + b" --></sheetData>")
        return content
    return _rewrite(write_xlsx(COLUMNS, [{"name": "张三"}]), change)


def test_an_xlsx_with_an_entity_declaration_is_refused_with_a_message():
    with pytest.raises(UnreadableFile, match="DOCTYPE or XML entities"):
        read_table("x.xlsx", _with_entity(write_xlsx(COLUMNS, [{"name": "张三"}])), COLUMNS)


def test_the_import_pages_answer_an_entity_workbook_with_a_4xx_and_a_message(db, tree, client, auth):
    make_user(db, "county-hr", tree.county, Role.HR_ADMIN)
    make_user(db, "boss", tree.region, Role.SYSADMIN)
    from examsys.orgs import services as orgs
    from examsys.personnel import importer

    auth.login("county-hr")
    data = _with_entity(write_xlsx(importer.COLUMNS, [{"name": "张三"}]))
    response = client.post("/personnel/import", data={"file": (io.BytesIO(data), "p.xlsx"), "org_id": tree.county.id},
                           content_type="multipart/form-data")
    assert 400 <= response.status_code < 500 and "DOCTYPE or XML entities" in _message(response)
    auth.logout()
    auth.login("boss")
    data = _with_entity(write_xlsx(orgs.IMPORT_COLUMNS, [{"code": "X"}]))
    response = client.post("/orgs/import", data={"file": (io.BytesIO(data), "o.xlsx")}, content_type="multipart/form-data")
    assert 400 <= response.status_code < 500 and "DOCTYPE or XML entities" in _message(response)


def test_a_zip_bomb_workbook_is_refused_before_it_is_unpacked(monkeypatch):
    bomb = _bomb()
    assert len(bomb) < 200 * 1024
    import openpyxl

    def never(*args, **kwargs):
        raise AssertionError("the workbook was opened")

    monkeypatch.setattr(openpyxl, "load_workbook", never)
    with pytest.raises(UnreadableFile, match="unpacks to more than"):
        read_table("bomb.xlsx", bomb, COLUMNS)


def test_the_unpacked_size_and_the_row_count_are_bounded():
    data = write_xlsx(COLUMNS, [{"name": f"人{n}"} for n in range(50)])
    with pytest.raises(UnreadableFile, match="unpacks to more than"):
        check_xlsx_archive(data, max_unpacked=1024)
    with pytest.raises(UnreadableFile, match="more than 10 rows"):
        read_table("x.xlsx", data, COLUMNS, max_rows=10)
    assert len(read_table("x.xlsx", data, COLUMNS, max_rows=50).rows) == 50


def test_the_review_bulk_page_answers_an_entity_workbook_with_a_422_and_a_message(db, tree, rv, client, auth):  # noqa: F811
    from examsys.reviews import services as reviews
    from examsys.reviews.models import PeriodKind, Review

    period = reviews.open_period(db, rv["hr"], tree.county.id, PeriodKind.QUARTER, 2026, 3)
    db.commit()
    scheme_id = db.query(Review).filter_by(period_id=period.id).first().scheme_id
    auth.login("head")
    data = _with_entity(write_xlsx(COLUMNS, [{"name": "张三"}]))
    response = client.post(f"/reviews/periods/{period.id}/bulk", data={"scheme_id": scheme_id, "file": (io.BytesIO(data), "r.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "DOCTYPE or XML entities" in _message(response)
