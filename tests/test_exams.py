"""Exams: fair random papers drawn in advance, saves that never lose or reorder answers, the server's
deadline, grading, and what the candidate's browser may see."""
import re
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest

from examsys import clock
from examsys.bank.models import QuestionVersion
from examsys.errors import InvalidState, NotFound
from examsys.exams import services
from examsys.exams.models import Attempt, AttemptStatus


def _attempt(db, person):
    return db.query(Attempt).filter_by(person_id=person.id).one()


def test_quotas_are_met_exactly_and_papers_differ_but_reproduce_from_their_seed(db, exam):
    attempts = db.query(Attempt).all()
    assert len(attempts) == 2  # the two officers; the auxiliary has none
    versions = {v.id: v for v in db.query(QuestionVersion)}
    for attempt in attempts:
        types = Counter(versions[item["v"]].type.value for item in attempt.items)
        assert types == {"single_choice": 5, "multiple_choice": 2, "true_false": 5}
        assert len({item["v"] for item in attempt.items}) == 12
        assert services.regenerate(db, attempt) == attempt.items
        assert all(versions[item["v"]].used for item in attempt.items)
    assert attempts[0].items != attempts[1].items


def test_eligibility_excludes_auxiliary_staff_and_other_organisations(db, tree, exam):
    from examsys.bank.models import BankPart
    from examsys.exams.models import ExamKind

    plan = services.create_plan(db, exam["admin"], name="县级考试", kind=ExamKind.QUALIFICATION, org_id=tree.county.id, part=BankPart.COMMON,
                                domain_id=None, opens_at=clock.now(), closes_at=clock.now() + timedelta(hours=2))
    names = {p.name for p in services.eligible_candidates(db, plan)}
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
    token = services.start(db, exam["candidate"], attempt.id)
    letters = attempt.items[0]["o"]
    assert services.save_answer(db, exam["candidate"], attempt.id, token, 0, letters[2], 300).saved
    assert not services.save_answer(db, exam["candidate"], attempt.id, token, 0, letters[0], 200).saved
    assert not services.save_answer(db, exam["candidate"], attempt.id, token, 0, letters[1], 300).saved
    assert db.query(services.Answer).filter_by(attempt_id=attempt.id, position=0).one().response == letters[2]


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
    services.start(db, exam["candidate"], attempt.id)
    db.commit()
    clock.advance(timedelta(hours=2))
    assert services.close_expired(db) == 1
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
        services.submit(db, exam["candidate"], attempt.id, attempt.device_token)


def test_results_are_shown_to_candidates_once_published(db, exam, client, auth):
    attempt = _attempt(db, exam["officer"])
    token = services.start(db, exam["candidate"], attempt.id)
    services.submit(db, exam["candidate"], attempt.id, token)
    other = _attempt(db, exam["other"])
    db.commit()
    auth.login("examiner")
    assert client.post(f"/exams/plans/{exam['plan'].id}/publish").status_code == 302
    page = client.get(f"/exams/plans/{exam['plan'].id}/results").get_data(as_text=True)
    assert "考生甲" in page and "考生乙" in page and "Failed" in page
    csv = client.get(f"/exams/plans/{exam['plan'].id}/results.csv").data.decode("utf-8-sig")
    assert csv.splitlines()[0] == "姓名,单位,状态,得分,是否合格,交卷时间"
    auth.logout()
    auth.login("candidate")
    assert "Score: 0.0 of 100.0" in client.get(f"/exams/attempt/{attempt.id}/result").get_data(as_text=True)
    assert other.status is AttemptStatus.NOT_STARTED


def test_leaving_the_page_too_often_submits_when_the_plan_says_so(db, exam):
    exam["plan"].max_departures = 2
    attempt = _attempt(db, exam["officer"])
    token = services.start(db, exam["candidate"], attempt.id)
    services.record_departure(db, exam["candidate"], attempt.id, token)
    assert attempt.status is AttemptStatus.IN_PROGRESS
    services.record_departure(db, exam["candidate"], attempt.id, token)
    assert attempt.finished


def test_a_plan_the_bank_cannot_fill_does_not_open(db, tree, exam):
    from examsys.bank.models import BankPart, QuestionType
    from examsys.exams.models import ExamKind

    plan = services.create_plan(db, exam["admin"], name="过大", kind=ExamKind.QUALIFICATION, org_id=tree.region.id, part=BankPart.COMMON,
                                domain_id=None, opens_at=clock.now(), closes_at=clock.now() + timedelta(hours=2),
                                sections=[services.SectionSpec(QuestionType.MULTIPLE_CHOICE, 11, Decimal(10))], pass_mark=Decimal(60))
    assert not services.check_plan(db, plan).ok
    with pytest.raises(InvalidState, match="cannot fill"):
        services.open_plan(db, exam["admin"], plan.id)


def test_the_exam_admin_of_another_region_part_cannot_see_the_plan(db, tree, exam, client, auth):
    from examsys.auth.models import Role
    from tests.factories import make_user

    make_user(db, "county-examiner", tree.county, Role.EXAM_ADMIN)
    auth.login("county-examiner")
    assert client.get(f"/exams/plans/{exam['plan'].id}").status_code == 404
    with pytest.raises(NotFound):
        services.get_plan(db, db.query(services.User).filter_by(username="county-examiner").one(), exam["plan"].id)


def test_close_expired_from_the_command_line(db, exam, runner):
    attempt = _attempt(db, exam["officer"])
    services.start(db, exam["candidate"], attempt.id)
    db.commit()
    clock.advance(timedelta(hours=5))
    result = runner.invoke(args=["exams", "close-expired"])
    assert result.exit_code == 0 and "1 attempts submitted at their deadline" in result.output
    assert runner.invoke(args=["exams", "close-expired"]).output.startswith("0 attempts")
