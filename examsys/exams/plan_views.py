"""Pages of exam plans for exam administrators: the plans, a new plan, opening it, its results and the
statistics of its questions."""
from __future__ import annotations

from collections import Counter
from datetime import datetime
from decimal import Decimal

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from examsys import clock
from examsys.audit.services import record_export
from examsys.bank.models import BankPart, QuestionType
from examsys.bank.services import domains
from examsys.bank.services import laws as bank_laws
from examsys.db import get_session
from examsys.errors import submit_form
from examsys.exams import item_analysis
from examsys.exams import plans as exam_plans
from examsys.exams import results as exam_results
from examsys.exams.forms import PlanForm
from examsys.exams.models import PAPER_LANGUAGES, AttemptStatus, ExamKind, PaperMode, ReviewPolicy
from examsys.exams.views import bp
from examsys.imports.tabular import Column, download
from examsys.jobs import records as job_records
from examsys.orgs.services import choices
from examsys.pagination import paginate, paginate_list


@bp.get("/plans")
@login_required
def plans():
    db = get_session()
    page = paginate(db, exam_plans.plan_query(db, current_user), current_app.config["PAGE_SIZE"])
    return render_template("exams/plans.html", page=page)


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=clock.zone())


@bp.route("/plans/new", methods=["GET", "POST"])
@login_required
def plan_new():
    db = get_session()
    exam_plans.plan_query(db, current_user)  # refuses non-administrators
    form = PlanForm()
    form.org_id.choices = [(o.id, "　" * o.depth + o.name) for o in choices(db, current_user, exam_plans.ADMIN)]
    form.domain_id.choices = [(0, "—")] + [(d.id, d.name) for d in domains(db)]
    form.makeup_of_id.choices = [(0, "—")] + [(p.id, p.name) for p in db.scalars(exam_plans.plan_query(db, current_user))
                                               if p.kind is ExamKind.QUALIFICATION and p.status.value != "draft"]
    any_law = [("", _("any"))] + [(law, law) for law in bank_laws(db, current_user)]
    for entry in form.sections.entries:
        entry.form.law.choices = any_law
    if request.method == "GET":
        for entry, spec in zip(form.sections.entries, exam_plans.default_sections(), strict=False):
            entry.form.type.data, entry.form.count.data, entry.form.points_each.data = spec.type.value, spec.count, spec.points_each
    plan = submit_form(form, lambda: _create_plan(db, form))
    if plan is not None:
        flash(_("The plan is saved as a draft. Check it against the bank, then open it."), "success")
        return redirect(url_for("exams.plan", plan_id=plan.id))
    return render_template("exams/plan_new.html", form=form)


def _create_plan(db, form: PlanForm):
    sections = [exam_plans.SectionSpec(QuestionType(e.form.type.data), e.form.count.data or 0, e.form.points_each.data or Decimal(0),
                                       (e.form.law.data or "").strip() or None, e.form.difficulty.data)
                for e in form.sections.entries if e.form.type.data]
    return exam_plans.create_plan(
        db, current_user, name=form.name.data or "", kind=ExamKind(form.kind.data), org_id=form.org_id.data,
        part=BankPart(form.part.data), domain_id=form.domain_id.data or None, opens_at=_aware(form.opens_at.data),
        closes_at=_aware(form.closes_at.data), duration_minutes=form.duration_minutes.data, pass_mark=form.pass_mark.data,
        attempts_allowed=form.attempts_allowed.data, sections=sections, partial_credit=form.partial_credit.data,
        shuffle_questions=form.shuffle_questions.data, shuffle_options=form.shuffle_options.data,
        prefer_less_exposed=form.prefer_less_exposed.data, offers_mongolian=form.offers_mongolian.data,
        paper_mode=PaperMode(form.paper_mode.data), review=ReviewPolicy(form.review.data),
        max_departures=form.max_departures.data, include_auxiliary=form.include_auxiliary.data,
        makeup_of_id=form.makeup_of_id.data or None, double_marking=form.double_marking.data,
        marking_tolerance=form.marking_tolerance.data if form.marking_tolerance.data is not None else Decimal(2))


@bp.get("/plans/<int:plan_id>")
@login_required
def plan(plan_id: int):
    db = get_session()
    item = exam_plans.get_plan(db, current_user, plan_id)
    check = exam_plans.check_plan(db, item)
    _plan, attempts = exam_results.results(db, current_user, plan_id)
    counts = {status: sum(1 for a in attempts if a.status is status) for status in AttemptStatus}
    candidates = len(exam_plans.eligible_ids(db, item)) if item.status.value == "draft" else len(attempts)
    opening = job_records.active_for(db, "exam_plan", item.id, exam_plans.OPEN_JOB) if item.status.value == "draft" else None
    return render_template("exams/plan.html", plan=item, check=check, counts=counts, candidates=candidates, opening=opening)


