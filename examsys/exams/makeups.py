"""Make-up exams (补考), rule 9: a make-up is for those who failed a qualification sitting, and each of them
gets EXAM_MAKEUPS_PER_SITTING make-ups of it (one by default). A later make-up plan of the same sitting
leaves out whoever already sat that many."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import Select, func, select

from examsys.exams.models import Attempt, AttemptStatus, ExamKind, ExamPlan


def used_up(plan: ExamPlan) -> Select[tuple[int]]:
    """The people who already sat (started) the allowed number of other make-ups of `plan`'s sitting."""
    allowed = int(current_app.config["EXAM_MAKEUPS_PER_SITTING"])
    others = select(ExamPlan.id).where(ExamPlan.kind == ExamKind.MAKEUP, ExamPlan.makeup_of_id == plan.makeup_of_id, ExamPlan.id != plan.id)
    return (select(Attempt.person_id).where(Attempt.plan_id.in_(others), Attempt.status != AttemptStatus.NOT_STARTED)
            .group_by(Attempt.person_id).having(func.count(func.distinct(Attempt.plan_id)) >= allowed))
