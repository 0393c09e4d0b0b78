"""Exam plans: the blueprint, the check against the bank, the eligible candidates, opening (every paper
generated in advance, so that starting is a read)."""
from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from examsys.audit.services import record
from examsys.auth.models import Role, User
from examsys.auth.permissions import Actor, can, get_in_scope, require_any_scope, scope_clause, visible_org
from examsys.bank.models import BankPart, Question, QuestionType, QuestionVersion
from examsys.errors import InvalidState, ValidationFailed
from examsys.exams import makeups, papers
from examsys.exams.models import Attempt, AttemptStatus, BlueprintSection, ExamKind, ExamPlan, PaperMode, PlanStatus
from examsys.jobs import records as job_records
from examsys.orgs.models import Organisation
from examsys.personnel.models import EmploymentStatus, Person, PersonnelKind

ADMIN = Role.EXAM_ADMIN
DEFAULT_BLUEPRINT = ((QuestionType.SINGLE_CHOICE, 25), (QuestionType.MULTIPLE_CHOICE, 10), (QuestionType.TRUE_FALSE, 15))
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


def create_plan(session: Session, actor: Actor, *, name: str, kind: ExamKind, org_id: int, part: BankPart,
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
        if original is None or not can(actor, ADMIN, original.org) or original.kind is not ExamKind.QUALIFICATION:
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
    return get_in_scope(session, actor, ExamPlan, plan_id, roles=ADMIN, missing=_("No such exam."))


def check_plan(session: Session, plan: ExamPlan) -> papers.PlanCheck:
    pools, shapes = papers.pools_for(session, plan)
    return papers.check(plan, pools, shapes)


def _eligible_query(plan: ExamPlan) -> Select[tuple[Person]]:
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
    return query.order_by(Person.id)


def eligible_candidates(session: Session, plan: ExamPlan) -> list[Person]:
    """In post, in the plan's subtree; regular officers only (auxiliary staff may only practise); for a
    sector exam, those holding the domain."""
    return list(session.scalars(_eligible_query(plan)))


def eligible_ids(session: Session, plan: ExamPlan) -> list[int]:
    return list(session.scalars(_eligible_query(plan).with_only_columns(Person.id)))


# ---- opening: in the request for a small plan, on the job queue for a large one ----------------------
#
# Opening is three steps that work the same both ways: `prepare_opening` checks the plan against the bank
# and fixes its pools; `draw_chunk` draws papers for candidates who have none yet (so running it again, after
# a job was killed half-way, finishes the rest and never draws a second paper: the unique attempt number
# stands behind that too); `finish_opening` opens the plan once every candidate holds a paper. A plan being
# opened by a job stays a draft until then, so nobody starts an exam whose papers are still being drawn.

OPEN_JOB = "exams.open_plan"


def prepare_opening(session: Session, actor: Actor, plan_id: int) -> tuple[ExamPlan, papers.Shapes]:
    plan = get_plan(session, actor, plan_id)
    if plan.status is not PlanStatus.DRAFT:
        raise InvalidState(_("Only a draft plan can be opened."))
    if job_records.active_for(session, "exam_plan", plan.id, OPEN_JOB) is not None:
        raise InvalidState(_("This plan is being opened already."))
    if plan.pools and session.scalar(select(Attempt.id).where(Attempt.plan_id == plan.id).limit(1)) is not None:
        # An opening that stopped on an error drew papers from these pools: the rest are drawn from them too.
        return plan, _pool_shapes(session, plan)
    pools, shapes = papers.pools_for(session, plan)
    result = papers.check(plan, pools, shapes)
    if not result.ok:
        short = [f"{c.section.type.label} {c.available}/{c.section.count}" for c in result.sections if not c.ok]
        raise InvalidState(_("The bank cannot fill this blueprint: %(short)s.", short=", ".join(short) or _("sections share too few questions")))
    plan.pools = pools
    return plan, shapes


def _pool_shapes(session: Session, plan: ExamPlan) -> papers.Shapes:
    """The shapes of the versions in the plan's fixed pools (as `draw_paper` reads them)."""
    rows = session.execute(select(QuestionVersion.id, QuestionVersion.type, QuestionVersion.options, Question.enemy_group)
                           .join(Question, QuestionVersion.question_id == Question.id).where(
        QuestionVersion.id.in_({v for pool in plan.pools or [] for v in pool}))).all()
    exposure = None
    if plan.prefer_less_exposed:
        from examsys.exams.exposure import drawn_counts

        exposure = drawn_counts(session, {row.id for row in rows})
    return papers.shapes_of(rows, exposure)


@dataclass(frozen=True)
class ChunkResult:
    made: int  # papers drawn by this chunk
    done: int  # candidates holding a paper
    total: int  # candidates (eligible now, or holding a paper)


def draw_chunk(session: Session, plan: ExamPlan, batch: int, shapes: papers.Shapes | None = None) -> ChunkResult:
    """Draw a first paper for up to `batch` eligible candidates who have none. The caller commits."""
    session.execute(select(ExamPlan.id).where(ExamPlan.id == plan.id).with_for_update())  # one drawer at a time (PostgreSQL)
    have = set(session.scalars(select(Attempt.person_id).where(Attempt.plan_id == plan.id, Attempt.number == 1)))
    ids = eligible_ids(session, plan)
    todo = [pid for pid in ids if pid not in have][:batch]
    total = len(have | set(ids))
    if not todo:
        return ChunkResult(0, len(have), total)
    if shapes is None:
        shapes = _pool_shapes(session, plan)
    shared_seed = None
    if plan.paper_mode is PaperMode.SHARED:
        shared_seed = session.scalar(select(Attempt.seed).where(Attempt.plan_id == plan.id).limit(1)) or secrets.token_hex(8)
    used: set[int] = set()
    attempts = []
    for person_id in todo:
        seed = shared_seed or secrets.token_hex(8)
        items = papers.assemble(plan, plan.pools or [], shapes, seed)
        used.update(item["v"] for item in items)
        attempts.append(Attempt(plan=plan, person_id=person_id, number=1, seed=seed, items=items))
    session.add_all(attempts)
    session.flush()
    pin_versions(session, used)
    return ChunkResult(len(todo), len(have) + len(todo), total)


def finish_opening(session: Session, actor: Actor, plan: ExamPlan) -> int:
    """Open the plan (its papers all drawn) and record it; returns the number of papers."""
    made = session.scalar(select(func.count()).select_from(Attempt).where(Attempt.plan_id == plan.id, Attempt.number == 1)) or 0
    plan.open()
    session.flush()
    result = papers.check(plan, plan.pools or [], _pool_shapes(session, plan))
    record(session, actor, "exam.plan_open", "exam_plan", plan.id, label=plan.name, org=plan.org,
           after={"papers": made, "distinct_papers_log10": round(result.distinct_papers_log10, 1)})
    return made


def open_plan(session: Session, actor: Actor, plan_id: int, *, progress: Callable[[int, int], None] | None = None,
              batch: int = 500) -> int:
    """Check the plan against the bank, fix its pools, and generate a paper for every eligible
    candidate, so that starting the exam is a read, in the caller's transaction. Returns the number of papers."""
    plan, shapes = prepare_opening(session, actor, plan_id)
    while True:
        chunk = draw_chunk(session, plan, batch, shapes)
        if chunk.made and progress is not None:
            progress(chunk.done, chunk.total)
        if not chunk.made:
            break
    return finish_opening(session, actor, plan)


def queue_opening(session: Session, actor: User, plan_id: int) -> job_records.JobRecord:
    """Check and fix the plan now, and queue the job that draws its papers, in the caller's transaction
    (no job without the request, none for a request that rolled back)."""
    plan, _shapes = prepare_opening(session, actor, plan_id)
    job = job_records.start(session, OPEN_JOB, "exam_plan", plan.id, actor.id)
    job.total = len(eligible_ids(session, plan))
    return job


def open_or_queue(session: Session, actor: User, plan_id: int, inline_max: int) -> int | None:
    """Open the plan in this request when it has at most `inline_max` candidates (the papers drawn: a few seconds at
    most); with more, queue the opening on the job queue and answer None (its page follows the progress)."""
    if len(eligible_ids(session, get_plan(session, actor, plan_id))) <= inline_max:
        return open_plan(session, actor, plan_id)
    queue_opening(session, actor, plan_id)
    return None


def run_opening(session: Session, actor: Actor, job: job_records.JobRecord, batch: int) -> None:
    """The job: draw chunk after chunk, each committed with its progress, then open the plan. Run again
    after a restart, it picks up the candidates still without a paper."""
    plan = get_plan(session, actor, job.target_id)
    if plan.status is not PlanStatus.DRAFT:  # opened already (by this job before it was killed, or otherwise)
        job_records.finish(job)
        session.commit()
        return
    while True:
        chunk = draw_chunk(session, plan, batch)
        job_records.advance(job, chunk.done, chunk.total)
        session.commit()
        if not chunk.made:
            break
    made = finish_opening(session, actor, plan)
    job_records.finish(job, _("The exam is open: %(n)d papers were generated.", n=made))
    session.commit()


def pin_versions(session: Session, version_ids: set[int]) -> None:
    """Mark versions drawn into papers as used: pinned versions never change again (an edit makes a new one).
    Only those not pinned yet are written: each chunk of an opening draws from the same pools, and rewriting every
    version it drew left 60,000 dead rows of a 2,000-row table after one plan of 30,000 and held their row locks
    for the whole chunk (docs/performance.md, "Opening a plan for 30,000 candidates")."""
    ids = sorted(version_ids)
    for start in range(0, len(ids), 1000):
        session.execute(update(QuestionVersion).where(QuestionVersion.id.in_(ids[start:start + 1000]), QuestionVersion.used.is_(False))
                        .values(used=True))


def draw_paper(session: Session, plan: ExamPlan, seed: str) -> list[dict[str, Any]]:
    """One paper from the plan's pools, fixed when it opened, and this seed."""
    return papers.assemble(plan, plan.pools or [], _pool_shapes(session, plan), seed)


def regenerate(session: Session, attempt: Attempt) -> list[dict[str, Any]]:
    """The paper again from its seed and the plan's pools: equal to the stored one unless tampered with."""
    return draw_paper(session, attempt.plan, attempt.seed)
