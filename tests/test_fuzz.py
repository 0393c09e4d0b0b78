"""Property-based fuzzing (hypothesis) of what strangers and candidates can send: the importers (CSV, XLSX,
YAML, Moodle XML, through their pages), the token decoder, the answer save and the search boxes. Strings
include NUL, unpaired surrogates, control characters, formula triggers, huge numbers and very long text.
Every property is the same: never a 5xx, and a refused request writes nothing. Bounded (few examples, no
deadline) so that the whole file runs in well under a minute; runs on PostgreSQL too when it is set."""
from __future__ import annotations

import io
import json
import re
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from examsys.auth.models import Role
from examsys.auth.permissions import SYSTEM
from examsys.auth.services import grant_role
from examsys.bank.models import Question, QuestionVersion
from examsys.bank.xlsx import COLUMNS as BANK_COLUMNS
from examsys.credentials import offline
from examsys.exams.models import Answer, Attempt
from examsys.imports.tabular import write_csv, write_xlsx
from examsys.orgs import services as orgs
from examsys.orgs.models import Organisation
from examsys.personnel import importer
from examsys.personnel.models import Person
from tests.factories import make_user

FUZZ = settings(max_examples=25, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])

NASTY = st.sampled_from(["\x00", "a\x00b", "\ud800", "x\udfffy", "\x01\x02\x1f\x7f", "\t", "\r\n", "=1+1", "+cmd|' /C calc'!A0",
                         "-0", "@SUM(A1)", "9" * 40, str(2**63), str(-(2**70)), "1e309", "NaN", "' OR 1=1 --", "<script>x</script>",
                         "&x;", "]]>", "　", "\u202e", "𝔘𝔫𝔦", "%00", "a" * 5000])
TEXT = st.one_of(NASTY, st.text(st.characters(exclude_categories=()), max_size=40), st.text(max_size=200))
NUMBER = st.one_of(st.integers(min_value=-(2**80), max_value=2**80), st.sampled_from([0, -1, 2**31, 2**63, 10**30]))
JSONISH = st.recursive(st.one_of(st.none(), st.booleans(), NUMBER, st.floats(allow_nan=False), TEXT),
                       lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)), max_leaves=8)


def _ok(response, what: object = "") -> None:
    assert response.status_code < 500, (what, response.status_code)


def _q(value: str) -> str:
    return quote(value, safe="", errors="surrogatepass")


