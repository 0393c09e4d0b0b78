"""On PostgreSQL: two submits of one attempt at the same moment grade it once."""
import threading

import pytest

from examsys.audit.models import AuditEntry
from examsys.db import get_session
from examsys.errors import InvalidState
from examsys.exams import plans as exam_plans
from examsys.exams import room, saving
from examsys.exams.models import Answer, Attempt

pytestmark = pytest.mark.pg


def test_two_concurrent_submits_grade_once(app, db, exam):
    attempt = db.query(Attempt).filter_by(person_id=exam["officer"].id).one()
    token = room.start(db, exam["candidate"], attempt.id)
    db.commit()
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def hand_in() -> None:
        with app.app_context():
            session = get_session()
            user = session.get(type(exam["candidate"]), exam["candidate"].id)
            barrier.wait()
            try:
                room.submit(session, user, attempt.id, token)
                session.commit()
                outcomes.append("graded")
            except InvalidState:
                session.rollback()
                outcomes.append("refused")

    threads = [threading.Thread(target=hand_in) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["graded", "refused"]
    db.rollback()
    assert db.query(AuditEntry).filter_by(action="exam.submit").count() == 1


def test_racing_first_saves_of_one_question_keep_the_newest_without_an_error(app, db, exam):
    attempt = db.query(Attempt).filter_by(person_id=exam["officer"].id).one()
    token = room.start(db, exam["candidate"], attempt.id)
    db.commit()
    letters = attempt.items[0]["o"]
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def save(seq: int) -> None:
        with app.app_context():
            session = get_session()
            user = session.get(type(exam["candidate"]), exam["candidate"].id)
            barrier.wait()
            try:
                saving.save_answer(session, user, attempt.id, token, 0, letters[seq % len(letters)], seq)
                session.commit()
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

    threads = [threading.Thread(target=save, args=(seq,)) for seq in range(1, 7)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    db.rollback()
    answer = db.query(Answer).filter_by(attempt_id=attempt.id, position=0).one()
    assert answer.seq == 6 and answer.response == letters[6 % len(letters)]


def test_the_one_statement_save_accepts_exactly_what_normalise_response_accepts(db, tree, exam):
    """The save statement checks answers in SQL; for every type and a spread of answers, what it keeps
    (or refuses) is what the Python rules say, both when the save commits itself and inside a transaction."""
    from datetime import timedelta
    from decimal import Decimal

    from examsys import clock
    from examsys.bank.models import BankPart, QuestionType
    from examsys.bank.schema import Record
    from examsys.bank.services import apply_import, plan_import
    from examsys.errors import ValidationFailed
    from examsys.exams.models import ExamKind

    common = {"rubric": None, "reference_answer": None, "law": "校验法", "law_version": "1", "article": "第一条", "difficulty": 3,
              "points": "1.00", "explanation": "", "tags": []}
    records = [Record("V-F", BankPart.COMMON, None, None, {**common, "type": "fill_in", "stem": "期限为____日", "options": None,
                                                             "answer": ["十五"]}),
               Record("V-C", BankPart.COMMON, None, None, {**common, "type": "case_analysis", "stem": "案例", "options": None, "answer": None,
                                                             "rubric": [{"points": "1.00", "criterion": "分析"}], "reference_answer": "参考"})]
    from tests.factories import make_law

    make_law(db, "校验法", "1")
    apply_import(db, None, plan_import(db, None, records, tree.region), tree.region, activate=True)
    types = (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE, QuestionType.TRUE_FALSE, QuestionType.FILL_IN, QuestionType.CASE_ANALYSIS)
    plan = exam_plans.create_plan(db, exam["admin"], name="校验", kind=ExamKind.QUALIFICATION, org_id=tree.county.id, part=BankPart.COMMON,
                                domain_id=None, opens_at=clock.now(), closes_at=clock.now() + timedelta(hours=2), pass_mark=Decimal(1),
                                sections=[exam_plans.SectionSpec(t, 1, Decimal(1)) for t in types])
    exam_plans.open_plan(db, exam["admin"], plan.id)
    attempt = db.query(Attempt).filter_by(plan_id=plan.id).one()
    token = room.start(db, exam["candidate"], attempt.id)
    db.commit()
    raws = [None, "", [], "A", "B", "Z", "a", ["A"], ["C", "A", "A"], ["A", "Z"], [1], ["true"], "true", "false", True, False, 1, 0,
            "十五", "x" * 200, "x" * 201, "x" * 10000, "x" * 10001, {"a": 1}, 3.5]
    seq = 0
    for position, item in enumerate(attempt.items):
        qtype = QuestionType(item["t"])
        for raw in raws:
            for in_transaction in (False, True):
                seq += 1
                try:
                    expected = saving.normalise_response(qtype, raw, item["o"])
                except ValidationFailed:
                    expected = ValidationFailed
                if in_transaction:
                    db.get(Attempt, attempt.id)  # the session has begun its transaction
                try:
                    result = saving.save_answer(db, exam["candidate"], attempt.id, token, position, raw, seq)
                except ValidationFailed:
                    outcome = ValidationFailed
                else:
                    assert result.saved, (qtype, raw)
                    db.commit()
                    outcome = db.query(Answer).filter_by(attempt_id=attempt.id, position=position).one().response
                db.rollback()
                assert outcome == expected and type(outcome) is type(expected), (qtype, raw, in_transaction, outcome, expected)
