"""Use cases of the question banks: browsing, editing (versioned), the four-eyes review, imports."""
from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from examsys import clock
from examsys.audit.services import record as audit
from examsys.auth.models import Role, User
from examsys.auth.permissions import Actor, can, get_in_scope, require_actor, require_any_scope, scope_clause, visible_org
from examsys.bank.laws import law_titles, unknown_law_problems
from examsys.bank.models import BankPart, Question, QuestionType, QuestionVersion, VersionStatus, content_hash
from examsys.bank.schema import Problem, Record, check_question
from examsys.domains.models import EnforcementDomain
from examsys.errors import InvalidState, NotFound, ValidationFailed
from examsys.orgs.models import Organisation

EDITOR = Role.EXAM_ADMIN


# ---- reading -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class QuestionFilter:
    part: BankPart | None = None
    domain_id: int | None = None
    law: str = ""
    type: QuestionType | None = None
    difficulty: int | None = None
    status: VersionStatus | None = None
    text: str = ""
    by_others: bool = False  # only versions the actor did not write (what they may review: four eyes)


def version_query(session: Session, actor: User, filters: QuestionFilter) -> Select[tuple[QuestionVersion]]:
    """The latest version of every question the actor's banks hold, filtered."""
    require_any_scope(session, actor, EDITOR)
    query = (select(QuestionVersion).join(Question, QuestionVersion.question_id == Question.id)
             .join(Organisation, Question.org_id == Organisation.id)
             .where(QuestionVersion.is_latest.is_(True), scope_clause(session, actor, EDITOR, Organisation.path))
             .options(joinedload(QuestionVersion.question).joinedload(Question.domain)))
    if filters.part is not None:
        query = query.where(Question.part == filters.part)
    if filters.domain_id is not None:
        query = query.where(Question.domain_id == filters.domain_id)
    if filters.law:
        query = query.where(QuestionVersion.law == filters.law)
    if filters.type is not None:
        query = query.where(QuestionVersion.type == filters.type)
    if filters.difficulty is not None:
        query = query.where(QuestionVersion.difficulty == filters.difficulty)
    if filters.status is not None:
        query = query.where(QuestionVersion.status == filters.status)
    if filters.by_others:
        query = query.where(or_(QuestionVersion.author_id.is_(None), QuestionVersion.author_id != actor.id))
    if filters.text.strip():
        term = f"%{filters.text.strip()}%"
        query = query.where(or_(QuestionVersion.stem.ilike(term), Question.ref.ilike(term), QuestionVersion.article.ilike(term)))
    return query.order_by(Question.ref)


def get_question(session: Session, actor: User, question_id: int) -> Question:
    return get_in_scope(session, actor, Question, question_id, roles=EDITOR, missing=_("No such question."))


def laws(session: Session, actor: User) -> list[str]:
    query = (select(QuestionVersion.law).join(Question).join(Organisation, Question.org_id == Organisation.id)
             .where(QuestionVersion.is_latest.is_(True), scope_clause(session, actor, EDITOR, Organisation.path))
             .distinct().order_by(QuestionVersion.law))
    return list(session.scalars(query))


def law_choices(session: Session, actor: User) -> list[str]:
    """The laws a question written in the editor may cite: the controlled list (examsys.bank.laws)."""
    return law_titles(session)


def _check_law(session: Session, actor: User, raw: dict[str, Any]) -> None:
    law = str(raw.get("law") or "").strip()
    if law and law not in law_choices(session, actor):
        raise ValidationFailed(_("The question was not saved; correct the marked fields."),
                               {"law": [_("Choose one of the laws on the list; an administrator adds a new law on the laws page.")]})


def domains(session: Session) -> list[EnforcementDomain]:
    return list(session.scalars(select(EnforcementDomain).where(EnforcementDomain.active.is_(True)).order_by(EnforcementDomain.code)))


@dataclass
class CountTable:
    """Active questions per law × type × difficulty: what a blueprint can draw on."""

    cells: dict[tuple[str, str, int], int]
    laws: list[str]
    types: list[QuestionType]

    def get(self, law: str, qtype: QuestionType, difficulty: int | None = None) -> int:
        if difficulty is None:
            return sum(n for (lw, t, _d), n in self.cells.items() if lw == law and t == qtype.value)
        return self.cells.get((law, qtype.value, difficulty), 0)

    def total(self, qtype: QuestionType | None = None) -> int:
        return sum(n for (_lw, t, _d), n in self.cells.items() if qtype is None or t == qtype.value)


