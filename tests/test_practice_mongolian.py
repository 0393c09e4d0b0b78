"""Practice in Mongolian (issue 21): the pool is the practice pool less every version without a reviewed Mongolian
text (never a version on a paper not handed in), the question in vertical script with its Mongolian explanation, a
fill-in answered in Mongolian checked as the room checks it, and the wrong-answer book in the script answered in."""
from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from examsys import clock
from examsys.auth.models import Role, User
from examsys.auth.permissions import SYSTEM
from examsys.bank import services as bank
from examsys.bank.models import BankPart, QuestionType, QuestionVersion
from examsys.bank.schema import Record
from examsys.exams import practice
from examsys.exams.models import Attempt, ExamKind, PracticeAnswer
from examsys.exams.plans import SectionSpec, create_plan, open_plan
from tests.exam_fixtures import bank_records
from tests.factories import make_person, make_user
from tests.test_mongolian import _assert_mongolian_page

MN_STEM = "ᠬᠠᠤᠯᠢ ᠶᠢᠨ ᠠᠰᠠᠭᠤᠯᠲᠠ"
MN_OPTIONS = {"A": "ᠨᠢᠭᠡ", "B": "ᠬᠣᠶᠠᠷ", "C": "ᠭᠤᠷᠪᠠ", "D": "ᠳᠥᠷᠪᠡ"}
MN_EXPLANATION = "ᠲᠠᠶᠢᠯᠪᠤᠷᠢ ᠪᠢᠴᠢᠭ"
MN_FILL_ANSWER = "ᠵᠠᠬᠢᠷᠭᠠ"
REVIEWED_SINGLES = 4  # S-000 … S-003: a reviewed Mongolian text; S-004: a text not reviewed; the rest none


def _fill_in() -> Record:
    return Record("F-000", BankPart.COMMON, None, None, {
        "type": "fill_in", "stem": "行政处罚由____机关实施。", "options": None, "answer": ["行政"], "rubric": None, "reference_answer": None,
        "law": "中华人民共和国行政处罚法", "law_version": "2021", "article": "第十七条", "difficulty": 2, "points": "2.00",
        "explanation": "解析", "tags": [],
        "content_mn": {"stem": f"{MN_STEM} F-000 ____", "answer": [MN_FILL_ANSWER], "explanation": MN_EXPLANATION}})


@pytest.fixture
def mn_bank(db, tree, frozen_clock):
    return make_mn_bank(db, tree)


def make_mn_bank(db, tree) -> dict:
    """An active bank: four single-choice questions and a fill-in with a reviewed Mongolian text, one with a text not
    yet reviewed, the rest Chinese only; an officer who practises (wuyun), and an exam administrator who reviews."""
    records = bank_records(12, 2, 4) + [_fill_in()]
    for record in records[:REVIEWED_SINGLES + 1]:
        record.content["content_mn"] = {"stem": f"{MN_STEM} {record.ref}", "options": {k: f"{v} {k}" for k, v in MN_OPTIONS.items()},
                                        "explanation": MN_EXPLANATION}
    bank.apply_import(db, SYSTEM, bank.plan_import(db, SYSTEM, records, tree.region), tree.region, activate=True)
    admin = make_user(db, "examiner", tree.region, Role.EXAM_ADMIN)
    versions = {v.question.ref: v for v in db.scalars(select(QuestionVersion))}
    for ref in [f"S-{n:03d}" for n in range(REVIEWED_SINGLES)] + ["F-000"]:
        bank.review_mongolian(db, admin, versions[ref].id)
    officer = make_user(db, "wuyun", tree.county_dept, person=make_person(db, tree.county_dept, name="乌云"))
    officer.display_name = "乌云"  # the header shows it: no Latin on a Mongolian page
    db.commit()
    return {"versions": versions, "officer": officer, "admin": admin,
            "reviewed": {versions[ref].id for ref in [f"S-{n:03d}" for n in range(REVIEWED_SINGLES)] + ["F-000"]}}


def _drawn(db, user, language: str, times: int = 150) -> set[int]:
    return {practice.next_question(db, user, None, language=language).id for _ in range(times)}


def test_the_mongolian_pool_holds_only_versions_whose_mongolian_text_is_reviewed(db, mn_bank):
    officer, versions = mn_bank["officer"], mn_bank["versions"]
    assert _drawn(db, officer, "mn") == mn_bank["reviewed"]
    assert sum(n for _law, n in practice.laws(db, officer, "mn")) == len(mn_bank["reviewed"]) == 5
    assert sum(n for _law, n in practice.laws(db, officer, "zh")) == 19  # in Chinese: the whole pool
    unreviewed = versions["S-004"]
    assert unreviewed.content_mn and not unreviewed.mn_ready
    with pytest.raises(practice.NotFound):  # a reference in Mongolian to it, as the server would sign it, is refused
        practice.answer(db, officer, practice.reference(officer, unreviewed, "mn"), "B")
    assert practice.answer(db, officer, practice.reference(officer, unreviewed, "zh"), "B").correct  # in Chinese it is in the pool


