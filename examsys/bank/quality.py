"""The bank lint where people meet it: on every import (as warnings) and on the bank page, for one domain,
one part or the whole bank in the actor's scope."""
from __future__ import annotations

from sqlalchemy.orm import Session

from examsys.auth.models import User
from examsys.auth.permissions import Actor, require_actor, require_any_scope
from examsys.bank.files import export_records
from examsys.bank.laws import law_titles, superseded_versions
from examsys.bank.lint import Finding, as_warnings, lint
from examsys.bank.models import BankPart
from examsys.bank.schema import Record
from examsys.domains.models import EnforcementDomain


def import_warnings(session: Session, actor: Actor, records: list[Record]) -> list[Finding]:
    """The lint of what a file brings in; it warns and never refuses an import (a law off the list is refused
    before, by the import itself)."""
    require_actor(actor)
    return as_warnings(lint(records, laws=law_titles(session), superseded=superseded_versions(session)))


def bank_findings(session: Session, actor: User, part: BankPart | None = None, domain_id: int | None = None) -> tuple[int, list[Finding]]:
    """(questions linted, findings) over the latest version of every question in the actor's banks."""
    from examsys.bank.services import EDITOR

    require_any_scope(session, actor, EDITOR)
    domain = session.get(EnforcementDomain, domain_id) if domain_id else None
    records = [r for r in export_records(session, actor, active_only=False)
               if (part is None or r.part is part) and (domain is None or r.domain_code == domain.code)]
    for record in records:
        record.source = record.content["law"]
    return len(records), lint(records, laws=law_titles(session), superseded=superseded_versions(session))
