"""The controlled list of laws a question may rest on (question_bank/SCHEMA.md, "The list of laws").

A question names its law by title (`law`) and the text it was checked against by version (`law_version`). The
list is the starter banks' laws (they ship with the code, read once from question_bank/) and the Law table, which
`flask bank import` and `flask seed-demo` seed with them and where administrators add laws and new versions. The
editor offers exactly these titles and every import refuses another; a version superseded by a newer one flags
the questions that rest on it for review."""
from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from examsys import mongolian
from examsys.audit.services import record as audit
from examsys.auth.models import Role, User
from examsys.auth.permissions import grant_roots, require_any_scope
from examsys.bank.models import Law
from examsys.bank.schema import Problem, Record
from examsys.errors import InvalidState, NotFound, PermissionDenied, ValidationFailed

STARTER_BANKS = Path(__file__).resolve().parent.parent.parent / "question_bank"
LAW_LINE = re.compile(r"""^law:\s*["']?(?P<law>[^"'#\n]+?)["']?\s*(?:#.*)?$""", re.M)
VERSION_LINE = re.compile(r"""^law_version:\s*["']?(?P<version>[^"'#\n]*?)["']?\s*(?:#.*)?$""", re.M)
# Who keeps the list: it is one for the whole region, so a system or exam administrator granted at the region edits
# it; administrators of a county read it.
LAW_ROLES = (Role.SYSADMIN, Role.EXAM_ADMIN)


@functools.cache
def starter_law_versions(folder: Path = STARTER_BANKS) -> tuple[tuple[str, str], ...]:
    """(law, law_version) named at the top of every starter bank file (read once: the files ship with the code)."""
    found = set()
    for path in sorted(folder.rglob("*.yaml")):
        text = path.read_text("utf-8")
        law, version = LAW_LINE.search(text), VERSION_LINE.search(text)
        if law:
            found.add((law["law"].strip(), version["version"].strip() if version else ""))
    return tuple(sorted(found))


@functools.cache
def starter_laws(folder: Path = STARTER_BANKS) -> tuple[str, ...]:
    return tuple(sorted({law for law, _version in starter_law_versions(folder)}))


def seed_starter_laws(session: Session) -> int:
    """Put the starter banks' laws on the list (those missing); returns how many were added."""
    present = {(title, version) for title, version in session.execute(select(Law.title, Law.version))}
    added = [Law(title=title, version=version) for title, version in starter_law_versions() if (title, version) not in present]
    session.add_all(added)
    session.flush()
    return len(added)


def law_titles(session: Session) -> list[str]:
    """The titles a question may name: the starter banks' laws and every law on the list."""
    return sorted(set(starter_laws()) | set(session.scalars(select(Law.title).distinct())))


def superseded_versions(session: Session) -> dict[tuple[str, str], Law]:
    """(title, version) of every superseded version → the version that supersedes it."""
    rows = session.scalars(select(Law).where(Law.superseded_by_id.is_not(None)))
    return {(law.title, law.version): law.superseded_by for law in rows if law.superseded_by is not None}


def flagged_counts(session: Session) -> dict[int, int]:
    """Superseded law id → how many questions' latest versions rest on it (those to review)."""
    from sqlalchemy import and_, func

    from examsys.bank.models import QuestionVersion

    query = (select(Law.id, func.count(QuestionVersion.id)).join(QuestionVersion, and_(
        QuestionVersion.law == Law.title, QuestionVersion.law_version == Law.version, QuestionVersion.is_latest.is_(True)))
        .where(Law.superseded_by_id.is_not(None)).group_by(Law.id))
    return {law_id: count for law_id, count in session.execute(query)}


def unknown_law_problems(session: Session, records: Iterable[Record]) -> list[Problem]:
    """An import's refusal of laws not on the list, one problem per question (named by its ref)."""
    known = set(law_titles(session))
    return [Problem(r.source, r.ref, "law", _("%(law)s is not on the list of laws; correct the name or add the law on the laws page first.",
                                              law=r.content["law"]))
            for r in records if r.content["law"] not in known]


