"""Audit details in words: each recorded field as "field: before → after", with the field's name, the
label of a coded value (状态: 有效 → 暂扣, not status: active → suspended) and names instead of ids.

The audit package sits below the domains and imports none of them: it reads the models the app has
loaded (their enum columns say how a code of a field reads; their tables give names for ids)."""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Enum as SqlEnum
from sqlalchemy import select
from sqlalchemy.orm import Session

from examsys import clock
from examsys.db import Base
from examsys.personnel.idnumber import mask  # a pure helper, no models: the same masking as everywhere

FIELD_LABELS = {
    "active": _l("In use"), "activated": _l("Activated at once"), "added": _l("Officers added"),
    "attempts_allowed": _l("Attempts allowed"), "bands": _l("Grade bands"), "campaign": _l("Campaign"),
    "card_loss": _l("Lost or damaged card"), "case_number": _l("Case number"), "cards": _l("Cards"), "category": _l("Category"), "cleanup": _l("Clean-up"),
    "code": _l("Code"), "comment": _l("Comment"), "created": _l("Created"), "credential": _l("Credential"),
    "cutoff": _l("Cut-off date"), "decided_on": _l("Decided on"), "document_ref": _l("Document"),
    "decision_number": _l("Decision number"), "description": _l("Description"),
    "directed_by": _l("Directed by"), "display_name": _l("Display name"), "distinct_papers_log10": _l("Distinct papers (powers of ten)"),
    "division_code": _l("Administrative division code"), "domains": _l("Domains"), "due_on": _l("Due on"),
    "duties": _l("Duties"), "employment_status": _l("Employment status"), "format": _l("Format"),
    "certificate_number": _l("Certificate number"), "certified_on": _l("Date on the certificate"),
    "needs_sector_exam": _l("Sector exam required"), "exemption": _l("Legal-qualification exemption"),
    "from_version": _l("From version"), "grade": _l("Grade"), "ground": _l("Legal ground"),
    "hiring_conditions": _l("Hiring conditions"), "id_number": _l("ID number"), "indicators": _l("Indicators"),
    "ineligible": _l("Not eligible"), "is_issuer": _l("Issuing authority"), "issued": _l("Issued"), "issuer": _l("Issuing authority"), "kind": _l("Type"),
    "legal_qualification": _l("Legal professional qualification"), "legal_source": _l("Legal source of power"),
    "locked_until": _l("Locked until"), "loss_declared": _l("Loss declared"), "mark": _l("Mark"), "minutes": _l("Minutes"),
    "name": _l("Name"), "name_mn": _l("Name in Mongolian script"), "title_mn": _l("Title in Mongolian script"),
    "note": _l("Note"), "number_prefix": _l("Credential number prefix"), "number": _l("Number"),
    "numbers": _l("Numbers"), "officers": _l("Officers"),
    "org": _l("Organisation"), "org_id": _l("Organisation"), "outcome": _l("Outcome"), "papers": _l("Papers"),
    "parent_id": _l("Parent organisation"), "part": _l("Part"), "pending": _l("Pending"), "period": _l("Period"),
    "person_id": _l("Person"), "phone": _l("Phone"), "post": _l("Post"), "previous_attempt": _l("Previous attempt"),
    "question": _l("Question"), "rank": _l("Rank"), "reason": _l("Reason"), "region": _l("Region of enforcement"),
    "replaced_by": _l("Replaced by"), "response": _l("Response"), "review": _l("Review"), "role": _l("Role"),
    "rule": _l("Rule"), "score": _l("Score"), "scores": _l("Scores"), "sections": _l("Sections"),
    "staffing_kind": _l("Staffing"), "stage": _l("Stage"), "state": _l("State"), "status": _l("Status"),
    "supersedes": _l("Supersedes"), "task": _l("Task"), "text": _l("Text"), "total": _l("Total"),
    "training_hours": _l("Training hours a year"), "to_version": _l("To version"), "until": _l("Until"),
    "unchanged": _l("Unchanged"), "username": _l("Username"), "valid_to": _l("Valid until"), "version": _l("Version"),
    "versioned": _l("New versions"), "via": _l("Entered through"), "year": _l("Year"), "years": _l("Years"),
    "mn_reviewed": _l("Mongolian text reviewed"), "content_mn": _l("Mongolian text"), "language": _l("Paper language"),
}
# Coded values that are no enum member of a model.
VALUE_LABELS = {
    "routine_poor": _l("a routine grade of Poor"), "two_incompetent": _l("two annual grades of Incompetent"),
    "form": _l("the form"), "import": _l("a spreadsheet"), "bulk": _l("a spreadsheet"),
    "previous": _l("the domains of the replaced credential"),
    "mn": _l("Mongolian"),  # the script of a paper (exam.start)
}
FREE_TEXT = {"name", "exemption", "certificate_number", "display_name", "reason", "ground", "decision_number", "comment", "text", "description", "note",
             "region", "legal_source", "duties", "hiring_conditions", "directed_by", "post", "rank", "response",
             "period", "cleanup", "issuer", "credential", "username", "case_number", "document_ref", "number_prefix", "label", "phone",
             "legal_qualification", "number", "name_mn", "title_mn"}
ID_FIELDS = {"org_id": ("organisation", "name"), "parent_id": ("organisation", "name"), "person_id": ("person", "name"),
             "question": ("question", "ref"), "review": ("review", None)}
