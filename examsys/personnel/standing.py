"""When an officer's standing ends (rule 8 of DESIGN §4): they leave post, are reclassified as auxiliary
staff, are transferred, or are marked for removal in the clean-up. Every path that makes such a change
(the forms, the register import, the clean-up campaign, and whatever comes next) calls `standing_changed`.

Personnel does not know credentials (they sit above it), so it does what it has always done when a
lower domain must make a higher one act: it records a task row, the decision task. Then, in the same
transaction, it hands the task to the handlers registered here; the credentials domain registers one
at app creation (examsys.credentials.standing), which suspends the credential at once and routes the
task to the issuing authority's HR, or closes it when no credential is affected. A handler that fails
fails the whole change: the person is never changed without the credential following.

The registry is per process (every app of the process shares it); registering a handler twice keeps one."""
from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from examsys import clock
from examsys.audit.services import record
from examsys.auth.permissions import SYSTEM, Actor
from examsys.db import LabelledEnum
from examsys.personnel.models import Person, PersonnelKind, PersonnelTask, TaskKind, TaskStatus


class StandingChange(LabelledEnum):
    LEFT_POST = "left_post", _l("Left post")  # 调离 / 退休 / 辞职 / 辞退·开除 / 死亡
    AUXILIARY = "auxiliary", _l("Reclassified as auxiliary staff")  # reclassified as auxiliary staff
    TRANSFERRED = "transferred", _l("Transferred")  # moved to another organisation (out of the issuer's area or not: the credentials domain decides)
    CLEANUP_REMOVAL = "cleanup_removal", _l("Marked for removal in the clean-up")  # marked for removal in the clean-up campaign


Handler = Callable[[Session, PersonnelTask, StandingChange], None]
_handlers: list[Handler] = []


def on_standing_change(handler: Handler) -> Handler:
    """Register `handler(session, task, change)`, run in the changing transaction after the task is recorded."""
    if handler not in _handlers:
        _handlers.append(handler)
    return handler


def standing_changed(session: Session, actor: Actor, person: Person, change: StandingChange, reason: str) -> PersonnelTask | None:
    """Record the decision task of an officer whose standing changed (one open task per person: a second
    change adds to it), then let the registered handlers act on it. Nothing for auxiliary staff who never
    held a credential (the reclassification itself is the exception)."""
    if person.kind is PersonnelKind.AUXILIARY and change is not StandingChange.AUXILIARY:
        return None
    text = _("%(change)s: %(reason)s", change=change.label, reason=reason.strip())[:200]
    task = session.scalar(select(PersonnelTask).where(PersonnelTask.person_id == person.id, PersonnelTask.status == TaskStatus.OPEN,
                                                      PersonnelTask.kind.in_((TaskKind.CREDENTIAL_DECISION, TaskKind.CANCEL_CREDENTIAL))))
    if task is None:
        task = PersonnelTask(kind=TaskKind.CREDENTIAL_DECISION, person=person, org=person.org, reason=text)
        session.add(task)
    else:
        task.reason = f"{task.reason}; {text}"[:200]
    session.flush()
    record(session, actor, "task.open", "person", person.id, label=person.name, org=person.org,
           after={"task": task.kind.value, "id": task.id, "change": change.value, "reason": text})
    for handler in _handlers:
        handler(session, task, change)
    return task


def close_task(session: Session, task: PersonnelTask, outcome: str) -> None:
    """Close a decision task, by the system, with what ended it (in the audit trail)."""
    if task.status is TaskStatus.DONE:
        return
    task.status, task.done_at = TaskStatus.DONE, clock.now()
    session.flush()
    record(session, SYSTEM, "task.close", "person", task.person_id, label=task.person.name, org=task.org,
           after={"task": task.kind.value, "id": task.id, "outcome": outcome})
