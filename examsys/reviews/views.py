"""Pages of the routine performance reviews: schemes, periods and their progress, entering a review,
the officer's response, disputes, bulk entry, the annual assessment, follow-up actions and reports."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from examsys import clock
from examsys.audit.services import record_export
from examsys.auth.models import Role
from examsys.auth.permissions import can, grant_roots
from examsys.db import get_session
from examsys.errors import InvalidState, NotFound, ValidationFailed, flash_refusal, populate_errors, submit_form
from examsys.imports.tabular import UnreadableFile, download
from examsys.orgs.services import choices
from examsys.pagination import paginate
from examsys.personnel.services import own_person
from examsys.reviews import actions, annual, bulk, reports, schemes, services
from examsys.reviews.forms import (
    ActionForm,
    AnnualForm,
    BulkForm,
    CloseActionForm,
    EntryForm,
    PeriodForm,
    ResolveForm,
    RespondForm,
    SchemeForm,
)
from examsys.reviews.models import ActionKind, ActionStatus, AnnualGrade, PeriodKind, ReviewStatus
from examsys.web import enum_or_none

bp = Blueprint("reviews", __name__, url_prefix="/reviews")


@bp.get("/")
@login_required
def home():
    db = get_session()
    periods = services.periods(db, current_user)
    return render_template("reviews/home.html", periods=periods[:20], more=len(periods) > 20, label=services.period_label,
                           to_enter=services.to_enter(db, current_user), disputes=services.disputes(db, current_user),
                           is_hr=bool(grant_roots(current_user, Role.HR_ADMIN)), is_reviewer=bool(grant_roots(current_user, Role.REVIEWER)))


# ---- schemes -------------------------------------------------------------------------------------

def _posted_rows() -> list[schemes.IndicatorRow]:
    form = request.form
    columns = [form.getlist(name) for name in ("code", "ind_name", "points", "guidance")]
    width = max((len(c) for c in columns), default=0)
    columns = [c + [""] * (width - len(c)) for c in columns]
    return [schemes.IndicatorRow(*values) for values in zip(*columns, strict=True)]


@bp.route("/schemes", methods=["GET", "POST"])
@login_required
def scheme():
    db = get_session()
    nodes = choices(db, current_user, schemes.HR)
    if not nodes:
        raise NotFound(_("No organisation whose scheme you may define."))
    org_id = request.args.get("org", type=int) or nodes[0].id
    org = next((o for o in nodes if o.id == org_id), None)
    if org is None:
        raise NotFound(_("No such organisation."))
    own = schemes.own_scheme(db, org.id)
    effective = schemes.effective_scheme(db, org)
    form = SchemeForm()
    rows = schemes.rows_of(effective)
    row_errors: dict[str, list[str]] = {}
    if request.method == "GET" and effective is not None:
        form.name.data = effective.name if own is not None else f"{org.name}平时考核指标"
        form.good_from.data, form.fairly_good_from.data, form.average_from.data = (
            schemes.number(effective.good_from), schemes.number(effective.fairly_good_from), schemes.number(effective.average_from))
    elif request.method == "GET":
        form.name.data = f"{org.name}平时考核指标"
    if form.validate_on_submit():
        rows = _posted_rows()
        try:
            saved = schemes.save_scheme(db, current_user, org.id, form.name.data or "", rows,
                                        (form.good_from.data or "", form.fairly_good_from.data or "", form.average_from.data or ""))
        except ValidationFailed as error:
            row_errors = {k: v for k, v in error.field_errors.items() if k.startswith("row-") or k == "indicators"}
            populate_errors(form, ValidationFailed(error.message, {k: v for k, v in error.field_errors.items() if k not in row_errors}))
            if row_errors:
                form.form_errors = [*form.form_errors, *(m for ms in row_errors.values() for m in ms)]
        else:
            flash(_("Scheme saved as version %(v)d.", v=saved.version), "success")
            return redirect(url_for("reviews.scheme", org=org.id))
    elif request.method == "POST":
        rows = _posted_rows()
    return render_template("reviews/scheme.html", form=form, org=org, nodes=nodes, own=own, effective=effective,
                           rows=rows + [schemes.IndicatorRow("", "", "")] * 3, row_errors=row_errors,
                           in_use=own is not None and schemes.in_use(db, own))


# ---- periods -------------------------------------------------------------------------------------

@bp.route("/periods/new", methods=["GET", "POST"])
@login_required
def period_new():
    db = get_session()
    form = PeriodForm()
    form.org_id.choices = [(o.id, "　" * o.depth + o.name) for o in choices(db, current_user, schemes.HR)]
    if not form.org_id.choices:
        raise NotFound(_("No organisation for which you may open a period."))
    if request.method == "GET":
        today = clock.today()
        form.year.data, form.number.data = today.year, (today.month - 1) // 3 + 1
    period = submit_form(form, lambda: services.open_period(db, current_user, form.org_id.data, PeriodKind(form.kind.data),
                                                            form.year.data, form.number.data, form.due_on.data))
    if period is not None:
        flash(_("The period is open: %(n)d officers are due a review.", n=services.review_count(db, period.id)), "success")
        return redirect(url_for("reviews.period", period_id=period.id))
    return render_template("reviews/period_new.html", form=form)


@bp.get("/periods/<int:period_id>")
@login_required
def period(period_id: int):
    db = get_session()
    item = services.get_period(db, current_user, period_id)
    filters = services.ReviewFilter(status=enum_or_none(ReviewStatus, request.args.get("status")), overdue=request.args.get("overdue") == "1",
                                    text=request.args.get("q", ""))
    page = paginate(db, services.review_query(db, current_user, item, filters), current_app.config["PAGE_SIZE"])
    return render_template("reviews/period.html", period=item, label=services.period_label(item), rows=services.progress(db, current_user, item),
                           page=page, filters=filters, statuses=list(ReviewStatus), may_close=can(current_user, schemes.HR, item.org),
                           may_bulk=bool(grant_roots(current_user, Role.REVIEWER)), today=clock.today())


@bp.post("/periods/<int:period_id>/close")
@login_required
def period_close(period_id: int):
    db = get_session()
    services.close_period(db, current_user, period_id)
    flash(_("The period is closed."), "success")
    return redirect(url_for("reviews.period", period_id=period_id))


@bp.route("/periods/<int:period_id>/bulk", methods=["GET", "POST"])
@login_required
def period_bulk(period_id: int):
    db = get_session()
    item = services.get_period(db, current_user, period_id)
    in_use = bulk.schemes_in(db, current_user, period_id)
    form = BulkForm()
    form.scheme_id.choices = [(s.id, f"{s.name} v{s.version}") for s in in_use]
    result = None
    if in_use and form.validate_on_submit():
        upload = form.file.data
        try:
            result = bulk.bulk_enter(db, current_user, period_id, form.scheme_id.data, upload.filename or "", upload.read())
        except UnreadableFile as error:
            form.file.errors = [str(error)]
        else:
            if result.errors:
                db.rollback()
            else:
                flash(_("%(n)d reviews submitted from the file.", n=result.submitted), "success")
                return redirect(url_for("reviews.period", period_id=period_id))
    refused = bool(form.file.errors or (result is not None and result.errors))  # an unreadable file or bad rows: 422, as every import
    return render_template("reviews/bulk.html", period=item, label=services.period_label(item), form=form, schemes=in_use,
                           result=result), 422 if refused else 200


@bp.get("/periods/<int:period_id>/template/<int:scheme_id>.xlsx")
@login_required
def period_template(period_id: int, scheme_id: int):
    db = get_session()
    columns, rows = bulk.template(db, current_user, period_id, scheme_id)
    record_export(db, current_user, "review_sheet", period_id, fmt="xlsx", rows=len(rows), filters={"scheme": scheme_id}, org=current_user.org)
    return download("xlsx", f"reviews-{period_id}", columns, rows, sheet="平时考核")


# ---- one review ----------------------------------------------------------------------------------

@bp.route("/<int:review_id>", methods=["GET", "POST"])
@login_required
def review(review_id: int):
    db = get_session()
    item = services.get_review(db, current_user, review_id)
    form = EntryForm()
    entry_errors: dict[str, list[str]] = {}
    posted: dict[str, str] = {}
    if request.method == "GET":
        form.comment.data = item.comment
    if form.validate_on_submit():
        posted = {k: v for k, v in request.form.items() if k.startswith(("score-", "evidence-"))}
        entries = [services.ScoreEntry(i.id, request.form.get(f"score-{i.id}", ""), request.form.get(f"evidence-{i.id}", ""))
                   for i in item.scheme.leaves]
        submit = request.form.get("submit") == "1"
        try:
            services.enter(db, current_user, review_id, entries, form.comment.data or "", submit)
        except ValidationFailed as error:
            entry_errors = error.field_errors
            populate_errors(form, ValidationFailed(error.message, {k: v for k, v in error.field_errors.items() if k == "comment"}))
            if not any(k == "comment" for k in entry_errors):
                form.form_errors = [error.message]
        else:
            flash(_("Review submitted; the officer has been asked to respond.") if submit else _("Draft saved."), "success")
            return redirect(url_for("reviews.review", review_id=review_id))
    scores = {s.indicator_id: s for s in item.scores}
    is_own = item.person_id == current_user.person_id
    return render_template("reviews/review.html", review=item, label=services.period_label(item.period), form=form, scores=scores,
                           posted=posted, entry_errors=entry_errors, may_enter=services.may_enter(current_user, item),
                           is_own=is_own, respond=RespondForm(), resolve=ResolveForm(), action_form=ActionForm(),
                           may_resolve=item.status is ReviewStatus.DISPUTED and can(current_user, schemes.HR, item.person.org),
                           may_act=not is_own and can(current_user, actions.KEEPERS, item.person.org),
                           linked=actions.actions_of(db, item.person_id, review_id=item.id))


def _decide(form, review_id: int, field: str, call, done: str):
    """A small decision form on the review page: the service's first message goes back as a flash."""
    if not form.validate_on_submit():
        raise InvalidState(_("The form could not be read; reload the page and try again."))
    db = get_session()
    if flash_refusal(lambda: call(db), field):
        flash(done, "success")
    return redirect(url_for("reviews.review", review_id=review_id))