def active_counts(session: Session, actor: User, part: BankPart | None = None, domain_id: int | None = None) -> CountTable:
    require_any_scope(session, actor, EDITOR)
    query = (select(QuestionVersion.law, QuestionVersion.type, QuestionVersion.difficulty, func.count())
             .join(Question).join(Organisation, Question.org_id == Organisation.id)
             .where(QuestionVersion.status == VersionStatus.ACTIVE, scope_clause(session, actor, EDITOR, Organisation.path))
             .group_by(QuestionVersion.law, QuestionVersion.type, QuestionVersion.difficulty))
    if part is not None:
        query = query.where(Question.part == part)
    if domain_id is not None:
        query = query.where(Question.domain_id == domain_id)
    cells = {(law, qtype.value, difficulty): count for law, qtype, difficulty, count in session.execute(query)}
    return CountTable(cells, sorted({k[0] for k in cells}), [t for t in QuestionType if any(k[1] == t.value for k in cells)])


# ---- editing -------------------------------------------------------------------------------------

def _domain(session: Session, code: str | None, name: str | None) -> EnforcementDomain | None:
    if not code:
        return None
    domain = session.scalar(select(EnforcementDomain).where(EnforcementDomain.code == code))
    if domain is None:
        domain = EnforcementDomain(code=code, name=name or code, needs_sector_exam=True)  # only sector questions name one
        session.add(domain)
        session.flush()
    return domain


def _new_version(question: Question, content: dict[str, Any], author: User | None, note: str, number: int) -> QuestionVersion:
    version = QuestionVersion(
        question=question, number=number, status=VersionStatus.DRAFT, type=QuestionType(content["type"]), stem=content["stem"],
        options=content["options"], answer=content["answer"], rubric=content["rubric"], reference_answer=content["reference_answer"],
        law=content["law"], law_version=content["law_version"], article=content["article"], difficulty=content["difficulty"],
        points=Decimal(content["points"]), explanation=content["explanation"], tags=content["tags"], content_hash=content_hash(content),
        content_mn=content.get("content_mn"),
        change_note=note[:200], author_id=author.id if author is not None else None, is_latest=True,
    )
    return version


def check_content(raw: dict[str, Any], *, part: BankPart, domain: EnforcementDomain | None, strict: bool = True) -> Record:
    """Check a question as the editor form states it; raise ValidationFailed with the field errors."""
    record, problems = check_question({k: v for k, v in raw.items() if k not in ("law", "law_version")}, part=part.value,
                                      domain=domain.code if domain else None, domain_name=domain.name if domain else None,
                                      law=str(raw.get("law") or "").strip(), law_version=str(raw.get("law_version") or "").strip(),
                                      source="form", position=1, strict=strict)
    if record is None:
        errors: dict[str, list[str]] = {}
        for problem in problems:
            errors.setdefault(problem.field, []).append(problem.message)
        raise ValidationFailed(_("The question was not saved; correct the marked fields."), errors)
    return record


def create_question(session: Session, actor: User, *, org_id: int, part: BankPart, domain_id: int | None,
                    raw: dict[str, Any]) -> Question:
    org = visible_org(session, actor, EDITOR, org_id)
    domain = session.get(EnforcementDomain, domain_id) if domain_id else None
    if part is BankPart.SECTOR and domain is None:
        raise ValidationFailed(_("A sector question needs its domain."), {"domain_id": [_("Choose the domain.")]})
    raw = dict(raw)
    raw["ref"] = (raw.get("ref") or "").strip().upper() or f"Q-{secrets.token_hex(4).upper()}"
    _check_law(session, actor, raw)
    record = check_content(raw, part=part, domain=domain)
    if session.scalar(select(Question.id).where(Question.ref == record.ref)) is not None:
        raise ValidationFailed(_("The question was not saved; correct the marked fields."), {"ref": [_("This ref is taken.")]})
    question = Question(ref=record.ref, org=org, part=part, domain=domain if part is BankPart.SECTOR else None)
    session.add(question)
    version = _new_version(question, record.content, actor, _("created"), 1)
    session.add(version)
    session.flush()
    audit(session, actor, "question.create", "question", question.id, label=question.ref, org=org, after={"version": 1})
    return question


