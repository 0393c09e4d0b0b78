"""Use cases of the personnel register: records, transfers, employment changes, photos, corrections.
Everything is confined to the actor's subtree and written to the audit trail."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from examsys import clock, mongolian
from examsys.audit.models import AuditEntry
from examsys.audit.services import record
from examsys.auth.models import Role, User
from examsys.auth.permissions import Actor, can, get_in_scope, require_any_scope, scope_clause, visible_org
from examsys.errors import InvalidState, NotFound, PermissionDenied, ValidationFailed
from examsys.orgs.models import Organisation
from examsys.personnel import idnumber
from examsys.personnel.models import (
    CorrectionRequest,
    EmploymentStatus,
    EnforcementDomain,
    Person,
    PersonnelKind,
    PersonnelTask,
    PersonPhoto,
    TaskStatus,
)
from examsys.personnel.photos import PhotoRejected, process
from examsys.personnel.standing import StandingChange, standing_changed

HR = Role.HR_ADMIN
READERS = (Role.HR_ADMIN, Role.AUDITOR, Role.REVIEWER, Role.SYSADMIN)
PHONE_RE = re.compile(r"^[0-9+\- ]{0,20}$")

# Fields an edit may change (organisation and employment status have their own use cases).
EDITABLE = ("name", "name_mn", "kind", "staffing_kind", "post", "rank", "phone", "legal_qualification", "training_hours", "duties",
            "hiring_conditions", "directed_by")


def snapshot(person: Person) -> dict[str, Any]:
    return {"id_number": person.id_number, "name": person.name, "name_mn": person.name_mn, "org": person.org.code if person.org else None,
            "kind": person.kind.value, "staffing_kind": person.staffing_kind.value, "employment_status": person.employment_status.value,
            "post": person.post, "rank": person.rank, "phone": person.phone, "legal_qualification": person.legal_qualification,
            "training_hours": person.training_hours, "domains": [d.code for d in person.domains], "duties": person.duties,
            "hiring_conditions": person.hiring_conditions, "directed_by": person.directed_by}


def changed(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


# ---- reading -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PersonFilter:
    text: str = ""
    org_id: int | None = None
    kind: PersonnelKind | None = None
    status: EmploymentStatus | None = None
    domain_id: int | None = None


def person_query(session: Session, actor: User, filters: PersonFilter) -> Select[tuple[Person]]:
    require_any_scope(session, actor, READERS)
    query = (select(Person).join(Organisation, Person.org_id == Organisation.id)
             .where(scope_clause(session, actor, READERS, Organisation.path))
             .options(selectinload(Person.org), selectinload(Person.domains)))
    text = filters.text.strip()
    if text:
        number = idnumber.normalise(text)
        if re.fullmatch(r"[0-9X]{6,18}", number) and can_see_id_numbers_somewhere(actor):
            query = query.where(Person.id_number.startswith(number), scope_clause(session, actor, HR, Organisation.path))
        else:
            query = query.where(Person.name.contains(text))
    if filters.org_id is not None:
        org = visible_org(session, actor, READERS, filters.org_id)
        query = query.where(Organisation.path.startswith(org.path))
    if filters.kind is not None:
        query = query.where(Person.kind == filters.kind)
    if filters.status is not None:
        query = query.where(Person.employment_status == filters.status)
    if filters.domain_id is not None:
        query = query.where(Person.domains.any(EnforcementDomain.id == filters.domain_id))
    return query.order_by(Organisation.path, Person.name_key, Person.id)


def can_see_id_numbers_somewhere(actor: User) -> bool:
    return actor.has_role(HR)


def shown_id_number(actor: User, person: Person) -> str:
    """The full ID number for HR of the person's subtree, masked for everyone else."""
    return person.id_number if can(actor, HR, person.org) else idnumber.mask(person.id_number)


def get_person(session: Session, actor: Actor, person_id: int) -> Person:
    return get_in_scope(session, actor, Person, person_id, roles=READERS, missing=_("No such person."))


def editable_person(session: Session, actor: Actor, person_id: int) -> Person:
    person = get_person(session, actor, person_id)
    if not can(actor, HR, person.org):
        raise PermissionDenied(_("Only HR of the person's organisation may change the record."))
    return person


def history(session: Session, person: Person, limit: int = 200) -> list[AuditEntry]:
    """Every change to the record: who, when, what, why — straight from the audit trail."""
    query = (select(AuditEntry).where(AuditEntry.target_type == "person", AuditEntry.target_id == str(person.id))
             .order_by(AuditEntry.seq.desc()).limit(limit))
    return list(session.scalars(query))


def domains(session: Session) -> list[EnforcementDomain]:
    return list(session.scalars(select(EnforcementDomain).where(EnforcementDomain.active.is_(True)).order_by(EnforcementDomain.code)))


# ---- checking -----------------------------------------------------------------------------------

