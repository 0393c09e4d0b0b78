"""Pages of the exams: plans for exam administrators, the exam room for candidates."""
from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from decimal import Decimal

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup, escape

from examsys import clock
from examsys.audit.services import record_export
from examsys.bank.models import BankPart, QuestionType
from examsys.bank.services import domains
from examsys.bank.services import laws as bank_laws
from examsys.bank.types import kind_of
from examsys.db import get_session
from examsys.errors import DomainError, InvalidState, NotFound, ValidationFailed, populate_errors
from examsys.exams import item_analysis, live_papers, room, services
from examsys.exams.forms import PlanForm
from examsys.exams.models import AttemptStatus, ExamKind, IntegrityEvent, PaperMode, ReviewPolicy
from examsys.imports.tabular import Column, download
from examsys.orgs.services import choices
from examsys.pagination import paginate, paginate_list
from examsys.web import load_user

bp = Blueprint("exams", __name__, url_prefix="/exams")


# ---- plans (exam administrators) ------------------------------------------------------------------

@bp.get("/plans")
@login_required
def plans():
    db = get_session()
    page = paginate(db, services.plan_query(db, current_user), current_app.config["PAGE_SIZE"])
    return render_template("exams/plans.html", page=page)


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=clock.zone())


@bp.route("/plans/new", methods=["GET", "POST"])
@login_required
def plan_new():
    db = get_session()
    services.plan_query(db, current_user)  # refuses non-administrators
    form = PlanForm()
    form.org_id.choices = [(o.id, "　" * o.depth + o.name) for o in choices(db, current_user, services.ADMIN)]
    form.domain_id.choices = [(0, "—")] + [(d.id, d.name) for d in domains(db)]
    form.makeup_of_id.choices = [(0, "—")] + [(p.id, p.name) for p in db.scalars(services.plan_query(db, current_user))
                                               if p.kind is ExamKind.QUALIFICATION and p.status.value != "draft"]
    any_law = [("", _("any"))] + [(law, law) for law in bank_laws(db, current_user)]
    for entry in form.sections.entries:
        entry.form.law.choices = any_law
    if request.method == "GET":
        for entry, spec in zip(form.sections.entries, services.default_sections(), strict=False):
            entry.form.type.data, entry.form.count.data, entry.form.points_each.data = spec.type.value, spec.count, spec.points_each
    if form.validate_on_submit():
        sections = [services.SectionSpec(QuestionType(e.form.type.data), e.form.count.data or 0, e.form.points_each.data or Decimal(0),
                                         (e.form.law.data or "").strip() or None, e.form.difficulty.data)
                    for e in form.sections.entries if e.form.type.data]
        try:
            plan = services.create_plan(
                db, current_user, name=form.name.data or "", kind=ExamKind(form.kind.data), org_id=form.org_id.data,
                part=BankPart(form.part.data), domain_id=form.domain_id.data or None, opens_at=_aware(form.opens_at.data),
                closes_at=_aware(form.closes_at.data), duration_minutes=form.duration_minutes.data, pass_mark=form.pass_mark.data,
                attempts_allowed=form.attempts_allowed.data, sections=sections, partial_credit=form.partial_credit.data,
                shuffle_questions=form.shuffle_questions.data, shuffle_options=form.shuffle_options.data,
                paper_mode=PaperMode(form.paper_mode.data), review=ReviewPolicy(form.review.data),
                max_departures=form.max_departures.data, include_auxiliary=form.include_auxiliary.data,
                makeup_of_id=form.makeup_of_id.data or None, double_marking=form.double_marking.data,
                marking_tolerance=form.marking_tolerance.data if form.marking_tolerance.data is not None else Decimal(2))
        except ValidationFailed as error:
            populate_errors(form, error)
        else:
            db.commit()
            flash(_("The plan is saved as a draft. Check it against the bank, then open it."), "success")
            return redirect(url_for("exams.plan", plan_id=plan.id))
    return render_template("exams/plan_new.html", form=form)


