"""HR's credential pages: the list, one credential with its history and lifecycle actions, and issuing."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from examsys.credentials import services
from examsys.credentials.cases import CaseRecord, case_query
from examsys.credentials.forms import ChangeForm, IssueForm
from examsys.credentials.models import CredentialStatus
from examsys.credentials.public.lookups import lookup_summary
from examsys.credentials.requests import services as issuance
from examsys.credentials.standing import open_decision
from examsys.db import get_session
from examsys.errors import submit_form
from examsys.pagination import paginate
from examsys.personnel import services as personnel
from examsys.web import enum_or_none

bp = Blueprint("credentials", __name__, url_prefix="/credentials")


@bp.get("/")
@login_required
def index():
    db = get_session()
    filters = services.CredentialFilter(text=request.args.get("q", ""), status=enum_or_none(CredentialStatus, request.args.get("status")))
    page = paginate(db, services.credential_query(db, current_user, filters), current_app.config["PAGE_SIZE"])
    return render_template("credentials/index.html", page=page, args=request.args, statuses=list(CredentialStatus))


@bp.get("/cases")
@login_required
def cases():
    """Revocation cases of the actor's subtree, for the supervisors (执法监督) and HR."""
    db = get_session()
    page = paginate(db, case_query(db, current_user), current_app.config["PAGE_SIZE"])
    return render_template("credentials/cases.html", page=page)


@bp.get("/<int:credential_id>")
@login_required
def detail(credential_id: int):
    db = get_session()
    return _detail_page(db, services.get_credential(db, current_user, credential_id), ChangeForm())


def _detail_page(db, credential, form: ChangeForm) -> str:
    return render_template("credentials/detail.html", credential=credential, events=services.events_of(db, credential),
                           recoveries=services.open_recoveries(db, credential), form=form,
                           decision=open_decision(db, credential), lookups=lookup_summary(db, credential.id))


@bp.post("/<int:credential_id>/change")
@login_required
def change(credential_id: int):
    db = get_session()
    credential = services.get_credential(db, current_user, credential_id)
    form = ChangeForm()
    if submit_form(form, lambda: services.change(
            db, current_user, credential.id, form.action.data, ground=form.ground.data or "",
            decision_number=form.decision_number.data or "", reason=form.reason.data or "", until=form.until.data,
            case=CaseRecord(form.case_number.data or "", form.decided_on.data, form.document_ref.data or ""))) is not None:
        flash(_("The credential is now: %(status)s. The public verify page shows it at once.", status=credential.status.label), "success")
        return redirect(url_for("credentials.detail", credential_id=credential.id))
    return _detail_page(db, credential, form), 422


@bp.post("/recoveries/<int:task_id>")
@login_required
def recovered(task_id: int):
    db = get_session()
    task = services.close_recovery(db, current_user, task_id, request.form.get("note", ""))
    flash(_("The card is recorded as returned."), "success")
    return redirect(url_for("credentials.detail", credential_id=task.credential_id))


@bp.route("/issue/<int:person_id>", methods=["GET", "POST"])
@login_required
def issue(person_id: int):
    """Issue to one person (the one-step mode, CREDENTIAL_FOUR_EYES off): the form shows every reason the
    person is not eligible. With four eyes, credentials are requested and approved instead."""
    db = get_session()
    person = personnel.editable_person(db, current_user, person_id)
    if issuance.four_eyes():
        if request.method == "GET":
            return redirect(url_for("credential_requests.new", person_id=person.id))
        issuance.require_one_step()
    form = IssueForm()
    form.issuer_id.choices = [(o.id, o.name) for o in services.issuers(db, current_user)]
    form.domain_ids.choices = [(d.id, d.name) for d in person.domains]
    if request.method == "GET":
        form.domain_ids.data = [d.id for d in person.domains]
        form.region.data = person.org.name
    reasons = services.eligibility(db, person, form.domain_ids.data or [d.id for d in person.domains])
    credential = submit_form(form, lambda: issuance.issue_directly(db, current_user, services.IssueRequest(
        person.id, form.issuer_id.data, form.domain_ids.data or [], form.region.data or "", form.legal_source.data or "")),
        conflict_page=True)
    if credential is not None:
        flash(_("Credential %(number)s issued.", number=credential.number), "success")
        return redirect(url_for("credentials.detail", credential_id=credential.id))
    return render_template("credentials/issue.html", person=person, form=form, reasons=reasons)
