"""Use cases of exams: plans, opening (papers generated in advance), the exam room, grading, results."""
from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, func, select, text, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.postgresql import psycopg as postgresql_psycopg
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, defer, joinedload, selectinload

from examsys import clock
from examsys.audit.services import record
from examsys.auth.models import Role, User
from examsys.auth.permissions import can, require_any_scope, scope_clause, visible_org
from examsys.bank.models import BankPart, Question, QuestionType, QuestionVersion
from examsys.bank.types import kind_of
from examsys.errors import InvalidState, NotFound, PermissionDenied, ValidationFailed
from examsys.exams import makeups, papers
from examsys.exams.models import (
    Answer,
    Attempt,
    AttemptStatus,
    BlueprintSection,
    CaseMark,
    ExamKind,
    ExamPlan,
    IntegrityEvent,
    PaperMode,
    PlanStatus,
    ReviewPolicy,
)
from examsys.orgs.models import Organisation
from examsys.personnel.models import EmploymentStatus, Person, PersonnelKind

ADMIN = Role.EXAM_ADMIN
DEFAULT_BLUEPRINT = ((QuestionType.SINGLE_CHOICE, 25), (QuestionType.MULTIPLE_CHOICE, 10), (QuestionType.TRUE_FALSE, 15))


# ---- plans ---------------------------------------------------------------------------------------

@dataclass
class SectionSpec:
    type: QuestionType
    count: int
    points_each: Decimal
    law: str | None = None
    difficulty: int | None = None
    title: str = ""


def default_sections() -> list[SectionSpec]:
    """25 single + 10 multiple + 15 true/false, 2 points each: 100 points."""
    return [SectionSpec(qtype, count, Decimal(2)) for qtype, count in DEFAULT_BLUEPRINT]


def create_plan(session: Session, actor: User | None, *, name: str, kind: ExamKind, org_id: int, part: BankPart,
                domain_id: int | None, opens_at: datetime, closes_at: datetime, duration_minutes: int = 120,
                pass_mark: Decimal | None = None, attempts_allowed: int | None = None, sections: list[SectionSpec] | None = None,
                **options: Any) -> ExamPlan:
    org = visible_org(session, actor, ADMIN, org_id)
    pass_mark = Decimal(current_app.config["EXAM_PASS_MARK"]) if pass_mark is None else pass_mark  # settings: the rules' numbers
    attempts_allowed = int(current_app.config["EXAM_ATTEMPTS_ALLOWED"]) if attempts_allowed is None else attempts_allowed
    sections = sections if sections is not None else default_sections()
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [_("Name the exam.")]
    if closes_at <= opens_at:
        errors["closes_at"] = [_("The window must close after it opens.")]
    if not 5 <= duration_minutes <= 600:
        errors["duration_minutes"] = [_("The duration is 5 to 600 minutes.")]
    if part is BankPart.SECTOR and domain_id is None:
        errors["domain_id"] = [_("A sector exam names its enforcement domain.")]
    if not sections or any(s.count < 1 or s.points_each <= 0 for s in sections):
        errors["sections"] = [_("Every section needs at least one question and positive points.")]
    total = sum((s.points_each * s.count for s in sections), Decimal(0))
    if not Decimal(0) < pass_mark <= total:
        errors["pass_mark"] = [_("The pass mark lies between 0 and the paper's %(total)s points.", total=total)]
    if not 1 <= attempts_allowed <= 10:
        errors["attempts_allowed"] = [_("1 to 10 attempts.")]
    makeup_of = options.get("makeup_of_id")
    if kind is ExamKind.MAKEUP:
        original = session.get(ExamPlan, makeup_of) if makeup_of else None
        if original is None or (actor is not None and not can(actor, ADMIN, original.org)) or original.kind is not ExamKind.QUALIFICATION:
            errors["makeup_of_id"] = [_("A make-up exam names the qualification exam it makes up for.")]
    elif makeup_of:
        errors["makeup_of_id"] = [_("Only a make-up exam makes up for another.")]
    if errors:
        raise ValidationFailed(_("The plan was not saved; correct the marked fields."), errors)
    # Popped whatever the kind (not inside the `and`): left in `options` it would reach ExamPlan twice.
    include_auxiliary = bool(options.pop("include_auxiliary", False))
    plan = ExamPlan(name=name.strip(), kind=kind, org=org, part=part, domain_id=domain_id if part is BankPart.SECTOR else None,
                    opens_at=opens_at, closes_at=closes_at, duration_minutes=duration_minutes, pass_mark=pass_mark,
                    attempts_allowed=attempts_allowed, created_by_id=actor.id if actor else None,
                    include_auxiliary=kind is ExamKind.PRACTICE and include_auxiliary, **options)
    plan.sections = [BlueprintSection(position=i, title=s.title, type=s.type, law=s.law, difficulty=s.difficulty, count=s.count,
                                      points_each=s.points_each) for i, s in enumerate(sections)]
    session.add(plan)
    session.flush()
    record(session, actor, "exam.plan_create", "exam_plan", plan.id, label=plan.name, org=org,
           after={"kind": kind.value, "sections": [(s.type.value, s.count, str(s.points_each)) for s in sections]})
    return plan


