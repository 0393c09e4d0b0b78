"""The 法律职业资格 exemption (DESIGN §4 rule 1): a holder of the national legal professional qualification
stands exempt from the common part of the qualification exam, once HR records the evidence (the certificate's
number and date) and a second person approves it (four eyes, as a credential request)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import Date, ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from examsys import clock
from examsys.audit.services import record
from examsys.auth.models import Role, User
from examsys.auth.permissions import can
from examsys.db import Base, UTCDateTime
from examsys.errors import InvalidState, NotFound, ValidationFailed
from examsys.personnel.models import Person

HR = Role.HR_ADMIN


class LegalExemption(Base):
    """The evidence of one person's legal professional qualification, recorded by one HR administrator and
    approved by another; only an approved one exempts."""

    __tablename__ = "legal_exemption"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    certificate_number: Mapped[str] = mapped_column(String(40))
    certified_on: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship()
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])

    def approve(self, actor_id: int) -> None:
        """Four eyes: the person who recorded the evidence cannot approve it."""
        if self.approved_at is not None:
            raise InvalidState(_("This exemption is approved already."))
        if actor_id == self.recorded_by_id:
            raise InvalidState(_("Another person must approve the exemption you recorded."))
        self.approved_by_id, self.approved_at = actor_id, clock.now()

    @property
    def ground(self) -> str:
        return _("exemption: legal professional qualification, certificate no. %(number)s of %(date)s",
                 number=self.certificate_number, date=self.certified_on.isoformat())


@dataclass
class ExemptionEvidence:
    certificate_number: str
    certified_on: date | None


def _person(session: Session, actor: User, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None or not can(actor, HR, person.org):
        raise NotFound(_("No such person."))
    return person


def record_exemption(session: Session, actor: User, person_id: int, evidence: ExemptionEvidence) -> LegalExemption:
    """HR of the person's organisation records the certificate; it exempts nobody until a second person approves."""
    person = _person(session, actor, person_id)
    number = evidence.certificate_number.strip()
    errors: dict[str, list[str]] = {}
    if not number or len(number) > 40:
        errors["certificate_number"] = [_("Give the certificate's number (up to 40 characters).")]
    if evidence.certified_on is None or evidence.certified_on > clock.today():
        errors["certified_on"] = [_("Give the date on the certificate (not in the future).")]
    if errors:
        raise ValidationFailed(_("The exemption was not recorded."), errors)
    assert evidence.certified_on is not None
    exemption = LegalExemption(person=person, certificate_number=number, certified_on=evidence.certified_on, recorded_by_id=actor.id)
    session.add(exemption)
    session.flush()
    record(session, actor, "exemption.record", "person", person.id, label=person.name, org=person.org,
           after={"certificate_number": number, "certified_on": evidence.certified_on.isoformat()})
    return exemption


def approve_exemption(session: Session, actor: User, exemption_id: int) -> LegalExemption:
    """A second HR administrator over the person approves the evidence: from now on it exempts."""
    exemption = session.get(LegalExemption, exemption_id)
    if exemption is None or not can(actor, HR, exemption.person.org):
        raise NotFound(_("No such exemption."))
    exemption.approve(actor.id)
    session.flush()
    record(session, actor, "exemption.approve", "person", exemption.person_id, label=exemption.person.name, org=exemption.person.org,
           after={"certificate_number": exemption.certificate_number, "certified_on": exemption.certified_on.isoformat()})
    return exemption


def approved_exemption(session: Session, person_id: int) -> LegalExemption | None:
    """The person's approved exemption (the newest), or None."""
    return session.scalar(select(LegalExemption).where(LegalExemption.person_id == person_id, LegalExemption.approved_at.is_not(None))
                          .order_by(LegalExemption.approved_at.desc()).limit(1))


def exemptions_of(session: Session, person_id: int) -> list[LegalExemption]:
    return list(session.scalars(select(LegalExemption).where(LegalExemption.person_id == person_id).order_by(LegalExemption.id)))
