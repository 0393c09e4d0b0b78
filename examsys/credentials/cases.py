"""Revocation cases (measure 24): a credential is revoked only with its case on the record — the case
number, the decision (its number and date) and the document it rests on. The revocation voids the
qualification the credential rested on and bars a new one for CREDENTIAL_BAR_YEARS_AFTER_REVOCATION
(credentials.services.eligibility). The supervisors (执法监督, auditors) read the cases of their subtree."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import Date, ForeignKey, Select, String, Text, select
from sqlalchemy.orm import Mapped, Session, joinedload, mapped_column, relationship

from examsys import clock
from examsys.auth.models import Role, User
from examsys.auth.permissions import require_any_scope, scope_clause
from examsys.credentials.models import Credential
from examsys.db import Base, UTCDateTime
from examsys.orgs.models import Organisation
from examsys.personnel.models import Person

READERS = (Role.AUDITOR, Role.HR_ADMIN)


class RevocationCase(Base):
    """The case a revocation rests on. One per revoked credential; never changed."""

    __tablename__ = "revocation_case"

    id: Mapped[int] = mapped_column(primary_key=True)
    credential_id: Mapped[int] = mapped_column(ForeignKey("credential.id"), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)  # the holder's organisation when revoked: who reads it
    case_number: Mapped[str] = mapped_column(String(80))
    decision_number: Mapped[str] = mapped_column(String(80))
    decided_on: Mapped[date] = mapped_column(Date)
    document_ref: Mapped[str] = mapped_column(String(200))
    ground: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    credential: Mapped[Credential] = relationship()
    person: Mapped[Person] = relationship()
    org: Mapped[Organisation] = relationship()


@dataclass(frozen=True)
class CaseRecord:
    """What a revocation must name besides the legal ground and the decision number."""

    case_number: str = ""
    decided_on: date | None = None
    document_ref: str = ""


def case_errors(case: CaseRecord | None, today: date) -> dict[str, list[str]]:
    """Field errors of a revocation's case (the fields of the status form)."""
    case = case or CaseRecord()
    errors: dict[str, list[str]] = {}
    if not case.case_number.strip():
        errors["case_number"] = [_("Give the number of the case the revocation rests on.")]
    elif len(case.case_number.strip()) > 80:
        errors["case_number"] = [_("At most %(n)d characters.", n=80)]
    if case.decided_on is None:
        errors["decided_on"] = [_("Give the date of the revocation decision.")]
    elif case.decided_on > today:
        errors["decided_on"] = [_("The decision date cannot lie in the future.")]
    if not case.document_ref.strip():
        errors["document_ref"] = [_("Name the document of the decision (e.g. its file reference).")]
    elif len(case.document_ref.strip()) > 200:
        errors["document_ref"] = [_("At most %(n)d characters.", n=200)]
    return errors


def record_case(session: Session, actor: User, credential: Credential, case: CaseRecord, *, decision_number: str, ground: str,
                reason: str) -> RevocationCase:
    """Write the case of a revocation (checked by case_errors before)."""
    assert case.decided_on is not None
    item = RevocationCase(credential=credential, person_id=credential.person_id, org=credential.person.org,
                          case_number=case.case_number.strip(), decision_number=decision_number, decided_on=case.decided_on,
                          document_ref=case.document_ref.strip(), ground=ground, reason=reason, recorded_by_id=actor.id)
    session.add(item)
    return item


def case_query(session: Session, actor: User) -> Select[tuple[RevocationCase]]:
    """The revocation cases of the actor's subtree (supervisors and HR), newest first."""
    require_any_scope(session, actor, READERS)
    return (select(RevocationCase).join(Organisation, RevocationCase.org_id == Organisation.id)
            .where(scope_clause(session, actor, READERS, Organisation.path))
            .options(joinedload(RevocationCase.credential), joinedload(RevocationCase.person), joinedload(RevocationCase.org))
            .order_by(RevocationCase.decided_on.desc(), RevocationCase.id.desc()))