def plan_query(session: Session, actor: User) -> Select[tuple[ExamPlan]]:
    require_any_scope(session, actor, ADMIN)
    return (select(ExamPlan).join(Organisation).where(scope_clause(session, actor, ADMIN, Organisation.path))
            .order_by(ExamPlan.opens_at.desc()))


def get_plan(session: Session, actor: User, plan_id: int) -> ExamPlan:
    plan = session.get(ExamPlan, plan_id)
    if plan is None or not can(actor, ADMIN, plan.org):
        raise NotFound(_("No such exam."))
    return plan


def check_plan(session: Session, plan: ExamPlan) -> papers.PlanCheck:
    pools, shapes = papers.pools_for(session, plan)
    return papers.check(plan, pools, shapes)


def eligible_candidates(session: Session, plan: ExamPlan) -> list[Person]:
    """In post, in the plan's subtree; regular officers only (auxiliary staff may only practise); for a
    sector exam, those holding the domain."""
    query = (select(Person).join(Organisation, Person.org_id == Organisation.id)
             .where(Organisation.path.startswith(plan.org.path), Person.employment_status == EmploymentStatus.EMPLOYED))
    if not (plan.kind is ExamKind.PRACTICE and plan.include_auxiliary):
        query = query.where(Person.kind == PersonnelKind.OFFICER)
    if plan.part is BankPart.SECTOR and plan.domain_id is not None:
        query = query.where(Person.domains.any(id=plan.domain_id))
    if plan.kind is ExamKind.MAKEUP and plan.makeup_of_id is not None:
        # Only those who sat the original exam and failed it; whoever passed it (in any attempt) needs no make-up.
        failed = select(Attempt.person_id).where(Attempt.plan_id == plan.makeup_of_id, Attempt.status == AttemptStatus.GRADED,
                                                 Attempt.passed.is_(False))
        passed = select(Attempt.person_id).where(Attempt.plan_id == plan.makeup_of_id, Attempt.passed.is_(True))
        query = query.where(Person.id.in_(failed), Person.id.not_in(passed), Person.id.not_in(makeups.used_up(plan)))
    return list(session.scalars(query.order_by(Person.id)))


def open_plan(session: Session, actor: User | None, plan_id: int, *, progress: Callable[[int, int], None] | None = None,
              batch: int = 500) -> int:
    """Check the plan against the bank, fix its pools, and generate a paper for every eligible
    candidate, so that starting the exam is a read. Returns the number of papers."""
    plan = get_plan(session, actor, plan_id) if actor is not None else session.get(ExamPlan, plan_id)
    if plan is None:
        raise NotFound(_("No such exam."))
    pools, shapes = papers.pools_for(session, plan)
    result = papers.check(plan, pools, shapes)
    if not result.ok:
        short = [f"{c.section.type.label} {c.available}/{c.section.count}" for c in result.sections if not c.ok]
        raise InvalidState(_("The bank cannot fill this blueprint: %(short)s.", short=", ".join(short) or _("sections share too few questions")))
    plan.open()
    plan.pools = pools
    candidates = eligible_candidates(session, plan)
    shared_seed = secrets.token_hex(8) if plan.paper_mode is PaperMode.SHARED else None
    used: set[int] = set()
    made = 0
    for start in range(0, len(candidates), batch):
        chunk = candidates[start:start + batch]
        attempts = []
        for person in chunk:
            seed = shared_seed or secrets.token_hex(8)
            items = papers.assemble(plan, pools, shapes, seed)
            used.update(item["v"] for item in items)
            attempts.append(Attempt(plan=plan, person_id=person.id, number=1, seed=seed, items=items))
        session.add_all(attempts)
        session.flush()
        made += len(attempts)
        if progress is not None:
            progress(made, len(candidates))
    _pin(session, used)
    session.flush()
    record(session, actor, "exam.plan_open", "exam_plan", plan.id, label=plan.name, org=plan.org,
           after={"papers": made, "distinct_papers_log10": round(result.distinct_papers_log10, 1)})
    return made


def _pin(session: Session, version_ids: set[int]) -> None:
    """Mark versions drawn into papers as used: pinned versions never change again (an edit makes a new one)."""
    ids = sorted(version_ids)
    for start in range(0, len(ids), 1000):
        session.execute(update(QuestionVersion).where(QuestionVersion.id.in_(ids[start:start + 1000])).values(used=True))


def _draw(session: Session, plan: ExamPlan, seed: str) -> list[dict[str, Any]]:
    """One paper from the plan's pools, fixed when it opened, and this seed."""
    rows = session.execute(select(QuestionVersion.id, QuestionVersion.type, QuestionVersion.options, Question.enemy_group)
                           .join(Question, QuestionVersion.question_id == Question.id).where(
        QuestionVersion.id.in_({v for pool in plan.pools or [] for v in pool}))).all()
    return papers.assemble(plan, plan.pools or [], papers.shapes_of(rows), seed)


