"""The practice pages (their own blueprint, `practice`)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from examsys.bank.models import QuestionType
from examsys.bank.types import kind_of
from examsys.db import get_session
from examsys.errors import ValidationFailed
from examsys.exams import room

practice_bp = Blueprint("practice", __name__, url_prefix="/practice")


@practice_bp.get("/")
@login_required
def practice_home():
    from examsys.exams import practice

    db = get_session()
    room.require_candidate(current_user)
    try:
        laws, wrong = practice.laws(db, current_user), len(practice.wrong_book(db, current_user))
    except practice.PracticeClosed as closed:
        return render_template("exams/practice_home.html", closed=closed.message, laws=[], wrong=0)
    return render_template("exams/practice_home.html", closed=None, laws=laws, wrong=wrong)


def _practice_page(version, feedback=None, law=None, order=None):
    """A practice question (with its feedback once answered), its options in `order`: a fresh random order
    for a new question, the order shown when the answer came back."""
    from examsys.exams import practice

    return render_template("exams/practice_question.html", version=version, feedback=feedback, law=law, order=order,
                           ref=practice.reference(current_user, version), template=kind_of(version.type).template)


@practice_bp.route("/question", methods=["GET", "POST"])
@login_required
def practice_question():
    from examsys.exams import practice

    db = get_session()
    law = request.values.get("law") or None
    if request.method == "POST":
        ref = request.form.get("item", "")
        version = practice.question_for(db, current_user, ref)
        raw = request.form.getlist("answer") if version.type is QuestionType.MULTIPLE_CHOICE else request.form.get("answer")
        order = practice.parse_order(request.form.get("order"), version)
        try:
            feedback = practice.answer(db, current_user, ref, raw, order)
        except ValidationFailed as error:
            flash(error.message, "error")
            return redirect(url_for("practice.practice_question", law=law))
        db.commit()
        return _practice_page(feedback.version, feedback, law, feedback.order)
    version = practice.next_question(db, current_user, law)
    if version is None:
        flash(_("No practice questions for this law yet."), "info")
        return redirect(url_for("practice.practice_home"))
    return _practice_page(version, None, law, practice.option_order(version))


@practice_bp.get("/wrong")
@login_required
def practice_wrong():
    from examsys.exams import practice

    db = get_session()
    return render_template("exams/practice_wrong.html", entries=practice.wrong_book(db, current_user))


@practice_bp.get("/retry/<int:answer_id>")
@login_required
def practice_retry(answer_id: int):
    from examsys.exams import practice

    db = get_session()
    room.require_candidate(current_user)
    version = practice.retry(db, current_user, answer_id)  # someone else's answer: 404
    if version is None:  # no longer in the pool (retired, now on a live paper): back to the book
        return redirect(url_for("practice.practice_wrong"))
    return _practice_page(version, None, version.law, practice.option_order(version))