def edit_question(session: Session, actor: User, question_id: int, raw: dict[str, Any], note: str = "") -> QuestionVersion:
    """Change a question. An unused draft changes in place; anything reviewed, active, retired or used
    gets a new draft version, so that no candidate's question ever changes under them."""
    question = get_question(session, actor, question_id)
    latest = question.latest
    raw = dict(raw, ref=question.ref)
    if "mn" not in raw and latest.content_mn:  # a caller that leaves the Mongolian text out keeps it; the editor
        raw["mn"] = latest.content_mn           # always states it (None: emptied, removed)
    _check_law(session, actor, raw)
    record = check_content(raw, part=question.part, domain=question.domain)
    new_hash = content_hash(record.content)
    if new_hash == latest.content_hash:
        raise InvalidState(_("Nothing was changed."))
    before = latest.content()
    if latest.editable:
        _apply_content(latest, record.content)
        latest.author_id = actor.id
        if note:
            latest.change_note = note[:200]
        version = latest
    else:
        latest.is_latest = False
        version = _new_version(question, record.content, actor, note, latest.number + 1)
        session.add(version)
    session.flush()
    audit(session, actor, "question.edit", "question", question.id, label=f"{question.ref} v{version.number}", org=question.org,
          before=before, after=version.content())
    return version


def _apply_content(version: QuestionVersion, content: dict[str, Any]) -> None:
    for name in ("stem", "options", "answer", "rubric", "reference_answer", "law", "law_version", "article", "difficulty",
                 "explanation", "tags"):
        setattr(version, name, content[name])
    version.type = QuestionType(content["type"])
    version.points = Decimal(content["points"])
    # a changed draft is read again in Mongolian too: the review vouched that this text says what that Chinese said
    version.mn_reviewed_by_id = version.mn_reviewed_at = None
    version.content_mn = content.get("content_mn")
    version.content_hash = content_hash(content)


def version_changes(old: QuestionVersion, new: QuestionVersion) -> list[tuple[str, Any, Any]]:
    """(field, before, after) for every content field that differs between two versions."""
    before, after = old.content(), new.content()  # the Mongolian text is in either only when present
    names = list(before) + [name for name in after if name not in before]
    return [(name, before.get(name), after.get(name)) for name in names if before.get(name) != after.get(name)]


def _version_in_scope(session: Session, actor: User, version_id: int) -> QuestionVersion:
    return get_in_scope(session, actor, QuestionVersion, version_id, roles=EDITOR, org_of=lambda v: v.question.org,
                        missing=_("No such question."))


def change_status(session: Session, actor: User, version_id: int, action: str) -> QuestionVersion:
    """review / activate / retire one version. Activating retires the question's earlier active version."""
    version = _version_in_scope(session, actor, version_id)
    before = version.status.value
    if action == "review":
        version.mark_reviewed(actor.id)
    elif action == "activate":
        previous = version.question.active_version
        version.activate()
        if previous is not None and previous is not version:
            previous.retire()
    elif action == "retire":
        version.retire()
    else:
        raise ValidationFailed(_("Unknown action."))
    session.flush()
    audit(session, actor, f"question.{action}", "question", version.question_id, label=f"{version.question.ref} v{version.number}",
          org=version.question.org, before={"status": before}, after={"status": version.status.value})
    return version


def review_mongolian(session: Session, actor: User, version_id: int) -> QuestionVersion:
    """Mark a version's Mongolian text reviewed: a second person, not its writer, who reads Mongolian (the reviewer
    vouches for it). A plan offering the Mongolian paper draws only versions so marked."""
    version = _version_in_scope(session, actor, version_id)
    version.mark_mn_reviewed(actor.id)
    session.flush()
    audit(session, actor, "question.review_mn", "question", version.question_id, label=f"{version.question.ref} v{version.number}",
          org=version.question.org, after={"mn_reviewed": True})
    return version


@dataclass
class BulkResult:
    changed: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)  # (ref, reason)


def bulk_change_status(session: Session, actor: User, version_ids: list[int], action: str) -> BulkResult:
    """The same action on many versions; those the workflow refuses are listed, the rest change."""
    result = BulkResult()
    for version_id in version_ids:
        try:
            with session.begin_nested():
                change_status(session, actor, version_id, action)
            result.changed += 1
        except (InvalidState, NotFound) as error:
            version = session.get(QuestionVersion, version_id)
            result.refused.append((version.question.ref if version else str(version_id), error.message))
    return result


# ---- import --------------------------------------------------------------------------------------

