"""Reading the audit trail, in the reader's scope. Writing it is `audit.writer`'s (re-exported here for
the domains that import it from the package's services)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from examsys.audit.models import AuditEntry
from examsys.audit.writer import AuditItem, count_entries, record, record_export, record_many, verify_chain
from examsys.auth.models import Role, User
from examsys.auth.permissions import require_any_scope, scope_clause
from examsys.errors import NotFound
from examsys.orgs.models import Organisation

__all__ = ["AuditFilter", "AuditItem", "count_entries", "get_entry", "record", "record_export", "record_many", "search_query",
           "verify_chain"]


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""
    action: str = ""
    target: str = ""
    org_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


def search_query(session: Session, actor: User, filters: AuditFilter) -> Select[tuple[AuditEntry]]:
    """The entries an auditor (or system admin) may read, filtered; newest first."""
    require_any_scope(session, actor, (Role.AUDITOR, Role.SYSADMIN))
    query = select(AuditEntry).where(scope_clause(session, actor, (Role.AUDITOR, Role.SYSADMIN), AuditEntry.org_path))
    if filters.actor:
        query = query.where(AuditEntry.actor_name.ilike(f"%{filters.actor}%"))
    if filters.action:
        query = query.where(AuditEntry.action.ilike(f"{filters.action}%"))
    if filters.target:
        term = f"%{filters.target}%"
        query = query.where(
            (AuditEntry.target_label.ilike(term)) | (AuditEntry.target_id == filters.target) | (AuditEntry.target_type == filters.target)
        )
    if filters.org_id is not None:
        org = session.get(Organisation, filters.org_id)
        if org is None:
            raise_not_visible()
        query = query.where(AuditEntry.org_path.startswith(org.path))
    if filters.since is not None:
        query = query.where(AuditEntry.at >= filters.since)
    if filters.until is not None:
        query = query.where(AuditEntry.at < filters.until)
    return query.order_by(AuditEntry.seq.desc())


def raise_not_visible() -> None:
    raise NotFound(_("No such organisation."))


def get_entry(session: Session, actor: User, seq: int) -> AuditEntry:
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.seq == seq, scope_clause(session, actor, (Role.AUDITOR, Role.SYSADMIN), AuditEntry.org_path))
    ).first()
    if entry is None:
        raise NotFound(_("No such audit entry."))
    return entry
