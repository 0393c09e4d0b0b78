"""Issuing with four eyes: HR of the officer's organisation requests a credential (first issuance,
renewal or replacement of a lost card), HR of the issuing authority approves it — the number is given
then — or returns it with a reason. Eligibility is checked, with every reason, when the request is made
and again when it is approved. Every step is audited and scoped.

CREDENTIAL_FOUR_EYES=False makes issuing one step: the requester may approve their own request, and the
one-step issue page is open (`issue_directly`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload

from examsys import clock
from examsys.audit.models import AuditEntry
from examsys.audit.services import record
from examsys.auth.models import User
from examsys.auth.permissions import can, get_in_scope, require_any_scope, scope_clause
from examsys.credentials.models import (
    CardLoss,
    Credential,
    CredentialEvent,
    CredentialRequest,
    CredentialStatus,
    RecoveryTask,
    RequestKind,
    RequestStatus,
)
from examsys.credentials.services import HR, IssueRequest, add_months, eligibility, issue
from examsys.credentials.standing import current_of, open_decision
from examsys.domains.models import EnforcementDomain
from examsys.errors import InvalidState, NotFound, PermissionDenied, ValidationFailed
from examsys.orgs.models import Organisation
from examsys.personnel.models import Person

EXAM_RULE = {RequestKind.ISSUE: "qualification", RequestKind.RENEWAL: "renewal", RequestKind.REPLACEMENT: "none"}


def four_eyes() -> bool:
    """True (the default): the approver must be another person than the requester."""
    return bool(current_app.config["CREDENTIAL_FOUR_EYES"])


def renewal_opens(credential: Credential) -> date:
    """The first day a renewal may be requested: CREDENTIAL_RENEWAL_MONTHS before the credential expires
    (the day after valid_to)."""
    months = int(current_app.config["CREDENTIAL_RENEWAL_MONTHS"])
    return add_months(credential.valid_to + timedelta(days=1), -months)


def renewal_refusal(credential: Credential, today: date | None = None) -> str | None:
    """Why `credential` cannot be renewed today, or None. An expired credential is not renewed: its holder
    needs a new credential (a first issuance, with a qualification exam within the exam window)."""
    today = today or clock.today()
    if credential.status is CredentialStatus.SUSPENDED:
        return _("A suspended credential cannot be renewed.")
    if credential.status is not CredentialStatus.ACTIVE:
        return _("This credential has ended; it cannot be renewed.")
    if credential.expired(today):
        return _("This credential expired on %(date)s. An expired credential is not renewed: request a new credential, "
                 "which needs a qualification exam.", date=credential.valid_to.isoformat())
    opens = renewal_opens(credential)
    if today < opens:
        return _("Renewal opens on %(date)s, %(n)d months before the credential expires.", date=opens.isoformat(),
                 n=int(current_app.config["CREDENTIAL_RENEWAL_MONTHS"]))
    return None


def fresh_issue_refusal(session: Session, person: Person, domain_ids: list[int], today: date | None = None) -> str | None:
    """Why `person` may not be issued a new credential for `domain_ids` while holding one (rule 5: renewal is
    not bypassed by a fresh issue), or None. A new credential for a holder must add a domain; a suspended
    credential is reinstated, cancelled or revoked first, unless its holder's standing changed and the
    issuing authority decides to re-issue. An expired credential is replaced by a new one."""
    current = current_of(session, person.id)
    if current is None or current.expired(today):
        return None
    if current.status is CredentialStatus.SUSPENDED:
        if open_decision(session, current) is not None:
            return None
        return _("Credential %(number)s is suspended: reinstate, cancel or revoke it; it is not replaced by a new one.", number=current.number)
    if set(domain_ids) <= {d.id for d in current.domains}:
        return _("%(name)s holds credential %(number)s for these domains until %(date)s: request its renewal (from %(opens)s), "
                 "not a new credential.", name=person.name, number=current.number, date=current.valid_to.isoformat(),
                 opens=renewal_opens(current).isoformat())
    return None


def replacement_refusal(credential: Credential, today: date | None = None) -> str | None:
    """Why the card of `credential` cannot be replaced, or None: only a credential in force is replaced."""
    if credential.status is not CredentialStatus.ACTIVE or credential.expired(today):
        return _("Only the card of a credential in force can be replaced.")
    return None


def request_issuers(session: Session, person: Person) -> list[Organisation]:
    """The issuing authorities that may issue to `person`: active ones at or above the person's
    organisation, nearest first."""
    ids = person.org.ancestor_ids()
    found = session.scalars(select(Organisation).where(Organisation.id.in_(ids), Organisation.is_issuer.is_(True),
                                                       Organisation.active.is_(True)))
    return sorted(found, key=lambda o: -len(o.path))


# ---- making a request ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class RequestDraft:
    """What the requester fills in. A replacement takes the issuer, domains, region and legal source from
    the credential it replaces; it needs `card_loss`, `reason` and, for a lost card, `loss_declared`."""

    issuer_id: int | None = None
    domain_ids: list[int] = field(default_factory=list)
    region: str = ""
    legal_source: str = ""
    reason: str = ""
    card_loss: CardLoss | None = None
    loss_declared: bool = False


def _hr_person(session: Session, actor: User, person_id: int) -> Person:
    person = get_in_scope(session, actor, Person, person_id, roles=HR, missing=_("No such person."))
    return person


def _hr_credential(session: Session, actor: User, credential_id: int) -> Credential:
    credential = get_in_scope(session, actor, Credential, credential_id, roles=HR, org_of=lambda row: row.person.org, missing=_("No such credential."))
    return credential


def open_request_of(session: Session, person_id: int) -> CredentialRequest | None:
    return session.scalar(select(CredentialRequest).where(CredentialRequest.open_person_id == person_id))


def _problems(session: Session, kind: RequestKind, person: Person, issuer: Organisation, domain_ids: list[int],
              credential: Credential | None, *, approving: bool) -> list[str]:
    """Every reason the request cannot go ahead now: the eligibility rules for its kind, and what the kind
    needs of the credential it renews or replaces."""
    reasons = eligibility(session, person, domain_ids, exam_rule=EXAM_RULE[kind])
    refusal = fresh_issue_refusal(session, person, domain_ids) if kind is RequestKind.ISSUE else None
    if refusal:
        reasons.append(refusal)
    if not issuer.contains(person.org):
        reasons.append(_("%(org)s lies outside the area of the issuing authority %(issuer)s.", org=person.org.name, issuer=issuer.name))
    if credential is not None and kind is RequestKind.RENEWAL:
        refusal = renewal_refusal(credential)
        # A renewal requested in time is not lost because its credential expired while it waited.
        if refusal and not (approving and credential.status is CredentialStatus.ACTIVE and credential.expired()):
            reasons.append(refusal)
    if credential is not None and kind is RequestKind.REPLACEMENT:
        refusal = replacement_refusal(credential)
        if refusal:
            reasons.append(refusal)
    return reasons


def current_reasons(session: Session, item: CredentialRequest) -> list[str]:
    """Every reason the request could not be approved now (shown on its page and in the queue)."""
    return _problems(session, item.kind, item.person, item.issuer, [d.id for d in item.domains], item.credential,
                     approving=True)


def _checked_fields(session: Session, kind: RequestKind, person: Person, draft: RequestDraft,
                    credential: Credential | None) -> tuple[Organisation, list[EnforcementDomain], str, str]:
    """Validate the draft for its kind; raise ValidationFailed with every error at its field."""
    errors: dict[str, list[str]] = {}
    if kind is RequestKind.REPLACEMENT:
        assert credential is not None
        issuer, domains, region, legal_source = credential.issuer, list(credential.domains), credential.region, credential.legal_source
        if draft.card_loss is None:
            errors["card_loss"] = [_("Say whether the card was lost or damaged.")]
        if draft.card_loss is CardLoss.LOST and not draft.loss_declared:
            errors["loss_declared"] = [_("A lost card is replaced only after the holder's written declaration of loss.")]
        if not draft.reason.strip():
            errors["reason"] = [_("Say how the card was lost or damaged.")]
    else:
        issuer = session.get(Organisation, draft.issuer_id) if draft.issuer_id is not None else None
        if issuer is None or issuer.id not in {o.id for o in request_issuers(session, person)}:
            errors["issuer_id"] = [_("Choose an issuing authority at or above the person's organisation.")]
            issuer = None
        domains = list(session.scalars(select(EnforcementDomain).where(EnforcementDomain.id.in_(draft.domain_ids))
                                       .order_by(EnforcementDomain.id))) if draft.domain_ids else []
        if not domains:
            errors["domain_ids"] = [_("Name at least one enforcement domain.")]
        region, legal_source = draft.region.strip(), draft.legal_source.strip()
        if not region:
            errors["region"] = [_("Name the region of enforcement.")]
        if not legal_source:
            errors["legal_source"] = [_("Name the legal source of the enforcement power.")]
    if issuer is not None and domains:
        reasons = _problems(session, kind, person, issuer, [d.id for d in domains], credential, approving=False)
        if reasons:
            errors["person_id"] = reasons
    if errors:
        raise ValidationFailed(_("The request was not submitted."), errors)
    assert issuer is not None
    return issuer, domains, region, legal_source


def _snapshot(item: CredentialRequest) -> dict[str, Any]:
    return {"kind": item.kind.value, "status": item.status.value, "issuer": item.issuer.name if item.issuer else None,
            "domains": [d.code for d in item.domains], "region": item.region, "legal_source": item.legal_source,
            "reason": item.reason, "card_loss": item.card_loss.value if item.card_loss else None,
            "loss_declared": item.loss_declared, "credential": item.credential.number if item.credential else None}


def _create(session: Session, actor: User, kind: RequestKind, person: Person, draft: RequestDraft,
            credential: Credential | None) -> CredentialRequest:
    existing = open_request_of(session, person.id)
    if existing is not None:
        raise InvalidState(_("%(name)s already has an open request (%(kind)s, %(status)s); finish or withdraw it first.",
                             name=person.name, kind=existing.kind.label, status=existing.status.label))
    issuer, domains, region, legal_source = _checked_fields(session, kind, person, draft, credential)
    now = clock.now()
    item = CredentialRequest(kind=kind, person=person, open_person_id=person.id, issuer=issuer, domains=domains, region=region,
                             legal_source=legal_source, credential=credential, reason=draft.reason.strip(),
                             card_loss=draft.card_loss if kind is RequestKind.REPLACEMENT else None,
                             loss_declared=draft.loss_declared if kind is RequestKind.REPLACEMENT else False,
                             requested_by_id=actor.id, submitted_by_id=actor.id, requested_at=now, submitted_at=now)
    try:
        with session.begin_nested():  # another HR staff member may have submitted for the same person just now
            session.add(item)
            session.flush()
    except IntegrityError:
        raise InvalidState(_("%(name)s already has an open request; finish or withdraw it first.", name=person.name)) from None
    record(session, actor, "credential_request.create", "credential_request", item.id, label=f"{kind.label} {person.name}",
           org=person.org, after=_snapshot(item))
    return item


def request_issue(session: Session, actor: User, person_id: int, draft: RequestDraft) -> CredentialRequest:
    """HR of the person's organisation asks the issuing authority for a credential."""
    return _create(session, actor, RequestKind.ISSUE, _hr_person(session, actor, person_id), draft, None)