def regenerate(session: Session, attempt: Attempt) -> list[dict[str, Any]]:
    """The paper again from its seed and the plan's pools: equal to the stored one unless tampered with."""
    return _draw(session, attempt.plan, attempt.seed)


# ---- the exam room -------------------------------------------------------------------------------

class TimeUp(InvalidState):
    pass


class OtherDevice(InvalidState):
    pass


def my_attempts(session: Session, user: User) -> list[Attempt]:
    if user.person_id is None:
        return []
    query = (select(Attempt).where(Attempt.person_id == user.person_id).join(ExamPlan)
             .where(ExamPlan.status != PlanStatus.DRAFT).options(selectinload(Attempt.plan)).order_by(ExamPlan.opens_at.desc()))
    attempts = list(session.scalars(query))
    for attempt in attempts:
        touch(session, attempt)
    return attempts


def own_attempt(session: Session, user: User, attempt_id: int, *, lock: bool = False, with_person: bool = False) -> Attempt:
    """The user's own attempt, brought up to date: past its deadline it is submitted now. `lock`: the
    attempt's row stays locked to the end of the transaction; `with_person`: its plan, person and the
    person's organisation come in the same statement (the audit entry of a change names them)."""
    if with_person:
        query = select(Attempt).where(Attempt.id == attempt_id).options(
            joinedload(Attempt.plan, innerjoin=True), joinedload(Attempt.person, innerjoin=True).joinedload(Person.org, innerjoin=True))
        attempt = session.scalar(query.with_for_update(of=Attempt) if lock else query)
    else:
        attempt = session.get(Attempt, attempt_id, with_for_update={"of": Attempt} if lock else None,
                              options=[joinedload(Attempt.plan, innerjoin=True)])
    if attempt is None or user.person_id is None or attempt.person_id != user.person_id:
        raise NotFound(_("No such exam paper."))
    touch(session, attempt)
    return attempt


def touch(session: Session, attempt: Attempt) -> None:
    if attempt.expired():
        _auto_submit(session, attempt, "deadline")


def _auto_submit(session: Session, attempt: Attempt, why: str) -> None:
    """The system hands the paper in (its deadline passed, or the candidate left too often): on the record."""
    attempt.finish(automatic=True)
    session.add(IntegrityEvent(attempt_id=attempt.id, kind="auto_submitted", detail=why))
    grade(session, attempt)
    record(session, None, "exam.auto_submit", "attempt", attempt.id, label=f"{attempt.person.name} · {attempt.plan.name}",
           org=attempt.person.org, after={"reason": why, "score": attempt.score, "status": attempt.status.value})


def start(session: Session, user: User, attempt_id: int) -> str:
    """Begin the attempt (or continue it on this device); returns the device token for this browser."""
    attempt = own_attempt(session, user, attempt_id, lock=True, with_person=True)
    if attempt.status is AttemptStatus.NOT_STARTED:
        if attempt.number > attempt.plan.attempts_allowed:  # numbered 1, 2, … as they are made: the count is the number
            raise InvalidState(_("You have used all attempts this exam allows."))
        token = secrets.token_urlsafe(24)
        attempt.start(token)
        record(session, user, "exam.start", "attempt", attempt.id, label=attempt.plan.name, org=attempt.person.org)
        return token
    if attempt.finished:
        raise InvalidState(_("This attempt is finished."))
    raise OtherDevice(_("This exam is already open in another window or on another device."))


def latest_numbers(attempts: list[Attempt]) -> dict[int, int]:
    """The number of each plan's newest attempt among these (one candidate's)."""
    newest: dict[int, int] = {}
    for attempt in attempts:
        newest[attempt.plan_id] = max(newest.get(attempt.plan_id, 0), attempt.number)
    return newest


def newest_number(session: Session, attempt: Attempt) -> int:
    """The number of the newest attempt of this attempt's candidate in its plan."""
    return session.scalar(select(func.max(Attempt.number)).where(Attempt.plan_id == attempt.plan_id,
                                                                 Attempt.person_id == attempt.person_id)) or attempt.number


def may_retake(attempt: Attempt, newest_number: int, at: datetime | None = None) -> bool:
    """Another attempt is open to the candidate after this one: it is their newest, it is finished, the plan
    allows more, and the window is open. Offered whatever the result (the best attempt counts), so that
    the offer tells nothing before the results are published."""
    return (attempt.finished and attempt.number == newest_number and attempt.number < attempt.plan.attempts_allowed
            and attempt.plan.is_running(at))


