"""Training records (培训): the courses each person attended and their hours (学时), entered by HR of the
person's subtree one at a time or imported from a file (all or nothing), read by the officer on their own
page. A renewal needs TRAINING_HOURS_PER_YEAR hours in each full year of the credential it renews
(rule 13; `years_short`, asked by credentials.services.eligibility)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from examsys import clock
from examsys.audit.services import AuditItem, record, record_many
from examsys.auth.models import User
from examsys.auth.permissions import can
from examsys.errors import ValidationFailed
from examsys.imports.tabular import Column, RowError, Table
from examsys.personnel import idnumber
from examsys.personnel.models import Person, TrainingRecord
from examsys.personnel.services import HR, editable_person

MAX_HOURS = 500  # one course; more is a typing error (a year has about 250 working days)


def required_hours() -> int:
    """The training hours a year a renewal needs (setting TRAINING_HOURS_PER_YEAR)."""
    return int(current_app.config.get("TRAINING_HOURS_PER_YEAR", 60))


@dataclass(frozen=True)
class TrainingEntry:
    course: str
    provider: str
    completed_on: date | None
    hours: Any  # what was typed; checked by check_entry


def check_entry(entry: TrainingEntry, today: date) -> dict[str, list[str]]:
    """Every error of one record, by field."""
    errors: dict[str, list[str]] = {}
    if not entry.course.strip():
        errors["course"] = [_("Name the course.")]
    elif len(entry.course.strip()) > 120:
        errors["course"] = [_("At most %(n)d characters.", n=120)]
    if len(entry.provider.strip()) > 120:
        errors["provider"] = [_("At most %(n)d characters.", n=120)]
    if entry.completed_on is None:
        errors["completed_on"] = [_("Give the date of the course, as YYYY-MM-DD.")]
    elif entry.completed_on > today:
        errors["completed_on"] = [_("The course cannot end in the future.")]
    if not isinstance(entry.hours, int) or isinstance(entry.hours, bool) or not 1 <= entry.hours <= MAX_HOURS:
        errors["hours"] = [_("Hours must be a whole number from 1 to %(n)d.", n=MAX_HOURS)]
    return errors


def _snapshot(item: TrainingRecord) -> dict[str, Any]:
    return {"course": item.course, "provider": item.provider, "completed_on": item.completed_on.isoformat(), "hours": item.hours}


def add_training(session: Session, actor: User, person_id: int, entry: TrainingEntry) -> TrainingRecord:
    """Record one course of a person in the actor's HR subtree."""
    person = editable_person(session, actor, person_id)
    errors = check_entry(entry, clock.now().date())
    if not errors and _exists(session, person.id, entry):
        errors["course"] = [_("This course on this day is already on record.")]
    if errors:
        raise ValidationFailed(_("The training record was not saved."), errors)
    assert entry.completed_on is not None
    item = TrainingRecord(person_id=person.id, course=entry.course.strip(), provider=entry.provider.strip(),
                          completed_on=entry.completed_on, hours=entry.hours, recorded_by_id=actor.id)
    session.add(item)
    session.flush()
    record(session, actor, "training.add", "person", person.id, label=person.name, org=person.org, after=_snapshot(item))
    return item


def delete_training(session: Session, actor: User, record_id: int) -> TrainingRecord:
    """Take a wrongly entered record off (the audit trail keeps what it said)."""
    item = session.get(TrainingRecord, record_id)
    if item is None:
        raise ValidationFailed(_("No such training record."))
    person = editable_person(session, actor, item.person_id)
    session.delete(item)
    session.flush()
    record(session, actor, "training.delete", "person", person.id, label=person.name, org=person.org, before=_snapshot(item))
    return item


def _exists(session: Session, person_id: int, entry: TrainingEntry) -> bool:
    return session.scalar(select(TrainingRecord.id).where(
        TrainingRecord.person_id == person_id, TrainingRecord.completed_on == entry.completed_on,
        TrainingRecord.course == entry.course.strip())) is not None


def records_of(session: Session, person_id: int) -> list[TrainingRecord]:
    return list(session.scalars(select(TrainingRecord).where(TrainingRecord.person_id == person_id)
                                .order_by(TrainingRecord.completed_on.desc(), TrainingRecord.id.desc())))


def hours_by_year(session: Session, person_id: int) -> dict[int, int]:
    rows = session.execute(select(TrainingRecord.year, func.sum(TrainingRecord.hours)).where(TrainingRecord.person_id == person_id)
                           .group_by(TrainingRecord.year))
    return {year: int(hours) for year, hours in rows}


