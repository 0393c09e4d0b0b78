"""HR's pages for credential requests: request from a person's page (or renew / replace from a
credential's page), the approval queue of the issuing authority, the requests of one's organisations,
and one request with every reason it cannot go ahead, its history and the actions open to the viewer."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from examsys.credentials import services
from examsys.credentials.models import CardLoss, Credential, CredentialRequest, RequestKind, RequestStatus
from examsys.credentials.requests import services as service
from examsys.credentials.requests.forms import ReplacementForm, RequestForm, ReturnForm
from examsys.db import get_session
from examsys.errors import InvalidState, ValidationFailed, populate_errors
from examsys.pagination import paginate
from examsys.personnel import services as personnel
from examsys.personnel.models import Person
from examsys.web import enum_or_none

bp = Blueprint("credential_requests", __name__, url_prefix="/credentials/requests")


def _request_form(person: Person, *, credential: Credential | None = None, item: CredentialRequest | None = None) -> RequestForm:
    """The form for a first issuance or a renewal, filled from the request or the credential on GET."""
    db = get_session()
    form = RequestForm()
    form.issuer_id.choices = [(o.id, o.name) for o in service.request_issuers(db, person)]
    form.domain_ids.choices = [(d.id, d.name) for d in person.domains]
    source = item or credential
    if request.method == "GET":
        if source is not None:
            form.issuer_id.data = source.issuer_id
            form.domain_ids.data = [d.id for d in source.domains]
            form.region.data, form.legal_source.data = source.region, source.legal_source
            form.reason.data = item.reason if item is not None else ""
        else:
            form.domain_ids.data = [d.id for d in person.domains]
            form.region.data = person.org.name
    return form


def _draft(form: RequestForm) -> service.RequestDraft:
    return service.RequestDraft(issuer_id=form.issuer_id.data, domain_ids=form.domain_ids.data or [], region=form.region.data or "",
                                legal_source=form.legal_source.data or "", reason=form.reason.data or "")


def _replacement_draft(form: ReplacementForm) -> service.RequestDraft:
    loss = enum_or_none(CardLoss, form.card_loss.data)
    return service.RequestDraft(card_loss=loss, loss_declared=bool(form.loss_declared.data), reason=form.reason.data or "")


def _submit(form: Any, call) -> CredentialRequest | None:
    """Run the service for a valid form; put its errors on the form. The request, or None."""
    if not form.validate_on_submit():
        return None
    try:
        return call()
    except ValidationFailed as error:
        populate_errors(form, error)
    except InvalidState as error:
        form.form_errors = [error.message]
    return None


def _sent(item: CredentialRequest):
    get_session().commit()
    flash(_("Request sent to %(issuer)s. The credential is issued when the issuing authority approves it.", issuer=item.issuer.name), "success")
    return redirect(url_for("credential_requests.detail", request_id=item.id))


@bp.route("/new/<int:person_id>", methods=["GET", "POST"])
@login_required
def new(person_id: int):
    """Request a first credential (or one with other domains) for a person on the register."""
    db = get_session()
    person = personnel.editable_person(db, current_user, person_id)
    form = _request_form(person)
    item = _submit(form, lambda: service.request_issue(db, current_user, person.id, _draft(form)))
    if item is not None:
        return _sent(item)
    reasons = services.eligibility(db, person, form.domain_ids.data or [d.id for d in person.domains])
    return render_template("credential_requests/form.html", person=person, form=form, reasons=reasons, kind=RequestKind.ISSUE,
                           open_request=service.open_request_of(db, person.id), current=services.current_of(db, person.id),
                           refusal=None), 422 if form.errors or form.form_errors else 200


@bp.route("/renew/<int:credential_id>", methods=["GET", "POST"])
@login_required
def renew(credential_id: int):
    """Request the renewal of a credential: refused, with the opening date, before the window opens."""
    db = get_session()
    credential = services.get_credential(db, current_user, credential_id)
    person = credential.person
    form = _request_form(person, credential=credential)
    item = _submit(form, lambda: service.request_renewal(db, current_user, credential.id, _draft(form)))
    if item is not None:
        return _sent(item)
    reasons = services.eligibility(db, person, form.domain_ids.data or [d.id for d in credential.domains], exam_rule="renewal")
    return render_template("credential_requests/form.html", person=person, form=form, reasons=reasons, kind=RequestKind.RENEWAL,
                           open_request=service.open_request_of(db, person.id), current=credential,
                           refusal=service.renewal_refusal(credential)), 422 if form.errors or form.form_errors else 200


@bp.route("/replace/<int:credential_id>", methods=["GET", "POST"])
@login_required
def replace(credential_id: int):
    """Request a replacement for a lost or damaged card (补发)."""
    db = get_session()
    credential = services.get_credential(db, current_user, credential_id)
    form = ReplacementForm()
    item = _submit(form, lambda: service.request_replacement(db, current_user, credential.id, _replacement_draft(form)))
    if item is not None:
        return _sent(item)
    return render_template("credential_requests/replace.html", credential=credential, form=form,
                           open_request=service.open_request_of(db, credential.person_id),
                           refusal=service.replacement_refusal(credential)), 422 if form.errors or form.form_errors else 200


@bp.route("/<int:request_id>/amend", methods=["GET", "POST"])
@login_required
def amend(request_id: int):
    """Change a returned request and submit it again."""
    db = get_session()
    item = service.get_request(db, current_user, request_id)
    form: Any
    if item.kind is RequestKind.REPLACEMENT:
        form = ReplacementForm()
        if request.method == "GET":
            form.card_loss.data = item.card_loss.value if item.card_loss else None
            form.reason.data, form.loss_declared.data = item.reason, item.loss_declared
        draft = lambda: _replacement_draft(form)  # noqa: E731
    else:
        form = _request_form(item.person, item=item)
        draft = lambda: _draft(form)  # noqa: E731
    if _submit(form, lambda: service.amend(db, current_user, item.id, draft())) is not None:
        return _sent(item)
    return render_template("credential_requests/amend.html", item=item, form=form), 422 if form.errors or form.form_errors else 200


def _detail(item: CredentialRequest, return_form: ReturnForm, status: int = 200, errors: list[str] | None = None):
    db = get_session()
    return render_template("credential_requests/detail.html", item=item, reasons=service.current_reasons(db, item) if item.is_open else [],
                           history=service.history(db, item), return_form=return_form, errors=errors or [],
                           may_decide=service.may_decide(current_user, item), may_amend=service.may_amend(current_user, item),
                           may_withdraw=service.may_withdraw(current_user, item), four_eyes=service.four_eyes()), status


@bp.get("/<int:request_id>")
@login_required
def detail(request_id: int):
    return _detail(service.get_request(get_session(), current_user, request_id), ReturnForm())


@bp.post("/<int:request_id>/approve")
@login_required
def approve(request_id: int):
    db = get_session()
    try:
        credential = service.approve(db, current_user, request_id)
    except (ValidationFailed, InvalidState) as error:
        db.rollback()
        messages = [m for ms in error.field_errors.values() for m in ms] if isinstance(error, ValidationFailed) else []
        return _detail(service.get_request(db, current_user, request_id), ReturnForm(), error.status, [error.message, *messages])
    db.commit()
    flash(_("Approved: credential %(number)s is issued.", number=credential.number), "success")
    return redirect(url_for("credentials.detail", credential_id=credential.id))


@bp.post("/<int:request_id>/return")
@login_required
def send_back(request_id: int):
    db = get_session()
    form = ReturnForm()
    try:
        service.send_back(db, current_user, request_id, form.reason.data or "")
    except ValidationFailed as error:
        db.rollback()
        populate_errors(form, error)
        return _detail(service.get_request(db, current_user, request_id), form, 422)
    except InvalidState as error:
        db.rollback()
        return _detail(service.get_request(db, current_user, request_id), form, 409, [error.message])
    db.commit()
    flash(_("The request is returned to the requester with your reason."), "success")
    return redirect(url_for("credential_requests.queue"))


@bp.post("/<int:request_id>/withdraw")
@login_required
def withdraw(request_id: int):
    db = get_session()
    service.withdraw(db, current_user, request_id)
    db.commit()
    flash(_("The request is withdrawn."), "success")
    return redirect(url_for("credential_requests.detail", request_id=request_id))


def _filters(default_status: RequestStatus | None) -> service.RequestFilter:
    raw = request.args.get("status")
    status = default_status if raw is None else enum_or_none(RequestStatus, raw)
    return service.RequestFilter(text=request.args.get("q", ""), status=status, kind=enum_or_none(RequestKind, request.args.get("kind")),
                                 mine=request.args.get("who", "me") == "me", others=request.args.get("who") == "others")


def _rows(page) -> list[tuple[CredentialRequest, list[str]]]:
    """Each open request with the reasons it could not be approved now."""
    db = get_session()
    return [(item, service.current_reasons(db, item) if item.is_open else []) for item in page.items]


@bp.get("/")
@login_required
def queue():
    """The issuing authority's queue: pending requests by default, oldest first. HR with no issuing
    authority in their scope (a department's HR) land on the requests they made."""
    db = get_session()
    if not services.issuers(db, current_user):
        return redirect(url_for("credential_requests.mine"))
    filters = _filters(RequestStatus.PENDING)
    page = paginate(db, service.queue_query(db, current_user, filters), current_app.config["PAGE_SIZE"])
    return render_template("credential_requests/list.html", page=page, rows=_rows(page), args=request.args, queue=True,
                           status=filters.status, statuses=list(RequestStatus), kinds=list(RequestKind), approves=True)


@bp.get("/mine")
@login_required
def mine():
    """Requests made by the viewer (or, with who=all, for anyone of the viewer's organisations)."""
    db = get_session()
    filters = _filters(None)
    page = paginate(db, service.requests_query(db, current_user, filters), current_app.config["PAGE_SIZE"])
    return render_template("credential_requests/list.html", page=page, rows=_rows(page), args=request.args, queue=False,
                           status=filters.status, statuses=list(RequestStatus), kinds=list(RequestKind),
                           approves=bool(services.issuers(db, current_user)))