def retake(session: Session, user: User, attempt_id: int) -> tuple[Attempt, str]:
    """Begin the next attempt after a finished one: a new paper drawn now from the plan's pools with a
    seed of its own (a retake is one candidate's click, not the synchronised start), started at once.
    Returns it with the device token for this browser."""
    previous = own_attempt(session, user, attempt_id, lock=True, with_person=True)
    plan = previous.plan
    newest = newest_number(session, previous)
    if not previous.finished:
        raise InvalidState(_("Hand in this attempt first."))
    if newest != previous.number:
        raise InvalidState(_("A newer attempt of this exam already exists."))
    if previous.number >= plan.attempts_allowed:
        raise InvalidState(_("You have used all attempts this exam allows."))
    if not plan.is_running():
        raise InvalidState(_("The exam is not open now."))
    seed = secrets.token_hex(8)
    attempt = Attempt(plan=plan, person_id=previous.person_id, number=previous.number + 1, seed=seed, items=_draw(session, plan, seed))
    session.add(attempt)
    _pin(session, {item["v"] for item in attempt.items})
    session.flush()
    token = secrets.token_urlsafe(24)
    attempt.start(token)
    record(session, user, "exam.retake", "attempt", attempt.id, label=plan.name, org=previous.person.org,
           after={"number": attempt.number, "previous_attempt": previous.id, "attempts_allowed": plan.attempts_allowed})
    return attempt, token


def take_over(session: Session, user: User, attempt_id: int) -> str:
    """Move the attempt to this browser; the other one can no longer save. Logged."""
    attempt = own_attempt(session, user, attempt_id, lock=True)
    if attempt.status is not AttemptStatus.IN_PROGRESS:
        raise InvalidState(_("This attempt is not in progress."))
    token = secrets.token_urlsafe(24)
    attempt.device_token = token
    session.add(IntegrityEvent(attempt_id=attempt.id, kind="takeover", detail="continued in another browser"))
    session.flush()
    record(session, user, "exam.takeover", "attempt", attempt.id, label=attempt.plan.name, org=attempt.person.org)
    return token


def _in_progress(attempt: Attempt, token: str | None) -> None:
    if attempt.finished:
        raise TimeUp(_("Time is up: your answers were submitted at the deadline.") if attempt.auto_submitted
                     else _("This attempt has been submitted."))
    if attempt.status is not AttemptStatus.IN_PROGRESS:
        raise InvalidState(_("Start the exam first."))
    if not token or token != attempt.device_token:
        raise OtherDevice(_("This exam continues in another window or on another device."))


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
        _in_progress(attempt, token)
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
        _in_progress(attempt, token)
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


def record_departure(session: Session, user: User, attempt_id: int, token: str | None) -> Attempt:
    """The candidate left the exam page. Logged; a plan may submit the attempt after N departures."""
    attempt = own_attempt(session, user, attempt_id)
    _in_progress(attempt, token)
    attempt.departures += 1
    session.add(IntegrityEvent(attempt_id=attempt.id, kind="focus_lost", detail=f"#{attempt.departures}"))
    if attempt.plan.max_departures is not None and attempt.departures >= attempt.plan.max_departures:
        _auto_submit(session, attempt, "departures")
    session.flush()
    return attempt


def submit(session: Session, user: User, attempt_id: int, token: str | None) -> Attempt:
    """Hand in. The row is locked, so two submits at once grade once."""
    attempt = own_attempt(session, user, attempt_id, lock=True)
    _in_progress(attempt, token)
    attempt.finish(automatic=False)
    grade(session, attempt)
    record(session, user, "exam.submit", "attempt", attempt.id, label=attempt.plan.name, org=attempt.person.org,
           after={"score": attempt.score, "status": attempt.status.value})
    return attempt


def versions_of(session: Session, attempt: Attempt) -> dict[int, QuestionVersion]:
    ids = [item["v"] for item in attempt.items]
    return {v.id: v for v in session.scalars(select(QuestionVersion).where(QuestionVersion.id.in_(ids)))}


def grade(session: Session, attempt: Attempt) -> None:
    """Score every objective answer against the version pinned on the paper. With case questions the
    attempt waits for the graders; otherwise it is graded now."""
    versions = versions_of(session, attempt)
    answers = {a.position: a for a in attempt.answers}
    total, waiting = Decimal(0), False
    for position, item in enumerate(attempt.items):
        version = versions[item["v"]]
        answer = answers.get(position)
        if answer is None:
            answer = Answer(attempt=attempt, position=position, response=None, seq=0)
            session.add(answer)
            answers[position] = answer
        points = Decimal(item["p"])
        if version.type is QuestionType.CASE_ANALYSIS:
            if answer.score is None:
                waiting = waiting or bool(answer.response)
                answer.score = None if answer.response else Decimal(0)
            total += answer.score or 0
            continue
        answer.score = kind_of(version.type).score(version.content(), answer.response, points, partial=attempt.plan.partial_credit)
        total += answer.score or 0
    attempt.score = total
    if waiting:
        attempt.passed = None
        session.flush()
        return
    attempt.passed = total >= attempt.plan.pass_mark
    attempt.status, attempt.graded_at = AttemptStatus.GRADED, clock.now()
    session.flush()


