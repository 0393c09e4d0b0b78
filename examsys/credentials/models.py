"""Credentials (行政执法证) and what happens to them: requests, the credential's lifecycle, its events,
the card-recovery (收回) tasks that suspension, revocation and cancellation open, the status version that
moves with every status change, and the public's reports about an officer."""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint, event, inspect, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from examsys import clock
from examsys.db import Base, LabelledEnum, UTCDateTime, enum_column
from examsys.domains.models import EnforcementDomain, domains_of
from examsys.errors import InvalidState
from examsys.orgs.models import Organisation
from examsys.personnel.models import Person

credential_domain = domains_of("credential", "credential_id")


class CredentialStatus(LabelledEnum):
    ACTIVE = "active", _l("In force")
    SUSPENDED = "suspended", _l("Suspended")
    REVOKED = "revoked", _l("Revoked")  # terminal; also revokes the qualification
    CANCELLED = "cancelled", _l("Cancelled")  # terminal: transfer, retirement, resignation, dismissal, death, lost card, re-issue
    SUPERSEDED = "superseded", _l("Superseded")  # terminal: replaced by a newer credential


TERMINAL = (CredentialStatus.REVOKED, CredentialStatus.CANCELLED, CredentialStatus.SUPERSEDED)
CURRENT = (CredentialStatus.ACTIVE, CredentialStatus.SUSPENDED)  # not ended: at most one per person
_CURRENT_SQL = "status IN ('active', 'suspended')"


