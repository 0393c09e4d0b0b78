"""Saving an answer: one writer and one account of a refusal, for every caller (the save view by login id,
the question form and tools by person, and the lean path's save that commits itself).

What an item accepts is its type's answer rule (bank.types: the Python check and the SQL predicate from the
same definition). The writer (`_write`) keeps an answer only when the attempt is the caller's, in
progress on this device before its deadline, and the item keeps the answer as it is; it writes nothing
otherwise, and `_why_refused` then says why (time up: the attempt is submitted and graded here, in the
caller's transaction). On PostgreSQL the writer is one statement; on SQLite it reads the attempt and
writes with an upsert, the same rules said in Python."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from flask_babel import gettext as _
from sqlalchemy import bindparam, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.postgresql import psycopg as postgresql_psycopg
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from examsys import clock
from examsys.auth.models import User
from examsys.auth.services import current_account
from examsys.bank.models import QuestionType
from examsys.bank.types import accepted_sql, is_blank, kind_of
from examsys.errors import NotFound, ValidationFailed
from examsys.exams.grading import touch
from examsys.exams.models import Answer, Attempt, AttemptStatus
from examsys.exams.room import OtherDevice, require_in_progress


def normalise_response(qtype: QuestionType, raw: Any, letters: list[str] | None) -> Any:
    """What a browser sent, as the type stores it; anything malformed is refused (the type's answer rule)."""
    return kind_of(qtype).accept(raw, letters)


@dataclass(frozen=True)
class SaveResult:
    saved: bool  # False: a newer save was already kept
    seq: int
    saved_at: datetime


def save_answer(session: Session, user: User, attempt_id: int, token: str | None, position: int, raw: Any, seq: int,
                flagged: bool | None = None) -> SaveResult:
    """Keep an answer (see save_for_person)."""
    if user.person_id is None:
        raise NotFound(_("No such exam paper."))
    return save_for_person(session, user.person_id, attempt_id, token, position, raw, seq, flagged)


def save_for_login(session: Session, login_id: str, attempt_id: int, token: str | None, position: int, raw: Any, seq: int,
                   flagged: bool | None = None) -> SaveResult:
    """The exam room's hot path: the session's login id (its account's current one) and the attempt are
    checked by the writer itself."""
    return _save(session, "login", login_id, attempt_id, token, position, raw, seq, flagged)


def save_for_person(session: Session, person_id: int, attempt_id: int, token: str | None, position: int, raw: Any, seq: int,
                    flagged: bool | None = None) -> SaveResult:
    return _save(session, "person", person_id, attempt_id, token, position, raw, seq, flagged)


def save_if_plain(bind: Engine, login_id: str, attempt_id: int, token: str | None, position: int, raw: Any, seq: int,
                  flagged: bool | None = None) -> SaveResult | None:
    """The save of the exam room's lean path (exams.lean_save), without a session: the writer committing
    itself. The result when the answer was kept; None when it was not, having written nothing (refused,
    time up, another device, a newer save there, an answer in a form the item's type changes): the caller
    then takes the full path, which says why."""
    if not _in_range(position, seq) or position < 0:
        return None
    now = clock.now()
    row = _write_committed(bind, "login", _params(login_id, attempt_id, token, position, raw, seq, flagged, now))
    return SaveResult(True, seq, now) if row is not None and row.kept is not None else None


def _save(session: Session, by: str, owner: Any, attempt_id: int, token: str | None, position: int, raw: Any, seq: int,
          flagged: bool | None) -> SaveResult:
    """Keep an answer. Saves carry the client's counter: a stale or repeated save never overwrites a newer
    one, and two saves racing for the same question cannot both insert (the writer is an upsert guarded
    by the counter). When the save is the first thing its session does (the save views), the writer
    commits itself on PostgreSQL, so that a save is one round trip to the database in all; inside a
    transaction already begun (and on SQLite) it is part of the session's. Only when it wrote nothing does the save look further, in a transaction."""
    if not _in_range(position, seq):
        raise ValidationFailed(_("The save was not understood."))
    if position < 0:
        raise ValidationFailed(_("No such question on this paper."))
    session.flush()  # the writer runs on the connection, without the ORM's autoflush
    now = clock.now()
    params = _params(owner, attempt_id, token, position, raw, seq, flagged, now)
    alone = session.get_bind().dialect.name == "postgresql" and not session.in_transaction()
    row = _write_committed(session.get_bind(), by, params) if alone else _write(session.connection(), by, params)
    if row is not None and row.kept is not None:
        _forget_answers(session, attempt_id)
        return SaveResult(True, seq, now)
    response = _why_refused(session, row, attempt_id, token, raw, now)
    presumed = _presumed(raw)
    if response != presumed or type(response) is not type(presumed):  # the item's type stores it otherwise: write that
        row = _write(session.connection(), by, dict(params, response=json.dumps(response)))
        if row is not None and row.kept is not None:
            _forget_answers(session, attempt_id)
            return SaveResult(True, seq, now)
    # A newer save is already there.
    current = session.connection().execute(_CURRENT, {"attempt_id": attempt_id, "position": position}).one()
    return SaveResult(False, current.seq, current.saved_at)


def _why_refused(session: Session, row: _SaveRow | None, attempt_id: int, token: str | None, raw: Any, now: datetime) -> Any:
    """Why the writer kept nothing, as the refusal the candidate is told (raised): no such paper, time up
    (the attempt is submitted and graded now), not in progress, another device, no such question, an
    answer the item refuses. Returns the answer as the item's type stores it when none of these holds
    (then the answer came in another form, or a newer save is there)."""
    if row is None:
        raise NotFound(_("No such exam paper."))
    if row.status != AttemptStatus.IN_PROGRESS.value or row.deadline is None or now >= row.deadline:
        attempt = session.get(Attempt, attempt_id)
        assert attempt is not None
        touch(session, attempt)
        require_in_progress(attempt, token)
    if not token or token != row.device_token:
        raise OtherDevice(_("This exam continues in another window or on another device."))
    if row.item is None:
        raise ValidationFailed(_("No such question on this paper."))
    return normalise_response(QuestionType(row.item["t"]), raw, row.item["o"])


def _open_to(row: _SaveRow, token: str, now: datetime) -> bool:
    """The writer's condition, said in Python for SQLite (PostgreSQL's statement says it in its WHERE)."""
    return (row.status == AttemptStatus.IN_PROGRESS.value and row.deadline is not None and now < row.deadline
            and bool(token) and token == row.device_token and row.item is not None)


def _in_range(position: int, seq: int) -> bool:
    """The counter is a BIGINT, the position an INTEGER: a number beyond them is refused, not sent to the database."""
    return -(2**63) < seq < 2**63 and -(2**31) < position < 2**31


def _presumed(raw: Any) -> Any:
    """What an item's type makes of an answer whatever the type, in nearly every save: blank, true/false, a
    sorted set of letters, or as sent. Where the item's type says otherwise (a fill-in answer "true", a
    single letter for a multiple choice), the writer refuses it and the save writes the answer as the
    type has it."""
    if is_blank(raw):
        return None
    if isinstance(raw, bool) or raw in ("true", "false"):
        return raw in (True, "true")
    if isinstance(raw, list) and all(isinstance(value, str) for value in raw):
        return sorted(set(raw))
    return raw


def _params(owner: Any, attempt_id: int, token: str | None, position: int, raw: Any, seq: int, flagged: bool | None,
            now: datetime) -> dict[str, Any]:
    return {"owner": owner, "attempt_id": attempt_id, "position": position, "response": json.dumps(_presumed(raw)), "seq": seq,
            "now": now, "flagged": bool(flagged), "set_flag": flagged is not None, "token": token or ""}


# ---- the writer --------------------------------------------------------------------------------------

class _SaveRow(NamedTuple):
    status: str
    deadline: datetime | None
    device_token: str | None
    item: dict[str, Any] | None
    kept: int | None  # the counter written, or None when nothing was


# On PostgreSQL one statement: it finds the attempt (the caller's own, by its account's current login id
# or by person), writes the answer only if the attempt is in progress on this device before its deadline
# and the item keeps the answer (bank.types.accepted_sql), and returns what _why_refused needs.
_OWNER = {
    "login": "JOIN user_account ON user_account.person_id = a.person_id AND "
             + str(current_account(bindparam("owner")).compile(dialect=postgresql.psycopg2.dialect(paramstyle="named"))),
    "person": "",
}
_OWNER_WHERE = {"login": "", "person": " AND a.person_id = :owner"}
_STATEMENT = """
    WITH given AS (
        SELECT CAST(:response AS JSONB) AS r
    ), target AS (
        SELECT a.id, a.status, a.deadline, a.device_token, CAST(a.items -> CAST(:position AS INTEGER) AS JSONB) AS item
        FROM attempt AS a OWNER
        WHERE a.id = :attempt_id OWNER_WHERE
    ), kept AS (
        INSERT INTO answer AS an (attempt_id, position, response, seq, saved_at, flagged, grader_comment)
        SELECT target.id, :position, CAST(:response AS JSON), :seq, :now, :flagged, ''
        FROM target, given
        WHERE target.status = 'in_progress' AND target.deadline > :now AND target.device_token = :token AND target.item IS NOT NULL
          AND ACCEPTED
        ON CONFLICT (attempt_id, position) DO UPDATE
            SET response = excluded.response, seq = excluded.seq, saved_at = excluded.saved_at,
                flagged = CASE WHEN :set_flag THEN excluded.flagged ELSE an.flagged END
            WHERE an.seq < excluded.seq
        RETURNING an.seq
    )
    SELECT target.status, target.deadline, target.device_token, target.item, (SELECT seq FROM kept) AS kept FROM target"""
_PG_STATEMENTS = {by: text(_STATEMENT.replace("OWNER_WHERE", _OWNER_WHERE[by]).replace("OWNER", _OWNER[by])
                           .replace("ACCEPTED", accepted_sql("given.r", "target.item"))) for by in _OWNER}
# The same statements in the driver's own parameter style, for the writer that commits itself.
_PG_DRIVER_SQL = {by: str(statement.compile(dialect=postgresql_psycopg.dialect())) for by, statement in _PG_STATEMENTS.items()}

# On SQLite (development, the demo, the tests): the attempt's row, then an upsert guarded by the counter.
_ATTEMPT_COLUMNS = (Attempt.status, Attempt.deadline, Attempt.device_token, Attempt.items)
_SQLITE_TARGET = {
    "login": select(*_ATTEMPT_COLUMNS).join(User, User.person_id == Attempt.person_id)
             .where(Attempt.id == bindparam("attempt_id"), current_account(bindparam("owner"))),
    "person": select(*_ATTEMPT_COLUMNS).where(Attempt.id == bindparam("attempt_id"), Attempt.person_id == bindparam("owner")),
}
_UPSERTS: dict[tuple[str, bool], Any] = {}


def _upsert(dialect: str, set_flag: bool) -> Any:
    key = (dialect, set_flag)
    if key not in _UPSERTS:
        insert = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(Answer).values(
            attempt_id=bindparam("attempt_id"), position=bindparam("position"), response=bindparam("response"), seq=bindparam("seq"),
            saved_at=bindparam("saved_at"), flagged=bindparam("flagged"), grader_comment="")
        changes = {"response": insert.excluded.response, "seq": insert.excluded.seq, "saved_at": insert.excluded.saved_at}
        if set_flag:
            changes["flagged"] = insert.excluded.flagged
        _UPSERTS[key] = (insert.on_conflict_do_update(index_elements=["attempt_id", "position"], set_=changes,
                                                      where=Answer.seq < insert.excluded.seq).returning(Answer.seq))
    return _UPSERTS[key]


def _write(connection: Connection, by: str, params: dict[str, Any]) -> _SaveRow | None:
    """The writer, in the connection's transaction: the attempt's row as the refusal needs it, with the
    counter written (None when it wrote nothing); None when there is no such attempt of the caller's."""
    if connection.dialect.name == "postgresql":
        row = connection.execute(_PG_STATEMENTS[by], params).first()
        return None if row is None else _SaveRow(*row)
    found = connection.execute(_SQLITE_TARGET[by], params).first()
    if found is None:
        return None
    position = params["position"]
    item = found.items[position] if 0 <= position < len(found.items) else None
    row = _SaveRow(found.status.value, found.deadline, found.device_token, item, None)
    answer = json.loads(params["response"])
    if not _open_to(row, params["token"], params["now"]) or not kind_of(item["t"]).keeps(answer, item["o"]):
        return row
    kept = connection.execute(_upsert("sqlite", params["set_flag"]), {
        "attempt_id": params["attempt_id"], "position": position, "response": answer, "seq": params["seq"], "saved_at": params["now"],
        "flagged": params["flagged"]}).scalar()
    return row._replace(kept=kept)


def _write_committed(bind: Engine, by: str, params: dict[str, Any]) -> _SaveRow | None:
    """The writer committing itself. It needs none of a session's transaction bookkeeping, which cost
    more CPU than the statement: on PostgreSQL it runs on a pooled connection of its own, straight on the
    driver (SQLAlchemy still checks the connection out, sets and resets autocommit, and returns it)."""
    if bind.dialect.name != "postgresql":
        with bind.begin() as connection:
            return _write(connection, by, params)
    with bind.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT")
        row = connection.connection.driver_connection.execute(_PG_DRIVER_SQL[by], params).fetchone()
    return None if row is None else _SaveRow(*row)


_CURRENT = select(Answer.seq, Answer.saved_at).where(Answer.attempt_id == bindparam("attempt_id"), Answer.position == bindparam("position"))


def _forget_answers(session: Session, attempt_id: int) -> None:
    """An attempt this session holds must read its answers again (the save bypassed the ORM)."""
    for cached in session.identity_map.values():
        if isinstance(cached, Attempt) and cached.id == attempt_id:
            session.expire(cached, ["answers"])


def next_seq(attempt: Attempt, position: int) -> int:
    """A counter for saves from plain forms: above anything saved, and above any browser clock's."""
    current = next((a.seq for a in attempt.answers if a.position == position), 0)
    return max(current + 1, int(clock.now().timestamp() * 1000))
