"""Bulk entry of reviews from an XLSX (or CSV) sheet, for departments that review on paper: one row per
officer, one column per scored indicator. The whole file is checked first; one bad cell rejects it and
nothing is saved."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from examsys.auth.models import User
from examsys.errors import NotFound
from examsys.imports.flow import ImportFlow
from examsys.imports.tabular import Column, RowError, Table, read_table
from examsys.personnel.idnumber import normalise
from examsys.personnel.models import Person
from examsys.reviews.models import Review, ReviewPeriod, ReviewScheme, ReviewStatus
from examsys.reviews.schemes import _decimal, number
from examsys.reviews.services import _store, _submit, get_period, may_enter

MAX_ROWS = 5000


def columns(scheme: ReviewScheme) -> list[Column]:
    return [Column("id_number", "身份证号", ("id number", "ID number")), Column("name", "姓名", ("name",), required=False),
            *(Column(f"i{i.id}", f"{i.code} {i.name}（满分{number(i.points)}）", (i.code,)) for i in scheme.leaves),
            Column("comment", "评语", ("comment",))]


def enterable(session: Session, actor: User, period: ReviewPeriod) -> list[Review]:
    """The reviews of `period` the actor may still enter, with their people and schemes."""
    query = (select(Review).join(Person, Review.person_id == Person.id).where(
        Review.period_id == period.id, Review.status.in_((ReviewStatus.DUE, ReviewStatus.DRAFT)))
        .options(joinedload(Review.person).joinedload(Person.org), joinedload(Review.scheme), joinedload(Review.period))
        .order_by(Review.org_path, Person.name_key))
    return [r for r in session.scalars(query).unique() if may_enter(actor, r)]


def schemes_in(session: Session, actor: User, period_id: int) -> list[ReviewScheme]:
    period = get_period(session, actor, period_id)
    return sorted({r.scheme.id: r.scheme for r in enterable(session, actor, period)}.values(), key=lambda s: s.id)


def template(session: Session, actor: User, period_id: int, scheme_id: int) -> tuple[list[Column], list[dict[str, str]]]:
    """The sheet to fill in: the officers still to review under that scheme, with empty score columns."""
    period = get_period(session, actor, period_id)
    reviews = [r for r in enterable(session, actor, period) if r.scheme_id == scheme_id]
    if not reviews:
        raise NotFound(_("No review to enter with this scheme."))
    scheme = reviews[0].scheme
    return columns(scheme), [{"id_number": r.person.id_number, "name": r.person.name} for r in reviews]


@dataclass
class BulkResult:
    submitted: int = 0
    errors: list[RowError] = field(default_factory=list)


@dataclass
class BulkPlan:
    planned: list[tuple[Review, dict[int, Decimal], str]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def bulk_enter(session: Session, actor: User, period_id: int, scheme_id: int, filename: str, data: bytes) -> BulkResult:
    """Check every row and cell; when all are right, submit every review in the file (all or nothing)."""
    period = get_period(session, actor, period_id)
    scheme = session.get(ReviewScheme, scheme_id)
    if scheme is None:
        raise NotFound(_("No such scheme."))
    sheet = ImportFlow("reviews", lambda name, content: read_table(name, content, columns(scheme), max_rows=MAX_ROWS), _plan, _write)
    outcome = sheet.run(session, actor, filename, data, (period, scheme))
    return BulkResult(outcome.result or 0, outcome.errors)


def _plan(session: Session, actor: User, table: Table, target: tuple[ReviewPeriod, ReviewScheme]) -> BulkPlan:
    period, scheme = target
    plan = BulkPlan(errors=list(table.errors))
    if plan.errors:
        return plan
    if not table.rows:
        plan.errors.append(RowError(2, "", _("The file has no officers in it.")))
        return plan
    open_reviews = {r.person.id_number: r for r in enterable(session, actor, period) if r.scheme_id == scheme.id}
    header = {c.key: c.header for c in columns(scheme)}
    seen: dict[str, int] = {}
    for row_number, values in table.rows:
        id_number = normalise(values.get("id_number", ""))
        review = open_reviews.get(id_number)
        if id_number in seen:
            plan.errors.append(RowError(row_number, header["id_number"], _("Also on row %(row)d.", row=seen[id_number])))
            continue
        seen[id_number] = row_number
        if review is None:
            plan.errors.append(RowError(row_number, header["id_number"],
                                        _("Nobody with this ID number is waiting for a review from you in this period under this scheme.")))
            continue
        name = values.get("name", "").strip()
        if name and name != review.person.name:
            plan.errors.append(RowError(row_number, header["name"], _("The register has %(name)s for this ID number.", name=review.person.name)))
        scores: dict[int, Decimal] = {}
        for indicator in scheme.leaves:
            text = values.get(f"i{indicator.id}", "")
            value = _decimal(text) if text else None
            if value is None or not (0 <= value <= indicator.points):
                plan.errors.append(RowError(row_number, header[f"i{indicator.id}"],
                                            _("Give a score from 0 to %(max)s, with at most one decimal.", max=f"{number(indicator.points)}")))
            else:
                scores[indicator.id] = value
        if not values.get("comment", "").strip():
            plan.errors.append(RowError(row_number, header["comment"], _("Write a comment for the officer.")))
        plan.planned.append((review, scores, values.get("comment", "")))
    return plan


def _write(session: Session, actor: User, plan: BulkPlan, _target: object, _source: str) -> int:
    for review, scores, comment in plan.planned:
        _store(review, scores, {}, comment)
        review.reviewer_id = actor.id
        _submit(session, actor, review, via="bulk")
    return len(plan.planned)
