"""Exams: fair random papers drawn in advance, saves that never lose or reorder answers, the server's
deadline, grading, and what the candidate's browser may see."""
import re
from collections import Counter
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

import pytest

from examsys import clock
from examsys.audit.models import AuditEntry
from examsys.auth.models import Role, User
from examsys.bank.models import QuestionVersion
from examsys.errors import InvalidState, NotFound, ValidationFailed
from examsys.exams import grading as exam_grading
from examsys.exams import plans as exam_plans
from examsys.exams import room, saving
from examsys.exams.models import Answer, Attempt, AttemptStatus


def _attempt(db, person):
    return db.query(Attempt).filter_by(person_id=person.id).one()


@contextmanager
def _statements(app):
    """The SQL statements the app's engine runs inside the block."""
    from sqlalchemy import event

    from examsys.db import engine_for

    statements: list[str] = []
    listener = lambda _conn, _cursor, statement, *_args: statements.append(statement)  # noqa: E731
    event.listen(engine_for(app), "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(engine_for(app), "before_cursor_execute", listener)


def test_quotas_are_met_exactly_and_papers_differ_but_reproduce_from_their_seed(db, exam):
    attempts = db.query(Attempt).all()
    assert len(attempts) == 2  # the two officers; the auxiliary has none
    versions = {v.id: v for v in db.query(QuestionVersion)}
    for attempt in attempts:
        types = Counter(versions[item["v"]].type.value for item in attempt.items)
        assert types == {"single_choice": 5, "multiple_choice": 2, "true_false": 5}
        assert len({item["v"] for item in attempt.items}) == 12
        assert exam_plans.regenerate(db, attempt) == attempt.items
        assert all(versions[item["v"]].used for item in attempt.items)
    assert attempts[0].items != attempts[1].items


def test_eligibility_excludes_auxiliary_staff_and_other_organisations(db, tree, exam):
    from examsys.bank.models import BankPart
    from examsys.exams.models import ExamKind

    plan = exam_plans.create_plan(db, exam["admin"], name="县级考试", kind=ExamKind.QUALIFICATION, org_id=tree.county.id, part=BankPart.COMMON,
                                domain_id=None, opens_at=clock.now(), closes_at=clock.now() + timedelta(hours=2))
    names = {p.name for p in exam_plans.eligible_candidates(db, plan)}
    assert names == {"考生甲"}


def test_the_exam_page_holds_no_answer_key(db, exam, client, auth):
    auth.login("candidate")
    attempt = _attempt(db, exam["officer"])
    client.post(f"/exams/attempt/{attempt.id}/start")
    versions = {v.id: v for v in db.query(QuestionVersion)}
    for n, item in enumerate(attempt.items, start=1):
        page = client.get(f"/exams/attempt/{attempt.id}/q/{n}").get_data(as_text=True)
        version = versions[item["v"]]
        assert version.stem in page
        assert "解析" not in page and "explanation" not in page.lower()
        assert not re.search(r"correct|data-key|Key:", page)
        if version.type.value == "single_choice":
            assert re.search(r'value="B"\s', page)  # every option is there, none marked


def test_a_candidate_cannot_open_anothers_paper(db, exam, client, auth):
    auth.login("candidate")
    theirs = _attempt(db, exam["other"])
    assert client.get(f"/exams/attempt/{theirs.id}").status_code == 404
    assert client.post(f"/exams/attempt/{theirs.id}/start").status_code == 404
    response = client.post(f"/exams/attempt/{theirs.id}/save", json={"position": 0, "response": "A", "seq": 1})
    assert response.status_code == 404
    assert db.get(Attempt, theirs.id).status is AttemptStatus.NOT_STARTED


def test_out_of_order_and_repeated_saves_keep_the_newest(db, exam):
    attempt = _attempt(db, exam["officer"])
    token = room.start(db, exam["candidate"], attempt.id)
    letters = attempt.items[0]["o"]
    assert saving.save_answer(db, exam["candidate"], attempt.id, token, 0, letters[2], 300).saved
    assert not saving.save_answer(db, exam["candidate"], attempt.id, token, 0, letters[0], 200).saved
    assert not saving.save_answer(db, exam["candidate"], attempt.id, token, 0, letters[1], 300).saved
    assert db.query(Answer).filter_by(attempt_id=attempt.id, position=0).one().response == letters[2]


def test_a_save_after_the_deadline_is_refused_and_the_attempt_is_submitted_with_what_was_saved(db, exam, client, auth):
    auth.login("candidate")
    attempt = _attempt(db, exam["officer"])
    client.post(f"/exams/attempt/{attempt.id}/start")
    first = attempt.items[0]
    assert client.post(f"/exams/attempt/{attempt.id}/save", json={"position": 0, "response": "B", "seq": 10}).get_json()["saved"]
    clock.advance(timedelta(minutes=61))
    response = client.post(f"/exams/attempt/{attempt.id}/save", json={"position": 1, "response": attempt.items[1]["o"][0], "seq": 11})
    assert response.status_code == 409 and response.get_json()["error"] == "time_up"
    db.expire_all()
    attempt = db.get(Attempt, attempt.id)
    assert attempt.status is AttemptStatus.GRADED and attempt.passed is False
    assert attempt.score == (Decimal(4) if first["o"] and "B" in first["o"] else 0)
    assert [a.response for a in attempt.answers if a.response is not None] == ["B"]


def test_close_expired_grades_attempts_whose_browser_is_gone(db, exam):
    attempt = _attempt(db, exam["officer"])
    room.start(db, exam["candidate"], attempt.id)
    db.commit()
    clock.advance(timedelta(hours=2))
    assert exam_grading.close_expired(db) == 1
    assert attempt.status is AttemptStatus.GRADED and attempt.submitted_at == attempt.deadline


def test_a_second_window_must_take_over_and_the_first_stops_saving(db, exam, app):
    first, second = app.test_client(), app.test_client()
    for c in (first, second):
        c.post("/login", data={"identifier": "candidate", "password": "Test-Pass-2026"})
    attempt = _attempt(db, exam["officer"])
    first.post(f"/exams/attempt/{attempt.id}/start")
    assert "another window" in second.get(f"/exams/attempt/{attempt.id}").get_data(as_text=True)
    second.post(f"/exams/attempt/{attempt.id}/takeover")
    response = first.post(f"/exams/attempt/{attempt.id}/save", json={"position": 0, "response": "B", "seq": 5})
    assert response.status_code == 409 and response.get_json()["error"] == "other_device"
    assert second.post(f"/exams/attempt/{attempt.id}/save", json={"position": 0, "response": "B", "seq": 6}).status_code == 200


def test_the_whole_exam_without_javascript_grades_right(db, exam, client, auth):
    auth.login("candidate")
    attempt = _attempt(db, exam["officer"])
    client.post(f"/exams/attempt/{attempt.id}/start")
    versions = {v.id: v for v in db.query(QuestionVersion)}
    for n, item in enumerate(attempt.items, start=1):
        version = versions[item["v"]]
        answer = {"single_choice": "B", "multiple_choice": ["A", "C"], "true_false": "true" if version.answer else "false"}[version.type.value]
        client.post(f"/exams/attempt/{attempt.id}/q/{n}", data={"answer": answer, "go": "next"})
    page = client.get(f"/exams/attempt/{attempt.id}/submit").get_data(as_text=True)
    assert "All questions are answered." in page
    client.post(f"/exams/attempt/{attempt.id}/submit")
    db.expire_all()
    attempt = db.get(Attempt, attempt.id)
    assert attempt.status is AttemptStatus.GRADED and attempt.score == Decimal(100) and attempt.passed
    assert "Your answers are in" in client.get(f"/exams/attempt/{attempt.id}/result").get_data(as_text=True)
    with pytest.raises(InvalidState):
        room.submit(db, exam["candidate"], attempt.id, attempt.device_token)


def test_results_are_shown_to_candidates_once_published(db, exam, client, auth):
    attempt = _attempt(db, exam["officer"])
    token = room.start(db, exam["candidate"], attempt.id)
    room.submit(db, exam["candidate"], attempt.id, token)
    other = _attempt(db, exam["other"])
    db.commit()
    auth.login("examiner")
    assert client.post(f"/exams/plans/{exam['plan'].id}/publish").status_code == 302
    page = client.get(f"/exams/plans/{exam['plan'].id}/results").get_data(as_text=True)
    assert "考生甲" in page and "考生乙" in page and "Failed" in page
    csv = client.get(f"/exams/plans/{exam['plan'].id}/results.csv").data.decode("utf-8-sig")
    assert csv.splitlines()[0] == "姓名,单位,第几次,状态,得分,是否合格,交卷时间"
    assert csv.splitlines()[1].startswith(("考生甲,", "考生乙,")) and ",1," in csv.splitlines()[1]
    auth.logout()
    auth.login("candidate")
    assert "Score: 0.0 of 100.0" in client.get(f"/exams/attempt/{attempt.id}/result").get_data(as_text=True)
    assert other.status is AttemptStatus.NOT_STARTED


def test_leaving_the_page_too_often_submits_when_the_plan_says_so(db, exam):
    exam["plan"].max_departures = 2
    attempt = _attempt(db, exam["officer"])
    token = room.start(db, exam["candidate"], attempt.id)
    room.record_departure(db, exam["candidate"], attempt.id, token)
    assert attempt.status is AttemptStatus.IN_PROGRESS
    room.record_departure(db, exam["candidate"], attempt.id, token)
    assert attempt.finished


def test_a_plan_the_bank_cannot_fill_does_not_open(db, tree, exam):
    from examsys.bank.models import BankPart, QuestionType
    from examsys.exams.models import ExamKind

    plan = exam_plans.create_plan(db, exam["admin"], name="过大", kind=ExamKind.QUALIFICATION, org_id=tree.region.id, part=BankPart.COMMON,
                                domain_id=None, opens_at=clock.now(), closes_at=clock.now() + timedelta(hours=2),
                                sections=[exam_plans.SectionSpec(QuestionType.MULTIPLE_CHOICE, 11, Decimal(10))], pass_mark=Decimal(60))
    assert not exam_plans.check_plan(db, plan).ok
    with pytest.raises(InvalidState, match="cannot fill"):
        exam_plans.open_plan(db, exam["admin"], plan.id)


def test_the_exam_admin_of_another_region_part_cannot_see_the_plan(db, tree, exam, client, auth):
    from examsys.auth.models import Role
    from tests.factories import make_user

    make_user(db, "county-examiner", tree.county, Role.EXAM_ADMIN)
    auth.login("county-examiner")
    assert client.get(f"/exams/plans/{exam['plan'].id}").status_code == 404
    with pytest.raises(NotFound):
        exam_plans.get_plan(db, db.query(User).filter_by(username="county-examiner").one(), exam["plan"].id)


def test_close_expired_from_the_command_line(db, exam, runner):
    attempt = _attempt(db, exam["officer"])
    room.start(db, exam["candidate"], attempt.id)
    db.commit()
    clock.advance(timedelta(hours=5))
    result = runner.invoke(args=["exams", "close-expired"])
    assert result.exit_code == 0 and "1 attempts submitted at their deadline" in result.output
    assert runner.invoke(args=["exams", "close-expired"]).output.startswith("0 attempts")


def _finish_all(db, exam, answer_for):
    """Both candidates answer every question with answer_for(version) and hand in."""
    from examsys.auth.models import User

    versions = {v.id: v for v in db.query(QuestionVersion)}
    for person, username in ((exam["officer"], "candidate"), (exam["other"], "candidate2")):
        user = db.query(User).filter_by(username=username).one()
        attempt = _attempt(db, person)
        token = room.start(db, user, attempt.id)
        for position, item in enumerate(attempt.items):
            saving.save_answer(db, user, attempt.id, token, position, answer_for(versions[item["v"]], person), position + 1)
        room.submit(db, user, attempt.id, token)
    db.commit()


def test_regrade_dry_run_lists_exactly_what_apply_changes(db, exam):
    from examsys.bank import services as bank

    # 考生甲 answers every single choice "B" (the key); 考生乙 answers "C".
    def answer_for(version, person):
        if version.type.value == "single_choice":
            return "B" if person is exam["officer"] else "C"
        return ["A", "C"] if version.type.value == "multiple_choice" else version.answer

    _finish_all(db, exam, answer_for)
    attempt = _attempt(db, exam["officer"])
    pinned = next(db.get(QuestionVersion, item["v"]) for item in attempt.items if db.get(QuestionVersion, item["v"]).type.value == "single_choice")
    reviewer = exam["admin"]
    from tests.factories import make_user

    author = make_user(db, "author2", exam["plan"].org, Role.EXAM_ADMIN)
    new = bank.edit_question(db, author, pinned.question_id, {**pinned.content(), "answer": "C"}, "key fix")
    bank.change_status(db, reviewer, new.id, "review")
    bank.change_status(db, reviewer, new.id, "activate")
    dry = exam_grading.regrade(db, exam["admin"], exam["plan"].id, pinned.id, apply=False)
    assert any(c.attempt.person_id == exam["officer"].id and c.new_score == c.old_score - 4 for c in dry)
    before = {a.id: a.score for a in db.query(Attempt)}
    assert {c.attempt.id for c in dry} <= set(before) and all(before[c.attempt.id] == c.old_score for c in dry)
    with pytest.raises(ValidationFailed):
        exam_grading.regrade(db, exam["admin"], exam["plan"].id, pinned.id, apply=True, reason="")
    applied = exam_grading.regrade(db, exam["admin"], exam["plan"].id, pinned.id, apply=True, reason="答案更正")
    assert [(c.attempt.id, c.old_score, c.new_score, c.new_passed) for c in dry] == \
           [(c.attempt.id, c.old_score, c.new_score, c.new_passed) for c in applied]
    for change in applied:
        assert db.get(Attempt, change.attempt.id).score == change.new_score
    holders = [a for a in db.query(Attempt) if any(item["v"] == pinned.id for item in a.items)]
    assert holders == []  # the papers now pin the corrected version


def test_case_answers_wait_for_a_grader_who_sees_no_name(db, tree, exam, client, auth):
    from examsys.bank.models import BankPart, QuestionType
    from examsys.bank.schema import Record
    from examsys.bank.services import apply_import, plan_import
    from examsys.exams.models import ExamKind

    case = Record("C-001", BankPart.COMMON, None, None, {
        "type": "case_analysis", "stem": "某案例……请分析。", "options": None, "answer": None,
        "rubric": [{"points": "6.00", "criterion": "定性"}, {"points": "4.00", "criterion": "依据"}], "reference_answer": "参考",
        "law": "中华人民共和国行政处罚法", "law_version": "2021", "article": "第三条", "difficulty": 3, "points": "10.00", "explanation": "", "tags": []})
    apply_import(db, None, plan_import(db, None, [case], tree.region), tree.region, activate=True)
    plan = exam_plans.create_plan(db, exam["admin"], name="案例考试", kind=ExamKind.QUALIFICATION, org_id=tree.county.id, part=BankPart.COMMON,
                                domain_id=None, opens_at=clock.now(), closes_at=clock.now() + timedelta(hours=2),
                                sections=[exam_plans.SectionSpec(QuestionType.CASE_ANALYSIS, 1, Decimal(10))], pass_mark=Decimal(6))
    exam_plans.open_plan(db, exam["admin"], plan.id)
    attempt = db.query(Attempt).filter_by(plan_id=plan.id).one()
    token = room.start(db, exam["candidate"], attempt.id)
    saving.save_answer(db, exam["candidate"], attempt.id, token, 0, "我认为应当依法处罚。", 1)
    room.submit(db, exam["candidate"], attempt.id, token)
    db.commit()
    assert attempt.status is AttemptStatus.SUBMITTED and attempt.passed is None
    auth.login("examiner")
    page = client.get(f"/exams/plans/{plan.id}/grading").get_data(as_text=True)
    assert "我认为应当依法处罚。" in page and "考生甲" not in page
    answer = attempt.answers[0]
    assert client.post(f"/exams/answers/{answer.id}/grade", data={"score": "11"}).status_code == 302
    assert db.get(Attempt, attempt.id).status is AttemptStatus.SUBMITTED
    client.post(f"/exams/answers/{answer.id}/grade", data={"score": "7", "comment": "依据不全"})
    db.expire_all()
    graded = db.get(Attempt, attempt.id)
    assert graded.status is AttemptStatus.GRADED and graded.score == 7 and graded.passed


def test_a_save_without_the_csrf_header_is_refused(db, exam, app, client, auth):
    auth.login("candidate")
    attempt = _attempt(db, exam["officer"])
    client.post(f"/exams/attempt/{attempt.id}/start")
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post(f"/exams/attempt/{attempt.id}/save", json={"position": 0, "response": "B", "seq": 1})
    assert response.status_code == 400
    assert db.query(Answer).filter_by(attempt_id=attempt.id).count() == 0


def test_a_make_up_exam_is_for_those_who_failed(db, tree, exam):
    from examsys.bank.models import BankPart
    from examsys.exams.models import ExamKind

    for person, user in ((exam["officer"], exam["candidate"]),):
        attempt = _attempt(db, person)
        token = room.start(db, user, attempt.id)
        room.submit(db, user, attempt.id, token)  # nothing answered: failed
    with pytest.raises(ValidationFailed):
        exam_plans.create_plan(db, exam["admin"], name="补考", kind=ExamKind.MAKEUP, org_id=tree.region.id, part=BankPart.COMMON,
                             domain_id=None, opens_at=clock.now(), closes_at=clock.now() + timedelta(hours=2))
    makeup = exam_plans.create_plan(db, exam["admin"], name="补考", kind=ExamKind.MAKEUP, org_id=tree.region.id, part=BankPart.COMMON,
                                  domain_id=None, opens_at=clock.now(), closes_at=clock.now() + timedelta(hours=2), makeup_of_id=exam["plan"].id)
    assert [p.name for p in exam_plans.eligible_candidates(db, makeup)] == ["考生甲"]  # 考生乙 never sat it


def test_saves_stop_when_the_account_is_disabled_or_logged_out(db, exam, client, auth):
    from examsys.auth.services import set_account_active
    from tests.factories import make_user

    auth.login("candidate")
    attempt = _attempt(db, exam["officer"])
    client.post(f"/exams/attempt/{attempt.id}/start")
    assert client.post(f"/exams/attempt/{attempt.id}/save", json={"position": 0, "response": "B", "seq": 1}).status_code == 200
    admin = make_user(db, "sys", exam["plan"].org, Role.SYSADMIN)
    set_account_active(db, admin, exam["candidate"].id, False)
    db.commit()
    refused = client.post(f"/exams/attempt/{attempt.id}/save", json={"position": 0, "response": "C", "seq": 2})
    assert refused.status_code == 401 and refused.get_json()["error"] == "login"  # the page sends the candidate to the login
    auth.logout()
    assert client.post(f"/exams/attempt/{attempt.id}/save", json={"position": 0, "response": "C", "seq": 3}).status_code == 401


def _case_plan(db, tree, exam, **options):
    from examsys.bank.models import BankPart, QuestionType
    from examsys.bank.schema import Record
    from examsys.bank.services import apply_import, plan_import
    from examsys.exams.models import ExamKind

    case = Record("C-900", BankPart.COMMON, None, None, {
        "type": "case_analysis", "stem": "双评案例", "options": None, "answer": None,
        "rubric": [{"points": "10.00", "criterion": "分析"}], "reference_answer": "参考",
        "law": "中华人民共和国行政处罚法", "law_version": "2021", "article": "第三条", "difficulty": 3, "points": "10.00", "explanation": "", "tags": []})
    apply_import(db, None, plan_import(db, None, [case], tree.region), tree.region, activate=True)
    plan = exam_plans.create_plan(db, exam["admin"], name="双评", kind=ExamKind.QUALIFICATION, org_id=tree.county.id, part=BankPart.COMMON,
                                domain_id=None, opens_at=clock.now(), closes_at=clock.now() + timedelta(hours=2),
                                sections=[exam_plans.SectionSpec(QuestionType.CASE_ANALYSIS, 1, Decimal(10))], pass_mark=Decimal(6), **options)
    exam_plans.open_plan(db, exam["admin"], plan.id)
    attempt = db.query(Attempt).filter_by(plan_id=plan.id).one()
    token = room.start(db, exam["candidate"], attempt.id)
    saving.save_answer(db, exam["candidate"], attempt.id, token, 0, "分析如下……", 1)
    room.submit(db, exam["candidate"], attempt.id, token)
    return plan, attempt


def test_double_marking_averages_close_marks_and_reconciles_distant_ones(db, tree, exam):
    from tests.factories import make_user

    second = make_user(db, "grader2", tree.region, Role.EXAM_ADMIN)
    third = make_user(db, "grader3", tree.region, Role.EXAM_ADMIN)
    plan, attempt = _case_plan(db, tree, exam, double_marking=True, marking_tolerance=Decimal(2))
    answer = attempt.answers[0]
    exam_grading.grade_case(db, exam["admin"], answer.id, Decimal(7), "")
    with pytest.raises(InvalidState, match="another grader"):
        exam_grading.grade_case(db, exam["admin"], answer.id, Decimal(8), "")
    assert [c.stage for c in exam_grading.grading_queue(db, exam["admin"], plan.id)] == []  # not twice by the same grader
    assert [c.stage for c in exam_grading.grading_queue(db, second, plan.id)] == ["second"]
    exam_grading.grade_case(db, second, answer.id, Decimal(3), "")  # 4 points apart: beyond the tolerance
    assert attempt.status is AttemptStatus.SUBMITTED and answer.score is None
    assert [c.stage for c in exam_grading.grading_queue(db, third, plan.id)] == ["reconcile"]
    exam_grading.grade_case(db, third, answer.id, Decimal(6), "复核")
    assert attempt.status is AttemptStatus.GRADED and attempt.score == 6 and attempt.passed


def test_double_marks_within_the_tolerance_give_their_mean(db, tree, exam):
    from tests.factories import make_user

    second = make_user(db, "grader2", tree.region, Role.EXAM_ADMIN)
    plan, attempt = _case_plan(db, tree, exam, double_marking=True, marking_tolerance=Decimal(2))
    exam_grading.grade_case(db, exam["admin"], attempt.answers[0].id, Decimal(7), "")
    exam_grading.grade_case(db, second, attempt.answers[0].id, Decimal(8), "")
    assert attempt.status is AttemptStatus.GRADED and attempt.score == Decimal("7.50")


def test_the_officers_home_page_leads_to_the_open_exam(db, exam, client, auth):
    auth.login("candidate")
    page = client.get("/").get_data(as_text=True)
    attempt = _attempt(db, exam["officer"])
    assert "Exams open for you now" in page and f"/exams/attempt/{attempt.id}" in page


def test_saves_keep_answers_in_the_items_form_and_write_nothing_it_refuses(db, exam, client, auth):
    """Through the JSON save (one statement on PostgreSQL): "true" for a true/false item is kept as
    true, a lone letter for a multiple choice as a list of one; a letter the item does not have is
    refused and the answer saved before it stays as it was, flag included."""
    auth.login("candidate")
    attempt = _attempt(db, exam["officer"])
    client.post(f"/exams/attempt/{attempt.id}/start")
    types = {position: item["t"] for position, item in enumerate(attempt.items)}
    single = next(p for p, t in types.items() if t == "single_choice")
    multiple = next(p for p, t in types.items() if t == "multiple_choice")
    true_false = next(p for p, t in types.items() if t == "true_false")
    url = f"/exams/attempt/{attempt.id}/save"
    assert client.post(url, json={"position": true_false, "response": "true", "seq": 1}).status_code == 200
    assert client.post(url, json={"position": multiple, "response": "C", "seq": 2}).status_code == 200
    assert client.post(url, json={"position": single, "response": "B", "seq": 3, "flagged": True}).status_code == 200
    refused = client.post(url, json={"position": single, "response": "Z", "seq": 4})
    assert refused.status_code == 422 and "Not one of the options" in refused.get_data(as_text=True)
    assert client.post(url, json={"position": len(types), "response": "A", "seq": 5}).status_code == 422
    assert client.post(url, json={"position": -1, "response": "A", "seq": 6}).status_code == 422
    assert client.post(url, json={"position": single, "response": None, "seq": 7}).get_json()["saved"]  # cleared, still flagged
    db.expire_all()
    answers = {a.position: a for a in db.query(Answer).filter_by(attempt_id=attempt.id)}
    assert answers[true_false].response is True and answers[multiple].response == ["C"]
    assert answers[single].response is None and answers[single].seq == 7 and answers[single].flagged
    assert set(answers) == {true_false, multiple, single}
    # A caller that commits after a refused save commits nothing of it.
    with pytest.raises(ValidationFailed):
        saving.save_answer(db, exam["candidate"], attempt.id, attempt.device_token, multiple, ["A", "Z"], 8)
    db.commit()
    db.expire_all()
    assert db.query(Answer).filter_by(attempt_id=attempt.id, position=multiple).one().response == ["C"]


def test_an_unchanged_session_cookie_is_renewed_at_most_once_a_minute(db, exam, client, auth, monkeypatch):
    """Pages and saves come several a minute: the session cookie is signed again when the session changed
    or when it is a minute old, which still slides the idle expiry."""
    import time

    from examsys import web

    auth.login("candidate")
    attempt = _attempt(db, exam["officer"])
    started = client.post(f"/exams/attempt/{attempt.id}/start")
    assert "examsys_session=" in started.headers.get("Set-Cookie", "")  # the session now holds this window's token
    client.get(f"/exams/attempt/{attempt.id}/q/1")  # (the tests' sessions get their CSRF secret on the first page)
    page = client.get(f"/exams/attempt/{attempt.id}/q/1")
    assert page.status_code == 200 and "Set-Cookie" not in page.headers
    save = client.post(f"/exams/attempt/{attempt.id}/save", json={"position": 0, "response": None, "seq": 1})
    assert save.status_code == 200 and "Set-Cookie" not in save.headers
    later = time.time() + web.COOKIE_REFRESH_SECONDS + 1
    monkeypatch.setattr(web.time, "time", lambda: later)
    page = client.get(f"/exams/attempt/{attempt.id}/q/2")
    assert page.status_code == 200 and "examsys_session=" in page.headers.get("Set-Cookie", "")
    later += web.COOKIE_REFRESH_SECONDS + 1
    save = client.post(f"/exams/attempt/{attempt.id}/save", json={"position": 0, "response": None, "seq": 2})
    assert save.status_code == 200 and "examsys_session=" in save.headers.get("Set-Cookie", "")


def test_after_the_start_page_the_exam_page_is_a_few_reads_and_offers_no_way_out(app, db, exam, client, auth):
    """The hall waits on the start page: it prepares this worker, so that the first question page of the
    synchronised start reads only the caller, the attempt with its plan and the answers given; the exam
    page's header has no menu to wander off through."""
    auth.login("candidate")
    attempt_id = _attempt(db, exam["officer"]).id
    assert client.get(f"/exams/attempt/{attempt_id}").status_code == 200
    client.post(f"/exams/attempt/{attempt_id}/start")
    with _statements(app) as statements:
        page = client.get(f"/exams/attempt/{attempt_id}/q/1")
    assert page.status_code == 200 and "data-exam" in page.text
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) <= 3, [s[:60] for s in reads]
    assert not any("question_version" in s for s in reads)
    assert "/exams/plans" not in page.text and "/personnel" not in page.text


