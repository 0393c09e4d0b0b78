"""Staging an upload between its preview and its confirmation."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import delete
from sqlalchemy.orm import Session

from examsys import clock
from examsys.auth.models import User
from examsys.errors import NotFound
from examsys.imports.models import StagedImport

STAGE_LIFETIME = timedelta(hours=2)


def stage(session: Session, actor: User, kind: str, filename: str, content: bytes) -> StagedImport:
    session.execute(delete(StagedImport).where(StagedImport.created_at < clock.now() - STAGE_LIFETIME))
    staged = StagedImport(
        id=secrets.token_hex(16), kind=kind, filename=filename[:255], content=content,
        sha256=hashlib.sha256(content).hexdigest(), actor_id=actor.id,
    )
    session.add(staged)
    session.flush()
    return staged


def load(session: Session, actor: User, kind: str, staged_id: str) -> StagedImport:
    """The staged upload, only for the user who staged it and only while it is fresh."""
    staged = session.get(StagedImport, staged_id)
    if staged is None or staged.kind != kind or staged.actor_id != actor.id or staged.created_at < clock.now() - STAGE_LIFETIME:
        raise NotFound(_("This upload has expired. Upload the file again."))
    return staged


def discard(session: Session, staged: StagedImport) -> None:
    session.delete(staged)
    session.flush()
