"""Who may print a credential's card and certificate, and how. A credential that has not ended prints
clean, for its holder and for the HR who administer it (the holder's current organisation, the issuer). An ended one (revoked, cancelled, superseded, or
past its validity) is never printed clean: HR gets a copy for the file with 作废 VOID across every page
and what ended it; its holder gets none (a card in circulation must be the one that verifies)."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from examsys.auth.models import User
from examsys.credentials.ended import ending_event, has_ended, local_day
from examsys.credentials.models import TERMINAL, Credential, CredentialStatus
from examsys.credentials.services import administers
from examsys.errors import InvalidState, NotFound

# What ended the credential, as the mark on a void copy says it (the PDFs are in Chinese, as issued).
ENDED_WORDS = {CredentialStatus.REVOKED: "已吊销", CredentialStatus.CANCELLED: "已注销", CredentialStatus.SUPERSEDED: "已换发"}


@dataclass(frozen=True)
class PrintJob:
    credential: Credential
    void_note: str | None = None  # None: a clean print; otherwise the mark's line, e.g. "已吊销 2026-12-04 呼执撤〔2026〕2号"


def void_note(session: Session, credential: Credential) -> str:
    event = ending_event(session, credential)
    if event is None:  # in force but past valid_to
        return f"已过有效期（{credential.valid_to:%Y-%m-%d}）"
    parts = [ENDED_WORDS[credential.status], local_day(event).isoformat(), event.decision_number]
    return " ".join(p for p in parts if p)


def print_job(session: Session, actor: User, credential_id: int) -> PrintJob:
    """The credential to print and how, for its holder or the HR who administer it; anyone else is told it
    does not exist. An ended credential: a void copy for HR, a refusal for its holder."""
    credential = session.get(Credential, credential_id)
    holder = credential is not None and actor.is_authenticated and actor.person_id == credential.person_id
    hr = credential is not None and actor.is_authenticated and administers(actor, credential)
    if credential is None or not (holder or hr):
        raise NotFound(_("No such credential."))
    if not has_ended(credential):
        return PrintJob(credential)
    if not hr:
        raise InvalidState(_("This credential has ended (%(status)s): it is no longer printed. My credential shows what ended it.",
                             status=credential.status.label if credential.status in TERMINAL else _("Expired")))
    return PrintJob(credential, void_note(session, credential))