def test_a_plan_allowing_two_attempts_offers_one_more_after_handing_in_and_no_third(db, exam, client, auth):
    exam["plan"].attempts_allowed = 2
    db.commit()
    auth.login("candidate")
    first = _attempt(db, exam["officer"])
    first_id, first_seed = first.id, first.seed
    assert "Try again" not in client.get("/exams/").text  # nothing handed in yet
    client.post(f"/exams/attempt/{first_id}/start")
    client.post(f"/exams/attempt/{first_id}/submit")
    mine = client.get("/exams/").text
    assert "Try again (1 left)" in mine and "Attempt 1 of 2 allowed" in mine
    assert "Try again (1 left)" in client.get(f"/exams/attempt/{first_id}/result").text

    response = client.post(f"/exams/attempt/{first_id}/retake")
    db.expire_all()
    second = db.query(Attempt).filter_by(person_id=exam["officer"].id, number=2).one()
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/exams/attempt/{second.id}/q/1")
    assert second.status is AttemptStatus.IN_PROGRESS and second.seed != first_seed
    assert len(second.items) == len(first.items) and exam_plans.regenerate(db, second) == second.items
    assert all(v.used for v in db.query(QuestionVersion).filter(QuestionVersion.id.in_([i["v"] for i in second.items])))
    assert client.get(f"/exams/attempt/{second.id}/q/1").status_code == 200  # this browser holds the new attempt
    assert db.query(AuditEntry).filter_by(action="exam.retake", target_id=str(second.id)).count() == 1

    # The first attempt is no longer the newest; the second is the last allowed.
    refused = client.post(f"/exams/attempt/{first_id}/retake", follow_redirects=True)
    assert "A newer attempt of this exam already exists." in refused.text
    client.post(f"/exams/attempt/{second.id}/submit")
    assert "Try again" not in client.get("/exams/").text
    refused = client.post(f"/exams/attempt/{second.id}/retake", follow_redirects=True)
    assert "You have used all attempts this exam allows." in refused.text
    db.expire_all()
    assert db.query(Attempt).filter_by(person_id=exam["officer"].id).count() == 2