def years_short(session: Session, person_id: int, years: range) -> list[tuple[int, int]]:
    """The years of `years` with fewer than the required hours, each with the hours on record."""
    required = required_hours()
    if required <= 0:
        return []
    done = hours_by_year(session, person_id)
    return [(year, done.get(year, 0)) for year in years if done.get(year, 0) < required]


def full_years(valid_from: date, today: date) -> range:
    """The calendar years a credential was in force from 1 January to 31 December, up to last year:
    the years whose training a renewal checks (a credential issued mid-year is not asked for that year)."""
    first = valid_from.year if (valid_from.month, valid_from.day) == (1, 1) else valid_from.year + 1
    return range(first, today.year)


# ---- import ------------------------------------------------------------------------------------------

COLUMNS = (
    Column("id_number", "身份证号码", ("身份证号", "公民身份号码")),
    Column("name", "姓名"),
    Column("course", "培训名称", ("课程名称", "培训课程")),
    Column("provider", "主办单位", ("培训机构",), required=False),
    Column("completed_on", "培训日期", ("结业日期", "日期")),
    Column("hours", "学时", ("培训学时",)),
)
HEADER = {c.key: c.header for c in COLUMNS}


@dataclass
class TrainingImportPlan:
    add: list[tuple[int, Person, TrainingEntry]] = field(default_factory=list)
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)


def _date(text: str) -> date | None:
    text = text.strip().split(" ")[0].replace("/", "-").replace(".", "-")
    try:
        return date.fromisoformat(text) if len(text) == 10 else date(*map(int, text.split("-")))
    except (TypeError, ValueError):
        return None


def _hours(text: str) -> Any:
    try:
        value = float(text.strip())
    except ValueError:
        return text
    return int(value) if value.is_integer() else text


def plan_import(session: Session, actor: User, table: Table) -> TrainingImportPlan:
    """Check every row: the person is on the register in the actor's HR subtree (ID number and name
    agree), the course, date and hours are right, the row is not twice in the file. Writes nothing."""
    plan = TrainingImportPlan(errors=list(table.errors))
    today = clock.now().date()
    numbers = sorted({idnumber.normalise(row["id_number"]) for _n, row in table.rows})
    people: dict[str, Person] = {}
    for start in range(0, len(numbers), 2000):
        people.update((p.id_number, p) for p in session.scalars(select(Person).where(Person.id_number.in_(numbers[start:start + 2000]))))
    seen: dict[tuple[str, date | None, str], int] = {}
    for number, row in table.rows:
        id_no = idnumber.normalise(row["id_number"])
        person = people.get(id_no)
        row_errors: list[RowError] = []
        if person is None or not can(actor, HR, person.org):
            row_errors.append(RowError(number, HEADER["id_number"], _("No one with this ID number on the register of your organisations.")))
        elif person.name != row["name"].strip():
            row_errors.append(RowError(number, HEADER["name"], _("The register names this person %(name)s.", name=person.name)))
        entry = TrainingEntry(row["course"], row.get("provider", ""), _date(row["completed_on"]), _hours(row["hours"]))
        for key, messages in check_entry(entry, today).items():
            row_errors.extend(RowError(number, HEADER[key], message) for message in messages)
        key = (id_no, entry.completed_on, entry.course.strip())
        if key in seen:
            row_errors.append(RowError(number, HEADER["course"], _("The same course on the same day is in row %(row)d.", row=seen[key])))
        seen.setdefault(key, number)
        if row_errors:
            plan.errors.extend(row_errors)
        elif person is not None and _exists(session, person.id, entry):
            plan.unchanged += 1
        elif person is not None:
            plan.add.append((number, person, entry))
    plan.errors.sort(key=lambda e: (e.row, e.column))
    return plan


def apply_import(session: Session, actor: User, plan: TrainingImportPlan, source: str = "") -> int:
    """Write a clean plan: every record, or (with any error) none."""
    if plan.errors:
        raise ValidationFailed(_("The file has errors; nothing was imported."))
    items = []
    for _number, person, entry in plan.add:
        assert entry.completed_on is not None
        item = TrainingRecord(person_id=person.id, course=entry.course.strip(), provider=entry.provider.strip(),
                              completed_on=entry.completed_on, hours=entry.hours, recorded_by_id=actor.id)
        session.add(item)
        items.append((person, item))
    session.flush()
    note = {"source": source} if source else {}
    if items:
        record_many(session, actor, [AuditItem("training.add", "person", p.id, p.name, p.org, None, _snapshot(i) | note) for p, i in items])
    return len(items)
