"""Exam papers in Mongolian (issue 21): a version's Mongolian text (content, hashed only when present), its own
second-person review, a plan offering the Mongolian paper (only reviewed texts drawn and counted), the candidate's
choice recorded on the attempt, the room in vertical script with the same letters, grading and statistics unchanged."""
from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
import yaml

from examsys import clock
from examsys.auth.models import Role
from examsys.auth.permissions import SYSTEM
from examsys.bank import services as bank
from examsys.bank.models import BankPart, Question, QuestionType, QuestionVersion, VersionStatus, content_hash
from examsys.bank.schema import Record, read_bank_file, to_yaml_files
from examsys.errors import InvalidState
from examsys.exams import item_analysis, room, room_cache
from examsys.exams.grading import grade
from examsys.exams.models import Attempt, ExamKind, ExamPlan
from examsys.exams.plans import SectionSpec, check_plan, create_plan, open_plan
from tests.exam_fixtures import bank_records
from tests.factories import PASSWORD, make_person, make_user

MN_STEM = "ᠬᠠᠤᠯᠢ ᠶᠢᠨ ᠠᠰᠠᠭᠤᠯᠲᠠ"
MN_OPTIONS = {"A": "ᠨᠢᠭᠡ", "B": "ᠬᠣᠶᠠᠷ", "C": "ᠭᠤᠷᠪᠠ", "D": "ᠳᠥᠷᠪᠡ"}

FILE = """
part: common
law: 中华人民共和国行政处罚法
law_version: "2021"
questions:
  - ref: MN-S-001
    type: single_choice
    stem: 单选题
    options: {A: 一, B: 二, C: 三, D: 四}
    answer: B
    article: 第一条
    difficulty: 1
    explanation: 解析
"""


def _read(extra: str = "") -> tuple[list[Record], list]:
    result = read_bank_file(FILE + extra, "mn.yaml")
    return result.records, result.problems


def test_the_mn_mapping_is_read_checked_and_written_back():
    records, problems = _read('    mn:\n      stem: "ᠬᠠᠤᠯᠢ"\n      options: {A: ᠨᠢᠭᠡ, B: ᠬᠣᠶᠠᠷ, C: ᠭᠤᠷᠪᠠ, D: ᠳᠥᠷᠪᠡ}\n      explanation: ᠲᠠᠶᠢᠯᠪᠤᠷᠢ\n')
    assert problems == []
    assert records[0].content["content_mn"] == {"stem": "ᠬᠠᠤᠯᠢ", "options": {"A": "ᠨᠢᠭᠡ", "B": "ᠬᠣᠶᠠᠷ", "C": "ᠭᠤᠷᠪᠠ", "D": "ᠳᠥᠷᠪᠡ"},
                                                "explanation": "ᠲᠠᠶᠢᠯᠪᠤᠷᠢ"}
    written = yaml.safe_load(next(iter(to_yaml_files(records).values())))
    assert written["questions"][0]["mn"] == records[0].content["content_mn"]


@pytest.mark.parametrize(("extra", "field"), [
    ('    mn:\n      stem: "ᠬᠠᠤᠯᠢ"\n      options: {A: ᠨᠢᠭᠡ, B: ᠬᠣᠶᠠᠷ, C: ᠭᠤᠷᠪᠠ}\n', "mn.options"),  # a letter missing
    ('    mn:\n      stem: "ᠬᠠᠤᠯᠢ"\n      options: {B: ᠬᠣᠶᠠᠷ, A: ᠨᠢᠭᠡ, C: ᠭᠤᠷᠪᠠ, D: ᠳᠥᠷᠪᠡ}\n', "mn.options"),  # another order
    ('    mn:\n      stem: 中文题干\n      options: {A: ᠨᠢᠭᠡ, B: ᠬᠣᠶᠠᠷ, C: ᠭᠤᠷᠪᠠ, D: ᠳᠥᠷᠪᠡ}\n', "mn.stem"),  # not Mongolian script
    ('    mn:\n      options: {A: ᠨᠢᠭᠡ, B: ᠬᠣᠶᠠᠷ, C: ᠭᠤᠷᠪᠠ, D: ᠳᠥᠷᠪᠡ}\n', "mn.stem"),  # no stem
    ('    mn:\n      stem: "ᠬᠠᠤᠯᠢ"\n      options: {A: ᠨᠢᠭᠡ, B: ᠬᠣᠶᠠᠷ, C: ᠭᠤᠷᠪᠠ, D: ᠳᠥᠷᠪᠡ}\n      answer: B\n', "mn.answer"),  # no key of its own
    ('    mn:\n      stem: "ᠬᠠᠤᠯᠢ"\n      options: {A: ᠨᠢᠭᠡ, B: ᠬᠣᠶᠠᠷ, C: ᠭᠤᠷᠪᠠ, D: ᠳᠥᠷᠪᠡ}\n      title: x\n', "mn.title"),
    ("    mn: ᠬᠠᠤᠯᠢ\n", "mn"),
])
def test_a_wrong_mn_mapping_is_refused_naming_the_field(extra, field):
    records, problems = _read(extra)
    assert records == [] and field in {p.field for p in problems}, problems


