"""The credential follows its holder's standing (rule 8 of DESIGN §4), whichever path changed it.

Registered at app creation as a handler of personnel's decision tasks (examsys.personnel.standing): when
an officer leaves post, is reclassified as auxiliary staff, is transferred out of the issuing authority's
area, or is marked for removal in the clean-up, their credential is suspended in the same transaction, by
the system (the audit entry names no person; the public verify page shows SUSPENDED, never why), and the
decision task goes to the issuing authority's HR: cancel, re-issue or reinstate. A reinstatement is refused
while the holder's standing is still ended."""
from __future__ import annotations

from flask import Flask
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from examsys.audit.services import record
from examsys.auth.permissions import SYSTEM
from examsys.credentials.models import CURRENT, Credential, CredentialEvent, CredentialStatus, RecoveryTask
from examsys.personnel.models import (
    CampaignItem,
    EmploymentStatus,
    ItemState,
    PersonnelKind,
    PersonnelTask,
    TaskKind,
    TaskStatus,
)
from examsys.personnel.standing import StandingChange, close_task, on_standing_change

DECISION_KINDS = (TaskKind.CREDENTIAL_DECISION, TaskKind.CANCEL_CREDENTIAL)


def init_app(app: Flask) -> None:
    on_standing_change(act_on_standing_change)


def current_of(session: Session, person_id: int) -> Credential | None:
    """The person's credential that has not ended (active or suspended), if any: at most one (uq_credential_current_person)."""
    return session.scalar(select(Credential).where(Credential.person_id == person_id, Credential.status.in_(CURRENT)))


def act_on_standing_change(session: Session, task: PersonnelTask, change: StandingChange) -> None:
    """Suspend the holder's credential and hand the decision to its issuing authority; close the task when
    no credential is affected (none held, or a transfer that stays inside the issuer's area)."""
    person = task.person
    credential = current_of(session, person.id)
    if credential is None:
        close_task(session, task, _("No credential to decide on."))
        return
    if change is StandingChange.TRANSFERRED and credential.issuer.contains(person.org) and not standing_problems(session, credential):
        close_task(session, task, _("The new organisation lies within the area of %(issuer)s; nothing changes for the credential.",
                                    issuer=credential.issuer.name))
        return
    task.org = credential.issuer  # the decision belongs to the issuing authority, wherever the holder went
    session.flush()
    if credential.status is not CredentialStatus.ACTIVE or credential.expired():
        return  # already suspended (or past its validity): nothing to stop, the decision is still due
    credential.suspend(None)
    session.add(CredentialEvent(credential_id=credential.id, action="suspend", ground=_("The holder's standing ended (%(change)s)",
                                                                                          change=change.label),
                                reason=task.reason, decided_by_id=None))
    session.add(RecoveryTask(credential=credential))
    session.flush()
    record(session, SYSTEM, "credential.suspend", "credential", credential.id, label=f"{credential.number} {person.name}", org=credential.org,
           before={"status": CredentialStatus.ACTIVE.value},
           after={"status": credential.status.value, "automatic": True, "change": change.value, "reason": task.reason, "task": task.id})


def standing_problems(session: Session, credential: Credential) -> list[str]:
    """Why the holder may not hold `credential` now (empty: their standing is whole): what a
    reinstatement must not override."""
    person = credential.person
    problems = []
    if person.kind is PersonnelKind.AUXILIARY:
        problems.append(_("The holder is now auxiliary staff."))
    if person.employment_status is not EmploymentStatus.EMPLOYED:
        problems.append(_("The holder is not in post (%(status)s).", status=person.employment_status.label))
    if not credential.issuer.contains(person.org):
        problems.append(_("The holder now belongs to %(org)s, outside the area of %(issuer)s.", org=person.org.name,
                          issuer=credential.issuer.name))
    latest = session.scalar(select(CampaignItem).where(CampaignItem.person_id == person.id).order_by(CampaignItem.id.desc()))
    if latest is not None and latest.state is ItemState.REMOVAL:
        problems.append(_("The holder is marked for removal in the clean-up %(name)s.", name=latest.campaign.name))
    return problems


def close_decisions(session: Session, person_id: int, outcome: str) -> None:
    """The issuing authority decided (cancelled, revoked, reinstated or re-issued): close the person's open decision tasks."""
    for task in session.scalars(select(PersonnelTask).where(PersonnelTask.person_id == person_id, PersonnelTask.kind.in_(DECISION_KINDS),
                                                           PersonnelTask.status == TaskStatus.OPEN)):
        close_task(session, task, outcome)


def open_decision(session: Session, credential: Credential) -> PersonnelTask | None:
    """The decision waiting on `credential`'s holder, if any (shown on the credential's page)."""
    return session.scalar(select(PersonnelTask).where(PersonnelTask.person_id == credential.person_id, PersonnelTask.kind.in_(DECISION_KINDS),
                                                      PersonnelTask.status == TaskStatus.OPEN))
