"""Rule 9: one make-up per failed sitting by default (EXAM_MAKEUPS_PER_SITTING)."""
from datetime import timedelta

from examsys import clock
from examsys.bank.models import BankPart
from examsys.exams import plans as exam_plans
from examsys.exams import room
from examsys.exams.models import Attempt, ExamKind
from tests.exam_fixtures import SMALL_BLUEPRINT


def _makeup(db, tree, exam, name):
    now = clock.now()
    return exam_plans.create_plan(db, exam["admin"], name=name, kind=ExamKind.MAKEUP, org_id=tree.region.id, part=BankPart.COMMON,
                                domain_id=None, opens_at=now - timedelta(minutes=5), closes_at=now + timedelta(hours=2),
                                duration_minutes=60, sections=SMALL_BLUEPRINT, makeup_of_id=exam["plan"].id)


def _sit_and_fail(db, user, person, plan):
    attempt = db.query(Attempt).filter_by(person_id=person.id, plan_id=plan.id).one()
    token = room.start(db, user, attempt.id)
    room.submit(db, user, attempt.id, token)  # nothing answered: failed


def test_one_make_up_per_failed_sitting_unless_the_setting_allows_more(app, db, tree, exam):
    _sit_and_fail(db, exam["candidate"], exam["officer"], exam["plan"])
    first = _makeup(db, tree, exam, "补考一")
    assert [p.name for p in exam_plans.eligible_candidates(db, first)] == ["考生甲"]
    exam_plans.open_plan(db, exam["admin"], first.id)
    _sit_and_fail(db, exam["candidate"], exam["officer"], first)
    second = _makeup(db, tree, exam, "补考二")
    assert exam_plans.eligible_candidates(db, second) == []  # the make-up of this sitting is used
    assert [p.name for p in exam_plans.eligible_candidates(db, first)] == ["考生甲"]  # its own plan does not count against it
    app.config["EXAM_MAKEUPS_PER_SITTING"] = 2
    assert [p.name for p in exam_plans.eligible_candidates(db, second)] == ["考生甲"]