def check_values(session: Session, values: dict[str, Any], *, existing: Person | None = None,
                 check_duplicate: bool = True) -> dict[str, list[str]]:
    """Field errors of a person's values (the same rules for the form and the import, which looks up
    duplicates itself, for the whole file at once)."""
    errors: dict[str, list[str]] = {}

    def bad(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if existing is None:
        number = idnumber.normalise(str(values.get("id_number") or ""))
        problem = idnumber.problem(number, clock.today())
        if problem:
            bad("id_number", problem)
        elif check_duplicate:
            clash = session.scalar(select(Person).where(Person.id_number == number))
            if clash is not None:
                bad("id_number", _("This ID number is already on the register (%(name)s).", name=clash.name))
    name = str(values.get("name") or "").strip()
    if not name:
        bad("name", _("A name is required."))
    elif len(name) > 60:
        bad("name", _("At most 60 characters."))
    problem = mongolian.problem(values.get("name_mn"))
    if problem:
        bad("name_mn", problem)
    if not PHONE_RE.match(str(values.get("phone") or "")):
        bad("phone", _("Digits, spaces, + and - only."))
    hours = values.get("training_hours", 0)
    if not isinstance(hours, int) or isinstance(hours, bool) or not 0 <= hours <= 2000:
        bad("training_hours", _("Training hours are a whole number from 0 to 2000."))
    for key, limit in (("post", 80), ("rank", 40), ("legal_qualification", 40), ("directed_by", 120)):
        if len(str(values.get(key) or "")) > limit:
            bad(key, _("At most %(n)d characters.", n=limit))
    if values.get("kind") is PersonnelKind.AUXILIARY and not str(values.get("duties") or "").strip():
        bad("duties", _("Auxiliary staff are recorded with their duties."))
    if values.get("kind") is PersonnelKind.AUXILIARY and not str(values.get("directed_by") or "").strip():
        bad("directed_by", _("Name the officer or unit that directs their work: auxiliary staff never enforce alone."))
    return errors


def _apply(person: Person, values: dict[str, Any], session: Session) -> None:
    for key in EDITABLE:
        if key in values:
            value = values[key]
            if key == "name_mn":
                value = mongolian.normalise(value)
            setattr(person, key, value.strip() if isinstance(value, str) else value)
    if "domain_ids" in values:
        ids = list(values["domain_ids"] or [])
        person.domains = list(session.scalars(select(EnforcementDomain).where(EnforcementDomain.id.in_(ids)))) if ids else []


# ---- changing -----------------------------------------------------------------------------------

def create_person(session: Session, actor: Actor, values: dict[str, Any]) -> Person:
    org = visible_org(session, actor, HR, values.get("org_id"))
    errors = check_values(session, values)
    if not org.active:
        errors.setdefault("org_id", []).append(_("The organisation is deactivated."))
    if errors:
        raise ValidationFailed(_("The person was not saved; correct the marked fields."), errors)
    number = idnumber.normalise(values["id_number"])
    person = Person(id_number=number, sex=idnumber.sex_of(number), org=org, name="", kind=values["kind"],
                    staffing_kind=values["staffing_kind"], employment_status=values.get("employment_status", EmploymentStatus.EMPLOYED))
    _apply(person, values, session)
    session.add(person)
    session.flush()
    record(session, actor, "person.create", "person", person.id, label=person.name, org=org, after=snapshot(person))
    return person


def update_person(session: Session, actor: User, person_id: int, values: dict[str, Any], reason: str = "") -> Person:
    person = editable_person(session, actor, person_id)
    errors = check_values(session, values, existing=person)
    if errors:
        raise ValidationFailed(_("The person was not saved; correct the marked fields."), errors)
    before = snapshot(person)
    _apply(person, values, session)
    session.flush()
    old, new = changed(before, snapshot(person))
    if not new:
        raise InvalidState(_("Nothing was changed."))
    record(session, actor, "person.update", "person", person.id, label=person.name, org=person.org, before=old,
           after=new | ({"reason": reason} if reason else {}))
    if new.get("kind") == PersonnelKind.AUXILIARY.value:
        standing_changed(session, actor, person, StandingChange.AUXILIARY, reason or _("Record edited"))
    return person


def transfer_person(session: Session, actor: User, person_id: int, new_org_id: int, reason: str) -> Person:
    """Move a person to another organisation anywhere in the tree; from then on the receiving HR
    keeps the record. Both sides see the move in their audit trail."""
    person = editable_person(session, actor, person_id)
    new_org = session.get(Organisation, new_org_id)
    if new_org is None or not new_org.active:
        raise ValidationFailed(_("The person was not transferred."), {"org_id": [_("Choose an active organisation.")]})
    if new_org.id == person.org_id:
        raise ValidationFailed(_("The person was not transferred."), {"org_id": [_("The person already belongs there.")]})
    if not reason.strip():
        raise ValidationFailed(_("The person was not transferred."), {"reason": [_("Give the reason (e.g. the transfer order).")]})
    old_org = person.org
    person.org = new_org
    session.flush()
    payload = {"from": old_org.code, "to": new_org.code, "reason": reason.strip()}
    record(session, actor, "person.transfer_out", "person", person.id, label=person.name, org=old_org, before={"org": old_org.code}, after=payload)
    record(session, actor, "person.transfer_in", "person", person.id, label=person.name, org=new_org, before={"org": old_org.code}, after=payload)
    standing_changed(session, actor, person, StandingChange.TRANSFERRED,
                     _("from %(old)s to %(new)s: %(reason)s", old=old_org.name, new=new_org.name, reason=reason.strip()))
    return person


def change_employment(session: Session, actor: Actor, person_id: int, status: EmploymentStatus, reason: str) -> Person:
    """Record 在岗 → 调离 / 退休 / 辞职 / 辞退·开除 / 死亡 (or back). Leaving post ends an officer's standing:
    the credential follows at once (personnel.standing)."""
    person = editable_person(session, actor, person_id)
    if status is person.employment_status:
        raise ValidationFailed(_("The status was not changed."), {"status": [_("The person already has this status.")]})
    if not reason.strip():
        raise ValidationFailed(_("The status was not changed."), {"reason": [_("Give the reason (e.g. the decision number).")]})
    before = person.employment_status
    person.employment_status = status
    session.flush()
    record(session, actor, "person.employment", "person", person.id, label=person.name, org=person.org,
           before={"employment_status": before.value}, after={"employment_status": status.value, "reason": reason.strip()})
    if status is not EmploymentStatus.EMPLOYED:
        standing_changed(session, actor, person, StandingChange.LEFT_POST, f"{status.label}: {reason.strip()}")
    return person


def open_tasks(session: Session, actor: User) -> list[PersonnelTask]:
    require_any_scope(session, actor, HR)
    query = (select(PersonnelTask).join(Organisation, PersonnelTask.org_id == Organisation.id)
             .where(PersonnelTask.status == TaskStatus.OPEN, scope_clause(session, actor, HR, Organisation.path))
             .order_by(PersonnelTask.created_at))
    return list(session.scalars(query))


def set_photo(session: Session, actor: User, person_id: int, data: bytes) -> PersonPhoto:
    person = editable_person(session, actor, person_id)
    try:
        jpeg, digest = process(data)
    except PhotoRejected as error:
        raise ValidationFailed(_("The photo was not saved."), {"photo": [str(error)]}) from None
    if person.photo is None:
        person.photo = PersonPhoto(jpeg=jpeg, sha256=digest)
    else:
        person.photo.jpeg, person.photo.sha256, person.photo.uploaded_at = jpeg, digest, clock.now()
    session.flush()
    record(session, actor, "person.photo", "person", person.id, label=person.name, org=person.org, after={"sha256": digest})
    return person.photo


# ---- the officer's own record --------------------------------------------------------------------

def own_person(session: Session, user: User) -> Person:
    if user.person_id is None:
        raise NotFound(_("Your account is not linked to a record on the register."))
    person = session.get(Person, user.person_id)
    assert person is not None
    return person


def request_correction(session: Session, user: User, text: str) -> CorrectionRequest:
    person = own_person(session, user)
    if not text.strip():
        raise ValidationFailed(_("Nothing was sent."), {"text": [_("Say what is wrong and what is right.")]})
    if len(text) > 2000:
        raise ValidationFailed(_("Nothing was sent."), {"text": [_("At most 2000 characters.")]})
    open_count = session.scalar(select(func.count()).select_from(CorrectionRequest).where(
        CorrectionRequest.person_id == person.id, CorrectionRequest.status == TaskStatus.OPEN)) or 0
    if open_count >= 5:
        raise InvalidState(_("You have five open requests; wait for HR to answer them."))
    request_ = CorrectionRequest(person=person, text=text.strip())
    session.add(request_)
    session.flush()
    record(session, user, "person.correction_request", "person", person.id, label=person.name, org=person.org, after={"text": text.strip()})
    return request_


def correction_query(session: Session, actor: User, only_open: bool = True) -> Select[tuple[CorrectionRequest]]:
    require_any_scope(session, actor, HR)
    query = (select(CorrectionRequest).join(Person).join(Organisation, Person.org_id == Organisation.id)
             .where(scope_clause(session, actor, HR, Organisation.path)))
    if only_open:
        query = query.where(CorrectionRequest.status == TaskStatus.OPEN)
    return query.order_by(CorrectionRequest.created_at.desc())


def resolve_correction(session: Session, actor: User, request_id: int, response: str) -> CorrectionRequest:
    item = get_in_scope(session, actor, CorrectionRequest, request_id, roles=HR, org_of=lambda i: i.person.org, missing=_("No such request."))
    if item.status is TaskStatus.DONE:
        raise InvalidState(_("The request is already answered."))
    if not response.strip():
        raise ValidationFailed(_("The request was not answered."), {"response": [_("Tell the officer what was done.")]})
    item.status, item.response, item.resolved_at, item.resolved_by_id = TaskStatus.DONE, response.strip(), clock.now(), actor.id
    session.flush()
    record(session, actor, "person.correction_answered", "person", item.person_id, label=item.person.name, org=item.person.org,
           after={"response": item.response})
    return item

