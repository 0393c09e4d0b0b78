"""Saving an answer: what a save may keep (normalise_response), the save through Flask (by login id or
person, one statement on PostgreSQL) and the lean path's save that commits itself (save_if_plain)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from flask_babel import gettext as _
from sqlalchemy import bindparam, select, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.postgresql import psycopg as postgresql_psycopg
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from examsys import clock
from examsys.auth.models import User
from examsys.bank.models import QuestionType
from examsys.errors import NotFound, ValidationFailed
from examsys.exams.grading import touch
from examsys.exams.models import Answer, Attempt, AttemptStatus
from examsys.exams.room import OtherDevice, require_in_progress


def normalise_response(qtype: QuestionType, raw: Any, letters: list[str] | None) -> Any:
    """What a browser sent, as the type stores it; anything malformed is refused. (On PostgreSQL the save
    statement checks the same rules in SQL: see _SAVE_IN_ONE.)"""
    if raw in (None, "", []):
        return None
    if qtype is QuestionType.SINGLE_CHOICE:
        if not isinstance(raw, str) or raw not in (letters or []):
            raise ValidationFailed(_("Not one of the options."))
        return raw
    if qtype is QuestionType.MULTIPLE_CHOICE:
        values = raw if isinstance(raw, list) else [raw]
        if any(not isinstance(v, str) or v not in (letters or []) for v in values):
            raise ValidationFailed(_("Not one of the options."))
        return sorted(set(values))
    if qtype is QuestionType.TRUE_FALSE:
        if raw in (True, "true"):
            return True
        if raw in (False, "false"):
            return False
        raise ValidationFailed(_("Answer true or false."))
    if not isinstance(raw, str):
        raise ValidationFailed(_("Write text."))
    limit = 200 if qtype is QuestionType.FILL_IN else 10000
    if len(raw) > limit:
        raise ValidationFailed(_("At most %(n)d characters.", n=limit))
    return raw


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


# The save path's statements are built once, with bound parameters: building them per request costs
# more than running them.
_ATTEMPT_COLUMNS = (Attempt.person_id, Attempt.status, Attempt.deadline, Attempt.device_token, Attempt.items)
_ROW_BY_LOGIN = (select(*_ATTEMPT_COLUMNS).join(User, User.person_id == Attempt.person_id)
                 .where(Attempt.id == bindparam("attempt_id"), User.login_id == bindparam("login_id"), User.active.is_(True)))
_ROW_BY_PERSON = select(*_ATTEMPT_COLUMNS).where(Attempt.id == bindparam("attempt_id"), Attempt.person_id == bindparam("person_id"))
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


def _check_range(position: int, seq: int) -> None:
    """The counter is a BIGINT, the position an INTEGER: a number beyond them is refused, not sent to the database."""
    if not (-(2**63) < seq < 2**63 and -(2**31) < position < 2**31):
        raise ValidationFailed(_("The save was not understood."))


def save_for_login(session: Session, login_id: str, attempt_id: int, token: str | None, position: int, raw: Any, seq: int,
                   flagged: bool | None = None) -> SaveResult:
    """The exam room's hot path: the session's login id and the attempt are checked in one query (on
    PostgreSQL, in the same statement as the write: see _save_in_one_statement)."""
    _check_range(position, seq)
    session.flush()  # the statements below run on the connection, without the ORM's autoflush
    if session.get_bind().dialect.name == "postgresql":
        return _save_in_one_statement(session, "login", login_id, attempt_id, token, position, raw, seq, flagged)
    row = session.connection().execute(_ROW_BY_LOGIN, {"attempt_id": attempt_id, "login_id": login_id}).first()
    return _save(session, row, attempt_id, token, position, raw, seq, flagged)


def save_for_person(session: Session, person_id: int, attempt_id: int, token: str | None, position: int, raw: Any, seq: int,
                    flagged: bool | None = None) -> SaveResult:
    _check_range(position, seq)
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        return _save_in_one_statement(session, "person", person_id, attempt_id, token, position, raw, seq, flagged)
    row = session.connection().execute(_ROW_BY_PERSON, {"attempt_id": attempt_id, "person_id": person_id}).first()
    return _save(session, row, attempt_id, token, position, raw, seq, flagged)


# On PostgreSQL a save is one statement: it finds the attempt (the caller's own, by login id or person),
# writes the answer only if the attempt is in progress on this device before its deadline and the item
# accepts the answer, and returns what the checks need to say why not.
#
# The answer arrives in the form `_presumed` gives it, and the CASE in `kept` is normalise_response's rules
# for an answer in that form, written in SQL: blank; or, by the item's type, one of its letters, a set of its
# letters, true or false, or text of at most 200 (fill-in) or 10,000 characters. Change both together:
# tests/test_exams_pg.py compares them.
_SAVE_IN_ONE = """
    WITH given AS (
        SELECT CAST(:response AS JSONB) AS r
    ), target AS (
        SELECT a.id, a.status, a.deadline, a.device_token, CAST(a.items -> CAST(:position AS INTEGER) AS JSONB) AS item
        FROM attempt AS a {owner}
        WHERE a.id = :attempt_id
    ), kept AS (
        INSERT INTO answer AS an (attempt_id, position, response, seq, saved_at, flagged, grader_comment)
        SELECT target.id, :position, CAST(:response AS JSON), :seq, :now, :flagged, ''
        FROM target, given
        WHERE target.status = 'in_progress' AND target.deadline > :now AND target.device_token = :token AND target.item IS NOT NULL
          AND CASE WHEN jsonb_typeof(given.r) = 'null' THEN TRUE
                   WHEN target.item ->> 't' = 'single_choice' THEN
                        jsonb_typeof(given.r) = 'string' AND (target.item -> 'o') ? (given.r #>> '{{}}')
                   WHEN target.item ->> 't' = 'multiple_choice' THEN
                        jsonb_typeof(given.r) = 'array' AND jsonb_array_length(given.r) > 0 AND (target.item -> 'o') @> given.r
                   WHEN target.item ->> 't' = 'true_false' THEN jsonb_typeof(given.r) = 'boolean'
                   WHEN target.item ->> 't' = 'fill_in' THEN jsonb_typeof(given.r) = 'string' AND length(given.r #>> '{{}}') <= 200
                   WHEN target.item ->> 't' = 'case_analysis' THEN
                        jsonb_typeof(given.r) = 'string' AND length(given.r #>> '{{}}') <= 10000
                   ELSE FALSE END
        ON CONFLICT (attempt_id, position) DO UPDATE
            SET response = excluded.response, seq = excluded.seq, saved_at = excluded.saved_at,
                flagged = CASE WHEN :set_flag THEN excluded.flagged ELSE an.flagged END
            WHERE an.seq < excluded.seq
        RETURNING an.seq
    )
    SELECT target.status, target.deadline, target.device_token, target.item, (SELECT seq FROM kept) AS kept FROM target"""
_SAVE_IN_ONE_BY = {
    "login": text(_SAVE_IN_ONE.format(owner="JOIN user_account AS u ON u.person_id = a.person_id AND u.login_id = :owner AND u.active")),
    "person": text(_SAVE_IN_ONE.format(owner="").replace("WHERE a.id = :attempt_id", "WHERE a.id = :attempt_id AND a.person_id = :owner")),
}


def _presumed(raw: Any) -> Any:
    """What normalise_response makes of an answer whatever the item's type, in nearly every save: blank,
    true/false, a sorted set of letters, or as sent. Where the item's type says otherwise (a fill-in
    answer "true", a single letter for a multiple choice), the statement refuses it and the save runs
    again with the answer as the type has it."""
    if raw in (None, "", []):
        return None
    if isinstance(raw, bool) or raw in ("true", "false"):
        return raw in (True, "true")
    if isinstance(raw, list) and all(isinstance(value, str) for value in raw):
        return sorted(set(raw))
    return raw


class _SaveRow(NamedTuple):
    status: str
    deadline: datetime | None
    device_token: str | None
    item: dict[str, Any] | None
    kept: int | None


# The same statements in the driver's own parameter style, for the save that commits itself.
_SAVE_IN_ONE_DRIVER_SQL = {by: str(statement.compile(dialect=postgresql_psycopg.dialect())) for by, statement in _SAVE_IN_ONE_BY.items()}


def _run_save(session: Session, by: str, params: dict[str, Any], commits: bool) -> _SaveRow | None:
    if commits:
        return _run_committed(session.get_bind(), by, params)
    row = session.connection().execute(_SAVE_IN_ONE_BY[by], params).first()
    return None if row is None else _SaveRow(*row)


def _run_committed(bind: Engine, by: str, params: dict[str, Any]) -> _SaveRow | None:
    """The statement committing itself. It needs none of a session's transaction bookkeeping, which cost
    more CPU than the statement: it runs on a pooled connection of its own, straight on the driver
    (SQLAlchemy still checks the connection out, sets and resets autocommit, and returns it)."""
    with bind.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT")
        row = connection.connection.driver_connection.execute(_SAVE_IN_ONE_DRIVER_SQL[by], params).fetchone()
    return None if row is None else _SaveRow(*row)


def _save_params(owner: Any, attempt_id: int, token: str | None, position: int, raw: Any, seq: int, flagged: bool | None,
                 now: datetime) -> dict[str, Any]:
    return {"owner": owner, "attempt_id": attempt_id, "position": position, "response": json.dumps(_presumed(raw)), "seq": seq,
            "now": now, "flagged": bool(flagged), "set_flag": flagged is not None, "token": token or ""}


def save_if_plain(bind: Engine, login_id: str, attempt_id: int, token: str | None, position: int, raw: Any, seq: int,
                  flagged: bool | None = None) -> SaveResult | None:
    """The save of the exam room's lean path (exams.lean_save), without a session: on PostgreSQL, the one
    statement committing itself. The result when the answer was kept; None when it was not, having written
    nothing (refused, time up, another device, a newer save there, an answer the statement leaves to
    normalise_response) and on SQLite: the caller then takes the full path, which says why."""
    if bind.dialect.name != "postgresql" or position < 0:
        return None
    now = clock.now()
    row = _run_committed(bind, "login", _save_params(login_id, attempt_id, token, position, raw, seq, flagged, now))
    return SaveResult(True, seq, now) if row is not None and row.kept is not None else None


def _save_in_one_statement(session: Session, by: str, owner: Any, attempt_id: int, token: str | None, position: int, raw: Any,
                           seq: int, flagged: bool | None) -> SaveResult:
    """Keep an answer with one statement: the same rules as _save. When the save is the first thing its
    session does (the save views), the statement commits itself, so that a save is one round trip to
    the database in all; inside a transaction already begun it is part of it. Only when the statement
    wrote nothing does the save look further, in a transaction, for the reason: time up (the attempt
    is submitted now), another device, no such question, an answer the item refuses, a newer save."""
    if position < 0:
        raise ValidationFailed(_("No such question on this paper."))
    now = clock.now()
    params = _save_params(owner, attempt_id, token, position, raw, seq, flagged, now)
    row = _run_save(session, by, params, commits=not session.in_transaction())
    if row is not None and row.kept is not None:
        _forget_answers(session, attempt_id)
        return SaveResult(True, seq, now)
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
    response = normalise_response(QuestionType(row.item["t"]), raw, row.item["o"])
    stored = _presumed(raw)
    if response != stored or type(response) is not type(stored):
        row = _run_save(session, by, dict(params, response=json.dumps(response)), commits=False)
        if row is not None and row.kept is not None:
            _forget_answers(session, attempt_id)
            return SaveResult(True, seq, now)
    # A newer save is already there.
    current = session.connection().execute(_CURRENT, {"attempt_id": attempt_id, "position": position}).one()
    return SaveResult(False, current.seq, current.saved_at)


def _save(session: Session, row: Any, attempt_id: int, token: str | None, position: int, raw: Any, seq: int,
          flagged: bool | None) -> SaveResult:
    """Keep an answer. Saves carry the client's counter: a stale or repeated save never overwrites a newer
    one. One statement (an upsert guarded by the counter), so that two saves racing for the same
    question cannot both insert, and the newest wins whatever order they arrive in.

    The exam room's hottest path: it reads the attempt's columns, not the ORM object, and only takes the
    full path (which submits at the deadline) when the attempt is not plainly in progress."""
    if row is None:
        raise NotFound(_("No such exam paper."))
    now = clock.now()
    if row.status is not AttemptStatus.IN_PROGRESS or row.deadline is None or now >= row.deadline:
        attempt = session.get(Attempt, attempt_id)
        assert attempt is not None
        touch(session, attempt)
        require_in_progress(attempt, token)
    if not token or token != row.device_token:
        raise OtherDevice(_("This exam continues in another window or on another device."))
    if not 0 <= position < len(row.items):
        raise ValidationFailed(_("No such question on this paper."))
    item = row.items[position]
    response = normalise_response(QuestionType(item["t"]), raw, item["o"])
    statement = _upsert(session.get_bind().dialect.name, flagged is not None)
    kept = session.connection().execute(statement, {"attempt_id": attempt_id, "position": position, "response": response, "seq": seq, "saved_at": now,
                                       "flagged": bool(flagged)}).first()
    if kept is None:  # a newer save is already there
        current = session.connection().execute(_CURRENT, {"attempt_id": attempt_id, "position": position}).one()
        return SaveResult(False, current.seq, current.saved_at)
    _forget_answers(session, attempt_id)
    return SaveResult(True, seq, now)


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
