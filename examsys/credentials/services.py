"""Use cases of credentials: who may hold one (eligibility, with every reason why not), issuing with a
number that is never reused, and the lifecycle. Every change is audited and scoped."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, joinedload, selectinload

from examsys import clock
from examsys.audit.services import record
from examsys.auth.models import Role, User
from examsys.auth.permissions import can, require_any_scope, scope_clause, visible_org
from examsys.credentials.cases import CaseRecord, case_errors, record_case
from examsys.credentials.exemptions import approved_exemption
from examsys.credentials.models import (
    Credential,
    CredentialEvent,
    CredentialStatus,
    NumberCounter,
    RecoveryTask,
)
from examsys.credentials.qualification import sector_reasons
from examsys.credentials.standing import close_decisions, standing_problems
from examsys.credentials.standing import current_of as current_of  # the one current credential, for the pages
from examsys.credentials.training_rule import training_reasons
from examsys.errors import InvalidState, NotFound, ValidationFailed
from examsys.exams.results import passed_qualification, passed_renewal
from examsys.orgs.issuers import number_prefix
from examsys.orgs.models import Organisation
from examsys.personnel.models import EmploymentStatus, EnforcementDomain, Person, PersonnelKind, StaffingKind
from examsys.reviews.annual import credential_blocks

HR = Role.HR_ADMIN
ELIGIBLE_STAFFING = (StaffingKind.CIVIL_SERVANT, StaffingKind.CIVIL_SERVANT_LIKE, StaffingKind.PUBLIC_INSTITUTION)


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier, when negative); the month's last day when it is shorter
    (29 February plus a year is 28 February)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    following = date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)
    return date(year, month + 1, min(day.day, (following - timedelta(days=1)).day))


# ---- eligibility ---------------------------------------------------------------------------------

EXAM_RULES = ("qualification", "renewal", "none")


def eligibility(session: Session, person: Person, domain_ids: list[int], at: datetime | None = None, *,
                exam_rule: str = "qualification") -> list[str]:
    """Every reason `person` may not be issued a credential for `domain_ids` now; empty means yes.
    The rules of DESIGN.md §4.

    `exam_rule` says which exam the credential rests on: "qualification" (a first credential: a passed
    qualification exam, or the legal-qualification exemption), "renewal" (a passed renewal or
    qualification exam; the exemption covers the first exam only), "none" (a replacement card, which
    changes nothing but the number)."""
    at = at or clock.now()
    reasons: list[str] = []
    if person.kind is PersonnelKind.AUXILIARY:
        reasons.append(_("Auxiliary staff can never hold an enforcement credential."))
    if person.staffing_kind not in ELIGIBLE_STAFFING:
        reasons.append(_("Staffing kind %(kind)s does not allow an enforcement credential.", kind=person.staffing_kind.label))
    if person.employment_status is not EmploymentStatus.EMPLOYED:
        reasons.append(_("Not in post (%(status)s).", status=person.employment_status.label))
    months = int(current_app.config["CREDENTIAL_EXAM_MONTHS"])
    since = at - timedelta(days=round(months * 30.44))
    # Rule 7: a revocation voids the qualification the credential rested on (the exemption too) and bars a new
    # one for CREDENTIAL_BAR_YEARS_AFTER_REVOCATION: only an exam passed after the bar counts.
    bar_years = int(current_app.config["CREDENTIAL_BAR_YEARS_AFTER_REVOCATION"])
    revoked = session.scalar(select(func.max(CredentialEvent.at)).join(Credential).where(
        Credential.person_id == person.id, CredentialEvent.action == "revoke"))
    void_before = revoked + timedelta(days=round(365.25 * bar_years)) if revoked is not None else None
    if revoked is not None and void_before is not None and void_before > at:
        reasons.append(_("A credential of this person was revoked on %(date)s; no new one for %(n)d years.",
                         date=clock.local_date(revoked).isoformat(), n=bar_years))
    start = max(since, void_before) if void_before is not None else since
    if exam_rule in ("qualification", "renewal"):
        passed = bool(passed_qualification(session, person.id, start)) or (
            exam_rule == "renewal" and bool(passed_renewal(session, person.id, start)))
        exempt = exam_rule == "qualification" and void_before is None and exemption_ground(session, person.id) is not None
        if not (passed or exempt):
            if revoked is not None and void_before is not None:
                reasons.append(_("The revocation of %(date)s voided the qualification: a qualification exam passed after %(after)s "
                                 "is needed.", date=clock.local_date(revoked).isoformat(), after=clock.local_date(void_before).isoformat()))
            elif exam_rule == "qualification":
                reasons.append(_("No qualification exam passed in the last %(n)d months.", n=months))
            else:
                reasons.append(_("No renewal or qualification exam passed in the last %(n)d months.", n=months))
    if exam_rule == "renewal":
        reasons.extend(training_reasons(session, person, at))
    held = {d.id for d in person.domains}
    wanted = list(session.scalars(select(EnforcementDomain).where(EnforcementDomain.id.in_(domain_ids)))) if domain_ids else []
    if exam_rule == "qualification":
        reasons.extend(sector_reasons(session, person.id, wanted, start, months))
    if not wanted:
        reasons.append(_("Name at least one enforcement domain."))
    for domain in wanted:
        if domain.id not in held:
            reasons.append(_("The register does not list %(domain)s among this person's domains.", domain=domain.name))
    reasons.extend(credential_blocks(session, person.id))
    return reasons


# ---- numbers -------------------------------------------------------------------------------------

def check_character(digits: str) -> str:
    """ISO 7064 MOD 11-2 over the digits: one character, 0-9 or X, that catches a mistyped digit."""
    total = 0
    for char in digits:
        total = (total + int(char)) * 2 % 11
    return "0123456789X"[(12 - total) % 11]


def format_number(prefix: str, domain_id: int, sequence: int) -> str:
    """<issuer's number prefix: 6 digits (examsys.orgs.issuers)><domain: 2 digits><sequence: 6 digits><check character>."""
    digits = f"{prefix}{domain_id:02d}{sequence:06d}"
    return digits + check_character(digits)