def request_renewal(session: Session, actor: User, credential_id: int, draft: RequestDraft) -> CredentialRequest:
    """Ask to renew a credential: only from CREDENTIAL_RENEWAL_MONTHS before it expires (refused with the
    opening date before that), and only with a passed renewal or qualification exam in the exam window."""
    credential = _hr_credential(session, actor, credential_id)
    refusal = renewal_refusal(credential)
    if refusal:
        raise InvalidState(refusal)
    return _create(session, actor, RequestKind.RENEWAL, credential.person, draft, credential)


def request_replacement(session: Session, actor: User, credential_id: int, draft: RequestDraft) -> CredentialRequest:
    """Ask to replace a lost or damaged card (补发): on approval the old credential is cancelled and a new
    one with a new number, the same domains and the same valid_to is issued."""
    credential = _hr_credential(session, actor, credential_id)
    refusal = replacement_refusal(credential)
    if refusal:
        raise InvalidState(refusal)
    return _create(session, actor, RequestKind.REPLACEMENT, credential.person, draft, credential)


# ---- reading ------------------------------------------------------------------------------------------

def _requester_side(actor: User, item: CredentialRequest) -> bool:
    return can(actor, HR, item.person.org)


def _issuer_side(actor: User, item: CredentialRequest) -> bool:
    return can(actor, HR, item.issuer)