def _record(ref: str, qtype: str = "single_choice", mn: bool = True) -> Record:
    [record] = [r for r in bank_records(1, 1, 1) if r.content["type"] == qtype]
    record.ref = ref
    if mn:
        record.content["content_mn"] = {"stem": MN_STEM, "options": dict(MN_OPTIONS)} if record.content["options"] else {"stem": MN_STEM}
    return record


def test_a_version_without_mongolian_hashes_as_before_and_the_text_is_content(db, tree):
    plain = _record("X-1", mn=False)
    before = content_hash(plain.content)
    bank.apply_import(db, SYSTEM, bank.plan_import(db, SYSTEM, [plain], tree.region), tree.region, activate=True)
    version = db.query(QuestionVersion).one()
    assert version.content_mn is None and version.content_hash == before and "content_mn" not in version.content()
    # A file that adds the text makes a new version (the active one is never changed); a file without it keeps the text.
    with_mn = _record("X-1")
    plan = bank.plan_import(db, SYSTEM, [with_mn], tree.region)
    assert len(plan.new_version) == 1
    bank.apply_import(db, SYSTEM, plan, tree.region)
    question = db.query(Question).one()
    assert question.latest.number == 2 and question.latest.content_mn["stem"] == MN_STEM and question.latest.mn_reviewed_at is None
    again = bank.plan_import(db, SYSTEM, [_record("X-1", mn=False)], tree.region)  # e.g. from a spreadsheet, which has no Mongolian
    assert len(again.unchanged) == 1


def test_the_mongolian_text_is_reviewed_by_a_second_person(db, tree):
    writer = make_user(db, "writer", tree.region, Role.EXAM_ADMIN)
    reader = make_user(db, "reader", tree.region, Role.EXAM_ADMIN)
    bank.apply_import(db, SYSTEM, bank.plan_import(db, SYSTEM, [_record("X-2", mn=False)], tree.region), tree.region, activate=True)
    question = db.query(Question).one()
    version = bank.edit_question(db, writer, question.id, {**question.latest.content(), "mn": {"stem": MN_STEM, "options": MN_OPTIONS}})
    assert version.number == 2 and version.content_mn == {"stem": MN_STEM, "options": MN_OPTIONS}
    with pytest.raises(InvalidState):
        bank.review_mongolian(db, writer, version.id)  # the writer never reviews
    with pytest.raises(InvalidState):
        bank.review_mongolian(db, reader, question.versions[0].id)  # no text to review
    bank.review_mongolian(db, reader, version.id)
    assert version.mn_reviewed_by_id == reader.id and version.mn_reviewed_at is not None and version.mn_ready
    with pytest.raises(InvalidState):
        bank.review_mongolian(db, reader, version.id)
    # An edit of the Chinese in the editor (which has no Mongolian field) keeps the text, and it is read again: in place
    # (an unused draft) as in a new version.
    as_form = {k: v for k, v in version.content().items() if k != "content_mn"}
    text = dict(version.content_mn)
    edited = bank.edit_question(db, writer, question.id, {**as_form, "stem": "改过的题干"})
    assert edited.number == 2 and edited.content_mn == text and edited.mn_reviewed_at is None and edited.mn_reviewed_by_id is None
    bank.change_status(db, reader, edited.id, "review")
    newer = bank.edit_question(db, writer, question.id, {**as_form, "stem": "再次改过的题干"})
    assert newer.number == 3 and newer.content_mn == text and newer.mn_reviewed_at is None


def test_the_question_page_shows_the_text_and_offers_the_review(db, tree, client, auth):
    make_user(db, "reader", tree.region, Role.EXAM_ADMIN)
    bank.apply_import(db, SYSTEM, bank.plan_import(db, SYSTEM, [_record("X-3")], tree.region), tree.region, activate=True)
    db.commit()
    question = db.query(Question).one()
    auth.login("reader")
    page = client.get(f"/bank/{question.id}").get_data(as_text=True)
    assert MN_STEM in page and "Mark the Mongolian text reviewed" in page and "mongolian-paper.css" in page
    reply = client.post(f"/bank/versions/{question.latest.id}/review-mn")
    assert reply.status_code == 302
    db.expire_all()
    assert db.get(QuestionVersion, question.latest.id).mn_reviewed_at is not None
    assert "Mark the Mongolian text reviewed" not in client.get(f"/bank/{question.id}").get_data(as_text=True)


