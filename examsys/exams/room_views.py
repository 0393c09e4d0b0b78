"""The exam room: a candidate's exams, the start page, one question per page, the answer save, handing in,
the result."""
from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup, escape

from examsys import clock
from examsys.bank.models import QuestionType
from examsys.db import get_session, keep_writes
from examsys.errors import DomainError, InvalidState, NotFound, ValidationFailed
from examsys.exams import live_papers, room, room_cache, saving
from examsys.exams import results as exam_results
from examsys.exams.models import AttemptStatus
from examsys.exams.views import bp
from examsys.web import load_user, mong


def _token(attempt_id: int) -> str | None:
    return (session.get("exam_tokens") or {}).get(str(attempt_id))


def _remember(attempt_id: int, token: str) -> None:
    tokens = dict(session.get("exam_tokens") or {})
    tokens[str(attempt_id)] = token
    session["exam_tokens"] = tokens


@bp.get("/")
@login_required
def mine():
    db = get_session()
    attempts = room.my_attempts(db, current_user)
    return render_template("exams/mine.html", attempts=attempts, now=clock.now(), may_see=exam_results.may_see_result,
                           may_retake=room.may_retake, newest=room.latest_numbers(attempts))


@bp.get("/attempt/<int:attempt_id>")
@login_required
def attempt(attempt_id: int):
    db = get_session()
    item = room.own_attempt(db, current_user, attempt_id)
    if item.is_over():
        return redirect(url_for("exams.result", attempt_id=item.id))
    if item.status is AttemptStatus.IN_PROGRESS and _token(item.id) == item.device_token:
        return redirect(url_for("exams.question", attempt_id=item.id, n=room.resume_position(db, item) + 1))
    room_cache.warm_room(db, current_user, item)
    return render_template("exams/start.html", attempt=item, other_device=item.status is AttemptStatus.IN_PROGRESS, now=clock.now())


@bp.post("/attempt/<int:attempt_id>/start")
@login_required
def start(attempt_id: int):
    token = room.start(get_session(), current_user, attempt_id, request.form.get("language") or "zh")
    return _enter(attempt_id, token, 1)


@bp.post("/attempt/<int:attempt_id>/retake")
@login_required
def retake(attempt_id: int):
    db = get_session()
    try:
        item, token = room.retake(db, current_user, attempt_id)
    except InvalidState as error:
        db.rollback()
        flash(error.message, "error")
        return redirect(url_for("exams.mine"))
    return _enter(item.id, token, 1)


@bp.post("/attempt/<int:attempt_id>/takeover")
@login_required
def takeover(attempt_id: int):
    db = get_session()
    token = room.take_over(db, current_user, attempt_id)
    flash(_("The exam continues in this window; the other one can no longer save."), "info")
    return _enter(attempt_id, token, room.resume_position(db, room.own_attempt(db, current_user, attempt_id)) + 1)


def _enter(attempt_id: int, token: str, n: int):
    """This browser holds the attempt now (its device token in the session): on to question `n`."""
    _remember(attempt_id, token)
    return redirect(url_for("exams.question", attempt_id=attempt_id, n=n))


def _form_response(qtype: QuestionType):
    if qtype is QuestionType.MULTIPLE_CHOICE:
        return request.form.getlist("answer")
    return request.form.get("answer")


def _state_labels() -> dict[tuple[bool, bool], str]:
    """A navigator link's state in words, by (answered, flagged), with the question number to fill in: its
    accessible name and tooltip (the marks ✓ and ⚑ show it). Translated once per page, not per link."""
    return {(True, True): _("Question %(n)d, answered, flagged"), (True, False): _("Question %(n)d, answered"),
            (False, True): _("Question %(n)d, not answered, flagged"), (False, False): _("Question %(n)d, not answered")}


def _navigator(attempt_id: int, view: room_cache.PaperView, position: int) -> Markup:
    """The links to every question of the paper (answered / empty / flagged / current), each state also
    shown as a mark and said in words, never by colour alone. Built here rather than in a template loop:
    it is on every page of a sitting, and fifty links through Jinja cost more than the rest of the page.
    The current question's four labels ride along for the room's script, which updates its link."""
    base = escape(url_for("exams.question", attempt_id=attempt_id, n=1)[:-1])
    labels = {state: escape(text) for state, text in _state_labels().items()}
    links = []
    for q in view.questions:
        here = q.position == position
        css = ("answered" if q.answered else "unanswered") + (" flagged" if q.flagged else "") + (" current" if here else "")
        current = ' aria-current="step"' if here else ""
        label = labels[q.answered, q.flagged] % {"n": q.position + 1}
        links.append(f'<a href="{base}{q.position + 1}" data-nav-position="{q.position}" class="{css}"{current}'
                     f' aria-label="{label}" title="{label}">{q.position + 1}</a>')
    states = ""
    if 0 <= position < len(view.questions):
        states = "".join(f' data-state-{"answered" if answered else "unanswered"}{"-flagged" if flagged else ""}='
                         f'"{label % {"n": position + 1}}"' for (answered, flagged), label in labels.items())
    legend = escape(mong(_("✓ answered · ⚑ flagged")))  # in Mongolian a vertical span; else the text, escaped
    return Markup(f'<nav class="navigator" aria-label="{escape(_("Question navigator"))}" data-nav-states{states}>{"".join(links)}'
                  f'<span class="nav-legend" aria-hidden="true">{legend}</span></nav>')