def get_request(session: Session, actor: User, request_id: int) -> CredentialRequest:
    """A request, for HR of the person's organisation or of the issuing authority; NotFound for others."""
    item = get_in_scope(session, actor, CredentialRequest, request_id, allow=lambda row: _requester_side(actor, row) or _issuer_side(actor, row),
                        missing=_("No such request."))
    return item


def _locked(session: Session, actor: User, request_id: int) -> CredentialRequest:
    """The request, locked until the transaction ends, so that two approvers cannot both decide it."""
    item = session.scalars(select(CredentialRequest).where(CredentialRequest.id == request_id).with_for_update()
                           .execution_options(populate_existing=True)).one_or_none()
    if item is None or not (_requester_side(actor, item) or _issuer_side(actor, item)):
        raise NotFound(_("No such request."))
    return item


def may_decide(actor: User, item: CredentialRequest) -> bool:
    """Whether `actor` may approve or return the request (four eyes: never their own)."""
    own = actor.id in (item.requested_by_id, item.submitted_by_id)
    return item.status is RequestStatus.PENDING and _issuer_side(actor, item) and not (own and four_eyes())


def may_amend(actor: User, item: CredentialRequest) -> bool:
    return item.status is RequestStatus.RETURNED and _requester_side(actor, item)


def _withdrawer(actor: User, item: CredentialRequest) -> bool:
    """The requester who made or last submitted it, or a colleague of the requesting side who has no say
    as the issuing authority: the approver decides (approve or return), never withdraws."""
    return actor.id in (item.requested_by_id, item.submitted_by_id) or (_requester_side(actor, item) and not _issuer_side(actor, item))