@bp.get("/plans/<int:plan_id>")
@login_required
def plan(plan_id: int):
    db = get_session()
    item = services.get_plan(db, current_user, plan_id)
    check = services.check_plan(db, item)
    _plan, attempts = services.results(db, current_user, plan_id)
    counts = {status: sum(1 for a in attempts if a.status is status) for status in AttemptStatus}
    candidates = len(services.eligible_candidates(db, item)) if item.status.value == "draft" else len(attempts)
    return render_template("exams/plan.html", plan=item, check=check, counts=counts, candidates=candidates)


@bp.post("/plans/<int:plan_id>/open")
@login_required
def plan_open(plan_id: int):
    db = get_session()
    made = services.open_plan(db, current_user, plan_id)
    db.commit()
    flash(_("The exam is open: %(n)d papers were generated.", n=made), "success")
    return redirect(url_for("exams.plan", plan_id=plan_id))


@bp.post("/plans/<int:plan_id>/publish")
@login_required
def plan_publish(plan_id: int):
    db = get_session()
    services.publish_results(db, current_user, plan_id)
    db.commit()
    flash(_("Results are published: candidates can see them now."), "success")
    return redirect(url_for("exams.results", plan_id=plan_id))


@bp.get("/plans/<int:plan_id>/proctor")
@login_required
def proctor(plan_id: int):
    """The sitting live: how many candidates are where, then one status at a time, a page at a time."""
    db = get_session()
    item, attempts = services.results(db, current_user, plan_id)
    for attempt in attempts:
        services.touch(db, attempt)
    db.commit()
    tally = Counter(PROCTOR_GROUP[a.status] for a in attempts)
    shown = request.args.get("status", "")
    if shown in PROCTOR_GROUPS:
        attempts = [a for a in attempts if PROCTOR_GROUP[a.status] == shown]
    page = paginate_list(attempts, current_app.config["PAGE_SIZE"] * 2)
    ids = [a.id for a in page.items]
    return render_template("exams/proctor.html", plan=item, page=page, tally=tally, shown=shown, groups=PROCTOR_GROUPS,
                           events=services.integrity_events(db, ids), last_saves=services.last_saves(db, ids),
                           event_text=_event_text, now=clock.now())


PROCTOR_GROUP = {AttemptStatus.NOT_STARTED: "not_started", AttemptStatus.IN_PROGRESS: "in_progress",
                 AttemptStatus.SUBMITTED: "finished", AttemptStatus.AUTO_SUBMITTED: "finished", AttemptStatus.GRADED: "finished"}
PROCTOR_GROUPS = ("not_started", "in_progress", "finished")


EXTENSION_DETAIL = re.compile(r"\+(?P<minutes>\d+) min: (?P<reason>.*)\Z", re.S)


def _event_text(event: IntegrityEvent) -> str:
    """What happened, in the reader's language (events keep a code and the facts)."""
    if event.kind == "focus_lost":
        return _("Left the exam page (%(n)s)", n=event.detail)
    if event.kind == "takeover":
        return _("Continued in another window")
    if event.kind == "auto_submitted":
        return _("Handed in automatically: left the page too often") if event.detail == "departures" \
            else _("Handed in automatically at the deadline")
    if event.kind == "extension":  # detail: "+<minutes> min: <reason>"
        found = EXTENSION_DETAIL.match(event.detail or "")
        if found is None:
            return _("Time extended: %(detail)s", detail=event.detail)
        return _("Time extended by %(n)s minutes: %(reason)s", n=found["minutes"], reason=found["reason"])
    return f"{event.kind} {event.detail}"


@bp.post("/attempts/<int:attempt_id>/extend")
@login_required
def extend(attempt_id: int):
    db = get_session()
    attempt = services.grant_extension(db, current_user, attempt_id, request.form.get("minutes", type=int) or 0, request.form.get("reason", ""))
    db.commit()
    flash(_("%(name)s has %(n)d more minutes.", name=attempt.person.name, n=attempt.extra_minutes), "success")
    return redirect(url_for("exams.proctor", plan_id=attempt.plan_id))