def test_the_mongolian_pool_never_holds_a_version_on_a_paper_not_handed_in(db, tree, mn_bank):
    """A plan offering the Mongolian paper draws the reviewed texts onto papers not yet handed in: practice in
    Mongolian leaves them out (the pool rule of practice.py), and gives them back once every paper is in."""
    officer, admin = mn_bank["officer"], mn_bank["admin"]
    now = clock.now()
    plan = create_plan(db, admin, name="蒙汉双语考试", kind=ExamKind.QUALIFICATION, org_id=tree.region.id, part=BankPart.COMMON, domain_id=None,
                       opens_at=now - timedelta(minutes=5), closes_at=now + timedelta(hours=4), pass_mark=Decimal(2), offers_mongolian=True,
                       sections=[SectionSpec(QuestionType.SINGLE_CHOICE, 2, Decimal(2))])
    open_plan(db, admin, plan.id)
    db.commit()
    live = {item["v"] for attempt in db.scalars(select(Attempt).where(Attempt.plan_id == plan.id)) for item in attempt.items}
    assert live and live <= mn_bank["reviewed"]
    assert _drawn(db, officer, "mn") == mn_bank["reviewed"] - live
    assert sum(n for _law, n in practice.laws(db, officer, "mn")) == len(mn_bank["reviewed"] - live)
    on_paper = db.get(QuestionVersion, next(iter(live)))
    with pytest.raises(practice.NotFound):
        practice.answer(db, officer, practice.reference(officer, on_paper, "mn"), "B")
    for attempt in db.scalars(select(Attempt).where(Attempt.plan_id == plan.id)):
        from examsys.exams import room

        candidate = db.scalars(select(User).where(User.person_id == attempt.person_id)).first()
        if candidate is None:
            candidate = make_user(db, f"c{attempt.person_id}", tree.county_dept, person=attempt.person)
        room.submit(db, candidate, attempt.id, room.start(db, candidate, attempt.id))
    db.commit()
    assert _drawn(db, officer, "mn") == mn_bank["reviewed"]


def test_an_answer_in_mongolian_keeps_its_script_and_the_wrong_answer_book_shows_it_in_it(db, mn_bank):
    officer, versions = mn_bank["officer"], mn_bank["versions"]
    in_mongolian, in_chinese = versions["S-000"], versions["S-001"]
    feedback = practice.answer(db, officer, practice.reference(officer, in_mongolian, "mn"), "A", ["B", "A", "C", "D"])
    assert not feedback.correct and feedback.key == "A" and feedback.explanation_mn == MN_EXPLANATION  # B shown first: A
    assert practice.answer(db, officer, practice.reference(officer, in_chinese, "zh"), "C").explanation_mn == ""
    assert [a.language for a in db.scalars(select(PracticeAnswer).order_by(PracticeAnswer.id))] == ["mn", "zh"]
    book = {entry.version.id: entry for entry in practice.wrong_book(db, officer)}
    assert book[in_mongolian.id].language == "mn" and book[in_mongolian.id].shown.stem == f"{MN_STEM} S-000" and book[in_mongolian.id].shown.mongolian
    assert book[in_mongolian.id].shown.options["B"] == f"{MN_OPTIONS['B']} B"
    assert book[in_chinese.id].language == "zh" and book[in_chinese.id].shown.stem == in_chinese.stem and not book[in_chinese.id].shown.mongolian
    assert practice.retry(db, officer, book[in_mongolian.id].answer_id) == (in_mongolian, "mn")  # retried in the script it was answered in
    practice.answer(db, officer, practice.reference(officer, in_mongolian, "mn"), "B")
    assert in_mongolian.id not in {entry.version.id for entry in practice.wrong_book(db, officer)}


def test_a_fill_in_answered_in_mongolian_is_checked_as_the_room_checks_it(db, mn_bank):
    officer, fill_in = mn_bank["officer"], mn_bank["versions"]["F-000"]
    ref = practice.reference(officer, fill_in, "mn")
    right = practice.answer(db, officer, ref, f" {MN_FILL_ANSWER} ")
    assert right.correct and right.key == MN_FILL_ANSWER  # the key in the script answered in
    assert practice.answer(db, officer, ref, "行政").correct  # the Chinese answer counts as well, as in the room
    assert not practice.answer(db, officer, ref, "ᠬᠣᠶᠠᠷ").correct
    assert practice.answer(db, officer, practice.reference(officer, fill_in, "zh"), "x").key == "行政"