def may_withdraw(actor: User, item: CredentialRequest) -> bool:
    return item.is_open and _withdrawer(actor, item)


def history(session: Session, item: CredentialRequest) -> list[AuditEntry]:
    """Every step of the request (made, returned, amended, approved, withdrawn), oldest first."""
    return list(session.scalars(select(AuditEntry).where(AuditEntry.target_type == "credential_request",
                                                         AuditEntry.target_id == str(item.id)).order_by(AuditEntry.seq)))


@dataclass(frozen=True)
class RequestFilter:
    text: str = ""
    status: RequestStatus | None = None
    kind: RequestKind | None = None
    mine: bool = False  # only those the actor made (the requests list)
    others: bool = False  # only those others made (the queue: what the actor may decide under four eyes)


def _base(filters: RequestFilter) -> Select[tuple[CredentialRequest]]:
    query = (select(CredentialRequest).join(Person, CredentialRequest.person_id == Person.id)
             .options(joinedload(CredentialRequest.person).joinedload(Person.org), joinedload(CredentialRequest.issuer),
                      selectinload(CredentialRequest.domains), joinedload(CredentialRequest.credential)))
    if filters.text.strip():
        query = query.where(Person.name.ilike(f"%{filters.text.strip()}%"))
    if filters.status is not None:
        query = query.where(CredentialRequest.status == filters.status)
    if filters.kind is not None:
        query = query.where(CredentialRequest.kind == filters.kind)
    return query