def _upload(client, path: str, name: str, data: bytes, **fields):
    return client.post(path, data={**fields, "file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def _import_writes_all_or_nothing(db, client, path: str, name: str, data: bytes, count, what: object, **fields) -> None:
    """Upload a file to an import page and, if it offers to confirm, confirm: never a 5xx, and what `count`
    counts is unchanged unless the confirmation went through (a redirect)."""
    before = count()
    page = _upload(client, path, name, data, **fields)
    _ok(page, what)
    found = re.search(r'name="staged_id"[^>]*value="(\d+)"', page.get_data(as_text=True))
    done = client.post(f"{path}/confirm", data={**fields, "staged_id": found.group(1)}) if page.status_code == 200 and found else None
    if done is not None:
        _ok(done, what)
    db.expire_all()
    assert count() == before or (done is not None and done.status_code == 302), what


@pytest.fixture
def boss(db, tree, client, auth):
    """One account with every administrative role on the region, logged in."""
    user = make_user(db, "boss", tree.region, Role.SYSADMIN)
    for role in (Role.HR_ADMIN, Role.EXAM_ADMIN, Role.AUDITOR, Role.REVIEWER):
        grant_role(db, SYSTEM, user.id, role, tree.region.id)
    db.commit()
    auth.login("boss")
    return user


# ---- importers --------------------------------------------------------------------------------------

PERSON_ROW = st.fixed_dictionaries({"id_number": st.one_of(TEXT, st.just("150102198501150011")), "name": TEXT,
                                    "org_code": st.one_of(TEXT, st.just("150102-SJJ")),
                                    "kind": st.one_of(TEXT, st.sampled_from(["执法人员", "执法辅助人员"])),
                                    "staffing_kind": st.one_of(TEXT, st.just("公务员")), "employment_status": TEXT, "post": TEXT,
                                    "domains": TEXT, "training_hours": st.one_of(TEXT, NUMBER.map(str)), "phone": TEXT})


@FUZZ
@given(rows=st.lists(PERSON_ROW, min_size=1, max_size=3), fmt=st.sampled_from(["csv", "xlsx"]))
def test_the_personnel_import_never_fails_and_writes_all_or_nothing(db, tree, boss, client, rows, fmt):
    data = (write_csv if fmt == "csv" else write_xlsx)(importer.COLUMNS, rows)
    _import_writes_all_or_nothing(db, client, "/personnel/import", f"people.{fmt}", data, db.query(Person).count, rows, org_id=tree.county.id)


@FUZZ
@given(rows=st.lists(st.fixed_dictionaries({"code": TEXT, "name": TEXT, "kind": st.one_of(TEXT, st.just("部门")),
                                            "parent_code": st.one_of(TEXT, st.just("150102")), "division_code": TEXT}),
                     min_size=1, max_size=3), fmt=st.sampled_from(["csv", "xlsx"]))
def test_the_organisation_import_never_fails_and_writes_all_or_nothing(db, tree, boss, client, rows, fmt):
    data = (write_csv if fmt == "csv" else write_xlsx)(orgs.IMPORT_COLUMNS, rows)
    _import_writes_all_or_nothing(db, client, "/orgs/import", f"tree.{fmt}", data, db.query(Organisation).count, rows)


STARTER = yaml.safe_load((Path(__file__).resolve().parents[1] / "question_bank/common/zhengfu-xinxi-gongkai.yaml").read_text("utf-8"))
FIELDS = ("ref", "type", "stem", "answer", "article", "difficulty", "explanation", "points", "law")


def _bank_file(changes: list[tuple[int, str, object]], fmt: str) -> bytes:
    """Three starter questions with some fields replaced, in one of the bank formats."""
    document = dict(STARTER, questions=[dict(q) for q in STARTER["questions"][:3]])
    for index, field, value in changes:
        target = document if field == "law" else document["questions"][index % 3]
        target[field] = value
    if fmt == "yaml":
        return yaml.safe_dump(document, allow_unicode=True).encode("utf-8", errors="surrogatepass")
    rows = []
    for q in document["questions"]:
        row = {"ref": q.get("ref"), "part": document.get("part"), "law": document.get("law"), "type": q.get("type"), "stem": q.get("stem"),
               "answer": q.get("answer"), "article": q.get("article"), "difficulty": q.get("difficulty"),
               "explanation": q.get("explanation"), "points": q.get("points")}
        for letter, text in (q.get("options") or {}).items():
            row[f"option_{letter}"] = text
        rows.append({k: v if isinstance(v, (int, float)) and not isinstance(v, bool) else ("" if v is None else str(v))
                     for k, v in row.items()})
    if fmt == "xlsx":
        return write_xlsx(BANK_COLUMNS, rows)
    from xml.sax.saxutils import escape

    questions = "".join(f'<question type="truefalse"><name><text>{escape(str(r["ref"]))}</text></name><questiontext format="html">'
                        f'<text>{escape(str(r["stem"]))}</text></questiontext><generalfeedback><text>{r["explanation"]}</text>'
                        f'</generalfeedback><answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text>'
                        f'</answer></question>' for r in rows)
    return ('<?xml version="1.0" encoding="UTF-8"?><quiz>' + questions + "</quiz>").encode("utf-8", errors="surrogatepass")


@FUZZ
@given(changes=st.lists(st.tuples(st.integers(0, 2), st.sampled_from(FIELDS), st.one_of(TEXT, NUMBER, st.none(), JSONISH)),
                        max_size=3), fmt=st.sampled_from(["yaml", "xlsx", "xml"]))
def test_the_bank_import_never_fails_and_writes_all_or_nothing(db, tree, boss, client, changes, fmt):
    data = _bank_file(changes, fmt)
    _import_writes_all_or_nothing(db, client, "/bank/import", f"bank.{fmt}", data,
                                  lambda: (db.query(Question).count(), db.query(QuestionVersion).count()), changes, org_id=tree.region.id)


@FUZZ
@given(data=st.one_of(st.binary(max_size=400), st.builds(lambda t: t.encode("utf-8", "surrogatepass"), TEXT)),
       name=st.sampled_from(["x.csv", "x.xlsx", "x.yaml", "x.xml", "x.zip"]))
def test_any_bytes_under_any_name_are_refused_cleanly_by_every_import_page(db, tree, boss, client, data, name):
    for path in ("/personnel/import", "/orgs/import", "/bank/import"):
        _ok(_upload(client, path, name, data, org_id=tree.county.id), (path, name))


# ---- the token decoder ------------------------------------------------------------------------------

@FUZZ
@given(token=st.one_of(TEXT, st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567=", min_size=40, max_size=400)))
def test_the_token_decoder_reads_anything_as_not_valid(token):
    verdict = offline.verify(token, {}, __import__("datetime").datetime.now(__import__("datetime").UTC))
    assert verdict.verdict in (offline.NOT_VALID, offline.CANNOT_VERIFY)


@FUZZ
@given(token=st.one_of(TEXT, st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567abc=/%", min_size=1, max_size=300)))
def test_the_verify_page_and_api_answer_anything_without_a_5xx(db, client, token):
    for path in (f"/V/{_q(token)}", f"/api/verify/{_q(token)}", f"/V/{_q(token)}/photo.jpg"):
        response = client.get(path, environ_base={"REMOTE_ADDR": "203.0.113.9"})
        _ok(response, path)
        assert "VALID" not in response.get_data(as_text=True).replace("NOT VALID", "").replace("CANNOT VERIFY", "") or response.status_code != 200


# ---- the answer save --------------------------------------------------------------------------------

@FUZZ
@given(body=st.one_of(JSONISH, st.fixed_dictionaries({"position": st.one_of(NUMBER, TEXT, JSONISH), "response": JSONISH,
                                                       "seq": st.one_of(NUMBER, TEXT), "flagged": JSONISH})))
def test_the_answer_save_takes_any_json_without_a_5xx_and_keeps_only_what_it_accepts(db, exam, client, auth, body):
    auth.login("candidate")
    attempt = db.query(Attempt).filter_by(person_id=exam["officer"].id).one()
    if attempt.status.value == "not_started":
        client.post(f"/exams/attempt/{attempt.id}/start")
    before = sorted((a.position, a.seq, json.dumps(a.response)) for a in db.query(Answer).filter_by(attempt_id=attempt.id))
    response = client.post(f"/exams/attempt/{attempt.id}/save", data=json.dumps(body), content_type="application/json")
    _ok(response, body)
    db.expire_all()
    after = sorted((a.position, a.seq, json.dumps(a.response)) for a in db.query(Answer).filter_by(attempt_id=attempt.id))
    if response.status_code != 200:
        assert after == before, body


# ---- search boxes -------------------------------------------------------------------------------------

LISTS = ("/personnel/", "/credentials/", "/bank/", "/accounts", "/audit/", "/credentials/requests/", "/orgs/", "/exams/",
         "/reviews/", "/credentials/reissue/", "/credentials/reports/")


@FUZZ
@given(q=TEXT, page=st.one_of(NUMBER.map(str), TEXT), other=TEXT)
def test_every_search_box_answers_anything_without_a_5xx(db, tree, boss, client, q, page, other):
    for path in LISTS:
        response = client.get(f"{path}?q={_q(q)}&page={_q(page)}&org={_q(other)}&status={_q(other)}&sort={_q(other)}")
        _ok(response, path)
    _ok(client.get(f"/public-register?q={_q(q)}&page={_q(page)}", environ_base={"REMOTE_ADDR": "203.0.113.10"}))


@FUZZ
@given(identifier=TEXT, password=TEXT)
def test_the_login_form_answers_anything_without_a_5xx(db, tree, client, identifier, password):
    response = client.post("/login", data={"identifier": identifier.encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
                                           "password": password.encode("utf-8", "surrogatepass").decode("utf-8", "replace")},
                           environ_base={"REMOTE_ADDR": "203.0.113.11"})
    _ok(response, identifier)