TARGET_TABLES = {"user": "user_account", "campaign": "cleanup_campaign", "bank": None}
ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
NOTHING = "—"


@dataclass(frozen=True)
class Change:
    """One recorded field: its name, and its value before and after in words (either may be empty)."""
    field: str
    before: str
    after: str


def _classes() -> dict[str, type]:
    return {mapper.class_.__tablename__: mapper.class_ for mapper in Base.registry.mappers}


@lru_cache(maxsize=1)
def _enums_by_value() -> dict[str, list[type[enum.Enum]]]:
    """Every coded value of the loaded models' enums that have labels, with the enums that hold it."""
    found: dict[str, list[type[enum.Enum]]] = {}
    for cls in _classes().values():
        for column in cls.__table__.columns:
            enum_class = getattr(column.type, "enum_class", None) if isinstance(column.type, SqlEnum) else None
            if enum_class is not None and hasattr(enum_class, "label"):
                for member in enum_class:
                    if enum_class not in found.setdefault(str(member.value), []):
                        found[str(member.value)].append(enum_class)
    return found


def _column_enum(target_type: str, field: str) -> type[enum.Enum] | None:
    """The enum of column `field` of the target's table (status of a credential: CredentialStatus)."""
    table = TARGET_TABLES.get(target_type, target_type)
    cls = _classes().get(table) if table else None
    column = cls.__table__.columns.get(field) if cls is not None else None
    if column is not None and isinstance(column.type, SqlEnum):
        return column.type.enum_class
    return None


def code_label(value: str, target_type: str = "", field: str = "") -> str:
    """A coded value in words: the target's own column first, then any enum holding the code alone."""
    own = _column_enum(target_type, field)
    if own is not None and hasattr(own, "label"):
        try:
            return str(own(value).label)
        except ValueError:
            pass
    if value in VALUE_LABELS:
        return str(VALUE_LABELS[value])
    holders = _enums_by_value().get(value, [])
    labels = {str(enum_class(value).label) for enum_class in holders}
    return labels.pop() if len(labels) == 1 else value


class _Names:
    """Names for ids and codes, read once per page."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.cache: dict[tuple[str, Any], str] = {}

    def lookup(self, table: str, column: str, value: Any, shown: str | None) -> str | None:
        key = (f"{table}.{column}", value)
        if key not in self.cache:
            cls = _classes().get(table)
            name = None
            if cls is not None:
                row = self.session.scalar(select(cls).where(getattr(cls, column) == value).limit(1))
                if row is not None:
                    name = str(getattr(row, shown)) if shown else _row_words(row)
            self.cache[key] = name
        return self.cache[key]


def _row_words(row: Any) -> str:
    """A row without a name of its own (a review) by the name of its person."""
    person = getattr(row, "person", None)
    return str(getattr(person, "name", "") or f"#{row.id}")


def _words(value: Any, field: str, target_type: str, names: _Names) -> str:
    if value is None or value == "" or value == []:
        return NOTHING
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if field in ID_FIELDS and isinstance(value, int):
        table, shown = ID_FIELDS[field]
        return names.lookup(table, "id", value, shown) or f"#{value}"
    if field in ("org", "issuer") and isinstance(value, str) and value.isdigit():
        return names.lookup("organisation", "code", value, "name") or value
    if field == "domains" and isinstance(value, list):
        return "、".join(names.lookup("enforcement_domain", "code", v, "name") or str(v) for v in value)
    if field == "sections" and isinstance(value, list) and all(isinstance(v, list) and len(v) == 3 for v in value):
        return "；".join(_("%(type)s: %(n)s questions, %(points)s points each", type=code_label(str(t)), n=n, points=p)
                        for t, n, p in value)
    if field == "scores" and isinstance(value, dict):
        return "；".join(_("%(field)s: %(value)s", value=v,
                           field=(names.lookup("review_indicator", "id", int(k), "name") if str(k).isdigit() else None) or k)
                        for k, v in value.items())
    if isinstance(value, dict):
        return "；".join(_("%(field)s: %(value)s", field=_field(k), value=_words(v, k, target_type, names)) for k, v in value.items())
    if isinstance(value, list):
        return "、".join(" ".join(str(x) for x in v) if isinstance(v, list) else _words(v, field, target_type, names) for v in value)
    if isinstance(value, str):
        if ISO_MOMENT.match(value):
            try:
                return clock.local_text(datetime.fromisoformat(value))
            except ValueError:
                return value
        if field not in FREE_TEXT:
            return code_label(value, target_type, field)
    return str(value)


def _field(key: str) -> str:
    label = FIELD_LABELS.get(key)
    return str(label) if label is not None else key


def describe(session: Session, target_type: str, before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[Change]:
    """The recorded fields of an entry in words, in the order they were recorded (before's own first)."""
    names = _Names(session)
    before, after = before or {}, after or {}
    keys = list(dict.fromkeys([*before, *after]))
    changes = []
    for key in keys:
        old = _words(before[key], key, target_type, names) if key in before else ""
        new = _words(after[key], key, target_type, names) if key in after else ""
        if key == "id_number":  # the audit trail's readers are not all HR of the person: never the whole number
            old, new = (mask(v) if v not in ("", NOTHING) else v for v in (old, new))
        changes.append(Change(_field(key), old, new))
    return changes