def next_number(session: Session, issuer_id: int, prefix: str, domain_id: int) -> str:
    """Take the next number; the counter row is locked (FOR UPDATE) so concurrent approvals queue."""
    insert = (postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert)(NumberCounter)
    session.execute(insert.values(issuer_id=issuer_id, domain_id=domain_id, last=0).on_conflict_do_nothing(
        index_elements=["issuer_id", "domain_id"]))  # the first approvals of a new issuer and domain may race too
    counter = session.scalars(select(NumberCounter).where(NumberCounter.issuer_id == issuer_id, NumberCounter.domain_id == domain_id)
                              .with_for_update().execution_options(populate_existing=True)).one()
    counter.last += 1
    session.flush()
    return format_number(prefix, domain_id, counter.last)


# ---- issuing and the lifecycle --------------------------------------------------------------------

@dataclass(frozen=True)
class IssueRequest:
    person_id: int
    issuer_id: int
    domain_ids: list[int]
    region: str
    legal_source: str
    valid_from: date | None = None
    valid_to: date | None = None  # None: CREDENTIAL_VALIDITY_YEARS from valid_from; a replacement card keeps the old one's
    exam_rule: str = "qualification"  # see eligibility()


def exemption_ground(session: Session, person_id: int) -> Any:
    """The approved legal-qualification exemption that stands in for the common part, when the setting allows it."""
    return approved_exemption(session, person_id) if current_app.config["CREDENTIAL_LEGAL_QUALIFICATION_EXEMPTS"] else None


def _ground(session: Session, person: Person, exam_rule: str) -> Any:
    """The exemption a first credential rests on, when no passed common part within the window does (rule 1)."""
    if exam_rule != "qualification":
        return None
    since = clock.now() - timedelta(days=round(int(current_app.config["CREDENTIAL_EXAM_MONTHS"]) * 30.44))
    return None if passed_qualification(session, person.id, since) else exemption_ground(session, person.id)