@bp.post("/<int:review_id>/respond")
@login_required
def review_respond(review_id: int):
    form, agree = RespondForm(), request.form.get("agree") == "1"
    return _decide(form, review_id, "comment",
                   lambda db: services.respond(db, current_user, review_id, agree, form.comment.data or ""),
                   _("You acknowledged the review.") if agree else _("Your dispute was sent to HR."))


@bp.post("/<int:review_id>/resolve")
@login_required
def review_resolve(review_id: int):
    form, send_back = ResolveForm(), request.form.get("send_back") == "1"
    return _decide(form, review_id, "note",
                   lambda db: services.resolve_dispute(db, current_user, review_id, send_back, form.note.data or ""),
                   _("Sent back to the reviewer for re-review.") if send_back else _("The review is upheld."))


# ---- the officer's own reviews -------------------------------------------------------------------

@bp.get("/mine")
@login_required
def mine():
    db = get_session()
    person = own_person(db, current_user)
    return render_template("reviews/mine.html", person=person, reviews=services.reviews_of(db, person.id), label=services.period_label,
                           annuals=annual.annual_of(db, person.id), open_actions=actions.actions_of(db, person.id, open_only=True))


# ---- annual assessment ---------------------------------------------------------------------------

@bp.get("/annual")
@login_required
def annual_sheet():
    db = get_session()
    nodes = choices(db, current_user, annual.READERS)
    if not nodes:
        raise NotFound(_("No organisation you may assess."))
    org_id = request.args.get("org", type=int) or nodes[0].id
    year = request.args.get("year", type=int) or clock.now().year
    rows, caps = annual.sheet(db, current_user, org_id, year)
    return render_template("reviews/annual.html", rows=rows, caps={c.org.id: c for c in caps}, cap_list=caps, nodes=nodes, org_id=org_id,
                           year=year, form=AnnualForm(), grades=list(AnnualGrade), share=round(annual.cap_share() * 100),
                           may_set=lambda p: can(current_user, Role.REVIEWER, p.org) and p.id != current_user.person_id)


