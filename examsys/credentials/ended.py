"""What an ended credential (revoked, cancelled, superseded, or past its validity) still tells: what
ended it and when, for its holder's page and for the mark on a copy printed for the file."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from examsys import clock
from examsys.credentials.models import TERMINAL, Credential, CredentialEvent, CredentialStatus

ENDING_ACTIONS = {CredentialStatus.REVOKED: "revoke", CredentialStatus.CANCELLED: "cancel", CredentialStatus.SUPERSEDED: "supersede"}


def has_ended(credential: Credential) -> bool:
    """Revoked, cancelled, superseded or past valid_to: it will never verify as valid again."""
    return credential.status in TERMINAL or credential.expired()


def ending_event(session: Session, credential: Credential) -> CredentialEvent | None:
    """The revocation, cancellation or replacement that ended the credential (None when it is in force,
    or only expired)."""
    action = ENDING_ACTIONS.get(credential.status)
    if action is None:
        return None
    return session.scalar(select(CredentialEvent).where(CredentialEvent.credential_id == credential.id, CredentialEvent.action == action)
                          .order_by(CredentialEvent.id.desc()).limit(1))


def local_day(event: CredentialEvent) -> date:
    """The day of the event in the region's time zone (a decision's date is a day in law)."""
    return clock.local_date(event.at)


def last_of(session: Session, person_id: int) -> Credential | None:
    """The person's latest credential, whatever its status."""
    return session.scalar(select(Credential).where(Credential.person_id == person_id).order_by(Credential.id.desc()).limit(1))
