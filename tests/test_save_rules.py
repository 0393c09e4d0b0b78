"""One rule of what a save keeps, on both databases: the writer (SQL on PostgreSQL, Python on SQLite) against
the question types' answer rules (bank.types)."""
from datetime import timedelta
from decimal import Decimal

import pytest

from examsys import clock
from examsys.auth.permissions import SYSTEM
from examsys.bank.models import BankPart, QuestionType
from examsys.bank.schema import Record
from examsys.bank.services import apply_import, plan_import
from examsys.bank.types import kind_of
from examsys.errors import ValidationFailed
from examsys.exams import plans as exam_plans
from examsys.exams import room, saving
from examsys.exams.models import Answer, Attempt, ExamKind
from tests.factories import make_law


@pytest.fixture
def every_type(db, tree, exam):
    """A started attempt with one question of every type; returns it with its device token."""
    common = {"rubric": None, "reference_answer": None, "law": "校验法", "law_version": "1", "article": "第一条", "difficulty": 3,
              "points": "1.00", "explanation": "", "tags": []}
    records = [Record("V-F", BankPart.COMMON, None, None, {**common, "type": "fill_in", "stem": "期限为____日", "options": None,
                                                             "answer": ["十五"]}),
               Record("V-C", BankPart.COMMON, None, None, {**common, "type": "case_analysis", "stem": "案例", "options": None, "answer": None,
                                                             "rubric": [{"points": "1.00", "criterion": "分析"}], "reference_answer": "参考"})]
    make_law(db, "校验法", "1")
    apply_import(db, SYSTEM, plan_import(db, SYSTEM, records, tree.region), tree.region, activate=True)
    types = (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE, QuestionType.TRUE_FALSE, QuestionType.FILL_IN, QuestionType.CASE_ANALYSIS)
    plan = exam_plans.create_plan(db, exam["admin"], name="校验", kind=ExamKind.QUALIFICATION, org_id=tree.county.id, part=BankPart.COMMON,
                                domain_id=None, opens_at=clock.now(), closes_at=clock.now() + timedelta(hours=2), pass_mark=Decimal(1),
                                sections=[exam_plans.SectionSpec(t, 1, Decimal(1)) for t in types])
    exam_plans.open_plan(db, exam["admin"], plan.id)
    attempt = db.query(Attempt).filter_by(plan_id=plan.id).one()
    token = room.start(db, exam["candidate"], attempt.id)
    db.commit()
    return attempt, token


RAWS = [None, "", [], "A", "B", "Z", "a", ["A"], ["C", "A", "A"], ["A", "Z"], [1], ["true"], "true", "false", True, False, 1, 0,
        "十五", "x" * 200, "x" * 201, "x" * 10000, "x" * 10001, {"a": 1}, 3.5]


def _expected(qtype, raw, letters):
    try:
        return saving.normalise_response(qtype, raw, letters)
    except ValidationFailed:
        return ValidationFailed


def test_the_save_keeps_exactly_what_the_types_answer_rule_accepts(db, exam, every_type):
    """The writer checks answers in SQL on PostgreSQL (in Python on SQLite); for every type and a spread of
    answers, what a save keeps (or refuses) is what the type's rule says, both when the save commits
    itself and inside a transaction."""
    attempt, token = every_type
    seq = 0
    for position, item in enumerate(attempt.items):
        qtype = QuestionType(item["t"])
        for raw in RAWS:
            for in_transaction in (False, True):
                seq += 1
                expected = _expected(qtype, raw, item["o"])
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


def test_the_lean_writer_keeps_an_answer_exactly_when_the_types_rule_keeps_it_as_sent(app, db, exam, every_type):
    """The lean path's writer (no session, committing itself) keeps an answer when the type accepts it in
    the form it came in (bank.types: the SQL predicate against the Python rule on PostgreSQL), and writes
    nothing otherwise, for Flask's path to say why or to store it in the type's form."""
    from examsys.db import engine_for

    attempt, token = every_type
    login_id = exam["candidate"].login_id
    seq = 0
    for position, item in enumerate(attempt.items):
        qtype = QuestionType(item["t"])
        for raw in RAWS:
            seq += 1
            expected = _expected(qtype, raw, item["o"])
            as_sent = saving._presumed(raw)
            keeps = expected is not ValidationFailed and expected == as_sent and type(expected) is type(as_sent)
            assert kind_of(qtype).keeps(as_sent, item["o"]) is keeps, (qtype, raw)
            result = saving.save_if_plain(engine_for(app), login_id, attempt.id, token, position, raw, seq)
            assert (result is not None) is keeps, (qtype, raw)
            db.rollback()
            stored = db.query(Answer).filter_by(attempt_id=attempt.id, position=position).one_or_none()
            if keeps:
                assert stored.seq == seq and stored.response == expected and type(stored.response) is type(expected), (qtype, raw)
            else:
                assert stored is None or stored.seq < seq, (qtype, raw)
    assert saving.save_if_plain(engine_for(app), login_id, attempt.id, "another device", 0, None, seq + 1) is None
    assert saving.save_if_plain(engine_for(app), "a login id that ended", attempt.id, token, 0, None, seq + 2) is None