def queue_query(session: Session, actor: User, filters: RequestFilter) -> Select[tuple[CredentialRequest]]:
    """Requests to the issuing authorities in the actor's HR scope; oldest submission first, so the
    queue is worked in order."""
    require_any_scope(session, actor, HR)
    issuer = select(Organisation.id).where(Organisation.id == CredentialRequest.issuer_id,
                                           scope_clause(session, actor, HR, Organisation.path))
    query = _base(filters).where(exists(issuer))
    if filters.others:
        query = query.where(func.coalesce(CredentialRequest.requested_by_id, 0) != actor.id,
                            func.coalesce(CredentialRequest.submitted_by_id, 0) != actor.id)
    return query.order_by(CredentialRequest.submitted_at, CredentialRequest.id)


def requests_query(session: Session, actor: User, filters: RequestFilter) -> Select[tuple[CredentialRequest]]:
    """Requests for people of the actor's organisations (or only those the actor made); newest first."""
    require_any_scope(session, actor, HR)
    org = select(Organisation.id).where(Organisation.id == Person.org_id, scope_clause(session, actor, HR, Organisation.path))
    query = _base(filters).where(exists(org))
    if filters.mine:
        query = query.where(or_(CredentialRequest.requested_by_id == actor.id, CredentialRequest.submitted_by_id == actor.id))
    return query.order_by(CredentialRequest.id.desc())


# ---- deciding -----------------------------------------------------------------------------------------

def approve(session: Session, actor: User, request_id: int) -> Credential:
    """Approve: eligibility is checked again, the number is given, the credential issued (a renewal
    supersedes the old credential; a replacement cancels it and keeps its valid_to)."""
    item = _locked(session, actor, request_id)
    if not _issuer_side(actor, item):
        raise PermissionDenied(_("Only HR of the issuing authority %(issuer)s may approve this request.", issuer=item.issuer.name))
    if four_eyes() and actor.id in (item.requested_by_id, item.submitted_by_id):
        raise PermissionDenied(_("You submitted this request; another person of the issuing authority must approve it (four eyes)."))
    if item.status is not RequestStatus.PENDING:
        raise InvalidState(_("Only a request awaiting approval can be approved."))
    reasons = current_reasons(session, item)
    if reasons:
        raise ValidationFailed(_("The request cannot be approved."), {"person_id": reasons})
    now = clock.now()
    old = item.credential
    if item.kind is RequestKind.REPLACEMENT:
        assert old is not None and item.card_loss is not None
        credential = _replace(session, actor, item, old)
    else:
        credential = issue(session, actor, IssueRequest(item.person_id, item.issuer_id, [d.id for d in item.domains], item.region,
                                                        item.legal_source, exam_rule=EXAM_RULE[item.kind]))
    item.approve(credential, now)
    item.decided_by_id = actor.id
    session.flush()
    record(session, actor, "credential_request.approve", "credential_request", item.id, label=f"{item.kind.label} {item.person.name}",
           org=item.person.org, after={"status": item.status.value, "number": credential.number,
                                       "valid_to": credential.valid_to.isoformat(), "replaces": old.number if old else None})
    return credential