def issue(session: Session, actor: User | None, request: IssueRequest) -> Credential:
    """Issue a credential (the approval step): refuses with every reason when the person is not
    eligible; supersedes the person's current credential."""
    person = session.get(Person, request.person_id)
    if person is None or (actor is not None and not can(actor, HR, person.org)):
        raise NotFound(_("No such person."))
    issuer = visible_org(session, actor, HR, request.issuer_id)
    if not issuer.is_issuer:
        raise ValidationFailed(_("%(name)s is not an issuing authority.", name=issuer.name), {"issuer_id": [_("Choose an issuing authority.")]})
    reasons = eligibility(session, person, request.domain_ids, exam_rule=request.exam_rule)
    errors = {"person_id": reasons} if reasons else {}
    if not request.region.strip():
        errors["region"] = [_("Name the region of enforcement.")]
    if not request.legal_source.strip():
        errors["legal_source"] = [_("Name the legal source of the enforcement power.")]
    if errors:
        raise ValidationFailed(_("No credential was issued."), errors)
    domains = list(session.scalars(select(EnforcementDomain).where(EnforcementDomain.id.in_(request.domain_ids)).order_by(EnforcementDomain.id)))
    valid_from = request.valid_from or clock.today()
    previous = current_of(session, person.id)
    credential = Credential(
        number=next_number(session, issuer.id, number_prefix(issuer), domains[0].id), public_id=secrets.token_hex(8), person=person,
        org=person.org, issuer=issuer, region=request.region.strip(),
        legal_source=request.legal_source.strip(), valid_from=valid_from,
        valid_to=request.valid_to or add_months(valid_from, 12 * int(current_app.config["CREDENTIAL_VALIDITY_YEARS"])) - timedelta(days=1),
        domains=domains, exemption=_ground(session, person, request.exam_rule),
        predecessor_id=previous.id if previous else None)
    try:
        with session.begin_nested():
            session.add(credential)
            if previous is not None:
                previous.supersede()
            session.flush()
    except IntegrityError as error:  # another approval for this person committed first (uq_credential_current_person)
        if "person_id" not in str(error.orig) and "uq_credential_current_person" not in str(error.orig):
            raise
        raise InvalidState(_("%(name)s was issued a credential a moment ago; reload to see it.", name=person.name)) from None
    if previous is not None:
        session.add(CredentialEvent(credential_id=previous.id, action="supersede", reason=_("Replaced by %(number)s", number=credential.number),
                                    decided_by_id=actor.id if actor else None))
    credential.status_index = credential.id
    session.add(CredentialEvent(credential_id=credential.id, action="issue", decided_by_id=actor.id if actor else None))
    record(session, actor, "credential.issue", "credential", credential.id, label=f"{credential.number} {person.name}", org=person.org,
           after={"number": credential.number, "domains": [d.code for d in domains], "valid_to": credential.valid_to.isoformat(),
                  "supersedes": previous.number if previous else None,
                  # the ground (rule 1): the exemption's certificate, or none (a passed exam); data, in no language
                  "exemption": (f"{credential.exemption.certificate_number} ({credential.exemption.certified_on.isoformat()})"
                                if credential.exemption else None)})
    if previous is not None:
        close_decisions(session, person.id, _("Re-issued as %(number)s.", number=credential.number))
    return credential


def administers(actor: User | None, credential: Credential) -> bool:
    """HR over the holder's current organisation, or over the credential's issuing authority (whose decision
    it is). The organisation printed on the card does not count: after a transfer, the old organisation's HR
    no longer reaches the credential."""
    return can(actor, HR, credential.person.org) or can(actor, HR, credential.issuer)


def get_credential(session: Session, actor: User, credential_id: int) -> Credential:
    credential = session.get(Credential, credential_id)
    if credential is None or not administers(actor, credential):
        raise NotFound(_("No such credential."))
    return credential


