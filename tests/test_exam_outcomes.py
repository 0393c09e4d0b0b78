"""The per-candidate outcome summary stays equal to a recomputation from the attempts through grading, a regrade
and a re-sit, in the same transaction; the rebuild command recomputes it."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from examsys.auth.models import Role, User
from examsys.bank import services as bank
from examsys.bank.models import QuestionVersion
from examsys.exams import grading as exam_grading
from examsys.exams import room, saving
from examsys.exams.models import Attempt, AttemptStatus
from examsys.exams.outcomes import ExamOutcome
from tests.factories import make_user
from tests.test_exams import _attempt, _finish_all

HANDED_IN = (AttemptStatus.SUBMITTED, AttemptStatus.AUTO_SUBMITTED, AttemptStatus.GRADED)


def _expected(db) -> dict[tuple[int, int], tuple]:
    """The summary worked out in Python from every attempt."""
    rows: dict[tuple[int, int], list] = {}
    for a in db.query(Attempt):
        row = rows.setdefault((a.person_id, a.plan_id), [False, False, [], [], [], []])
        handed_in = a.status in HANDED_IN
        row[0] |= handed_in
        row[1] |= a.passed is True
        if a.status is AttemptStatus.GRADED and a.passed is False and a.submitted_at:
            row[2].append(a.submitted_at)
        if handed_in and a.submitted_at:
            row[3].append(a.submitted_at)
        if a.passed is True and a.submitted_at:
            row[4].append(a.submitted_at)
    return {pair: (sat, passed, min(fails, default=None), max(sat_at, default=None), min(passes, default=None),
                   max(passes, default=None)) for pair, (sat, passed, fails, sat_at, passes, _unused) in rows.items()}


def _summary(db) -> dict[tuple[int, int], tuple]:
    return {(o.person_id, o.plan_id): (o.sat, o.passed, o.first_fail, o.last_sat, o.first_pass, o.last_pass)
            for o in db.query(ExamOutcome)}


def _answer(exam):
    """考生甲 answers every question with the key (single choices "B"), 考生乙 every question wrongly."""
    def answer_for(version, person):
        right = person is exam["officer"]
        if version.type.value == "single_choice":
            return "B" if right else "C"
        if version.type.value == "multiple_choice":
            return ["A", "C"] if right else ["B"]
        return version.answer if right else not version.answer
    return answer_for


def test_the_summary_follows_grading_a_regrade_and_a_resit(db, exam, frozen_clock):
    officer, other, plan = exam["officer"], exam["other"], exam["plan"]
    db.expire_all()
    opened = _summary(db)
    assert opened == _expected(db) and opened[(officer.id, plan.id)][:2] == (False, False)  # a candidate who has not started

    plan.pass_mark = Decimal(100)  # only a full paper passes: the regrade below makes 考生甲 fail
    db.commit()
    _finish_all(db, exam, _answer(exam))  # hand in and grade: 考生甲 passes, 考生乙 fails
    db.expire_all()
    graded = _summary(db)
    assert graded == _expected(db)
    assert graded[(officer.id, plan.id)][:2] == (True, True) and graded[(other.id, plan.id)][:2] == (True, False)
    assert graded[(other.id, plan.id)][2] is not None  # the first failure

    # the key of a single choice question was wrong: the regrade changes scores, the summary follows
    pinned = next(db.get(QuestionVersion, item["v"]) for item in _attempt(db, officer).items
                  if db.get(QuestionVersion, item["v"]).type.value == "single_choice")
    author = make_user(db, "author2", plan.org, Role.EXAM_ADMIN)
    new = bank.edit_question(db, author, pinned.question_id, {**pinned.content(), "answer": "C"}, "key fix")
    bank.change_status(db, exam["admin"], new.id, "review")
    bank.change_status(db, exam["admin"], new.id, "activate")
    exam_grading.regrade(db, exam["admin"], plan.id, pinned.id, apply=True, reason="答案更正")
    db.commit()
    db.expire_all()
    assert _summary(db) == _expected(db)
    regraded = _summary(db)
    assert regraded[(officer.id, plan.id)][:3] == (True, False, graded[(officer.id, plan.id)][3])  # 96 points: failed now

    # 考生乙 sits again (a second attempt allowed) and passes: one row still, with the failure before the pass
    plan.attempts_allowed = 2
    db.commit()
    user = db.query(User).filter_by(username="candidate2").one()
    first = _attempt(db, other)
    frozen_clock.advance(timedelta(minutes=10))
    attempt, token = room.retake(db, user, first.id)
    versions = {v.id: v for v in db.query(QuestionVersion)}
    for position, item in enumerate(attempt.items):
        version = versions[item["v"]]
        saving.save_answer(db, user, attempt.id, token, position, version.answer, position + 1)
    room.submit(db, user, attempt.id, token)
    db.commit()
    db.expire_all()
    resat = _summary(db)
    assert resat == _expected(db)
    sat, passed, first_fail, last_sat, _first_pass, _last_pass = resat[(other.id, plan.id)]
    assert sat and passed and first_fail is not None and last_sat > first_fail
    assert db.query(ExamOutcome).filter_by(person_id=other.id).count() == 1


def test_the_rebuild_command_recomputes_a_summary_changed_behind_its_back(app, db, exam):
    _finish_all(db, exam, _answer(exam))
    db.query(ExamOutcome).delete()  # as if attempts had been changed in SQL by hand
    db.commit()
    assert db.query(ExamOutcome).count() == 0
    result = app.test_cli_runner().invoke(args=["supervision", "rebuild-summary"])
    assert result.exit_code == 0 and "2 outcome rows" in result.output
    db.expire_all()
    assert _summary(db) == _expected(db) and len(_expected(db)) == 2
