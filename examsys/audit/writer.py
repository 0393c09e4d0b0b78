"""Writing the audit trail and checking its chain: the floor every package writes its entries through.

It depends on the database alone (no accounts, no organisations, no permissions), so that accounts,
organisations and every domain above them can record what they do without importing each other. The actor
and the organisation are anything with their fields (`Actor`, `Placed`): accounts and organisations are
those."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from flask import has_request_context, request
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from examsys import clock
from examsys.audit import checkpoints
from examsys.audit.models import GENESIS_HASH, AuditEntry, AuditHead
from examsys.db import keep_writes


class Actor(Protocol):
    """Who acted, as an entry records it (an account: `auth.models.User`)."""

    id: int
    username: str


class Placed(Protocol):
    """Where a change happened, as an entry records it (an organisation: `orgs.models.Organisation`)."""

    path: str


# Written with table statements, not through the session's unit of work: every change of every kind
# writes an entry, and the head stays locked until the transaction ends.
ENTRY = AuditEntry.__table__
HEAD = AuditHead.__table__
ENTRY_COLUMNS = tuple(column.key for column in ENTRY.columns)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "value") and hasattr(value, "name"):  # enum members
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, bool)):
        return value
    return str(value)


def _lock_head(session: Session) -> tuple[int, str]:
    """The chain's last sequence number and hash, its row locked to the end of the transaction."""
    row = session.execute(select(HEAD.c.last_seq, HEAD.c.last_hash).where(HEAD.c.id == 1).with_for_update()).first()
    if row is None:
        session.execute(insert(HEAD).values(id=1, last_seq=0, last_hash=GENESIS_HASH))
        return 0, GENESIS_HASH
    return row.last_seq, row.last_hash


def _client_address() -> str:
    return (request.remote_addr or "") if has_request_context() else "cli"


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    target_type: str,
    target_id: Any,
    *,
    label: str = "",
    org: Placed | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    public: bool = False,
    actor_name: str | None = None,
) -> AuditEntry:
    """Append one entry, chained to the last; the caller's transaction commits it.

    The head row is locked (SELECT ... FOR UPDATE on PostgreSQL), so concurrent writers queue
    instead of forking the chain. `public`: an anonymous member of the public acted (a report from
    the verify page); the entry names no actor and keeps no client address."""
    return record_many(session, actor, [AuditItem(action, target_type, target_id, label, org, before, after)], public=public,
                       actor_name=actor_name)[0]


def record_export(session: Session, actor: Actor | None, what: str, target_id: Any, *, fmt: str, rows: int,
                  filters: dict[str, Any] | None = None, label: str = "", org: Placed | None = None) -> AuditEntry:
    """An export that carries personal data or keys, on the record (rule 11): who (the actor), what
    (`<what>.export` on `target_id`), the format, how many rows and the filters it was made with. An export
    is a read (GET) that must leave this record: the request's end commits it (examsys.db.keep_writes)."""
    keep_writes()
    chosen = {k: v for k, v in (filters or {}).items() if v not in (None, "", [], ())}
    label = label or f"{fmt.upper()} · {rows}"  # language-neutral: the entry is read in every language
    return record(session, actor, f"{what}.export", what, target_id, label=label, org=org,
                  after={"format": fmt, "rows": rows, "filters": chosen})


@dataclass(frozen=True)
class AuditItem:
    action: str
    target_type: str
    target_id: Any
    label: str = ""
    org: Placed | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


def record_many(session: Session, actor: Actor | None, items: list[AuditItem], *, public: bool = False,
                actor_name: str | None = None) -> list[AuditEntry]:
    """Append several entries under one lock of the head (bulk imports). The caller's pending changes are
    flushed first, so that the head stays locked only while the entries are written. Returns the entries
    as written (not attached to the session)."""
    session.flush()
    last_seq, last_hash = _lock_head(session)
    address = "" if public else _client_address()
    entries = []
    for item in items:
        entry = _make_entry(last_seq, last_hash, None if public else actor, item, address, "public" if public else actor_name)
        last_seq, last_hash = entry.seq, entry.hash
        entries.append(entry)
    for start in range(0, len(entries), 1000):
        session.execute(insert(ENTRY), [{column: getattr(entry, column) for column in ENTRY_COLUMNS} for entry in entries[start:start + 1000]])
    session.execute(update(HEAD).where(HEAD.c.id == 1).values(last_seq=last_seq, last_hash=last_hash))
    checkpoints.due_after(session, [item.action for item in items])
    return entries


def _make_entry(last_seq: int, last_hash: str, actor: Actor | None, item: AuditItem, address: str,
                actor_name: str | None = None) -> AuditEntry:
    action, target_type, target_id, label, org, before, after = (item.action, item.target_type, item.target_id, item.label,
                                                                  item.org, item.before, item.after)
    entry = AuditEntry(
        seq=last_seq + 1,
        at=clock.now(),
        actor_id=actor.id if actor is not None else None,
        actor_name=actor_name or (actor.username if actor is not None else "system"),
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        target_label=label[:200],
        org_path=org.path if org is not None else "",
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        client_address=address,
        prev_hash=last_hash,
    )
    entry.hash = entry.compute_hash()
    return entry


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_at: int | None
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify_chain(session: Session, batch: int = 5000) -> ChainReport:
    """Walk the chain in order and report the first entry whose hash or link does not hold."""
    expected_prev, expected_seq, checked = GENESIS_HASH, 1, 0
    last_seen = 0
    while True:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.seq > last_seen).order_by(AuditEntry.seq).limit(batch)
        ).all()
        if not rows:
            break
        for entry in rows:
            if entry.seq != expected_seq:
                return ChainReport(checked, expected_seq, f"entry {expected_seq} is missing")
            if entry.prev_hash != expected_prev:
                return ChainReport(checked, entry.seq, f"entry {entry.seq} does not link to entry {entry.seq - 1}")
            if entry.compute_hash() != entry.hash:
                return ChainReport(checked, entry.seq, f"entry {entry.seq} was altered after it was written")
            expected_prev, expected_seq = entry.hash, entry.seq + 1
            checked += 1
        last_seen = rows[-1].seq
        session.expunge_all()
    head = session.get(AuditHead, 1)
    if head is not None and (head.last_seq != expected_seq - 1 or head.last_hash != expected_prev):
        return ChainReport(checked, expected_seq - 1 if checked else 1,
                           f"the chain ends at entry {expected_seq - 1} but the head records entry {head.last_seq}")
    return ChainReport(checked, None, None)


def count_entries(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry)) or 0
