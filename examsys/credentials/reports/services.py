"""Reports from the public about an officer ("report a problem with this officer" on the verify page),
for the supervisors (执法监督, Role.AUDITOR) of the credential's organisation subtree.

The reporter is anonymous and stays so: no account, no cookie, nothing about them stored (not even the
client address; the audit entry of a report names no actor and keeps no address). The form is guarded
without a session by a form token (`form_token`): an HMAC, under the app's secret key, over the
credential, the client's address and the time the form was served, valid for an hour. See
docs/credential-format.md, "Reporting a problem"."""
from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import case, select
from sqlalchemy.orm import Session, joinedload

from examsys import clock
from examsys.audit.services import record
from examsys.auth.models import Role, User
from examsys.auth.permissions import can, require_any_scope, scope_clause
from examsys.credentials.models import Credential, OfficerReport, ReportCategory, ReportStatus
from examsys.errors import NotFound, ValidationFailed
from examsys.orgs.models import Organisation

SUPERVISOR = Role.AUDITOR  # DESIGN §1: the auditor / supervisor (执法监督) reads the supervision reports
TEXT_MAX = 2000
NOTE_MAX = 1000
FORM_DOMAIN = b"examsys/report-form/v1\x00"
FORM_LIFETIME = timedelta(hours=1)


# ---- the form token -----------------------------------------------------------------------------

def _mac(secret: str, public_id: str, address: str, issued: int) -> str:
    message = FORM_DOMAIN + f"{public_id}\x00{address}\x00{issued}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def form_token(secret: str, public_id: str, address: str, at: datetime) -> str:
    """`<issued: Unix seconds>.<HMAC-SHA256, Base64url>` over the credential, the client's address and the
    time. Bound to the address so a token fetched by another site's server cannot be posted from its
    visitors' browsers; the address itself is in no token and in no table."""
    issued = int(at.timestamp())
    return f"{issued}.{_mac(secret, public_id, address, issued)}"


def check_form_token(secret: str, token: str, public_id: str, address: str, now: datetime) -> bool:
    """True only for a token this server made for this credential and address within FORM_LIFETIME."""
    issued_text, _dot, mac = (token or "").partition(".")
    if not issued_text.isdigit() or not mac:
        return False
    issued = int(issued_text)
    age = now.timestamp() - issued
    if not -60 <= age <= FORM_LIFETIME.total_seconds():
        return False
    return hmac.compare_digest(mac, _mac(secret, public_id, address, issued))


# ---- filing ---------------------------------------------------------------------------------------

def file_report(session: Session, credential_id: int, category: str, text: str) -> OfficerReport:
    """Store an anonymous report about the holder of `credential_id` (a credential whose token the
    caller has verified) for the supervisors of its organisation. Refuses with field errors; nothing
    is stored then."""
    credential = session.get(Credential, credential_id)
    if credential is None:
        raise NotFound(_("No such credential."))
    errors: dict[str, list[str]] = {}
    try:
        kind = ReportCategory(category)
    except ValueError:
        errors["category"] = [_("Choose what the problem is about.")]
    text = (text or "").strip()
    if not text:
        errors["text"] = [_("Describe the problem.")]
    elif len(text) > TEXT_MAX:
        errors["text"] = [_("At most %(n)d characters.", n=TEXT_MAX)]
    if errors:
        raise ValidationFailed(_("The report was not sent."), errors)
    # The page answers a post directly (no session to redirect with): a reload sends the same report again.
    repeated = session.scalar(select(OfficerReport).where(
        OfficerReport.credential_id == credential.id, OfficerReport.category == kind, OfficerReport.text == text,
        OfficerReport.created_at >= clock.now() - FORM_LIFETIME))
    if repeated is not None:
        return repeated
    report = OfficerReport(credential=credential, org_id=credential.org_id, category=kind, text=text)
    session.add(report)
    session.flush()
    record(session, None, "report.file", "officer_report", report.id, label=credential.number, org=credential.org,
           after={"category": kind.value, "credential": credential.number}, public=True)
    return report


# ---- the supervisors' side ----------------------------------------------------------------------------

def report_query(session: Session, actor: User, status: ReportStatus | None = None) -> Any:
    """Reports about credentials of organisations in the actor's supervision scope; open ones first, newest first."""
    require_any_scope(session, actor, SUPERVISOR)
    query = (select(OfficerReport).join(Organisation, OfficerReport.org_id == Organisation.id)
             .where(scope_clause(session, actor, SUPERVISOR, Organisation.path))
             .options(joinedload(OfficerReport.org), joinedload(OfficerReport.credential).joinedload(Credential.person)))
    if status is not None:
        query = query.where(OfficerReport.status == status)
    return query.order_by(case((OfficerReport.status == ReportStatus.OPEN, 0), else_=1), OfficerReport.id.desc())


def get_report(session: Session, actor: User, report_id: int) -> OfficerReport:
    report = session.get(OfficerReport, report_id)
    if report is None or not can(actor, SUPERVISOR, report.org):
        raise NotFound(_("No such report."))
    return report


def handle_report(session: Session, actor: User, report_id: int, note: str) -> OfficerReport:
    """Mark a report handled, with a note saying what was done."""
    report = get_report(session, actor, report_id)
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(_("The report was not changed."), {"note": [_("Say what was done.")]})
    if len(note) > NOTE_MAX:
        raise ValidationFailed(_("The report was not changed."), {"note": [_("At most %(n)d characters.", n=NOTE_MAX)]})
    report.mark_handled(note, clock.now(), actor.id)
    session.flush()
    record(session, actor, "report.handle", "officer_report", report.id, label=report.credential.number, org=report.org,
           before={"status": ReportStatus.OPEN.value}, after={"status": report.status.value, "note": note})
    return report