def sitting(db, tree, app):
    """The candidate logged in on a test client, and their attempt on the opened Mongolian exam."""
    admin, plan, officer, _candidate = _mongolian_exam(db, tree)
    open_plan(db, admin, plan.id)
    db.commit()
    attempt = db.query(Attempt).filter_by(person_id=officer.id).one()
    client = app.test_client()
    client.post("/login", data={"identifier": "candidate", "password": PASSWORD})
    return client, attempt


def _mongolian_exam(db, tree, reviewed: int = 8):
    """A bank whose first `reviewed` questions of each type have a reviewed Mongolian text, the rest none; an exam
    offering the Mongolian paper (3 + 1 + 3 questions)."""
    admin = make_user(db, "examiner", tree.region, Role.EXAM_ADMIN)
    records = bank_records(12, 6, 12)
    counts: dict[str, int] = {}
    for record in records:
        counts[record.content["type"]] = counts.get(record.content["type"], 0) + 1
        if counts[record.content["type"]] <= reviewed:
            record.content["content_mn"] = ({"stem": f"{MN_STEM} {record.ref}", "options": {k: f"{v} {k}" for k, v in MN_OPTIONS.items()},
                                              "explanation": "ᠲᠠᠶᠢᠯᠪᠤᠷᠢ"}
                                             if record.content["options"] else {"stem": f"{MN_STEM} {record.ref}"})
    bank.apply_import(db, SYSTEM, bank.plan_import(db, SYSTEM, records, tree.region), tree.region, activate=True)
    for version in db.query(QuestionVersion).filter(QuestionVersion.content_mn.is_not(None)):
        bank.review_mongolian(db, admin, version.id)
    officer = make_person(db, tree.county_dept, name="考生甲")
    candidate = make_user(db, "candidate", tree.county_dept, person=officer)
    now = clock.now()
    plan = create_plan(db, admin, name="蒙汉双语考试", kind=ExamKind.QUALIFICATION, org_id=tree.region.id, part=BankPart.COMMON,
                       domain_id=None, opens_at=now - timedelta(minutes=5), closes_at=now + timedelta(hours=4), pass_mark=Decimal(10),
                       offers_mongolian=True, sections=[SectionSpec(QuestionType.SINGLE_CHOICE, 3, Decimal(4)),
                                                        SectionSpec(QuestionType.MULTIPLE_CHOICE, 1, Decimal(4)),
                                                        SectionSpec(QuestionType.TRUE_FALSE, 3, Decimal(4))])
    return admin, plan, officer, candidate


def test_a_plan_offering_mongolian_counts_and_draws_only_reviewed_texts(db, tree):
    admin, plan, officer, _candidate = _mongolian_exam(db, tree, reviewed=2)
    check = check_plan(db, plan)
    assert [c.available for c in check.sections] == [2, 2, 2] and not check.ok  # 12 active single choices, 2 with a reviewed text
    plan.offers_mongolian = False
    assert check_plan(db, plan).ok
    plan.offers_mongolian = True
    for version in db.query(QuestionVersion).filter(QuestionVersion.content_mn.is_(None), QuestionVersion.status == VersionStatus.ACTIVE):
        version.content_mn = {"stem": MN_STEM, "options": dict(MN_OPTIONS)} if version.options else {"stem": MN_STEM}
        version.mn_reviewed_at = clock.now()
        break
    assert [c.available for c in check_plan(db, plan).sections] == [3, 2, 2]


