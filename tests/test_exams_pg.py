"""On PostgreSQL: two submits of one attempt at the same moment grade it once."""
import threading

import pytest

from examsys.audit.models import AuditEntry
from examsys.db import get_session
from examsys.errors import InvalidState
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