def _replace(session: Session, actor: User, item: CredentialRequest, old: Credential) -> Credential:
    """Cancel the old credential (lost card) and issue its replacement: new number, same domains, region,
    legal source, issuer and valid_to. A lost card cannot be taken back, so no recovery task is opened
    (its number verifies as NOT VALID at once); a damaged card is handed in, so one is."""
    old.cancel()
    credential = issue(session, actor, IssueRequest(item.person_id, old.issuer_id, [d.id for d in old.domains], old.region,
                                                    old.legal_source, valid_to=old.valid_to, exam_rule="none"))
    credential.predecessor_id = old.id
    assert item.card_loss is not None
    ground = _("Card lost") if item.card_loss is CardLoss.LOST else _("Card damaged")
    session.add(CredentialEvent(credential_id=old.id, action="cancel", ground=ground,
                                reason=_("Replaced by %(number)s: %(reason)s", number=credential.number, reason=item.reason),
                                decided_by_id=actor.id))
    if item.card_loss is CardLoss.DAMAGED:
        session.add(RecoveryTask(credential=old, note=""))
    session.flush()
    record(session, actor, "credential.cancel", "credential", old.id, label=f"{old.number} {item.person.name}", org=old.org,
           before={"status": CredentialStatus.ACTIVE.value},
           after={"status": old.status.value, "ground": item.card_loss.value, "reason": item.reason, "replaced_by": credential.number})
    return credential


def send_back(session: Session, actor: User, request_id: int, reason: str) -> CredentialRequest:
    """Return the request to the requester, with the reason they need to amend it."""
    item = _locked(session, actor, request_id)
    if not _issuer_side(actor, item):
        raise PermissionDenied(_("Only HR of the issuing authority %(issuer)s may return this request.", issuer=item.issuer.name))
    if not reason.strip():
        raise ValidationFailed(_("The request was not returned."), {"reason": [_("Say why the request is returned.")]})
    item.send_back(reason.strip(), clock.now())
    item.decided_by_id = actor.id
    session.flush()
    record(session, actor, "credential_request.return", "credential_request", item.id, label=f"{item.kind.label} {item.person.name}",
           org=item.person.org, after={"status": item.status.value, "reason": item.return_reason})
    return item


def amend(session: Session, actor: User, request_id: int, draft: RequestDraft) -> CredentialRequest:
    """Change a returned request and submit it again; eligibility is checked again."""
    item = _locked(session, actor, request_id)
    if not _requester_side(actor, item):
        raise PermissionDenied(_("Only HR of %(org)s may amend this request.", org=item.person.org.name))
    if item.status is not RequestStatus.RETURNED:
        raise InvalidState(_("Only a returned request can be amended and resubmitted."))
    before = _snapshot(item)
    issuer, domains, region, legal_source = _checked_fields(session, item.kind, item.person, draft, item.credential)
    item.issuer, item.domains, item.region, item.legal_source = issuer, domains, region, legal_source
    item.reason = draft.reason.strip()
    if item.kind is RequestKind.REPLACEMENT:
        item.card_loss, item.loss_declared = draft.card_loss, draft.loss_declared
    item.resubmit(clock.now())
    item.submitted_by_id = actor.id
    session.flush()
    record(session, actor, "credential_request.amend", "credential_request", item.id, label=f"{item.kind.label} {item.person.name}",
           org=item.person.org, before=before, after=_snapshot(item))
    return item


def withdraw(session: Session, actor: User, request_id: int) -> CredentialRequest:
    """The requesting side takes back an open request."""
    item = _locked(session, actor, request_id)
    if not _withdrawer(actor, item):
        raise PermissionDenied(_("Only the requester may withdraw this request; the issuing authority approves or returns it."))
    item.withdraw(clock.now())
    session.flush()
    record(session, actor, "credential_request.withdraw", "credential_request", item.id, label=f"{item.kind.label} {item.person.name}",
           org=item.person.org, after={"status": item.status.value})
    return item


def require_one_step() -> None:
    """Refuse unless issuing is set to one step (CREDENTIAL_FOUR_EYES off)."""
    if four_eyes():
        raise PermissionDenied(_("Credentials are issued with four eyes: request one, and the issuing authority approves it."))


def issue_directly(session: Session, actor: User, request: IssueRequest) -> Credential:
    """Request and approve at once: only when issuing is set to one step."""
    require_one_step()
    person = session.get(Person, request.person_id)
    refusal = fresh_issue_refusal(session, person, request.domain_ids) if person is not None else None
    if refusal:
        raise ValidationFailed(_("No credential was issued."), {"person_id": [refusal]})
    return issue(session, actor, request)