def test_the_sql_and_the_python_form_of_a_reviewed_mongolian_text_agree(db, mn_bank):
    ready = set(db.scalars(select(QuestionVersion.id).where(QuestionVersion.mn_ready)))
    assert ready == {v.id for v in db.scalars(select(QuestionVersion)) if v.mn_ready} == mn_bank["reviewed"]


def _ref(page: str) -> str:
    return re.search(r'name="item" value="([^"]+)"', page).group(1)


def test_an_officer_with_a_mongolian_interface_practises_in_mongolian(db, mn_bank, client, auth):
    auth.login("wuyun")
    mn = {"Accept-Language": "mn"}
    home = client.get("/practice/", headers=mn).get_data(as_text=True)
    assert re.search(r'<span class="mong" lang="mn-Mong">ᠮᠣᠩᠭᠣᠯ ᠪᠢᠴᠢᠭ\u202fᠦᠨ ᠠᠰᠠᠭᠤᠯᠲᠠ 5</span>', home)  # how many there are
    assert 'href="/practice/question?language=mn"' in home
    _assert_mongolian_page(client.get("/practice/", headers=mn), "practice")
    response = client.get("/practice/question", headers=mn)  # the interface's script by default
    _assert_mongolian_page(response, "a practice question")  # no English, every Mongolian text marked
    page = response.get_data(as_text=True)
    assert "mn-paper" in page and "mongolian-paper.css" in page and MN_STEM in page
    version = mn_bank["versions"][re.search(rf"{MN_STEM} (S-\d{{3}}|F-000)", page)[1]]
    shown_order = re.search(r'name="order" value="([A-H,]*)"', page)
    answer = "ᠵᠠᠬᠢᠷᠭᠠ" if version.type is QuestionType.FILL_IN else "B"
    response = client.post("/practice/question", headers=mn, data={"item": _ref(page), "answer": answer,
                                                                   "order": shown_order[1] if shown_order else ""})
    _assert_mongolian_page(response, "the feedback")
    feedback = response.get_data(as_text=True)
    assert f'<p class="mn-explanation" lang="mn-Mong">{MN_EXPLANATION}</p>' in feedback
    assert "ᠵᠥᠪ!" in feedback and 'href="/practice/question?language=mn"' in feedback  # right, and the next one in Mongolian too
    wrong = client.post("/practice/question", headers=mn, data={"item": _ref(page), "answer": "C" if answer == "B" else "ᠬᠣᠶᠠᠷ"})
    assert "ᠪᠤᠷᠤᠭᠤ᠃" in wrong.get_data(as_text=True)
    response = client.get("/practice/wrong", headers=mn)
    _assert_mongolian_page(response, "the wrong-answer book")
    book = response.get_data(as_text=True)
    assert re.search(rf'<a class="mn-stem" lang="mn-Mong" href="/practice/retry/\d+">{MN_STEM} {version.question.ref}[^<]*</a>', book)


def test_a_chinese_interface_chooses_mongolian_on_the_practice_page(db, mn_bank, client, auth):
    auth.login("wuyun")
    zh = {"Accept-Language": "zh-CN"}
    home = client.get("/practice/", headers=zh).get_data(as_text=True)
    assert "蒙古文题目 5 道" in home and 'href="/practice/?language=mn"' in home
    assert MN_STEM not in client.get("/practice/question", headers=zh).get_data(as_text=True)  # Chinese by default
    page = client.get("/practice/question?language=mn", headers=zh).get_data(as_text=True)
    assert MN_STEM in page and 'lang="mn-Mong"' in page and "mn-paper" in page


def test_without_reviewed_mongolian_texts_the_page_says_so_and_offers_chinese(db, tree, client, auth, frozen_clock):
    bank.apply_import(db, SYSTEM, bank.plan_import(db, SYSTEM, bank_records(3, 1, 1), tree.region), tree.region, activate=True)
    make_user(db, "wuyun", tree.county_dept, person=make_person(db, tree.county_dept))
    db.commit()
    auth.login("wuyun")
    home = client.get("/practice/?language=mn", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "您的练习题中还没有蒙古文文本已审核的题目。" in home and "蒙古文题目 0 道" in home
    assert '<a href="/practice/?language=zh">用中文练习</a>' in home and "/practice/question?language=mn" not in home
    asked = client.get("/practice/question?language=mn", headers={"Accept-Language": "zh-CN"})
    assert asked.status_code == 302 and asked.headers["Location"].endswith("/practice/?language=mn")
    assert "该法律暂无蒙古文练习题。" in client.get(asked.headers["Location"], headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
