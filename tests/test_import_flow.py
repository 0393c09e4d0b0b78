"""The one upload → preview → confirm component every import plugs into (examsys/imports/flow.py), with a
toy reader, planner and writer: errors by row and column and nothing saved, all rows saved on confirmation,
and a staged upload that only its owner may confirm, once, while it is fresh."""
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from examsys import clock
from examsys.errors import NotFound
from examsys.imports.flow import ImportFlow
from examsys.imports.models import StagedImport
from examsys.imports.tabular import Column, RowError, UnreadableFile, read_table, write_csv
from examsys.personnel import idnumber
from examsys.personnel.models import EmploymentStatus, Person, PersonnelKind, StaffingKind
from tests.factories import make_user

COLUMNS = [Column("id_number", "身份证号"), Column("name", "姓名")]


@dataclass
class ToyPlan:
    add: list[dict[str, str]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _plan(session, actor, table, org):
    plan = ToyPlan(errors=list(table.errors))
    known = set(session.scalars(select(Person.id_number)))
    for row, values in table.rows:
        if not values["name"]:
            plan.errors.append(RowError(row, "姓名", "Name the person."))
        if values["id_number"] in known:
            plan.errors.append(RowError(row, "身份证号", "Already on the register."))
        plan.add.append(values)
    return plan


def _write(session, actor, plan, org, source):
    for values in plan.add:
        session.add(Person(id_number=values["id_number"], name=values["name"], sex="M", org=org, kind=PersonnelKind.OFFICER,
                           staffing_kind=StaffingKind.CIVIL_SERVANT, employment_status=EmploymentStatus.EMPLOYED))
    session.flush()
    return len(plan.add)


TOY = ImportFlow("toy", lambda filename, data: read_table(filename, data, COLUMNS), _plan, _write)


def _id(n: int) -> str:
    first17 = f"150102198501150{n:02d}"
    return first17 + idnumber.check_character(first17)


def _file(*rows: tuple[str, str]) -> bytes:
    return write_csv(COLUMNS, [{"id_number": i, "name": n} for i, n in rows])


def _people(db) -> int:
    return db.scalar(select(func.count()).select_from(Person))


@pytest.fixture
def hr(db, tree):
    return make_user(db, "toy-hr", tree.county)


def test_bad_rows_are_listed_by_row_and_column_and_nothing_is_saved_or_staged(db, tree, hr):
    preview = TOY.preview(db, hr, "people.csv", _file((_id(1), "甲"), (_id(2), ""), (_id(3), "丙")), tree.county_dept)
    assert [(e.row, e.column, e.message) for e in preview.errors] == [(3, "姓名", "Name the person.")]
    assert preview.staged is None
    assert _people(db) == 0 and db.scalar(select(func.count()).select_from(StagedImport)) == 0


def test_an_unknown_column_is_an_error_of_the_header_row(db, tree, hr):
    data = b"\xe8\xba\xab\xe4\xbb\xbd\xe8\xaf\x81\xe5\x8f\xb7,\xe5\xa7\x93\xe5\x90\x8d,colour\n" + _id(1).encode() + b",A,red\n"
    preview = TOY.preview(db, hr, "people.csv", data, tree.county_dept)
    assert [(e.row, e.column) for e in preview.errors] == [(1, "colour")] and preview.staged is None


def test_an_unreadable_file_is_refused_before_anything_is_staged(db, tree, hr):
    with pytest.raises(UnreadableFile):
        TOY.preview(db, hr, "people.pdf", b"%PDF-1.7", tree.county_dept)
    assert db.scalar(select(func.count()).select_from(StagedImport)) == 0


def test_confirmation_saves_every_row_and_forgets_the_upload(db, tree, hr):
    preview = TOY.preview(db, hr, "people.csv", _file((_id(1), "甲"), (_id(2), "乙")), tree.county_dept)
    assert preview.errors == [] and preview.staged is not None and _people(db) == 0
    outcome = TOY.confirm(db, hr, preview.staged.id, tree.county_dept)
    assert outcome.result == 2 and outcome.errors == [] and outcome.filename == "people.csv"
    assert sorted(db.scalars(select(Person.name))) == ["乙", "甲"]
    with pytest.raises(NotFound, match="This upload has expired"):  # confirmed once: gone
        TOY.confirm(db, hr, preview.staged.id, tree.county_dept)
    assert _people(db) == 2


def test_a_change_since_the_preview_is_caught_at_confirmation_and_nothing_is_saved(db, tree, hr):
    preview = TOY.preview(db, hr, "people.csv", _file((_id(1), "甲"), (_id(2), "乙")), tree.county_dept)
    _write(db, hr, ToyPlan(add=[{"id_number": _id(2), "name": "乙"}]), tree.county_dept, "")
    outcome = TOY.confirm(db, hr, preview.staged.id, tree.county_dept)
    assert outcome.result is None and [(e.row, e.column) for e in outcome.errors] == [(3, "身份证号")]
    assert _people(db) == 1


@pytest.mark.parametrize("who, kind, later", [
    ("someone else", "toy", timedelta(0)),  # another user's upload
    ("owner", "other", timedelta(0)),  # staged by another import
    ("owner", "toy", timedelta(hours=3)),  # stale
])
def test_a_foreign_other_or_stale_staging_id_is_refused_and_nothing_is_saved(db, tree, hr, frozen_clock, who, kind, later):
    preview = TOY.preview(db, hr, "people.csv", _file((_id(1), "甲"),), tree.county_dept)
    actor = make_user(db, "toy-other", tree.county) if who == "someone else" else hr
    flow = ImportFlow(kind, TOY.read, TOY.plan, TOY.write)
    clock.freeze(clock.now() + later)
    with pytest.raises(NotFound, match="This upload has expired"):
        flow.confirm(db, actor, preview.staged.id, tree.county_dept)
    with pytest.raises(NotFound):
        TOY.confirm(db, hr, "0" * 32, tree.county_dept)  # an id that was never staged
    assert _people(db) == 0