def close_expired(session: Session, limit: int = 1000) -> int:
    """Submit and grade every attempt whose deadline has passed (for cron; safe to run any time, on
    any number of nodes: rows another run holds are skipped)."""
    query = (select(Attempt).where(Attempt.status == AttemptStatus.IN_PROGRESS, Attempt.deadline <= clock.now())
             .limit(limit).with_for_update(skip_locked=True))
    count = 0
    for attempt in session.scalars(query):
        touch(session, attempt)
        count += 1
    session.flush()
    return count


def grant_extension(session: Session, actor: User, attempt_id: int, minutes: int, reason: str) -> Attempt:
    attempt = session.get(Attempt, attempt_id)
    if attempt is None or not can(actor, ADMIN, attempt.plan.org):
        raise NotFound(_("No such exam paper."))
    if not 1 <= minutes <= 120 or not reason.strip():
        raise ValidationFailed(_("Give 1 to 120 minutes and the reason."))
    if attempt.finished:
        raise InvalidState(_("This attempt is finished."))
    attempt.extra_minutes += minutes
    if attempt.deadline is not None:
        attempt.deadline = min(attempt.deadline + timedelta(minutes=minutes), attempt.plan.closes_at + timedelta(minutes=minutes))
    session.add(IntegrityEvent(attempt_id=attempt.id, kind="extension", detail=f"+{minutes} min: {reason.strip()}"[:200]))
    session.flush()
    record(session, actor, "exam.extension", "attempt", attempt.id, label=attempt.person.name, org=attempt.person.org,
           after={"minutes": minutes, "reason": reason.strip()})
    return attempt


# ---- results -------------------------------------------------------------------------------------

def results(session: Session, actor: User, plan_id: int) -> tuple[ExamPlan, list[Attempt]]:
    """A plan's attempts with their candidates. Without each paper's items: decoding them cost most of a
    3,000-candidate plan's results and proctor pages (0.7-1.1 s → 0.1-0.3 s of CPU); grading reads them."""
    plan = get_plan(session, actor, plan_id)
    attempts = list(session.scalars(select(Attempt).where(Attempt.plan_id == plan.id)
                                    .options(defer(Attempt.items), selectinload(Attempt.person).selectinload(Person.org))
                                    .order_by(Attempt.id)))
    return plan, attempts


def publish_results(session: Session, actor: User, plan_id: int) -> ExamPlan:
    plan = get_plan(session, actor, plan_id)
    if plan.results_published_at is not None:
        raise InvalidState(_("The results are already published."))
    waiting = session.scalar(select(func.count()).select_from(Attempt).where(
        Attempt.plan_id == plan.id, Attempt.status.in_((AttemptStatus.SUBMITTED, AttemptStatus.AUTO_SUBMITTED)))) or 0
    if waiting:
        raise InvalidState(_("%(n)d papers still wait for grading.", n=waiting))
    plan.results_published_at = clock.now()
    session.flush()
    record(session, actor, "exam.publish", "exam_plan", plan.id, label=plan.name, org=plan.org)
    return plan


def may_see_result(attempt: Attempt) -> bool:
    return attempt.plan.review is not ReviewPolicy.NONE and attempt.plan.results_published_at is not None and \
        attempt.status is AttemptStatus.GRADED


def may_review_answers(attempt: Attempt) -> bool:
    return may_see_result(attempt) and attempt.plan.review is ReviewPolicy.ANSWERS and clock.now() >= attempt.plan.closes_at


def passed_qualification(session: Session, person_id: int, since: datetime) -> list[Attempt]:
    """Passed qualification (or make-up) attempts of the common part since a date: what credential issuance
    requires (the sector part: credentials.qualification). Only published results count (rule 14): a pass is
    final once the exam administrator publishes the plan's results."""
    return list(session.scalars(select(Attempt).join(ExamPlan).where(
        Attempt.person_id == person_id, Attempt.passed.is_(True), Attempt.status == AttemptStatus.GRADED,
        ExamPlan.results_published_at.is_not(None), ExamPlan.part == BankPart.COMMON,
        ExamPlan.kind.in_((ExamKind.QUALIFICATION, ExamKind.MAKEUP)), Attempt.submitted_at >= since)))


def passed_renewal(session: Session, person_id: int, since: datetime) -> list[Attempt]:
    """Passed renewal-exam attempts since a date: what renewing a credential requires."""
    return list(session.scalars(select(Attempt).join(ExamPlan).where(
        Attempt.person_id == person_id, Attempt.passed.is_(True), Attempt.status == AttemptStatus.GRADED,
        ExamPlan.results_published_at.is_not(None), ExamPlan.kind == ExamKind.RENEWAL, Attempt.submitted_at >= since)))


def require_candidate(user: User) -> None:
    if user.person_id is None:
        raise PermissionDenied(_("Only officers with a personal account take exams."))


# ---- what the candidate's pages show ---------------------------------------------------------------