@bp.post("/annual/<int:person_id>/<int:year>")
@login_required
def annual_set(person_id: int, year: int):
    db = get_session()
    form = AnnualForm()
    back = url_for("reviews.annual_sheet", org=request.args.get("org", type=int), year=year)
    if not form.validate_on_submit():
        flash(_("Choose a grade."), "error")
        return redirect(back)
    result = flash_refusal(lambda: annual.set_grade(db, current_user, person_id, year, AnnualGrade(form.grade.data), form.comment.data or ""))
    if result is not None:
        flash(_("%(name)s: %(grade)s for %(year)d.", name=result.person.name, grade=result.grade.label, year=year), "success")
    return redirect(back)


# ---- follow-up actions ---------------------------------------------------------------------------

@bp.get("/actions")
@login_required
def action_list():
    db = get_session()
    status_arg = request.args.get("status", "open")
    filters = actions.ActionFilter(status=None if status_arg == "all" else enum_or_none(ActionStatus, status_arg),
                                   kind=enum_or_none(ActionKind, request.args.get("kind")), late=request.args.get("late") == "1")
    page = paginate(db, actions.action_query(db, current_user, filters), current_app.config["PAGE_SIZE"])
    return render_template("reviews/actions.html", page=page, filters=filters, status_arg=status_arg, kinds=list(ActionKind),
                           today=clock.today())