def change(session: Session, actor: User, credential_id: int, action: str, *, ground: str = "", decision_number: str = "",
           reason: str = "", until: date | None = None, case: CaseRecord | None = None) -> Credential:
    """suspend / reinstate / revoke / cancel, with the legal ground, decision number and reason where
    they apply; a revocation with its case (credentials.cases). Suspension, revocation and cancellation
    open a card-recovery task."""
    credential = get_credential(session, actor, credential_id)
    needs_grounds = action in ("suspend", "revoke", "cancel")
    errors: dict[str, list[str]] = {}
    if needs_grounds and not ground.strip():
        errors["ground"] = [_("Give the legal ground.")]
    if action in ("suspend", "revoke") and not decision_number.strip():
        errors["decision_number"] = [_("Give the decision number.")]
    if not reason.strip():
        errors["reason"] = [_("Give the reason.")]
    if action == "revoke":
        errors.update(case_errors(case, clock.today()))
    if errors:
        raise ValidationFailed(_("The credential was not changed."), errors)
    before = credential.status
    if action == "suspend":
        credential.suspend(until)
    elif action == "reinstate":
        problems = standing_problems(session, credential)
        if problems:
            raise InvalidState(" ".join([_("The credential cannot be reinstated:"), *problems]))
        credential.reinstate()
    elif action == "revoke":
        credential.revoke()
        assert case is not None
        record_case(session, actor, credential, case, decision_number=decision_number.strip(), ground=ground.strip(), reason=reason.strip())
    elif action == "cancel":
        credential.cancel()
    else:
        raise InvalidState(_("Unknown action."))
    session.add(CredentialEvent(credential_id=credential.id, action=action, ground=ground.strip(), decision_number=decision_number.strip(),
                                reason=reason.strip(), decided_by_id=actor.id))
    if needs_grounds and not open_recoveries(session, credential):  # one card, one recovery: a suspension may have asked already
        session.add(RecoveryTask(credential=credential))
    if action == "reinstate":  # the card a suspension asked back stays with (or goes back to) its holder
        for task in open_recoveries(session, credential):
            task.closed_at, task.note = clock.now(), _("Closed by the reinstatement.")
    session.flush()
    if action in ("cancel", "revoke", "reinstate"):
        number = credential.number
        outcome = (_("Cancelled %(number)s.", number=number) if action == "cancel" else _("Revoked %(number)s.", number=number)
                   if action == "revoke" else _("Reinstated %(number)s.", number=number))
        close_decisions(session, credential.person_id, outcome)
    record(session, actor, f"credential.{action}", "credential", credential.id, label=f"{credential.number} {credential.person.name}",
           org=credential.org, before={"status": before.value},
           after={"status": credential.status.value, "ground": ground.strip(), "decision_number": decision_number.strip(),
                  "reason": reason.strip(), "until": until.isoformat() if until else None}
           | ({"case_number": case.case_number.strip(), "decided_on": case.decided_on, "document_ref": case.document_ref.strip()}
              if action == "revoke" and case is not None else {}))
    return credential


def close_recovery(session: Session, actor: User, task_id: int, note: str = "") -> RecoveryTask:
    task = session.get(RecoveryTask, task_id)
    if task is None or not administers(actor, task.credential):
        raise NotFound(_("No such task."))
    if task.closed_at is not None:
        raise InvalidState(_("The card is already back."))
    task.closed_at, task.note = clock.now(), note.strip()[:200]
    session.flush()
    record(session, actor, "credential.card_recovered", "credential", task.credential_id, label=task.credential.number, org=task.credential.org)
    return task


@dataclass(frozen=True)
class CredentialFilter:
    text: str = ""
    status: CredentialStatus | None = None
    expired: bool | None = None


def credential_query(session: Session, actor: User, filters: CredentialFilter) -> Any:
    """Credentials the actor administers (see administers()), newest first."""
    require_any_scope(session, actor, HR)
    issuer = aliased(Organisation)
    query = (select(Credential).join(Person, Credential.person_id == Person.id).join(Organisation, Person.org_id == Organisation.id)
             .join(issuer, Credential.issuer_id == issuer.id)
             .where(or_(scope_clause(session, actor, HR, Organisation.path), scope_clause(session, actor, HR, issuer.path)))
             .options(selectinload(Credential.domains), joinedload(Credential.person), joinedload(Credential.org)))
    if filters.text.strip():
        term = f"%{filters.text.strip()}%"
        query = query.where(Person.name.ilike(term) | Credential.number.ilike(term))
    if filters.status is not None:
        query = query.where(Credential.status == filters.status)
    if filters.expired is not None:
        today = clock.today()
        query = query.where(Credential.valid_to < today if filters.expired else Credential.valid_to >= today)
    return query.order_by(Credential.id.desc())


def issuers(session: Session, actor: User) -> list[Organisation]:
    """Issuing authorities the actor may issue for (HR of the authority or above it)."""
    return [o for o in session.scalars(select(Organisation).where(Organisation.is_issuer.is_(True), Organisation.active.is_(True))
                                       .order_by(Organisation.path)) if can(actor, HR, o)]


def events_of(session: Session, credential: Credential) -> list[CredentialEvent]:
    return list(session.scalars(select(CredentialEvent).where(CredentialEvent.credential_id == credential.id).order_by(CredentialEvent.id)))


def open_recoveries(session: Session, credential: Credential) -> list[RecoveryTask]:
    return list(session.scalars(select(RecoveryTask).where(RecoveryTask.credential_id == credential.id, RecoveryTask.closed_at.is_(None))))