@dataclass(frozen=True)
class QuestionEntry:
    """One question as the candidate sees it: no key, no explanation, options in the paper's order."""

    position: int
    type: QuestionType
    stem: str
    options: list[tuple[str, str, str]]  # (shown letter, stored letter, text)
    response: Any
    flagged: bool
    points: Decimal
    section: int
    seq: int = 0  # the save counter of the stored answer (the room's script saves above it)

    @property
    def answered(self) -> bool:
        return self.response not in (None, "", [])


@dataclass(frozen=True)
class PaperView:
    questions: list[QuestionEntry]

    @property
    def unanswered(self) -> int:
        return sum(1 for q in self.questions if not q.answered)


class ShownVersion(NamedTuple):
    """What a candidate sees of a version: never its key."""

    type: QuestionType
    stem: str
    options: dict[str, str] | None


SHOWN_VERSIONS_KEPT = 50_000
ROOM_TEMPLATES = ("exams/question.html", "exams/_room_header.html", "bank/types/_true_false.html", "bank/types/_fill_in.html", "bank/types/_case.html")


def shown_versions(session: Session, ids: list[int]) -> dict[int, ShownVersion]:
    """The type, stem and options of the versions a paper pins. A pinned version is never changed again
    (it is `used`), so each worker keeps what it has read in its app: during a sitting the exam room
    reads the bank once per version, not once per page. The copy is only a cache: a version not in it
    is read from the database."""
    kept: dict[int, ShownVersion] = current_app.extensions.setdefault("examsys.shown_versions", {})
    found = {version_id: kept.get(version_id) for version_id in ids}
    missing = [version_id for version_id, shown in found.items() if shown is None]
    if missing:
        if len(kept) + len(missing) > SHOWN_VERSIONS_KEPT:
            kept.clear()
        rows = session.execute(select(QuestionVersion.id, QuestionVersion.type, QuestionVersion.stem, QuestionVersion.options)
                               .where(QuestionVersion.id.in_(missing)))
        for version_id, qtype, stem, options in rows:
            found[version_id] = kept[version_id] = ShownVersion(qtype, stem, options)
    return found  # type: ignore[return-value]


def warm_room(session: Session, user: User, attempt: Attempt) -> None:
    """Prepare this worker for the synchronised start, from the start page, where the hall waits before
    the exam begins. Once per worker and plan: read what candidates will see of every version the plan
    can draw, and compile the exam page's templates. Once per worker: run the start's and the exam
    page's reads (on this candidate's own attempt, which nothing else is changing now), so that their
    SQL is compiled before the first click rather than during the first second of the sitting."""
    plan = attempt.plan
    if plan.status is not PlanStatus.OPEN or attempt.status is not AttemptStatus.NOT_STARTED:
        return
    warmed: set[int | str] = current_app.extensions.setdefault("examsys.warmed_room", set())
    if plan.id not in warmed:
        ids = sorted({version_id for pool in plan.pools or [] for version_id in pool})
        if len(ids) <= SHOWN_VERSIONS_KEPT // 2:
            for start in range(0, len(ids), 2000):
                shown_versions(session, ids[start:start + 2000])
        for name in ROOM_TEMPLATES:
            current_app.jinja_env.get_template(name)
        warmed.add(plan.id)
    if "statements" not in warmed:
        own_attempt(session, user, attempt.id, lock=True, with_person=True)
        paper_view(session, attempt)
        warmed.add("statements")


def paper_view(session: Session, attempt: Attempt) -> PaperView:
    versions = shown_versions(session, [item["v"] for item in attempt.items])
    answers = {position: (response, flagged, seq) for position, response, flagged, seq in session.execute(
        select(Answer.position, Answer.response, Answer.flagged, Answer.seq).where(Answer.attempt_id == attempt.id))}
    entries = []
    for position, item in enumerate(attempt.items):
        version = versions[item["v"]]
        options = [("ABCDEFGH"[i], letter, version.options[letter]) for i, letter in enumerate(item["o"] or [])] if version.options else []
        response, flagged, seq = answers.get(position, (None, False, 0))
        entries.append(QuestionEntry(position, version.type, version.stem, options, response, bool(flagged), Decimal(item["p"]), item["s"],
                                     seq or 0))
    return PaperView(entries)


def next_seq(attempt: Attempt, position: int) -> int:
    """A counter for saves from plain forms: above anything saved, and above any browser clock's."""
    current = next((a.seq for a in attempt.answers if a.position == position), 0)
    return max(current + 1, int(clock.now().timestamp() * 1000))


@dataclass(frozen=True)
class ReviewEntry:
    entry: QuestionEntry
    key: str
    score: Decimal | None
    explanation: str
    article: str
    withheld: bool = False  # the key is on a paper not yet handed in (live_papers.withhold_live_keys)


