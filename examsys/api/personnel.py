"""Personnel upsert for an HR system (POST /api/v1/personnel/batch): the register's import rules, all or nothing.

A batch of up to 1,000 people, each keyed by ID number: one not on the register is added, one on it is brought to
the values sent (a change of organisation is a transfer, a status other than 在岗 leaves the post, an officer made
auxiliary: the standing changes of the register, with what they trigger for credentials). The batch goes through the
same planner and writer as the spreadsheet import (examsys/personnel/importer.py), acting as HR of the client's
organisation and its subtree (`ClientActor`), so the rules cannot drift apart; any error refuses the whole batch with
the messages by record and field, and a batch sent twice changes nothing the second time."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from examsys.api.lookups import require_scope
from examsys.api.models import ApiClient
from examsys.auth.models import Role
from examsys.auth.permissions import ClientActor
from examsys.errors import ValidationFailed
from examsys.imports.tabular import Table
from examsys.personnel.importer import COLUMNS, apply_import, plan_import

MAX_PEOPLE = 1000
FIELDS = tuple(column.key for column in COLUMNS)  # the import's columns, by their keys: the API's field names
_BY_HEADER = {column.header: column.key for column in COLUMNS}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):  # domains: a list of codes or names
        return "、".join(str(v) for v in value)
    return str(value)


def upsert(session: Session, client: ApiClient, people: list[dict[str, Any]], dry_run: bool = False) -> dict[str, Any]:
    """Check the whole batch, then (unless `dry_run`) write it; the counts. Refuses with the errors by record (its
    position in `people`, from 0) and field."""
    require_scope(client, "personnel:write")
    actor = ClientActor(client.name, client.org, (Role.HR_ADMIN,))
    table = Table(rows=[(index, {key: _cell(person.get(key)) for key in FIELDS}) for index, person in enumerate(people)])
    plan = plan_import(session, actor, table, client.org)
    if plan.errors:
        fields: dict[str, list[str]] = {}
        for error in plan.errors:
            fields.setdefault(f"people[{error.row}].{_BY_HEADER.get(error.column, error.column)}", []).append(error.message)
        raise ValidationFailed(_("The batch has errors; nothing was written."), fields)
    if dry_run:
        return {**plan.counts, "dry_run": True}
    return {**apply_import(session, actor, plan, source=f"api:{client.name}"), "dry_run": False}