def test_one_attempt_allowed_offers_no_other_and_an_unfinished_attempt_cannot_be_retaken(db, exam, client, auth):
    auth.login("candidate")
    attempt_id = _attempt(db, exam["officer"]).id
    client.post(f"/exams/attempt/{attempt_id}/start")
    refused = client.post(f"/exams/attempt/{attempt_id}/retake", follow_redirects=True)
    assert "Hand in this attempt first." in refused.text
    client.post(f"/exams/attempt/{attempt_id}/submit")
    assert "Try again" not in client.get("/exams/").text
    refused = client.post(f"/exams/attempt/{attempt_id}/retake", follow_redirects=True)
    assert "You have used all attempts this exam allows." in refused.text
    # Another candidate's attempt is not theirs to retake.
    other = _attempt(db, exam["other"])
    assert client.post(f"/exams/attempt/{other.id}/retake").status_code == 404


def test_results_come_a_page_at_a_time_sorted_with_a_tally_of_the_whole_plan(app, db, exam, client, auth):
    exam["plan"].attempts_allowed = 2
    db.commit()
    auth.login("candidate")
    first_id = _attempt(db, exam["officer"]).id
    client.post(f"/exams/attempt/{first_id}/start")
    client.post(f"/exams/attempt/{first_id}/submit")
    client.post(f"/exams/attempt/{first_id}/retake")  # a third paper in the plan: 考生甲 twice, 考生乙 once
    auth.logout()
    app.config["PAGE_SIZE"] = 1  # two rows a page
    auth.login("examiner")
    url = f"/exams/plans/{exam['plan'].id}/results"
    first = client.get(f"{url}?sort=name").get_data(as_text=True)
    second = client.get(f"{url}?sort=name&page=2").get_data(as_text=True)
    assert first.count("<tr><td>") == 2 and second.count("<tr><td>") == 1
    # sorted by name in pinyin order (甲 jiǎ before 乙 yǐ, which comes first by code point), then by attempt
    assert "考生甲 <span class=\"muted\">(attempt 1)" in first and "考生甲 <span class=\"muted\">(attempt 2)" in first and "考生乙" in second
    assert "3 in all" in first and "0 passed, 1 failed, 2 without a result yet." in first
    assert f'href="/exams/plans/{exam["plan"].id}/results?sort=name&amp;page=2"' in first


