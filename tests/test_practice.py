"""Practice mode: immediate feedback with the explanation, a wrong-answer book that empties as you learn, and
no way through it to the key of a paper that is not handed in."""
import re

from examsys.auth.permissions import SYSTEM
from examsys.bank.models import BankPart, QuestionVersion
from examsys.bank.services import apply_import, plan_import
from examsys.exams import practice, room
from examsys.exams import results as exam_results
from examsys.exams.models import Attempt
from examsys.personnel.models import PersonnelKind
from tests.exam_fixtures import bank_records
from tests.factories import make_person, make_user


def _ref(page: str) -> str:
    return re.search(r'name="item" value="([^"]+)"', page).group(1)


def _live(db) -> set[int]:
    return {item["v"] for attempt in db.query(Attempt).all() for item in attempt.items}


def _practised_single(client, db) -> tuple[QuestionVersion, str]:
    """A single-choice question as practice shows it (the law has only those): its version and its reference."""
    page = client.get("/practice/question?law=中华人民共和国行政处罚法").get_data(as_text=True)
    stem = re.search(r"单选题\d+", page).group(0)
    return db.query(QuestionVersion).filter_by(stem=stem).one(), _ref(page)


def test_practice_gives_feedback_and_keeps_a_wrong_answer_book(db, tree, exam, client, auth):
    auxiliary = db.query(type(exam["auxiliary"])).filter_by(kind=PersonnelKind.AUXILIARY).first()
    make_user(db, "helper", tree.county_dept, person=auxiliary)
    auth.login("helper")  # auxiliary staff may practise
    assert "中华人民共和国行政处罚法" in client.get("/practice/").get_data(as_text=True)
    version, ref = _practised_single(client, db)
    page = client.post("/practice/question", data={"item": ref, "answer": "A"}).get_data(as_text=True)
    assert "Not right." in page and "Key: B" in page and "解析" in page
    assert version.stem in client.get("/practice/wrong").get_data(as_text=True)
    retry = re.search(r'href="(/practice/retry/\d+)"', client.get("/practice/wrong").get_data(as_text=True)).group(1)
    page = client.get(retry).get_data(as_text=True)
    assert version.stem in page
    page = client.post("/practice/question", data={"item": _ref(page), "answer": "B"}).get_data(as_text=True)
    assert "Right!" in page
    assert "The book is empty." in client.get("/practice/wrong").get_data(as_text=True)


def test_practice_prefers_questions_not_yet_seen(db, tree, exam):
    user = make_user(db, "helper", tree.county_dept, person=exam["auxiliary"])
    seen = set()
    for _ in range(5):
        version = practice.next_question(db, user, "中华人民共和国行政强制法")
        practice.answer(db, user, practice.reference(user, version), "true")
        seen.add(version.id)
    assert len(seen) == 5


def test_accounts_without_a_person_cannot_practise(db, tree, client, auth):
    make_user(db, "adminonly", tree.region)
    auth.login("adminonly")
    assert client.get("/practice/").status_code == 403
    make_person(db, tree.county_dept)


def test_no_route_shows_a_question_of_an_unsubmitted_paper_by_its_id(db, tree, exam, client, auth):
    """The candidate's own paper, not yet started: neither the retry page nor an answer by id shows it or its key."""
    attempt = db.query(Attempt).filter_by(person_id=exam["officer"].id).one()
    version = db.get(QuestionVersion, attempt.items[0]["v"])
    auth.login("candidate")
    page = client.get(f"/practice/retry/{version.id}", follow_redirects=True).get_data(as_text=True)
    assert version.stem not in page
    answered = client.post("/practice/question", data={"version_id": version.id, "item": str(version.id), "answer": "A"})
    assert answered.status_code == 404 and "Key:" not in answered.get_data(as_text=True)


