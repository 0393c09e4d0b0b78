"""Grading pages: case answers marked by people, and regrading a plan after a key fix."""
from __future__ import annotations

from decimal import Decimal

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from examsys.db import get_session
from examsys.errors import InvalidState, ValidationFailed, flash_refusal
from examsys.exams import grading as exam_grading
from examsys.exams import plans as exam_plans
from examsys.exams.views import bp


@bp.get("/plans/<int:plan_id>/grading")
@login_required
def grading(plan_id: int):
    db = get_session()
    item = exam_plans.get_plan(db, current_user, plan_id)
    return render_template("exams/grading.html", plan=item, queue=exam_grading.grading_queue(db, current_user, plan_id))


@bp.post("/answers/<int:answer_id>/grade")
@login_required
def grade_case(answer_id: int):
    db = get_session()
    try:
        score = Decimal(request.form.get("score", ""))
    except ArithmeticError:
        score = Decimal(-1)
    attempt = flash_refusal(lambda: exam_grading.grade_case(db, current_user, answer_id, score, request.form.get("comment", "")), "",
                            (ValidationFailed, InvalidState))
    if attempt is None:
        return redirect(request.referrer or url_for("exams.plans"))
    flash(_("Score recorded."), "success")
    return redirect(url_for("exams.grading", plan_id=attempt.plan_id))


@bp.route("/plans/<int:plan_id>/regrade", methods=["GET", "POST"])
@login_required
def regrade(plan_id: int):
    """After a key fix: pick the question, see every candidate whose result would change, then apply with a reason."""
    db = get_session()
    item = exam_plans.get_plan(db, current_user, plan_id)
    pairs = exam_grading.regrade_candidates(db, current_user, plan_id)
    version_id = request.values.get("version", type=int)
    changes = None
    if version_id:
        if request.method == "POST":
            applied = flash_refusal(lambda: exam_grading.regrade(db, current_user, plan_id, version_id, apply=True,
                                                                 reason=request.form.get("reason", "")), "")
            if applied is not None:
                flash(_("Regraded: %(n)d results changed.", n=len(applied)), "success")
                return redirect(url_for("exams.results", plan_id=plan_id))
        changes = exam_grading.regrade(db, current_user, plan_id, version_id, apply=False)
        db.rollback()
    return render_template("exams/regrade.html", plan=item, pairs=pairs, version_id=version_id, changes=changes)