# ---- the laws page ---------------------------------------------------------------------------------

def may_edit(actor: User | None) -> bool:
    return any(root.parent_id is None for root in grant_roots(actor, LAW_ROLES))


def list_laws(session: Session, actor: User) -> list[Law]:
    require_any_scope(session, actor, LAW_ROLES)
    return list(session.scalars(select(Law).order_by(Law.title, Law.version)))


def get_law(session: Session, actor: User, law_id: int) -> Law:
    require_any_scope(session, actor, LAW_ROLES)
    law = session.get(Law, law_id)
    if law is None:
        raise NotFound(_("No such law."))
    return law


def require_editor(session: Session, actor: User) -> None:
    require_any_scope(session, actor, LAW_ROLES)
    if not may_edit(actor):
        raise PermissionDenied(_("Only a system or exam administrator of the region keeps the list of laws."))


def _other(session: Session, law_id: int | None, field_name: str) -> Law | None:
    if not law_id:
        return None
    other = session.get(Law, law_id)
    if other is None:
        raise ValidationFailed(_("The law was not saved; correct the marked fields."), {field_name: [_("No such law.")]})
    return other


def add_law(session: Session, actor: User, *, title: str, short_name: str, version: str, version_date: date | None,
            effective_date: date | None, supersedes_id: int | None = None, title_mn: str = "") -> Law:
    """A law, or a new version of one; `supersedes_id` names the version it replaces, whose questions are then
    flagged for review."""
    require_editor(session, actor)
    title, version, short_name = title.strip(), version.strip(), short_name.strip()
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = [_("Name the law as questions cite it.")]
    elif session.scalar(select(Law.id).where(Law.title == title, Law.version == version)) is not None:
        errors["version"] = [_("This version of the law is already on the list.")]
    problem = mongolian.problem(title_mn)
    if problem:
        errors["title_mn"] = [problem]
    if errors:
        raise ValidationFailed(_("The law was not saved; correct the marked fields."), errors)
    older = _other(session, supersedes_id, "supersedes_id")
    law = Law(title=title, short_name=short_name, version=version, version_date=version_date, effective_date=effective_date,
              title_mn=mongolian.normalise(title_mn))
    session.add(law)
    if older is not None:
        _supersede(older, law, "supersedes_id")
    session.flush()
    audit(session, actor, "bank.law_add", "law", law.id, label=law.label,
          after={"title": title, "version": version, "supersedes": older.label if older else None})
    return law


def update_law(session: Session, actor: User, law_id: int, *, short_name: str, version_date: date | None,
               effective_date: date | None, superseded_by_id: int | None, title_mn: str | None = None) -> Law:
    """Dates, short name, the Mongolian title (None: as it is) and what supersedes it; title and version stay,
    since questions cite them."""
    require_editor(session, actor)
    law = get_law(session, actor, law_id)
    problem = mongolian.problem(title_mn)
    if problem:
        raise ValidationFailed(_("The law was not saved; correct the marked fields."), {"title_mn": [problem]})
    before = {"superseded_by": law.superseded_by.label if law.superseded_by else None, "title_mn": law.title_mn}
    _supersede(law, _other(session, superseded_by_id, "superseded_by_id"), "superseded_by_id")
    law.short_name, law.version_date, law.effective_date = short_name.strip(), version_date, effective_date
    if title_mn is not None:
        law.title_mn = mongolian.normalise(title_mn)
    session.flush()
    audit(session, actor, "bank.law_edit", "law", law.id, label=law.label, before=before,
          after={"superseded_by": law.superseded_by.label if law.superseded_by else None, "title_mn": law.title_mn})
    return law


def _supersede(law: Law, newer: Law | None, field_name: str) -> None:
    try:
        law.supersede_with(newer)
    except InvalidState as error:
        raise ValidationFailed(_("The law was not saved; correct the marked fields."), {field_name: [error.message]}) from None