def test_the_candidate_takes_the_paper_in_mongolian_and_it_is_graded_as_in_chinese(db, tree, app, frozen_clock):
    admin, plan, officer, candidate = _mongolian_exam(db, tree)
    open_plan(db, admin, plan.id)
    db.commit()
    attempt = db.query(Attempt).filter_by(person_id=officer.id).one()
    reviewed = {v.id for v in db.query(QuestionVersion).filter(QuestionVersion.mn_reviewed_at.is_not(None))}
    assert {item["v"] for item in attempt.items} <= reviewed

    client = app.test_client()
    client.post("/login", data={"identifier": "candidate", "password": PASSWORD})
    start = client.get(f"/exams/attempt/{attempt.id}").get_data(as_text=True)
    assert 'name="language" value="mn"' in start and "ᠮᠣᠩᠭᠣᠯ" in start
    assert client.post(f"/exams/attempt/{attempt.id}/start", data={"language": "mn"}).status_code == 302
    db.expire_all()
    attempt = db.get(Attempt, attempt.id)
    assert attempt.language == "mn"
    page = client.get(f"/exams/attempt/{attempt.id}/q/1").get_data(as_text=True)
    assert "mn-paper" in page and 'lang="mn-Mong"' in page and MN_STEM in page and "单选题" not in page
    view = room_cache.paper_view(db, attempt)
    assert all(entry.mongolian and entry.stem.startswith(MN_STEM) for entry in view.questions)
    first = view.questions[0]
    assert [shown for shown, _stored, _text in first.options] == ["A", "B", "C", "D"]
    assert all(text.endswith(f" {stored}") for _shown, stored, text in first.options)  # the Mongolian text of the stored letter

    for seq, (position, item) in enumerate(enumerate(attempt.items), start=1):  # the key: B, [A, C], true/false
        response = {"single_choice": "B", "multiple_choice": ["A", "C"]}.get(item["t"], True)
        reply = client.post(f"/exams/attempt/{attempt.id}/save", json={"position": position, "response": response, "seq": seq})
        assert reply.status_code == 200, reply.get_data(as_text=True)
    assert client.post(f"/exams/attempt/{attempt.id}/submit").status_code == 302
    db.expire_all()
    attempt = db.get(Attempt, attempt.id)
    expected = sum(Decimal(item["p"]) for item in attempt.items if item["t"] != "true_false") + sum(
        Decimal(item["p"]) for item in attempt.items if item["t"] == "true_false"
        and db.get(QuestionVersion, item["v"]).answer is True)
    assert attempt.finished and attempt.score == expected
    proctor = app.test_client()
    proctor.post("/login", data={"identifier": "examiner", "password": PASSWORD})
    row = next(r for r in proctor.get(f"/exams/plans/{plan.id}/proctor").get_data(as_text=True).split("<tr") if "考生甲" in r)
    assert "Mongolian" in row  # the proctor sees the script each candidate chose
    from examsys.exams.results import review_view

    review = review_view(db, attempt)  # after the window, where the plan allows: the paper's script, the explanation too
    assert all(r.entry.mongolian for r in review)
    assert {r.explanation for r in review if r.entry.type is not QuestionType.TRUE_FALSE} == {"ᠲᠠᠶᠢᠯᠪᠤᠷᠢ"}
    assert all(r.explanation_mn == (r.entry.type is not QuestionType.TRUE_FALSE) for r in review)


def test_mongolian_is_refused_where_the_plan_does_not_offer_it(db, exam):
    attempt = db.query(Attempt).filter_by(person_id=exam["officer"].id).one()
    with pytest.raises(InvalidState):
        room.start(db, exam["candidate"], attempt.id, "mn")
    with pytest.raises(InvalidState):
        room.start(db, exam["candidate"], attempt.id, "fr")
    room.start(db, exam["candidate"], attempt.id)
    assert attempt.language == "zh"
    assert "mn-paper" not in {e.mongolian and "mn-paper" for e in room_cache.paper_view(db, attempt).questions}


def test_item_statistics_are_one_item_in_either_script_and_split_by_language(db, tree, frozen_clock, client, auth):
    admin, plan, officer, _candidate = _mongolian_exam(db, tree)
    other = make_person(db, tree.other_dept, name="考生乙")
    make_user(db, "candidate2", tree.other_dept, person=other)
    open_plan(db, admin, plan.id)
    languages = {officer.id: "mn", other.id: "zh"}
    for attempt in db.query(Attempt).filter_by(plan_id=plan.id):
        if attempt.person_id not in languages:
            continue
        attempt.language = languages[attempt.person_id]
        attempt.status = attempt.status.__class__.IN_PROGRESS
        attempt.started_at, attempt.deadline = clock.now(), clock.now() + timedelta(hours=1)
        attempt.finish(automatic=False)
        grade(db, attempt)
    db.commit()
    both = item_analysis.plan_statistics(db, admin, plan.id)
    mongolian = item_analysis.plan_statistics(db, admin, plan.id, language="mn")
    chinese = item_analysis.plan_statistics(db, admin, plan.id, language="zh")
    assert both.papers == 2 and mongolian.papers == 1 and chinese.papers == 1
    shared = {i.version_id for i in mongolian.items} & {i.version_id for i in chinese.items}
    for version_id in shared:  # the same item: counted once per paper, whatever its script
        assert next(i for i in both.items if i.version_id == version_id).attempts == 2
    auth.login("examiner")
    page = client.get(f"/exams/plans/{plan.id}/items?lang=mn").get_data(as_text=True)
    assert "data-language-filter" in page and "From 1 graded papers" in page
    assert client.get(f"/exams/plans/{plan.id}/items?lang=xx").status_code == 200