def review_view(session: Session, attempt: Attempt) -> list[ReviewEntry]:
    """After the window has closed, and only if the plan allows: answers with keys and explanations."""
    versions = versions_of(session, attempt)
    answers = {a.position: a for a in attempt.answers}
    out = []
    for entry in paper_view(session, attempt).questions:
        version = versions[attempt.items[entry.position]["v"]]
        shown = {stored: shown for shown, stored, _text in entry.options}
        content = version.content()
        if version.type is QuestionType.SINGLE_CHOICE:
            key = shown.get(content["answer"], "")
        elif version.type is QuestionType.MULTIPLE_CHOICE:
            key = "".join(sorted(shown.get(letter, "") for letter in content["answer"]))
        else:
            key = kind_of(version.type).key_text(content)
        answer = answers.get(entry.position)
        out.append(ReviewEntry(entry, key, answer.score if answer else None, version.explanation, f"{version.law} {version.article}"))
    return out


def last_saves(session: Session, attempt_ids: list[int]) -> dict[int, datetime]:
    """When each attempt last saved an answer (the proctor's sign of life), without a write per save."""
    if not attempt_ids:
        return {}
    rows = session.execute(select(Answer.attempt_id, func.max(Answer.saved_at)).where(Answer.attempt_id.in_(attempt_ids))
                           .group_by(Answer.attempt_id))
    return {attempt_id: when for attempt_id, when in rows}


def integrity_events(session: Session, attempt_ids: list[int]) -> dict[int, list[IntegrityEvent]]:
    events: dict[int, list[IntegrityEvent]] = {}
    if attempt_ids:
        for event in session.scalars(select(IntegrityEvent).where(IntegrityEvent.attempt_id.in_(attempt_ids)).order_by(IntegrityEvent.at)):
            events.setdefault(event.attempt_id, []).append(event)
    return events


# ---- case questions: graded by people --------------------------------------------------------------

@dataclass(frozen=True)
class CaseToGrade:
    """An answer to grade, shown without the candidate's name (nor, with double marking, the other mark)."""

    answer: Answer
    version: QuestionVersion
    points: Decimal
    label: str  # a neutral label instead of the name
    stage: str  # "first", "second" or "reconcile"


def _marks(session: Session, answer_ids: list[int]) -> dict[int, list[CaseMark]]:
    marks: dict[int, list[CaseMark]] = {}
    if answer_ids:
        for mark in session.scalars(select(CaseMark).where(CaseMark.answer_id.in_(answer_ids)).order_by(CaseMark.id)):
            marks.setdefault(mark.answer_id, []).append(mark)
    return marks


def _stage(plan: ExamPlan, marks: list[CaseMark]) -> str | None:
    """What an answer still needs: a first mark, a second, a reconciliation, or nothing."""
    if any(m.reconciles for m in marks):
        return None
    if not marks:
        return "first"
    if not plan.double_marking:
        return None
    if len(marks) == 1:
        return "second"
    return "reconcile" if abs(marks[0].score - marks[1].score) > plan.marking_tolerance else None


def grading_queue(session: Session, actor: User, plan_id: int) -> list[CaseToGrade]:
    """Case answers still to mark, leaving out those this grader already marked (a second mark must
    come from someone else)."""
    plan = get_plan(session, actor, plan_id)
    attempts = list(session.scalars(select(Attempt).where(Attempt.plan_id == plan.id, Attempt.status.in_(
        (AttemptStatus.SUBMITTED, AttemptStatus.AUTO_SUBMITTED))).options(selectinload(Attempt.answers))))
    marks = _marks(session, [a.id for attempt in attempts for a in attempt.answers])
    queue = []
    for attempt in attempts:
        versions = versions_of(session, attempt)
        for answer in attempt.answers:
            item = attempt.items[answer.position]
            version = versions[item["v"]]
            if version.type is not QuestionType.CASE_ANALYSIS or answer.score is not None:
                continue
            own = marks.get(answer.id, [])
            stage = _stage(plan, own)
            if stage is None or any(m.grader_id == actor.id for m in own):
                continue
            queue.append(CaseToGrade(answer, version, Decimal(item["p"]), f"#{answer.id:06d}", stage))
    return queue