class Credential(Base):
    __tablename__ = "credential"
    # Rule 4, in the database: at most one credential per person that has not ended. A suspended one counts,
    # since it can be reinstated: two of them would be two cards that could both be in force again. An expired
    # one (status still active, valid_to past) counts too, until a renewal supersedes it. Two approvals racing
    # for the same person: the second insert fails here, whatever the services checked before.
    __table_args__ = (Index("uq_credential_current_person", "person_id", unique=True,
                            sqlite_where=text(_CURRENT_SQL), postgresql_where=text(_CURRENT_SQL)),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True)  # 8 random bytes, hex: what the QR names
    # Its bit in the published status lists: the row id, set right after the insert (ids never repeat,
    # even under concurrent issuing, which a max()+1 would not guarantee).
    status_index: Mapped[int | None] = mapped_column(unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    region: Mapped[str] = mapped_column(String(120))  # 执法区域
    legal_source: Mapped[str] = mapped_column(String(200))  # 执法权来源
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    status: Mapped[CredentialStatus] = mapped_column(enum_column(CredentialStatus), default=CredentialStatus.ACTIVE, index=True)
    suspended_until: Mapped[date | None] = mapped_column(Date)
    predecessor_id: Mapped[int | None] = mapped_column(ForeignKey("credential.id"))
    # the ground of the qualification (rule 1): the approved legal-qualification exemption it rests on, or none (an exam)
    exemption_id: Mapped[int | None] = mapped_column(ForeignKey("legal_exemption.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # When any of its columns last changed (set on flush, see _note_status_changes): the API's register feed
    # hands other departments what changed since their last read.
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)

    person: Mapped[Person] = relationship()
    org: Mapped[Organisation] = relationship(foreign_keys=[org_id])
    issuer: Mapped[Organisation] = relationship(foreign_keys=[issuer_id])
    domains: Mapped[list[EnforcementDomain]] = relationship(secondary=credential_domain, order_by="EnforcementDomain.code")
    exemption: Mapped[LegalExemption | None] = relationship()  # noqa: F821 - credentials.exemptions.services

    def expired(self, today: date | None = None) -> bool:
        """Past valid_to reads as expired everywhere, at once, whatever any job has done."""
        return (today or clock.today()) > self.valid_to

    def may_enforce(self, today: date | None = None) -> bool:
        return self.status is CredentialStatus.ACTIVE and not self.expired(today)

    # State changes: each refuses a move the lifecycle does not allow.
    def suspend(self, until: date | None) -> None:
        if self.status is not CredentialStatus.ACTIVE or self.expired():
            raise InvalidState(_("Only an active credential can be suspended."))
        self.status, self.suspended_until = CredentialStatus.SUSPENDED, until

    def reinstate(self) -> None:
        if self.status is not CredentialStatus.SUSPENDED:
            raise InvalidState(_("Only a suspended credential can be reinstated."))
        self.status, self.suspended_until = CredentialStatus.ACTIVE, None

    def revoke(self) -> None:
        if self.status not in (CredentialStatus.ACTIVE, CredentialStatus.SUSPENDED):
            raise InvalidState(_("Only an active or suspended credential can be revoked."))
        self.status, self.suspended_until = CredentialStatus.REVOKED, None

    def cancel(self) -> None:
        if self.status not in (CredentialStatus.ACTIVE, CredentialStatus.SUSPENDED):
            raise InvalidState(_("Only an active or suspended credential can be cancelled."))
        self.status, self.suspended_until = CredentialStatus.CANCELLED, None

    def supersede(self) -> None:
        if self.status in TERMINAL:
            raise InvalidState(_("This credential has already ended."))
        self.status, self.suspended_until = CredentialStatus.SUPERSEDED, None


class NumberCounter(Base):
    """The last sequence number given per issuer and domain. Locked while a number is taken, so
    concurrent approvals never share one, and numbers are never reused."""

    __tablename__ = "credential_number_counter"
    __table_args__ = (UniqueConstraint("issuer_id", "domain_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    domain_id: Mapped[int] = mapped_column(ForeignKey("enforcement_domain.id"))
    last: Mapped[int] = mapped_column(default=0)


class CredentialEvent(Base):
    """Issue, suspend, reinstate, revoke, cancel, supersede: with the legal ground, the decision number
    and the reason, for HR and the audit; never shown to the public."""

    __tablename__ = "credential_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    credential_id: Mapped[int] = mapped_column(ForeignKey("credential.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    ground: Mapped[str] = mapped_column(String(200), default="")
    decision_number: Mapped[str] = mapped_column(String(80), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class RecoveryTask(Base):
    """Take the physical card back (收回) after suspension, revocation or cancellation."""

    __tablename__ = "credential_recovery"

    id: Mapped[int] = mapped_column(primary_key=True)
    credential_id: Mapped[int] = mapped_column(ForeignKey("credential.id"), index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(String(200), default="")

    credential: Mapped[Credential] = relationship()


credential_request_domain = domains_of("credential_request", "request_id")


class RequestKind(LabelledEnum):
    ISSUE = "issue", _l("First issuance")  # a first credential, or a new one with other domains: needs the qualification exam
    RENEWAL = "renewal", _l("Renewal")  # 延续/换证 near the end of validity: needs a renewal (or qualification) exam
    REPLACEMENT = "replacement", _l("Replacement of a lost or damaged card")  # 补发 of a lost or damaged card: new number, same domains and valid_to


class RequestStatus(LabelledEnum):
    PENDING = "pending", _l("Awaiting approval")  # waiting for the issuing authority
    RETURNED = "returned", _l("Returned")  # sent back with a reason; the requester amends and resubmits, or withdraws
    APPROVED = "approved", _l("Approved")  # terminal: the credential is issued
    WITHDRAWN = "withdrawn", _l("Withdrawn")  # terminal


class CardLoss(LabelledEnum):
    LOST = "lost", _l("Lost")  # nothing to take back: the old number is cancelled and verifies as NOT VALID at once
    DAMAGED = "damaged", _l("Damaged")  # the damaged card is handed in: a card-recovery task is opened


class CredentialRequest(Base):
    """A request to issue, renew or replace a credential (four eyes): HR of the officer's organisation
    asks, HR of the issuing authority approves (the number is given then) or returns it with a reason."""

    __tablename__ = "credential_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[RequestKind] = mapped_column(enum_column(RequestKind))
    status: Mapped[RequestStatus] = mapped_column(enum_column(RequestStatus), default=RequestStatus.PENDING, index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    # The person's id while the request is open, NULL once it is closed: the unique constraint keeps one
    # open request per person even when two HR staff submit at the same moment (NULLs never collide).
    open_person_id: Mapped[int | None] = mapped_column(unique=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    region: Mapped[str] = mapped_column(String(120))
    legal_source: Mapped[str] = mapped_column(String(200))
    credential_id: Mapped[int | None] = mapped_column(ForeignKey("credential.id"))  # the one renewed or replaced
    issued_id: Mapped[int | None] = mapped_column(ForeignKey("credential.id"))  # the result of the approval
    reason: Mapped[str] = mapped_column(Text, default="")  # the requester's note; for a replacement how the card was lost
    card_loss: Mapped[CardLoss | None] = mapped_column(enum_column(CardLoss))
    loss_declared: Mapped[bool] = mapped_column(default=False)  # the holder's written declaration of loss (遗失声明)
    return_reason: Mapped[str] = mapped_column(Text, default="")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))  # who last (re)submitted it
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship()
    issuer: Mapped[Organisation] = relationship()
    domains: Mapped[list[EnforcementDomain]] = relationship(secondary=credential_request_domain, order_by="EnforcementDomain.code")
    credential: Mapped[Credential | None] = relationship(foreign_keys=[credential_id])
    issued: Mapped[Credential | None] = relationship(foreign_keys=[issued_id])

    @property
    def is_open(self) -> bool:
        return self.status in (RequestStatus.PENDING, RequestStatus.RETURNED)

    # State changes: each refuses a move the request's life does not allow.
    def send_back(self, reason: str, at: datetime) -> None:
        if self.status is not RequestStatus.PENDING:
            raise InvalidState(_("Only a request awaiting approval can be returned."))
        self.status, self.return_reason, self.decided_at = RequestStatus.RETURNED, reason, at

    def resubmit(self, at: datetime) -> None:
        if self.status is not RequestStatus.RETURNED:
            raise InvalidState(_("Only a returned request can be amended and resubmitted."))
        self.status, self.submitted_at = RequestStatus.PENDING, at

    def approve(self, credential: Credential, at: datetime) -> None:
        if self.status is not RequestStatus.PENDING:
            raise InvalidState(_("Only a request awaiting approval can be approved."))
        self.status, self.issued, self.decided_at, self.open_person_id = RequestStatus.APPROVED, credential, at, None

    def withdraw(self, at: datetime) -> None:
        if not self.is_open:
            raise InvalidState(_("This request is already closed."))
        self.status, self.decided_at, self.open_person_id = RequestStatus.WITHDRAWN, at, None


# ---- the re-issuance campaign (换发) -----------------------------------------------------------------

class DomainSource(LabelledEnum):
    """Which enforcement domains a re-issued credential names."""

    PREVIOUS = "previous", _l("As on the credential it replaces")  # those of the credential it replaces (the register's when there is none)
    REGISTER = "register", _l("As on the register")  # the officer's domains on the register, as the clean-up confirmed them
    CHOSEN = "chosen", _l("The domains chosen below")  # the ones HR chose for the whole campaign


reissue_campaign_domain = domains_of("reissue_campaign", "campaign_id")


class ReissueCampaign(Base):
    """Replace the credentials of a subtree's officers that a clean-up campaign confirmed. Opening it
    is the decision to issue (its decision number goes on every credential's issue event); the
    issuing itself runs in steps, each committed, so a large campaign shows its progress and a step
    that fails leaves the others done."""

    __tablename__ = "reissue_campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    cleanup_id: Mapped[int] = mapped_column(ForeignKey("cleanup_campaign.id"), index=True)
    decision_number: Mapped[str] = mapped_column(String(80))
    # Left empty: taken from each officer's previous credential.
    issuer_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    region: Mapped[str] = mapped_column(String(120), default="")
    legal_source: Mapped[str] = mapped_column(String(200), default="")
    domain_source: Mapped[DomainSource] = mapped_column(enum_column(DomainSource), default=DomainSource.PREVIOUS)
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    org: Mapped[Organisation] = relationship(foreign_keys=[org_id])
    issuer: Mapped[Organisation | None] = relationship(foreign_keys=[issuer_id])
    domains: Mapped[list[EnforcementDomain]] = relationship(secondary=reissue_campaign_domain, order_by="EnforcementDomain.code")


class ReissueState(LabelledEnum):
    PENDING = "pending", _l("Not yet processed")
    ISSUED = "issued", _l("Issued")
    INELIGIBLE = "ineligible", _l("Not eligible")


class ReissueItem(Base):
    """One officer of a re-issuance campaign: pending, issued (with the new credential), or not
    eligible (with every reason). Issued once: a second run skips it."""

    __tablename__ = "reissue_item"
    __table_args__ = (UniqueConstraint("campaign_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("reissue_campaign.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    org_path: Mapped[str] = mapped_column(String(255), index=True)  # where the officer stood when added: the scope of who sees the line
    state: Mapped[ReissueState] = mapped_column(enum_column(ReissueState), default=ReissueState.PENDING, index=True)
    reasons: Mapped[str] = mapped_column(Text, default="")  # one per line, as HR was told
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("credential.id"))
    credential_id: Mapped[int | None] = mapped_column(ForeignKey("credential.id"), unique=True)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    campaign: Mapped[ReissueCampaign] = relationship()
    person: Mapped[Person] = relationship()
    previous: Mapped[Credential | None] = relationship(foreign_keys=[previous_id])
    credential: Mapped[Credential | None] = relationship(foreign_keys=[credential_id])

    @property
    def reason_list(self) -> list[str]:
        return [line for line in self.reasons.splitlines() if line]


class ReportCategory(LabelledEnum):
    PHOTO_MISMATCH = "photo_mismatch", _l("The person does not look like the photo")
    CONDUCT = "conduct", _l("Conduct during enforcement")
    MISUSE = "misuse", _l("The credential seems to be misused (suspended, revoked, or someone else's)")
    WRONG_DETAILS = "wrong_details", _l("The details shown are wrong")
    OTHER = "other", _l("Something else")


class ReportStatus(LabelledEnum):
    OPEN = "open", _l("Not yet handled")
    HANDLED = "handled", _l("Handled")


class OfficerReport(Base):
    """A problem with an officer, reported by anyone from the public verify page, for the supervisors
    (执法监督) of the credential's organisation. Anonymous: nothing about the reporter is kept, not even
    the client address (the rate limit keys on it in the limiter's store only)."""

    __tablename__ = "officer_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    credential_id: Mapped[int] = mapped_column(ForeignKey("credential.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)  # the credential's, when reported
    category: Mapped[ReportCategory] = mapped_column(enum_column(ReportCategory))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    status: Mapped[ReportStatus] = mapped_column(enum_column(ReportStatus), default=ReportStatus.OPEN, index=True)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handled_note: Mapped[str] = mapped_column(Text, default="")

    credential: Mapped[Credential] = relationship()
    org: Mapped[Organisation] = relationship()

    def mark_handled(self, note: str, at: datetime, by_id: int) -> None:
        if self.status is not ReportStatus.OPEN:
            raise InvalidState(_("This report has already been handled."))
        self.status, self.handled_note, self.handled_at, self.handled_by_id = ReportStatus.HANDLED, note, at, by_id


class StatusVersion(Base):
    """One row whose number moves, in the same transaction, with every change of any credential's status
    (issue, supersede, suspend, reinstate, revoke, cancel). Whatever caches a verdict or a status list keys
    it on this number, so a change is public at once on every worker and app node."""

    __tablename__ = "credential_status_version"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(default=0)


_STATUS_CHANGED = "examsys.credential_status_changed"


@event.listens_for(Session, "before_flush")
def _note_status_changes(session: Session, _context: object, _instances: object) -> None:
    """Remember that this transaction adds, deletes or changes the status of a credential, whichever
    service or model method did it. (A bulk `update(Credential)` statement would go unnoticed: status
    changes go through the model's methods.)"""
    for obj in session.dirty:
        if isinstance(obj, Credential) and session.is_modified(obj, include_collections=False):
            obj.changed_at = clock.now()
    transaction = session.get_transaction()
    if transaction is None or session.info.get(_STATUS_CHANGED) is transaction:
        return
    for obj in (*session.new, *session.deleted):
        if isinstance(obj, Credential):
            session.info[_STATUS_CHANGED] = transaction
            return
    for obj in session.dirty:
        if isinstance(obj, Credential) and inspect(obj).attrs.status.history.has_changes():
            session.info[_STATUS_CHANGED] = transaction
            return


@event.listens_for(Session, "before_commit")
def _bump_status_version(session: Session) -> None:
    """Move the status version as the last write of a transaction that changed a status. Taking its row
    lock last means no transaction holds it while waiting for another lock (no deadlock with the audit
    chain's head)."""
    if session.in_nested_transaction():
        return  # the outer transaction commits for real
    session.flush()
    transaction = session.get_transaction()
    if transaction is None or session.info.get(_STATUS_CHANGED) is not transaction:
        return
    del session.info[_STATUS_CHANGED]
    insert = (postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert)(StatusVersion)
    session.execute(insert.values(id=1, version=1).on_conflict_do_update(index_elements=["id"],
                                                                           set_={"version": StatusVersion.version + 1}))
