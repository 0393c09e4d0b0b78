"""The practice pages (their own blueprint, `practice`)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from examsys.bank.models import QuestionType
from examsys.bank.types import kind_of
from examsys.db import get_session
from examsys.errors import ValidationFailed
from examsys.exams import room

practice_bp = Blueprint("practice", __name__, url_prefix="/practice")


def _language() -> str:
    """The script to practise in: as chosen on the page (?language=zh|mn), else the interface's (Mongolian
    for a Mongolian interface, Chinese otherwise)."""
    from examsys.exams import practice

    if request.values.get("language"):
        return practice.language_of(request.values["language"])
    return "mn" if str(get_locale()) == "mn_Mong_CN" else "zh"


@practice_bp.get("/")
@login_required
def practice_home():
    from examsys.exams import practice

    db = get_session()
    room.require_candidate(current_user)
    language = _language()
    try:
        laws, wrong = practice.laws(db, current_user, language), len(practice.wrong_book(db, current_user))
        in_mongolian = laws if language == "mn" else practice.laws(db, current_user, "mn")
    except practice.PracticeClosed as closed:
        return render_template("exams/practice_home.html", closed=closed.message, laws=[], wrong=0, language=language, mn_total=0)
    return render_template("exams/practice_home.html", closed=None, laws=laws, wrong=wrong, language=language,
                           mn_total=sum(n for _law, n in in_mongolian))


def _practice_page(version, language, feedback=None, law=None, order=None):
    """A practice question in its script (with its feedback once answered), its options in `order`: a fresh
    random order for a new question, the order shown when the answer came back."""
    from examsys.exams import practice

    return render_template("exams/practice_question.html", version=version, q=practice.shown(version, language), feedback=feedback,
                           law=law, order=order, language=language, ref=practice.reference(current_user, version, language),
                           template=kind_of(version.type).template)


@practice_bp.route("/question", methods=["GET", "POST"])
@login_required
def practice_question():
    from examsys.exams import practice

    db = get_session()
    law = request.values.get("law") or None
    if request.method == "POST":
        ref = request.form.get("item", "")
        version, language = practice.question_for(db, current_user, ref)
        raw = request.form.getlist("answer") if version.type is QuestionType.MULTIPLE_CHOICE else request.form.get("answer")
        order = practice.parse_order(request.form.get("order"), version)
        try:
            feedback = practice.answer(db, current_user, ref, raw, order)
        except ValidationFailed as error:
            db.rollback()
            flash(error.message, "error")
            return redirect(url_for("practice.practice_question", law=law, language=language))
        return _practice_page(feedback.version, language, feedback, law, feedback.order)
    language = _language()
    version = practice.next_question(db, current_user, law, language=language)
    if version is None:
        flash(_("No practice questions in Mongolian for this law yet.") if language == "mn" else _("No practice questions for this law yet."), "info")
        return redirect(url_for("practice.practice_home", language=language))
    return _practice_page(version, language, None, law, practice.option_order(version))


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
    found = practice.retry(db, current_user, answer_id)  # someone else's answer: 404
    if found is None:  # no longer in the pool (retired, now on a live paper): back to the book
        return redirect(url_for("practice.practice_wrong"))
    version, language = found
    return _practice_page(version, language, None, version.law, practice.option_order(version))
