"""Public verification: what anyone scanning a credential's QR code is told, from the token's signature,
its key's window and the credential's live status. Fails closed: an error is never shown as valid."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from examsys import clock
from examsys.credentials import offline
from examsys.credentials.keys import KeyError_, KeyStore, read_keyset
from examsys.credentials.models import Credential, CredentialStatus
from examsys.credentials.token import CredentialClaims, photo_digest, sign, verify_url
from examsys.personnel.models import Person


def key_store() -> KeyStore:
    return KeyStore(current_app.config.get("KEY_DIR") or Path(current_app.instance_path) / "keys")


def token_for(credential: Credential, at: datetime | None = None, lifetime: timedelta | None = None) -> str:
    """Sign a token for the credential with the active key (an e-card code when `lifetime` is given)."""
    at = at or clock.now()
    kid, key = key_store().signing_key()
    person = credential.person
    claims = CredentialClaims(
        key_id=kid, credential_id=bytes.fromhex(credential.public_id), status_index=credential.status_index or credential.id,
        signed_at=at.replace(second=0, microsecond=0), name=person.name, number=credential.number, org_code=credential.org.code,
        domains=tuple(d.code for d in credential.domains), valid_from=credential.valid_from, valid_to=credential.valid_to,
        photo_digest=photo_digest(person.photo.jpeg if person.photo else None), expires_at=at + lifetime if lifetime else None)
    return sign(claims, key)


def url_for_token(token: str) -> str:
    return verify_url(current_app.config["PUBLIC_BASE_URL"], token)


@dataclass
class PublicVerdict:
    verdict: str  # VALID, SUSPENDED, NOT VALID, CANNOT VERIFY
    as_of: datetime
    steps: list[tuple[str, bool]] = field(default_factory=list)
    claims: CredentialClaims | None = None
    credential: Credential | None = None
    signed: bool = False  # the signature held: only then may the photo be shown
    expired: bool = False


_KEYSET_CACHE: dict[str, tuple[tuple[float, int], dict]] = {}


def published_keys(store: KeyStore) -> dict:
    """The key set, its root signature checked; re-read whenever the file changes (a rotation), so
    every app node sees a new key as soon as its file is there."""
    path = store.folder / "keyset.json"
    stamp = path.stat()
    key = (stamp.st_mtime, stamp.st_size)
    cached = _KEYSET_CACHE.get(str(path))
    if cached is None or cached[0] != key:
        cached = (key, read_keyset(store.document(), store.root_public()))
        _KEYSET_CACHE[str(path)] = cached
    return cached[1]


def verify(session: Session, token: str) -> PublicVerdict:
    now = clock.now()
    store = key_store()
    try:
        keys = published_keys(store) if store.initialised else {}
    except (KeyError_, OSError, ValueError):
        keys = {}
    if not keys:
        return PublicVerdict(offline.CANNOT_VERIFY, now, [("published keys", False)])
    checked = offline.verify(token, keys, now, revoked=frozenset(), suspended=frozenset())
    result = PublicVerdict(checked.verdict, now, list(checked.steps), checked.claims, signed=checked.claims is not None)
    if checked.claims is None:
        return result
    result.expired = now.date() > checked.claims.valid_to
    if checked.verdict != offline.VALID:
        return result
    # The live status replaces the lists' step: the database is the current truth.
    result.steps = [s for s in result.steps if s[0] != "current status"]
    credential = session.scalar(select(Credential).where(Credential.public_id == checked.claims.credential_id.hex()).options(
        joinedload(Credential.org), selectinload(Credential.domains), joinedload(Credential.person).joinedload(Person.photo)))
    result.credential = credential
    if credential is None or credential.number != checked.claims.number:
        result.steps.append(("current status", False))
        result.verdict = offline.NOT_VALID
        return result
    if credential.status is CredentialStatus.ACTIVE and not credential.expired(now.date()):
        result.steps.append(("current status", True))
        result.verdict = offline.VALID
    elif credential.status is CredentialStatus.SUSPENDED and not credential.expired(now.date()):
        result.steps.append(("current status", False))
        result.verdict = offline.SUSPENDED
    else:
        result.expired = credential.expired(now.date())
        result.steps.append(("current status", False))
        result.verdict = offline.NOT_VALID
    return result