def test_the_plan_form_offers_the_mongolian_paper(db, tree, client, auth):
    make_user(db, "examiner", tree.region, Role.EXAM_ADMIN)
    db.commit()
    auth.login("examiner")
    assert 'name="offers_mongolian"' in client.get("/exams/plans/new").get_data(as_text=True)
    assert ExamPlan.offers_mongolian.default.arg is False


def test_spreadsheet_and_moodle_exports_leave_the_mongolian_out_and_yaml_keeps_it(app):
    from examsys.bank.files import read_upload, render

    records = [_record("X-9"), _record("X-10", "true_false")]
    with app.test_request_context():
        for fmt, name in (("xlsx", "bank.xlsx"), ("moodle", "bank.xml")):
            content, _mime, _name = render(records, fmt)
            back = read_upload(name, content)
            assert back.problems == [] and all("content_mn" not in r.content for r in back.records)
            assert MN_STEM.encode() not in content
        archive, _mime, _name = render(records, "yaml")
    import io
    import zipfile

    zipped = zipfile.ZipFile(io.BytesIO(archive))
    read = [r for name in zipped.namelist() for r in read_bank_file(zipped.read(name).decode(), name).records]
    assert {r.ref: r.content.get("content_mn") for r in read} == {r.ref: r.content["content_mn"] for r in records}


def test_rebalancing_reorders_the_mongolian_options_with_the_chinese():
    from examsys.bank.rebalance import _apply

    text = FILE + '    mn:\n      stem: "ᠬᠠᠤᠯᠢ"\n      options:\n        A: ᠨᠢᠭᠡ\n        B: ᠬᠣᠶᠠᠷ\n        C: ᠭᠤᠷᠪᠠ\n        D: ᠳᠥᠷᠪᠡ\n'
    text = text.replace("    options: {A: 一, B: 二, C: 三, D: 四}", "    options:\n      A: 一\n      B: 二\n      C: 三\n      D: 四")
    [record] = read_bank_file(_apply(text, {"MN-S-001": ["C", "A", "D", "B"]}), "x.yaml").records
    assert record.content["options"] == {"A": "三", "B": "一", "C": "四", "D": "二"} and record.content["answer"] == "D"
    assert record.content["content_mn"]["options"] == {"A": "ᠭᠤᠷᠪᠠ", "B": "ᠨᠢᠭᠡ", "C": "ᠳᠥᠷᠪᠡ", "D": "ᠬᠣᠶᠠᠷ"}


def test_the_hint_of_a_multiple_choice_question_on_a_mongolian_paper_is_set_as_its_language_is(db, tree, app, frozen_clock):
    """The room's "Choose all that apply." on a Mongolian paper: in a Mongolian interface a vertical Mongolian text
    marked as such (the `mong` filter), in a Chinese one Chinese marked Chinese, never the paper's lang="mn-Mong"."""
    client, attempt = sitting(db, tree, app)
    assert client.post(f"/exams/attempt/{attempt.id}/start", data={"language": "mn"}).status_code == 302
    position = next(n for n, item in enumerate(attempt.items, start=1) if item["t"] == "multiple_choice")
    page = client.get(f"/exams/attempt/{attempt.id}/q/{position}", headers={"Accept-Language": "mn"}).get_data(as_text=True)
    assert "mn-paper" in page and ('<p class="hint" lang="mn-Mong-CN"><span class="mong" lang="mn-Mong">ᠲᠣᠬᠢᠷᠠᠬᠤ ᠪᠦᠭᠦᠳᠡ\u202fᠶᠢ ᠰᠣᠩᠭᠣ᠃</span></p>'
                                   in page)
    # the room's own header and the question's type are Mongolian set vertically too, not sideways letters
    assert '<span class="brand-text"><span class="mong" lang="mn-Mong">' in page
    assert re.search(r'<p class="muted">[^<]*<span class="mong" lang="mn-Mong">[\u1800-\u18af]', page)
    page = client.get(f"/exams/attempt/{attempt.id}/q/{position}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert '<p class="hint" lang="zh-Hans-CN">请选择所有正确选项。</p>' in page
    assert '<span class="brand-text">行政执法' in page and "多选题" in page