def grade_case(session: Session, actor: User, answer_id: int, score: Decimal, comment: str) -> Attempt:
    """Record a grader's mark for one case answer. Single marking: the mark is the score. Double
    marking: two graders' marks within the tolerance give their mean; further apart, a third grader's
    reconciling mark decides. The attempt is graded when no answer is left."""
    answer = session.get(Answer, answer_id)
    if answer is None or not can(actor, ADMIN, answer.attempt.plan.org):
        raise NotFound(_("No such answer."))
    attempt = answer.attempt
    plan = attempt.plan
    points = Decimal(attempt.items[answer.position]["p"])
    if not Decimal(0) <= score <= points:
        raise ValidationFailed(_("The score lies between 0 and %(p)s.", p=points), {"score": [_("The score lies between 0 and %(p)s.", p=points)]})
    if attempt.status is AttemptStatus.GRADED or answer.score is not None:
        raise InvalidState(_("This paper is already graded."))
    existing = _marks(session, [answer.id]).get(answer.id, [])
    if any(m.grader_id == actor.id for m in existing):
        raise InvalidState(_("You have already marked this answer; another grader must."))
    stage = _stage(plan, existing)
    if stage is None:
        raise InvalidState(_("This answer needs no further mark."))
    mark = CaseMark(answer_id=answer.id, grader_id=actor.id, score=score, comment=comment.strip()[:2000], reconciles=stage == "reconcile")
    session.add(mark)
    session.flush()
    marks = existing + [mark]
    if stage == "reconcile" or not plan.double_marking:
        answer.score = score
    elif stage == "second" and _stage(plan, marks) is None:
        answer.score = ((marks[0].score + marks[1].score) / 2).quantize(Decimal("0.01"))
    answer.grader_comment = "\n".join(m.comment for m in marks if m.comment)
    session.flush()
    record(session, actor, "exam.grade_case", "answer", answer.id, label=plan.name, org=plan.org,
           after={"mark": score, "stage": stage, "score": answer.score})
    if answer.score is not None:
        grade(session, attempt)
    return attempt


# ---- regrading after a key fix ---------------------------------------------------------------------

@dataclass(frozen=True)
class RegradeChange:
    attempt: Attempt
    old_score: Decimal | None
    new_score: Decimal
    old_passed: bool | None
    new_passed: bool


def _regraded(session: Session, attempt: Attempt, old_id: int, new_version: QuestionVersion) -> tuple[Decimal, bool]:
    total = Decimal(0)
    versions = versions_of(session, attempt)
    answers = {a.position: a for a in attempt.answers}
    for position, item in enumerate(attempt.items):
        version = new_version if item["v"] == old_id else versions[item["v"]]
        answer = answers.get(position)
        if version.type is QuestionType.CASE_ANALYSIS:
            total += (answer.score if answer and answer.score is not None else Decimal(0))
            continue
        total += kind_of(version.type).score(version.content(), answer.response if answer else None, Decimal(item["p"]),
                                             partial=attempt.plan.partial_credit) or 0
    return total, total >= attempt.plan.pass_mark


def regrade_candidates(session: Session, actor: User, plan_id: int) -> list[tuple[QuestionVersion, QuestionVersion]]:
    """Pinned versions of this plan whose question has a newer active version: what a key fix can regrade."""
    plan = get_plan(session, actor, plan_id)
    used: set[int] = set()
    for items in session.scalars(select(Attempt.items).where(Attempt.plan_id == plan.id)):
        used.update(item["v"] for item in items)
    pairs = []
    for version in session.scalars(select(QuestionVersion).where(QuestionVersion.id.in_(used))):
        active = version.question.active_version
        if active is not None and active.number > version.number:
            pairs.append((version, active))
    return pairs


def regrade(session: Session, actor: User, plan_id: int, old_version_id: int, *, apply: bool, reason: str = "") -> list[RegradeChange]:
    """Score every finished paper of the plan again with the question's newer active version in place of
    `old_version_id`. The dry run (apply=False) lists the candidates whose score or pass/fail would
    change and writes nothing; apply writes exactly that, pins the new version, and is audited."""
    plan = get_plan(session, actor, plan_id)
    old = session.get(QuestionVersion, old_version_id)
    if old is None:
        raise NotFound(_("No such question."))
    new = old.question.active_version
    if new is None or new.id == old.id:
        raise InvalidState(_("The question has no newer active version to regrade with."))
    if new.type is not old.type or sorted(new.options or {}) != sorted(old.options or {}):
        raise InvalidState(_("The new version changes the type or the options; it cannot replace the old one on papers already taken."))
    if apply and not reason.strip():
        raise ValidationFailed(_("Give the reason for the regrade."), {"reason": [_("Give the reason for the regrade.")]})
    changes = []
    query = select(Attempt).where(Attempt.plan_id == plan.id, Attempt.status == AttemptStatus.GRADED).options(selectinload(Attempt.answers))
    if apply:
        query = query.with_for_update()
    for attempt in session.scalars(query):
        if not any(item["v"] == old.id for item in attempt.items):
            continue
        new_score, new_passed = _regraded(session, attempt, old.id, new)
        if new_score != attempt.score or new_passed != attempt.passed:
            changes.append(RegradeChange(attempt, attempt.score, new_score, attempt.passed, new_passed))
        if apply:
            attempt.items = [dict(item, v=new.id) if item["v"] == old.id else item for item in attempt.items]
            new.used = True
            grade(session, attempt)
            assert attempt.score == new_score
    if apply:
        session.flush()
        record(session, actor, "exam.regrade", "exam_plan", plan.id, label=plan.name, org=plan.org,
               after={"question": old.question.ref, "from_version": old.number, "to_version": new.number, "reason": reason.strip(),
                      "changed": [(c.attempt.id, str(c.old_score), str(c.new_score)) for c in changes]})
    return changes
