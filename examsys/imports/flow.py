"""One upload → preview → confirm flow for every import.

An import plugs in three functions: a reader (file → rows, raising `UnreadableFile` for a file it cannot read),
a planner (rows → a plan whose errors name the row and column of each problem; nothing is written) and a writer
(a plan without errors → records). The preview reads and plans, and stages the upload only when the plan has
no errors; the confirmation loads the staged upload (only its owner's, only while fresh), reads and plans it
again against the database as it is now, and writes only a plan without errors: all rows or none."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from sqlalchemy.orm import Session

from examsys.auth.models import User
from examsys.imports import services as staging
from examsys.imports.models import StagedImport


@dataclass(frozen=True)
class Preview:
    rows: Any
    plan: Any
    errors: list[Any]
    staged: StagedImport | None  # None when the plan has errors: nothing is kept to confirm


@dataclass(frozen=True)
class Outcome:
    filename: str
    plan: Any
    errors: list[Any]
    result: Any = None  # what the writer returned; None when the plan had errors and nothing was written


@dataclass(frozen=True)
class ImportFlow:
    """`kind` names the staged uploads of this import, so one import cannot confirm another's file."""

    kind: str
    read: Callable[[str, bytes], Any]
    plan: Callable[[Session, User, Any, Any], Any]
    write: Callable[[Session, User, Any, Any, str], Any]
    errors: Callable[[Any], list[Any]] = attrgetter("errors")

    def preview(self, session: Session, actor: User, filename: str, data: bytes, target: Any = None) -> Preview:
        """Read and plan an upload; stage it for confirmation when no row has an error. Raises UnreadableFile."""
        rows = self.read(filename, data)
        plan = self.plan(session, actor, rows, target)
        errors = list(self.errors(plan))
        staged = None if errors else staging.stage(session, actor, self.kind, filename, data)
        return Preview(rows, plan, errors, staged)

    def run(self, session: Session, actor: User, filename: str, data: bytes, target: Any = None) -> Outcome:
        """Read, plan and, when no row has an error, write: all rows or none. An import without a preview (reviews
        entered from a sheet) calls this directly. Raises UnreadableFile."""
        plan = self.plan(session, actor, self.read(filename, data), target)
        errors = list(self.errors(plan))
        return Outcome(filename, plan, errors, None if errors else self.write(session, actor, plan, target, filename))

    def confirm(self, session: Session, actor: User, staged_id: str, target: Any = None) -> Outcome:
        """Write the staged upload if it still plans without errors (the database may have changed since the
        preview), then forget it. A stale or foreign staging id raises NotFound."""
        staged = staging.load(session, actor, self.kind, staged_id)
        outcome = self.run(session, actor, staged.filename, staged.content, target)
        if not outcome.errors:
            staging.discard(session, staged)
        return outcome