@bp.post("/plans/<int:plan_id>/open")
@login_required
def plan_open(plan_id: int):
    """Up to EXAM_OPEN_INLINE_MAX candidates, the papers are drawn here (a few seconds at most); more, on the
    job queue, queued in this request's transaction, and the page follows its progress."""
    made = exam_plans.open_or_queue(get_session(), current_user, plan_id, current_app.config["EXAM_OPEN_INLINE_MAX"])
    if made is None:
        return redirect(url_for("exams.plan_opening", plan_id=plan_id))
    flash(_("The exam is open: %(n)d papers were generated.", n=made), "success")
    return redirect(url_for("exams.plan", plan_id=plan_id))


@bp.get("/plans/<int:plan_id>/opening")
@login_required
def plan_opening(plan_id: int):
    """The progress of the job drawing the plan's papers; it reloads by itself until the job ends."""
    db = get_session()
    item = exam_plans.get_plan(db, current_user, plan_id)
    job = job_records.latest_for(db, "exam_plan", item.id, exam_plans.OPEN_JOB)
    if job is None:
        return redirect(url_for("exams.plan", plan_id=plan_id))
    return render_template("jobs/progress.html", job=job, title=_("Opening %(name)s", name=item.name),
                           what=_("Papers drawn"), back=url_for("exams.plan", plan_id=plan_id), back_label=item.name)


@bp.post("/plans/<int:plan_id>/publish")
@login_required
def plan_publish(plan_id: int):
    db = get_session()
    exam_results.publish_results(db, current_user, plan_id)
    flash(_("Results are published: candidates can see them now."), "success")
    return redirect(url_for("exams.results", plan_id=plan_id))


RESULT_COLUMNS = (Column("name", "姓名"), Column("org", "单位"), Column("attempt", "第几次"), Column("status", "状态"), Column("score", "得分"),
                  Column("passed", "是否合格"), Column("submitted_at", "交卷时间"))


@bp.get("/plans/<int:plan_id>/results")
@login_required
def results(plan_id: int):
    db = get_session()
    item, attempts = exam_results.results(db, current_user, plan_id)
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
    item, attempts = exam_results.results(db, current_user, plan_id)
    rows = [{"name": a.person.name, "org": a.person.org.name, "attempt": a.number, "status": a.status.label,
             "score": str(a.score) if a.score is not None else "", "passed": {True: "合格", False: "不合格"}.get(a.passed, ""),
             "submitted_at": clock.local_text(a.submitted_at, "%Y-%m-%d %H:%M:%S") if a.submitted_at else ""}
            for a in attempts]
    record_export(db, current_user, "results", item.id, fmt=fmt, rows=len(rows), label=item.name, org=item.org)
    return download(fmt, f"results-{item.id}", RESULT_COLUMNS, rows, "成绩")


# ---- item statistics ---------------------------------------------------------------------------------

def _thresholds() -> item_analysis.Thresholds:
    return item_analysis.Thresholds.from_config(current_app.config)


@bp.get("/plans/<int:plan_id>/items")
@login_required
def item_stats(plan_id: int):
    """How every question of the plan performed on its graded papers, sortable, a page at a time."""
    db = get_session()
    language = _paper_language()
    stats = item_analysis.plan_statistics(db, current_user, plan_id, _thresholds(), language)
    items, sort = item_analysis.sort_items(stats.items, request.args.get("sort", "question"))
    page = paginate_list(items, current_app.config["PAGE_SIZE"] * 2)
    return render_template("exams/item_stats.html", plan=stats.plan, stats=stats, page=page, sort=sort, thresholds=_thresholds(),
                           language=language)


def _paper_language() -> str | None:
    """The item statistics' filter by the script the papers were taken in (none: every paper)."""
    language = request.args.get("lang")
    return language if language in PAPER_LANGUAGES else None


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
    language = _paper_language()
    stats = item_analysis.plan_statistics(db, current_user, plan_id, _thresholds(), language)
    items, _sort = item_analysis.sort_items(stats.items, request.args.get("sort", "question"))
    rows = [{"ref": s.ref, "version": str(s.number), "type": s.type.label, "attempts": str(s.attempts), "facility": _ratio(s.facility),
             "discrimination": _ratio(s.discrimination), "upper_lower": _ratio(s.upper_lower), "blank": _percent(s.blank_rate),
             "options": ", ".join(f"{o.label}{'*' if o.key else ''} {_percent(o.share)}" for o in s.options),
             "flags": "、".join(s.flag_labels), "stem": s.stem} for s in items]
    record_export(db, current_user, "item_stats", stats.plan.id, fmt=fmt, rows=len(rows), filters={"sort": request.args.get("sort"), "lang": language},
                  label=stats.plan.name, org=stats.plan.org)
    return download(fmt, f"items-{stats.plan.id}", ITEM_COLUMNS, rows, "试题分析")


@bp.get("/items/<int:version_id>")
@login_required
def item_version(version_id: int):
    """One question version across every plan in the administrator's scope whose graded papers held it."""
    db = get_session()
    stats = item_analysis.version_statistics(db, current_user, version_id, _thresholds())
    return render_template("exams/item_version.html", stats=stats, thresholds=_thresholds())