@bp.get("/plans/<int:plan_id>/grading")
@login_required
def grading(plan_id: int):
    db = get_session()
    item = services.get_plan(db, current_user, plan_id)
    return render_template("exams/grading.html", plan=item, queue=services.grading_queue(db, current_user, plan_id))


@bp.post("/answers/<int:answer_id>/grade")
@login_required
def grade_case(answer_id: int):
    db = get_session()
    try:
        score = Decimal(request.form.get("score", ""))
    except ArithmeticError:
        score = Decimal(-1)
    try:
        attempt = services.grade_case(db, current_user, answer_id, score, request.form.get("comment", ""))
    except (ValidationFailed, InvalidState) as error:
        flash(error.message, "error")
        return redirect(request.referrer or url_for("exams.plans"))
    db.commit()
    flash(_("Score recorded."), "success")
    return redirect(url_for("exams.grading", plan_id=attempt.plan_id))


@bp.route("/plans/<int:plan_id>/regrade", methods=["GET", "POST"])
@login_required
def regrade(plan_id: int):
    """After a key fix: pick the question, see every candidate whose result would change, then apply with a reason."""
    db = get_session()
    item = services.get_plan(db, current_user, plan_id)
    pairs = services.regrade_candidates(db, current_user, plan_id)
    version_id = request.values.get("version", type=int)
    changes = None
    if version_id:
        if request.method == "POST":
            try:
                applied = services.regrade(db, current_user, plan_id, version_id, apply=True, reason=request.form.get("reason", ""))
            except ValidationFailed as error:
                flash(error.message, "error")
            else:
                db.commit()
                flash(_("Regraded: %(n)d results changed.", n=len(applied)), "success")
                return redirect(url_for("exams.results", plan_id=plan_id))
        changes = services.regrade(db, current_user, plan_id, version_id, apply=False)
        db.rollback()
    return render_template("exams/regrade.html", plan=item, pairs=pairs, version_id=version_id, changes=changes)


RESULT_COLUMNS = (Column("name", "姓名"), Column("org", "单位"), Column("attempt", "第几次"), Column("status", "状态"), Column("score", "得分"),
                  Column("passed", "是否合格"), Column("submitted_at", "交卷时间"))


@bp.get("/plans/<int:plan_id>/results")
@login_required
def results(plan_id: int):
    db = get_session()
    item, attempts = services.results(db, current_user, plan_id)
    order = request.args.get("sort", "name")
    keys = {"name": lambda a: (a.person.name_key, a.number), "org": lambda a: (a.person.org.path, a.person.name_key, a.number),
            "score": lambda a: -(a.score or -1), "status": lambda a: a.status.value}
    attempts.sort(key=keys.get(order, keys["name"]))
    tally = Counter("passed" if a.passed is True else "failed" if a.passed is False else "open" for a in attempts)
    page = paginate_list(attempts, current_app.config["PAGE_SIZE"] * 2)
    return render_template("exams/results.html", plan=item, page=page, tally=tally, sort=order)


@bp.get("/plans/<int:plan_id>/results.<any(csv, xlsx):fmt>")
@login_required
def results_export(plan_id: int, fmt: str):
    db = get_session()
    item, attempts = services.results(db, current_user, plan_id)
    rows = [{"name": a.person.name, "org": a.person.org.name, "attempt": a.number, "status": a.status.label,
             "score": str(a.score) if a.score is not None else "", "passed": {True: "合格", False: "不合格"}.get(a.passed, ""),
             "submitted_at": clock.local_text(a.submitted_at, "%Y-%m-%d %H:%M:%S") if a.submitted_at else ""}
            for a in attempts]
    record_export(db, current_user, "results", item.id, fmt=fmt, rows=len(rows), label=item.name, org=item.org)
    db.commit()
    return download(fmt, f"results-{item.id}", RESULT_COLUMNS, rows, "成绩")