def test_practice_never_draws_a_version_on_an_unsubmitted_paper_of_an_open_plan(db, tree, exam):
    user = make_user(db, "helper", tree.county_dept, person=exam["auxiliary"])
    live = _live(db)
    assert live
    drawn = {practice.next_question(db, user, None).id for _ in range(200)}
    assert drawn and not drawn & live
    assert sum(n for _law, n in practice.laws(db, user)) == 55 - len(live)  # the counts leave the live ones out too
    other_user = exam["candidate"]  # a reference to a live version, signed as the server would, is still refused
    live_version = db.get(QuestionVersion, next(iter(live)))
    try:
        practice.answer(db, other_user, practice.reference(other_user, live_version), "A")
        raise AssertionError("answered a live question")
    except practice.NotFound:
        pass
    for attempt in db.query(Attempt).all():  # every paper handed in: the questions come back
        candidate = db.query(type(user)).filter_by(person_id=attempt.person_id).one()
        room.submit(db, candidate, attempt.id, room.start(db, candidate, attempt.id))
    db.commit()
    assert practice.answer(db, user, practice.reference(user, live_version), "A").key


def test_practice_is_closed_while_the_candidate_has_an_attempt_in_progress(db, tree, exam, client, auth):
    attempt = db.query(Attempt).filter_by(person_id=exam["officer"].id).one()
    auth.login("candidate")
    page = client.get("/practice/question?law=中华人民共和国行政处罚法").get_data(as_text=True)
    ref = _ref(page)
    token = room.start(db, exam["candidate"], attempt.id)
    db.commit()
    home = client.get("/practice/")
    assert home.status_code == 200 and "Practice is closed while you have an exam in progress" in home.get_data(as_text=True)
    assert client.get("/practice/question").status_code == 409
    assert client.get("/practice/wrong").status_code == 409
    answered = client.post("/practice/question", data={"item": ref, "answer": "B"})
    assert answered.status_code == 409 and "Key:" not in answered.get_data(as_text=True)
    room.submit(db, exam["candidate"], attempt.id, token)
    db.commit()
    assert "Practice is closed" not in client.get("/practice/").get_data(as_text=True)


def test_practice_pool_holds_only_the_persons_parts_and_banks(db, tree, exam):
    """A sector question of a domain the person does not hold, and another county's bank, never reach them."""
    from examsys.bank.schema import Record

    sector = [Record("X-001", BankPart.SECTOR, "traffic", "交通运输", dict(bank_records(1)[0].content, stem="交通专门题"))]
    apply_import(db, SYSTEM, plan_import(db, SYSTEM, sector, tree.region), tree.region, activate=True)
    foreign = [Record("F-001", BankPart.COMMON, None, None, dict(bank_records(1)[0].content, stem="赛罕区自有题"))]
    apply_import(db, SYSTEM, plan_import(db, SYSTEM, foreign, tree.other_county), tree.other_county, activate=True)
    db.commit()
    user = make_user(db, "helper", tree.county_dept, person=exam["auxiliary"])
    drawn = {practice.next_question(db, user, None).stem for _ in range(300)}
    assert "交通专门题" not in drawn and "赛罕区自有题" not in drawn and any(s.startswith("单选题") for s in drawn)
    for stem in ("交通专门题", "赛罕区自有题"):
        version = db.query(QuestionVersion).filter_by(stem=stem).one()
        try:
            practice.answer(db, user, practice.reference(user, version), "B")
            raise AssertionError(f"answered {stem}")
        except practice.NotFound:
            pass


def test_a_reference_handed_to_one_person_is_refused_for_another(db, tree, exam):
    helper = make_user(db, "helper", tree.county_dept, person=exam["auxiliary"])
    other = make_user(db, "otherhelper", tree.county_dept, person=make_person(db, tree.county_dept, kind=PersonnelKind.AUXILIARY))
    version = practice.next_question(db, helper, None)
    try:
        practice.answer(db, other, practice.reference(helper, version), "A")
        raise AssertionError("another person's reference was accepted")
    except practice.NotFound:
        pass