@bp.post("/actions/new/<int:person_id>")
@login_required
def action_new(person_id: int):
    db = get_session()
    form = ActionForm()
    review_id = request.form.get("review_id", type=int)
    back = url_for("reviews.review", review_id=review_id) if review_id else url_for("reviews.action_list")
    if not form.validate_on_submit():
        flash(_("The form could not be read; reload the page and try again."), "error")
        return redirect(back)
    if flash_refusal(lambda: actions.create_action(db, current_user, person_id, ActionKind(form.kind.data), form.due_on.data,
                                                   form.description.data or "", review_id=review_id)):
        flash(_("Action recorded."), "success")
    return redirect(back)


@bp.route("/actions/<int:action_id>", methods=["GET", "POST"])
@login_required
def action(action_id: int):
    db = get_session()
    item = actions.get_action(db, current_user, action_id)
    form = CloseActionForm()
    if submit_form(form, lambda: actions.close_action(db, current_user, action_id, request.form.get("done") == "1",
                                                      form.outcome.data or ""), conflict_page=True):
        flash(_("The action is closed."), "success")
        return redirect(url_for("reviews.action", action_id=action_id))
    return render_template("reviews/action.html", action=item, form=form, may_keep=actions._may_keep(current_user, item),
                           today=clock.today())


# ---- reports -------------------------------------------------------------------------------------

@bp.get("/reports")
@login_required
def report():
    db = get_session()
    periods = services.periods(db, current_user)
    chosen = request.args.get("period", type=int)
    period = next((p for p in periods if p.id == chosen), periods[0] if periods else None)
    rows = reports.distribution(db, current_user, period) if period else []
    title = _("Routine grades, %(period)s", period=services.period_label(period)) if period else ""
    fmt = request.args.get("format")
    if period and fmt in ("xlsx", "csv"):
        record_export(db, current_user, "review_report", period.id, fmt=fmt, rows=len(rows), label=services.period_label(period),
                      org=current_user.org)
        return download(fmt, f"review-report-{period.id}", reports.export_columns(), reports.export_rows([*rows, reports.totals(rows)]),
                        sheet="平时考核")
    return render_template("reviews/report.html", periods=periods, period=period, rows=rows, total=reports.totals(rows),
                           chart=reports.chart(rows, title) if period else None, label=services.period_label, title=title,
                           grades=reports.GRADES)