@dataclass
class ImportPlan:
    create: list[Record] = field(default_factory=list)
    new_version: list[Record] = field(default_factory=list)
    update_draft: list[Record] = field(default_factory=list)
    unchanged: list[Record] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {"created": len(self.create), "versioned": len(self.new_version) + len(self.update_draft), "unchanged": len(self.unchanged)}


def plan_import(session: Session, actor: Actor, records: list[Record], org: Organisation) -> ImportPlan:
    """Compare the records with the bank: new refs, changed ones, unchanged ones. Nothing is written."""
    require_actor(actor)
    plan = ImportPlan(problems=unknown_law_problems(session, records))
    existing = questions_by_ref(session, [r.ref for r in records])
    for record in records:
        question = existing.get(record.ref)
        if question is None:
            plan.create.append(record)
            continue
        if not can(actor, EDITOR, question.org):
            plan.problems.append(Problem(record.source, record.ref, "ref", _("This ref belongs to a bank outside your organisations.")))
            continue
        if question.part is not record.part or (question.domain.code if question.domain else None) != record.domain_code:
            plan.problems.append(Problem(record.source, record.ref, "part", _("The question exists in another part or domain; give it a new ref.")))
            continue
        latest = question.latest
        if "content_mn" not in record.content and latest.content_mn:
            # XLSX and Moodle carry no Mongolian text, and a YAML file may leave it out: an import keeps it
            record.content["content_mn"] = latest.content_mn
        if latest.content_hash == content_hash(record.content):
            plan.unchanged.append(record)
        elif latest.editable:
            plan.update_draft.append(record)
        else:
            plan.new_version.append(record)
    return plan


def questions_by_ref(session: Session, refs: list[str], chunk: int = 500) -> dict[str, Question]:
    """Questions with their versions, looked up in chunks (databases cap the size of an IN list)."""
    found: dict[str, Question] = {}
    for start in range(0, len(refs), chunk):
        query = select(Question).where(Question.ref.in_(refs[start:start + chunk])).options(selectinload(Question.versions))
        found.update((q.ref, q) for q in session.scalars(query))
    return found


def apply_import(session: Session, actor: Actor, plan: ImportPlan, org: Organisation, *, activate: bool = False,
                 source: str = "") -> dict[str, int]:
    """Write a clean plan. `activate` (command line only, for reviewed starter banks) makes the new
    versions active at once instead of drafts awaiting the four-eyes review."""
    require_actor(actor)
    if plan.problems:
        raise ValidationFailed(_("The file has errors; nothing was imported."))
    domains: dict[str | None, EnforcementDomain | None] = {None: None}
    note = _("imported from %(source)s", source=source)[:200] if source else _("imported")

    def domain_for(record: Record) -> EnforcementDomain | None:
        if record.domain_code not in domains:
            domains[record.domain_code] = _domain(session, record.domain_code, record.domain_name)
        return domains[record.domain_code]

    def finish(version: QuestionVersion) -> None:
        if activate:
            previous = version.question.active_version
            now = clock.now()
            version.status, version.reviewed_at, version.activated_at = VersionStatus.ACTIVE, now, now
            if previous is not None and previous is not version:
                previous.retire()

    for record in plan.create:
        question = Question(ref=record.ref, org=org, part=record.part, domain=domain_for(record), enemy_group=record.enemies)
        session.add(question)
        version = _new_version(question, record.content, actor, note, 1)
        session.add(version)
        finish(version)
    by_ref = questions_by_ref(session, [r.ref for r in plan.new_version + plan.update_draft + plan.unchanged])
    for record in plan.new_version + plan.update_draft + plan.unchanged:
        by_ref[record.ref].enemy_group = record.enemies  # the group is the question's, not a version's
    for record in plan.update_draft:
        latest = by_ref[record.ref].latest
        _apply_content(latest, record.content)
        finish(latest)
    for record in plan.new_version:
        question = by_ref[record.ref]
        latest = question.latest
        latest.is_latest = False
        version = _new_version(question, record.content, actor, note, latest.number + 1)
        session.add(version)
        finish(version)
    session.flush()
    counts = plan.counts
    audit(session, actor, "bank.import", "bank", org.code, label=source or "import", org=org,
          after=counts | {"activated": activate})
    return counts


def version_counts(session: Session, question_ids: list[int]) -> Counter[int]:
    rows = session.execute(select(QuestionVersion.question_id, func.count()).where(QuestionVersion.question_id.in_(question_ids))
                           .group_by(QuestionVersion.question_id))
    return Counter({qid: n for qid, n in rows})