def test_the_review_of_a_finished_exam_withholds_the_key_of_a_question_on_a_live_paper(db, tree, exam, client, auth):
    """Plan 1 is over and lets candidates review their answers; a second sitting on the same bank is open and
    one of plan 1's questions sits on a paper there that is not handed in: its key is withheld."""
    from datetime import timedelta

    from examsys import clock
    from examsys.exams.models import ExamKind, ReviewPolicy
    from examsys.exams.plans import create_plan, open_plan
    from tests.exam_fixtures import SMALL_BLUEPRINT

    plan = exam["plan"]
    plan.review = ReviewPolicy.ANSWERS
    mine = db.query(Attempt).filter_by(person_id=exam["officer"].id).one()
    room.submit(db, exam["candidate"], mine.id, room.start(db, exam["candidate"], mine.id))
    theirs = db.query(Attempt).filter_by(person_id=exam["other"].id).one()
    room.submit(db, db.query(type(exam["candidate"])).filter_by(username="candidate2").one(), theirs.id,
                    room.start(db, db.query(type(exam["candidate"])).filter_by(username="candidate2").one(), theirs.id))
    exam_results.publish_results(db, exam["admin"], plan.id)
    db.commit()
    clock.advance(timedelta(hours=5))  # plan 1's window has closed
    auth.login("candidate")
    shown = db.get(QuestionVersion, mine.items[0]["v"])
    page = client.get(f"/exams/attempt/{mine.id}/result").get_data(as_text=True)
    assert shown.stem in page and "withheld" not in page  # nothing live: every key shows
    now = clock.now()
    second = create_plan(db, exam["admin"], name="第二场", kind=ExamKind.QUALIFICATION, org_id=tree.region.id, part=plan.part, domain_id=None,
                         opens_at=now, closes_at=now + timedelta(hours=4), duration_minutes=60, sections=SMALL_BLUEPRINT)
    open_plan(db, exam["admin"], second.id)
    live = db.query(Attempt).filter_by(plan_id=second.id).first()
    live.items = [dict(live.items[0], v=shown.id), *live.items[1:]]  # the same question on a paper not handed in
    db.commit()
    page = client.get(f"/exams/attempt/{mine.id}/result").get_data(as_text=True)
    on_live_papers = _live_papers(db, second.id)
    withheld = sum(1 for item in mine.items if item["v"] in on_live_papers)
    assert shown.id in on_live_papers and withheld >= 1
    assert page.count("The key of this question is withheld while it is on an exam paper not yet handed in.") == withheld
    assert page.count("Key: ") == len(mine.items) - withheld


def _live_papers(db, plan_id: int) -> set[int]:
    return {item["v"] for attempt in db.query(Attempt).filter_by(plan_id=plan_id).all() for item in attempt.items}


def test_practice_shows_the_options_shuffled_and_the_key_in_the_letters_shown(db, tree, exam, client, auth):
    import re

    auth.login("candidate")
    orders = set()
    for _ in range(12):
        page = client.get("/practice/question", query_string={"law": "中华人民共和国行政处罚法"}).get_data(as_text=True)
        order = re.search(r'name="order" value="([A-H,]+)"', page)[1]
        shown = re.findall(r'value="([A-H])"', page.split('name="order"')[1])
        assert shown == order.split(",")  # the options appear in the order the page sends back
        orders.add(order)
    assert len(orders) > 1 and orders != {"A,B,C,D"}
    live = _live(db)
    version = next(v for v in db.query(QuestionVersion).filter(QuestionVersion.type == "single_choice") if v.id not in live)  # key B (stored)
    ref = practice.reference(exam["candidate"], version)
    page = client.post("/practice/question", data={"item": ref, "answer": "B", "order": "B,A,C,D"}).get_data(as_text=True)
    assert "Right!" in page and "Key: A" in page
    assert page.index(f"乙{version.stem[3:]}") < page.index(f"甲{version.stem[3:]}")  # shown as B first, as before
    page = client.post("/practice/question", data={"item": ref, "answer": "C", "order": "x,y"}).get_data(as_text=True)
    assert "Not right." in page and "Key: B" in page  # a tampered order falls back to the stored one


def test_a_multiple_choice_practice_question_takes_several_answers(db, tree, exam, client, auth):
    auth.login("candidate")
    page = client.get("/practice/question", query_string={"law": "中华人民共和国行政许可法"}).get_data(as_text=True)  # multiple choice only
    assert page.count('type="checkbox" name="answer"') == 4 and 'type="radio"' not in page
