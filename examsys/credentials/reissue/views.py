"""HR's pages of the re-issuance campaign (换发): open one, run it in steps with the progress shown,
the officers issued and not eligible (with reasons), and the print batch."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from examsys import clock
from examsys.auth.permissions import can, grant_roots, require_any_scope
from examsys.credentials import services as credentials
from examsys.credentials.models import DomainSource, ReissueState
from examsys.credentials.reissue import cleanup_close
from examsys.credentials.reissue import services as reissue
from examsys.credentials.reissue.forms import CloseCleanupForm, ReissueForm
from examsys.db import get_session, keep_writes
from examsys.domains.models import EnforcementDomain
from examsys.errors import submit_form, wants_json
from examsys.jobs import records as job_records
from examsys.orgs.services import choices
from examsys.pagination import paginate
from examsys.personnel import campaigns as cleanup
from examsys.web import enum_or_none

bp = Blueprint("reissue", __name__, url_prefix="/credentials/reissue")


@bp.get("/")
@login_required
def index():
    db = get_session()
    found = reissue.campaigns(db, current_user)
    return render_template("credentials/reissue_list.html", campaigns=found, counts={c.id: reissue.counts(db, current_user, c) for c in found})


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    db = get_session()
    form = ReissueForm()
    require_any_scope(db, current_user, reissue.HR)
    form.org_id.choices = [(o.id, "　" * o.depth + o.name) for o in choices(db, current_user, reissue.HR)]
    form.cleanup_id.choices = [(c.id, f"{c.name} · {c.org.name}") for c in cleanup.campaigns(db, current_user)]
    form.issuer_id.choices = [("", _("As on each officer's present credential"))] + [(o.id, o.name) for o in credentials.issuers(db, current_user)]
    form.domain_ids.choices = [(d.id, d.name) for d in db.scalars(select(EnforcementDomain).where(EnforcementDomain.active.is_(True))
                                                                  .order_by(EnforcementDomain.code))]
    campaign = submit_form(form, lambda: reissue.open_campaign(db, current_user, _plan(form)))
    if campaign is not None:
        total = reissue.counts(db, current_user, campaign).total
        flash(_("The campaign is open: %(n)d officers to re-issue. Start the run to issue their credentials.", n=total), "success")
        return redirect(url_for("reissue.detail", campaign_id=campaign.id))
    return render_template("credentials/reissue_new.html", form=form)


def _plan(form: ReissueForm) -> reissue.ReissuePlan:
    return reissue.ReissuePlan(org_id=form.org_id.data, cleanup_id=form.cleanup_id.data, name=form.name.data or "",
                               decision_number=form.decision_number.data or "", issuer_id=form.issuer_id.data,
                               region=form.region.data or "", legal_source=form.legal_source.data or "",
                               domain_source=DomainSource(form.domain_source.data), domain_ids=form.domain_ids.data or [])


@bp.get("/<int:campaign_id>")
@login_required
def detail(campaign_id: int):
    db = get_session()
    campaign = reissue.get_campaign(db, current_user, campaign_id)
    state = enum_or_none(ReissueState, request.args.get("state")) or ReissueState.INELIGIBLE
    counts = reissue.counts(db, current_user, campaign)
    page = paginate(db, reissue.item_query(db, current_user, campaign, state), current_app.config["PAGE_SIZE"])
    may_run = can(current_user, reissue.HR, campaign.org)
    may_print = bool(grant_roots(current_user, reissue.HR))  # auditors read, HR prints (its own subtree's cards)
    cards, parts = reissue.print_parts(db, current_user, campaign) if may_print else (0, 0)
    # Another runner (the command line, another HR) is at work: reload to follow it.
    running = counts.pending > 0 and campaign.last_run_at is not None and clock.now() - campaign.last_run_at < timedelta(seconds=30)
    job = job_records.active_for(db, "reissue_campaign", campaign.id, reissue.RUN_JOB)
    printing = job_records.latest_for(db, "reissue_campaign", campaign.id, reissue.PRINT_JOB) if may_print else None
    return render_template("credentials/reissue.html", campaign=campaign, counts=counts, page=page, state=state, may_run=may_run, job=job, printing=printing,
                           may_print=may_print, cards=cards, parts=parts, part_size=current_app.config["REISSUE_PRINT_PART_SIZE"], running=running)


@bp.post("/<int:campaign_id>/run")
@login_required
def run(campaign_id: int):
    """One step of the run (a few seconds). The page's script calls it until nothing is pending;
    without the script each press of the button does one step."""
    db = get_session()
    result = reissue.run(db, current_user, campaign_id)
    done = result.counts.done
    if wants_json():
        return jsonify({"issued": result.counts.issued, "ineligible": result.counts.ineligible, "pending": result.counts.pending,
                        "total": result.counts.total, "done": done,
                        "message": _("%(done)d of %(total)d done", done=done, total=result.counts.total)})
    if result.counts.pending:
        flash(_("%(done)d of %(total)d done. Continue to issue the rest.", done=done, total=result.counts.total), "info")
    else:
        flash(_("All %(total)d done: %(issued)d issued, %(ineligible)d not eligible.", total=result.counts.total,
                issued=result.counts.issued, ineligible=result.counts.ineligible), "success")
    return redirect(url_for("reissue.detail", campaign_id=campaign_id))


@bp.post("/<int:campaign_id>/run-job")
@login_required
def run_job(campaign_id: int):
    """The whole run on the job queue (queued in this request's transaction): nobody's browser need stay open."""
    db = get_session()
    reissue.queue_run(db, current_user, campaign_id)
    return redirect(url_for("reissue.progress", campaign_id=campaign_id))


@bp.get("/<int:campaign_id>/progress")
@login_required
def progress(campaign_id: int):
    """The progress of the campaign's latest run on the job queue; it reloads by itself until the job ends."""
    db = get_session()
    campaign = reissue.get_campaign(db, current_user, campaign_id)
    job = job_records.latest_for(db, "reissue_campaign", campaign.id, reissue.RUN_JOB)
    if job is None:
        return redirect(url_for("reissue.detail", campaign_id=campaign_id))
    return render_template("jobs/progress.html", job=job, title=_("Run of %(name)s", name=campaign.name), what=_("Officers processed"),
                           back=url_for("reissue.detail", campaign_id=campaign_id), back_label=campaign.name)


@bp.post("/<int:campaign_id>/print-job")
@login_required
def print_job(campaign_id: int):
    """Render the whole print batch on the job queue (queued in this request's transaction), to download when ready."""
    db = get_session()
    reissue.queue_print(db, current_user, campaign_id, request.form.get("fmt", "pdf"))
    return redirect(url_for("reissue.print_progress", campaign_id=campaign_id))


@bp.get("/<int:campaign_id>/print-progress")
@login_required
def print_progress(campaign_id: int):
    """The progress of the campaign's latest print job, then its parts to download."""
    db = get_session()
    campaign = reissue.get_campaign(db, current_user, campaign_id)
    require_any_scope(db, current_user, reissue.HR)
    job = job_records.latest_for(db, "reissue_campaign", campaign.id, reissue.PRINT_JOB)
    if job is None:
        return redirect(url_for("reissue.detail", campaign_id=campaign_id))
    files = []
    if job.state.value == "done":
        files = [(_("Part %(part)d (officers %(first)d–%(last)d)", part=part, first=first, last=last),
                  url_for("reissue.print_job_part", campaign_id=campaign_id, part=part)) for part, first, last in reissue.print_job_parts(job)]
    return render_template("jobs/progress.html", job=job, title=_("Print batch of %(name)s", name=campaign.name), what=_("Cards rendered"),
                           back=url_for("reissue.detail", campaign_id=campaign_id), back_label=campaign.name, files=files)


@bp.get("/<int:campaign_id>/print-job/<int:part>")
@login_required
def print_job_part(campaign_id: int, part: int):
    """A part rendered by the campaign's latest print job (an export: audited)."""
    db = get_session()
    keep_writes()
    path, fmt, _cards = reissue.job_part(db, current_user, campaign_id, part)
    name = f"reissue-{campaign_id}-part{part}.{fmt}"
    mimetype = "application/zip" if fmt == "zip" else "application/pdf"
    return Response(path.read_bytes(), mimetype=mimetype, headers={"Content-Disposition": f"attachment; filename={name}",
                                                                  "Cache-Control": "no-store"})


@bp.post("/<int:campaign_id>/recheck")
@login_required
def recheck(campaign_id: int):
    db = get_session()
    n = reissue.recheck(db, current_user, campaign_id)
    flash(_("%(n)d officers will be checked again in the next run.", n=n), "success")
    return redirect(url_for("reissue.detail", campaign_id=campaign_id, state="pending"))


@bp.get("/<int:campaign_id>/print/<int:part>.<any(pdf, zip):fmt>")
@login_required
def print_batch(campaign_id: int, part: int, fmt: str):
    """The cards of one part of the batch: one PDF, or a ZIP of one PDF per officer."""
    db = get_session()
    keep_writes()  # the export's audit entry (written as the batch is made)
    data, _count = reissue.print_batch(db, current_user, campaign_id, fmt, part)
    name = f"reissue-{campaign_id}-part{part}.{fmt}"
    mimetype = "application/zip" if fmt == "zip" else "application/pdf"
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": f"attachment; filename={name}", "Cache-Control": "no-store"})


# ---- closing the clean-up: the old credentials end ---------------------------------------------------

@bp.route("/cleanup/<int:campaign_id>/close", methods=["GET", "POST"])
@login_required
def close_cleanup(campaign_id: int):
    """The dry run (what closing would cancel), and the confirmation that closes and cancels."""
    db = get_session()
    form = CloseCleanupForm()
    closed = submit_form(form, lambda: cleanup_close.close_and_cancel(db, current_user, campaign_id, form.ground.data or "",
                                                                      form.decision_number.data or ""), conflict_page=True)
    if closed is not None:
        flash(_("The campaign is closed; %(n)d credentials of the old series were cancelled.", n=closed[1]), "success")
        return redirect(url_for("personnel.campaign", campaign_id=campaign_id))
    plan = cleanup_close.closing_plan(db, current_user, campaign_id)
    return render_template("credentials/cleanup_close.html", plan=plan, form=form), 422 if form.errors else 200
