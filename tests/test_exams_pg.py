"""On PostgreSQL: two submits of one attempt at the same moment grade it once."""
import threading

import pytest

from examsys.audit.models import AuditEntry
from examsys.db import get_session
from examsys.errors import InvalidState
from examsys.exams import services
from examsys.exams.models import Attempt

pytestmark = pytest.mark.pg


def test_two_concurrent_submits_grade_once(app, db, exam):
    attempt = db.query(Attempt).filter_by(person_id=exam["officer"].id).one()
    token = services.start(db, exam["candidate"], attempt.id)
    db.commit()
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def hand_in() -> None:
        with app.app_context():
            session = get_session()
            user = session.get(type(exam["candidate"]), exam["candidate"].id)
            barrier.wait()
            try:
                services.submit(session, user, attempt.id, token)
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