# ---- item statistics ---------------------------------------------------------------------------------

def _thresholds() -> item_analysis.Thresholds:
    return item_analysis.Thresholds.from_config(current_app.config)


@bp.get("/plans/<int:plan_id>/items")
@login_required
def item_stats(plan_id: int):
    """How every question of the plan performed on its graded papers, sortable, a page at a time."""
    db = get_session()
    stats = item_analysis.plan_statistics(db, current_user, plan_id, _thresholds())
    items, sort = item_analysis.sort_items(stats.items, request.args.get("sort", "question"))
    page = paginate_list(items, current_app.config["PAGE_SIZE"] * 2)
    return render_template("exams/item_stats.html", plan=stats.plan, stats=stats, page=page, sort=sort, thresholds=_thresholds())


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def _ratio(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


ITEM_COLUMNS = (Column("ref", "题目编号"), Column("version", "版本"), Column("type", "题型"), Column("attempts", "作答份数"),
                Column("facility", "难度系数p"), Column("discrimination", "区分度r（点二列相关）"), Column("upper_lower", "区分度D（高低分组）"),
                Column("blank", "未作答率"), Column("options", "选项分布（*为答案）"), Column("flags", "提示"), Column("stem", "题干"))


@bp.get("/plans/<int:plan_id>/items.<any(csv, xlsx):fmt>")
@login_required
def item_stats_export(plan_id: int, fmt: str):
    db = get_session()
    stats = item_analysis.plan_statistics(db, current_user, plan_id, _thresholds())
    items, _sort = item_analysis.sort_items(stats.items, request.args.get("sort", "question"))
    rows = [{"ref": s.ref, "version": str(s.number), "type": s.type.label, "attempts": str(s.attempts), "facility": _ratio(s.facility),
             "discrimination": _ratio(s.discrimination), "upper_lower": _ratio(s.upper_lower), "blank": _percent(s.blank_rate),
             "options": ", ".join(f"{o.label}{'*' if o.key else ''} {_percent(o.share)}" for o in s.options),
             "flags": "、".join(s.flag_labels), "stem": s.stem} for s in items]
    record_export(db, current_user, "item_stats", stats.plan.id, fmt=fmt, rows=len(rows), filters={"sort": request.args.get("sort")},
                  label=stats.plan.name, org=stats.plan.org)
    db.commit()
    return download(fmt, f"items-{stats.plan.id}", ITEM_COLUMNS, rows, "试题分析")


@bp.get("/items/<int:version_id>")
@login_required
def item_version(version_id: int):
    """One question version across every plan in the administrator's scope whose graded papers held it."""
    db = get_session()
    stats = item_analysis.version_statistics(db, current_user, version_id, _thresholds())
    return render_template("exams/item_version.html", stats=stats, thresholds=_thresholds())


# ---- the exam room (candidates) -------------------------------------------------------------------

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
    attempts = services.my_attempts(db, current_user)
    db.commit()
    return render_template("exams/mine.html", attempts=attempts, now=clock.now(), may_see=services.may_see_result,
                           may_retake=services.may_retake, newest=services.latest_numbers(attempts))


@bp.get("/attempt/<int:attempt_id>")
@login_required
def attempt(attempt_id: int):
    db = get_session()
    item = services.own_attempt(db, current_user, attempt_id)
    db.commit()
    if item.status is AttemptStatus.IN_PROGRESS and _token(item.id) == item.device_token:
        return redirect(url_for("exams.question", attempt_id=item.id, n=room.resume_position(db, item) + 1))
    if item.finished:
        return redirect(url_for("exams.result", attempt_id=item.id))
    services.warm_room(db, current_user, item)
    db.commit()
    return render_template("exams/start.html", attempt=item, other_device=item.status is AttemptStatus.IN_PROGRESS, now=clock.now())


@bp.post("/attempt/<int:attempt_id>/start")
@login_required
def start(attempt_id: int):
    db = get_session()
    token = services.start(db, current_user, attempt_id)
    db.commit()
    _remember(attempt_id, token)
    return redirect(url_for("exams.question", attempt_id=attempt_id, n=1))


@bp.post("/attempt/<int:attempt_id>/retake")
@login_required
def retake(attempt_id: int):
    db = get_session()
    try:
        item, token = services.retake(db, current_user, attempt_id)
    except InvalidState as error:
        db.rollback()
        flash(error.message, "error")
        return redirect(url_for("exams.mine"))
    db.commit()
    _remember(item.id, token)
    return redirect(url_for("exams.question", attempt_id=item.id, n=1))


@bp.post("/attempt/<int:attempt_id>/takeover")
@login_required
def takeover(attempt_id: int):
    db = get_session()
    token = services.take_over(db, current_user, attempt_id)
    db.commit()
    _remember(attempt_id, token)
    flash(_("The exam continues in this window; the other one can no longer save."), "info")
    item = services.own_attempt(db, current_user, attempt_id)
    return redirect(url_for("exams.question", attempt_id=attempt_id, n=room.resume_position(db, item) + 1))


def _form_response(qtype: QuestionType):
    if qtype is QuestionType.MULTIPLE_CHOICE:
        return request.form.getlist("answer")
    return request.form.get("answer")


def _state_labels() -> dict[tuple[bool, bool], str]:
    """A navigator link's state in words, by (answered, flagged), with the question number to fill in: its
    accessible name and tooltip (the marks ✓ and ⚑ show it). Translated once per page, not per link."""
    return {(True, True): _("Question %(n)d, answered, flagged"), (True, False): _("Question %(n)d, answered"),
            (False, True): _("Question %(n)d, not answered, flagged"), (False, False): _("Question %(n)d, not answered")}


def _navigator(attempt_id: int, view: services.PaperView, position: int) -> Markup:
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
    legend = escape(_("✓ answered · ⚑ flagged"))
    return Markup(f'<nav class="navigator" aria-label="{escape(_("Question navigator"))}" data-nav-states{states}>{"".join(links)}'
                  f'<span class="nav-legend" aria-hidden="true">{legend}</span></nav>')


@bp.route("/attempt/<int:attempt_id>/q/<int:n>", methods=["GET", "POST"])
@login_required
def question(attempt_id: int, n: int):
    """One question per page: works without JavaScript (the form posts and moves on); with it, each
    change is saved at once."""
    db = get_session()
    item = services.own_attempt(db, current_user, attempt_id)
    if item.finished:
        db.commit()
        flash(_("Time is up: your answers were submitted at the deadline.") if item.auto_submitted
              else _("This attempt has been submitted."), "info")
        return redirect(url_for("exams.result", attempt_id=item.id))
    if item.status is not AttemptStatus.IN_PROGRESS or _held_elsewhere(item):
        return redirect(url_for("exams.attempt", attempt_id=item.id))
    position = max(0, min(n - 1, len(item.items) - 1))
    view = services.paper_view(db, item)
    if request.method == "POST":
        entry = view.questions[position]
        try:
            services.save_answer(db, current_user, item.id, _token(item.id), position, _form_response(entry.type),
                                 services.next_seq(item, position), flagged=request.form.get("flagged") == "1")
        except services.TimeUp:
            db.commit()
            return redirect(url_for("exams.result", attempt_id=item.id))
        except ValidationFailed as error:
            flash(error.message, "error")
        else:
            db.commit()
        go = request.form.get("go", "next")
        target = {"prev": position, "next": position + 2, "stay": position + 1}.get(go, position + 2)
        if go == "submit" or target > len(item.items):
            return redirect(url_for("exams.submit", attempt_id=item.id))
        return redirect(url_for("exams.question", attempt_id=item.id, n=max(1, target)))
    db.commit()
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
        result = services.save_for_login(db, login_id, attempt_id, _token(attempt_id), int(data.get("position", -1)), data.get("response"),
                                         int(data.get("seq", 0)), flagged=data.get("flagged"))
    except services.TimeUp as error:
        db.commit()
        return jsonify({"error": "time_up", "message": error.message, "redirect": url_for("exams.result", attempt_id=attempt_id)}), 409
    except services.OtherDevice as error:
        return jsonify({"error": "other_device", "message": error.message, "redirect": url_for("exams.attempt", attempt_id=attempt_id)}), 409
    except (TypeError, ValueError):
        return jsonify({"error": "bad_request", "message": _("The save was not understood.")}), 400
    except NotFound:
        if load_user(login_id) is None:  # logged out, password changed or account disabled since: every copy of the session ended
            return _login_needed()
        raise
    db.commit()
    return jsonify({"saved": result.saved, "seq": result.seq, "saved_at": result.saved_at.isoformat()})


def _login_needed():
    return jsonify({"error": "login", "message": _("Please log in to see this page."), "redirect": url_for("auth.login")}), 401


@bp.post("/attempt/<int:attempt_id>/event")
@login_required
def event(attempt_id: int):
    db = get_session()
    try:
        item = services.record_departure(db, current_user, attempt_id, _token(attempt_id))
    except NotFound:
        raise  # another candidate's paper answers as one that does not exist, not as a refused event
    except DomainError as error:
        return jsonify({"error": "refused", "message": error.message}), 409
    db.commit()
    return jsonify({"departures": item.departures, "finished": item.finished})


def _held_elsewhere(attempt) -> bool:
    """The attempt is in progress in another window or on another device, not in this browser."""
    return attempt.status is AttemptStatus.IN_PROGRESS and _token(attempt.id) != attempt.device_token


@bp.route("/attempt/<int:attempt_id>/submit", methods=["GET", "POST"])
@login_required
def submit(attempt_id: int):
    db = get_session()
    item = services.own_attempt(db, current_user, attempt_id)
    if _held_elsewhere(item):  # its start page offers to continue here, or to go back
        db.commit()
        return redirect(url_for("exams.attempt", attempt_id=attempt_id))
    if request.method == "POST":
        try:
            services.submit(db, current_user, attempt_id, _token(attempt_id))
        except InvalidState as error:
            flash(error.message, "info")
        db.commit()
        return redirect(url_for("exams.result", attempt_id=attempt_id))
    db.commit()
    if item.finished:
        return redirect(url_for("exams.result", attempt_id=attempt_id))
    view = services.paper_view(db, item)
    return render_template("exams/submit.html", attempt=item, view=view, navigator=_navigator(item.id, view, -1), now=clock.now())


@bp.get("/attempt/<int:attempt_id>/result")
@login_required
def result(attempt_id: int):
    db = get_session()
    item = services.own_attempt(db, current_user, attempt_id)
    db.commit()
    if not item.finished:  # nothing to show yet: the attempt's own page says what can be done
        return redirect(url_for("exams.attempt", attempt_id=attempt_id))
    review = live_papers.withhold_live_keys(db, item, services.review_view(db, item)) if services.may_review_answers(item) else None
    again = services.may_retake(item, services.newest_number(db, item))
    return render_template("exams/result.html", attempt=item, show=services.may_see_result(item), review=review, again=again)


# ---- practice --------------------------------------------------------------------------------------

practice_bp = Blueprint("practice", __name__, url_prefix="/practice")


@practice_bp.get("/")
@login_required
def practice_home():
    from examsys.exams import practice

    db = get_session()
    services.require_candidate(current_user)
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
    services.require_candidate(current_user)
    version = practice.retry(db, current_user, answer_id)  # someone else's answer: 404
    if version is None:  # no longer in the pool (retired, now on a live paper): back to the book
        return redirect(url_for("practice.practice_wrong"))
    return _practice_page(version, None, version.law, practice.option_order(version))