@bp.route("/attempt/<int:attempt_id>/q/<int:n>", methods=["GET", "POST"])
@login_required
def question(attempt_id: int, n: int):
    """One question per page: works without JavaScript (the form posts and moves on); with it, each
    change is saved at once."""
    db = get_session()
    item = room.own_attempt(db, current_user, attempt_id)
    if item.finished or (request.method == "GET" and item.is_over()):  # a form posted late is a save refused: it hands in
        flash(_("Time is up: your answers were submitted at the deadline.") if item.auto_submitted or item.expired()
              else _("This attempt has been submitted."), "info")
        return redirect(url_for("exams.result", attempt_id=item.id))
    if item.status is not AttemptStatus.IN_PROGRESS or _held_elsewhere(item):
        return redirect(url_for("exams.attempt", attempt_id=item.id))
    position = max(0, min(n - 1, len(item.items) - 1))
    view = room_cache.paper_view(db, item)
    if request.method == "POST":
        entry = view.questions[position]
        try:
            saving.save_answer(db, current_user, item.id, _token(item.id), position, _form_response(entry.type),
                                 saving.next_seq(item, position), flagged=request.form.get("flagged") == "1")
        except room.TimeUp as error:  # handed in now, at its deadline: kept (the request answers with a redirect)
            flash(error.message, "info")
            return redirect(url_for("exams.result", attempt_id=attempt_id))
        except ValidationFailed as error:
            db.rollback()
            flash(error.message, "error")
        go = request.form.get("go", "next")
        target = {"prev": position, "next": position + 2, "stay": position + 1}.get(go, position + 2)
        if go == "submit" or target > len(item.items):
            return redirect(url_for("exams.submit", attempt_id=item.id))
        return redirect(url_for("exams.question", attempt_id=item.id, n=max(1, target)))
    return render_template("exams/question.html", attempt=item, view=view, position=position, entry=view.questions[position],
                           navigator=_navigator(item.id, view, position), now=clock.now())


@bp.post("/attempt/<int:attempt_id>/save")
def save(attempt_id: int):
    """JSON: {position, response, seq, flagged?} → {saved, seq, saved_at}; 409 when time is up or
    another window holds the attempt. The hot path: it identifies the candidate from the session's
    login id with one column read instead of loading the user (CSRF is checked as for every POST)."""
    db = get_session()
    login_id = session.get("_user_id")
    if not login_id:
        return _login_needed()
    data = request.get_json(silent=True)
    try:
        if not isinstance(data, dict):
            raise ValueError(data)
        result = saving.save_for_login(db, login_id, attempt_id, _token(attempt_id), int(data.get("position", -1)), data.get("response"),
                                         int(data.get("seq", 0)), flagged=data.get("flagged"))
    except room.TimeUp as error:
        keep_writes()  # the refused save handed the paper in at its deadline: that stands
        return jsonify({"error": "time_up", "message": error.message, "redirect": url_for("exams.result", attempt_id=attempt_id)}), 409
    except room.OtherDevice as error:
        return jsonify({"error": "other_device", "message": error.message, "redirect": url_for("exams.attempt", attempt_id=attempt_id)}), 409
    except (TypeError, ValueError):
        return jsonify({"error": "bad_request", "message": _("The save was not understood.")}), 400
    except NotFound:
        if load_user(login_id) is None:  # logged out, password changed or account disabled since: every copy of the session ended
            return _login_needed()
        raise
    return jsonify({"saved": result.saved, "seq": result.seq, "saved_at": result.saved_at.isoformat()})


def _login_needed():
    return jsonify({"error": "login", "message": _("Please log in to see this page."), "redirect": url_for("auth.login")}), 401


@bp.post("/attempt/<int:attempt_id>/event")
@login_required
def event(attempt_id: int):
    db = get_session()
    try:
        item = room.record_departure(db, current_user, attempt_id, _token(attempt_id))
    except NotFound:
        raise  # another candidate's paper answers as one that does not exist, not as a refused event
    except DomainError as error:
        return jsonify({"error": "refused", "message": error.message}), 409
    return jsonify({"departures": item.departures, "finished": item.finished})


def _held_elsewhere(attempt) -> bool:
    """The attempt is in progress in another window or on another device, not in this browser (past its
    deadline it is no one's: handing it in hands it in at the deadline)."""
    return attempt.status is AttemptStatus.IN_PROGRESS and not attempt.expired() and _token(attempt.id) != attempt.device_token


@bp.route("/attempt/<int:attempt_id>/submit", methods=["GET", "POST"])
@login_required
def submit(attempt_id: int):
    db = get_session()
    item = room.own_attempt(db, current_user, attempt_id)
    if _held_elsewhere(item):  # its start page offers to continue here, or to go back
        return redirect(url_for("exams.attempt", attempt_id=attempt_id))
    if request.method == "POST":
        try:
            handed_in = room.submit(db, current_user, attempt_id, _token(attempt_id))
        except InvalidState as error:
            db.rollback()
            flash(error.message, "info")
        else:
            if handed_in.auto_submitted:
                flash(_("Time is up: your answers were submitted at the deadline."), "info")
        return redirect(url_for("exams.result", attempt_id=attempt_id))
    if item.is_over():
        return redirect(url_for("exams.result", attempt_id=attempt_id))
    view = room_cache.paper_view(db, item)
    return render_template("exams/submit.html", attempt=item, view=view, navigator=_navigator(item.id, view, -1), now=clock.now())


@bp.get("/attempt/<int:attempt_id>/result")
@login_required
def result(attempt_id: int):
    db = get_session()
    item = room.own_attempt(db, current_user, attempt_id)
    if not item.is_over():  # nothing to show yet: the attempt's own page says what can be done
        return redirect(url_for("exams.attempt", attempt_id=attempt_id))
    review = live_papers.withhold_live_keys(db, item, exam_results.review_view(db, item)) if exam_results.may_review_answers(item) else None
    again = room.may_retake(item, room.newest_number(db, item))
    return render_template("exams/result.html", attempt=item, show=exam_results.may_see_result(item), review=review, again=again)