def test_the_proctor_view_counts_candidates_by_status_filters_them_and_names_integrity_events(db, exam, client, auth):
    auth.login("candidate")
    attempt_id = _attempt(db, exam["officer"]).id
    client.post(f"/exams/attempt/{attempt_id}/start")
    assert client.post(f"/exams/attempt/{attempt_id}/event", json={"kind": "focus_lost"}).status_code == 200
    assert client.get(f"/exams/plans/{exam['plan'].id}/proctor").status_code in (403, 404)  # a candidate does not proctor
    auth.logout()
    auth.login("examiner")
    url = f"/exams/plans/{exam['plan'].id}/proctor"
    page = client.get(url).get_data(as_text=True)
    assert "All (2)" in page and "Not started (1)" in page and "In progress (1)" in page and "Handed in (0)" in page
    assert "Left the exam page (#1)" in page and "focus_lost" not in page
    extended = client.post(f"/exams/attempts/{attempt_id}/extend", data={"minutes": "10", "reason": "停电"})
    assert extended.status_code == 302, extended.get_data(as_text=True)[:300]
    page = client.get(url).get_data(as_text=True)
    assert "Time extended by 10 minutes: 停电" in page and "+10 min" not in page
    running = client.get(f"{url}?status=in_progress").get_data(as_text=True)
    assert "考生甲" in running and "考生乙" not in running
    waiting = client.get(f"{url}?status=not_started").get_data(as_text=True)
    assert "考生乙" in waiting and "考生甲" not in waiting
    assert "No candidates here." in client.get(f"{url}?status=finished").get_data(as_text=True)


def test_the_results_and_proctor_pages_do_not_read_the_papers(app, db, exam, client, auth):
    """A region-wide plan has thousands of papers of 50 items each: listing them must not decode those."""
    auth.login("examiner")
    with _statements(app) as statements:
        for page in ("proctor", "results"):
            assert client.get(f"/exams/plans/{exam['plan'].id}/{page}").status_code == 200
    listing = [s for s in statements if "FROM attempt" in s and "attempt.plan_id =" in s]
    assert listing and not any("attempt.items" in s for s in listing)
