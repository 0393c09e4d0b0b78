"""Public verification: what anyone scanning a credential's QR code is told, from the token's signature,
its key's window and the credential's live status. Fails closed: an error is never shown as valid.
Answers are cached per process, keyed on the database's status version (see `answer`)."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app, has_request_context, request
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from examsys import clock
from examsys.credentials import offline
from examsys.credentials.keys import KeyError_, KeyStore, read_keyset
from examsys.credentials.models import Credential, CredentialStatus, credential_domain
from examsys.credentials.status import current_version
from examsys.credentials.token import CredentialClaims, photo_digest, sign, verify_url
from examsys.db import get_session
from examsys.domains.models import EnforcementDomain
from examsys.orgs.models import Organisation
from examsys.personnel.models import Person, PersonPhoto


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


DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"  # where `make run` serves: the guess outside a request


def public_base_url() -> str:
    """The address QR codes and verify links carry. PUBLIC_BASE_URL when it is set (production refuses to
    start without it). Otherwise, in development, the address this request reached the app on (its host
    and port, or what PROXY_HOPS trusts of a proxy's), so a card printed from `flask run --port 8000` or
    from a colleague's machine opens on the server that printed it; outside a request (the CLI), `make
    run`'s address."""
    configured = current_app.config.get("PUBLIC_BASE_URL")
    if configured:
        return str(configured)
    if has_request_context():
        return request.host_url
    return DEVELOPMENT_BASE_URL


def url_for_token(token: str) -> str:
    return verify_url(public_base_url(), token)


@dataclass(frozen=True)
class Holder:
    """What the page shows of the credential from the database (never reasons, ID numbers or history)."""

    credential_id: int
    organisation: str
    domains: tuple[str, ...]
    region: str
    photo_matches: bool  # a photo is on file and it is the one the token names
    name_mn: str | None = None  # the holder's and the organisation's names in Mongolian, where they have one
    organisation_mn: str | None = None


@dataclass(frozen=True)
class PublicVerdict:
    verdict: str  # VALID, SUSPENDED, NOT VALID, CODE EXPIRED (an e-card code past its time), CANNOT VERIFY
    as_of: datetime
    steps: tuple[tuple[str, bool], ...] = ()
    claims: CredentialClaims | None = None
    holder: Holder | None = None
    signed: bool = False  # the signature held: only then may the photo be shown
    expired: bool = False


_KEYSET_CACHE: dict[str, tuple[tuple[float, int], dict]] = {}


def keyset_stamp(store: KeyStore) -> tuple[float, int]:
    stamp = (store.folder / "keyset.json").stat()
    return stamp.st_mtime, stamp.st_size


def published_keys(store: KeyStore) -> dict:
    """The key set, its root signature checked; re-read whenever the file changes (a rotation), so
    every app node sees a new key as soon as its file is there."""
    path = store.folder / "keyset.json"
    key = keyset_stamp(store)
    cached = _KEYSET_CACHE.get(str(path))
    if cached is None or cached[0] != key:
        cached = (key, read_keyset(store.document(), store.root_public()))
        _KEYSET_CACHE[str(path)] = cached
    return cached[1]


# Built once, with bound parameters: building a statement costs more than running it on this path.
_HOLDER = (select(Credential.id, Credential.number, Credential.status, Credential.valid_to, Credential.region, Organisation.name,
                  PersonPhoto.sha256, Person.name_mn.label("person_name_mn"), Organisation.name_mn.label("org_name_mn"))
           .join(Organisation, Credential.org_id == Organisation.id).join(Person, Credential.person_id == Person.id)
           .outerjoin(PersonPhoto, PersonPhoto.person_id == Credential.person_id)
           .where(Credential.public_id == bindparam("public_id")))
_DOMAINS = (select(EnforcementDomain.name).join(credential_domain, credential_domain.c.domain_id == EnforcementDomain.id)
            .where(credential_domain.c.credential_id == bindparam("credential_id")).order_by(EnforcementDomain.code))


def _holder(session: Session, claims: CredentialClaims) -> tuple[Holder, CredentialStatus, date] | None:
    row = session.execute(_HOLDER, {"public_id": claims.credential_id.hex()}).one_or_none()
    if row is None or row.number != claims.number:
        return None
    domains = tuple(session.scalars(_DOMAINS, {"credential_id": row.id}))
    photo_matches = row.sha256 is not None and bytes.fromhex(row.sha256)[:8] == claims.photo_digest
    return Holder(row.id, row.name, domains, row.region, photo_matches, row.person_name_mn, row.org_name_mn), row.status, row.valid_to


def live_verdict(status: CredentialStatus, valid_to: date, today: date) -> str:
    """The verdict from the database alone (a signed token adds its own checks before this one)."""
    if today > valid_to:
        return offline.NOT_VALID
    if status is CredentialStatus.ACTIVE:
        return offline.VALID
    if status is CredentialStatus.SUSPENDED:
        return offline.SUSPENDED
    return offline.NOT_VALID


def verify(session: Session, token: str) -> PublicVerdict:
    """Signature, key window, validity, then the live status, read now (no cache)."""
    now = clock.now()
    store = key_store()
    try:
        keys = published_keys(store) if store.initialised else {}
    except (KeyError_, OSError, ValueError):
        keys = {}
    if not keys:
        return PublicVerdict(offline.CANNOT_VERIFY, now, (("published keys", False),))
    checked = offline.verify(token, keys, now, revoked=frozenset(), suspended=frozenset())
    claims = checked.claims
    if claims is None:
        return PublicVerdict(checked.verdict, now, tuple(checked.steps))
    expired = clock.local_date(now) > claims.valid_to
    if checked.verdict != offline.VALID:
        return PublicVerdict(checked.verdict, now, tuple(checked.steps), claims, signed=True, expired=expired)
    # The live status replaces the lists' step: the database is the current truth.
    steps = [s for s in checked.steps if s[0] != "current status"]
    found = _holder(session, claims)
    if found is None:
        return PublicVerdict(offline.NOT_VALID, now, (*steps, ("current status", False)), claims, signed=True, expired=expired)
    holder, status, valid_to = found
    expired = clock.local_date(now) > valid_to
    verdict = live_verdict(status, valid_to, clock.local_date(now))
    return PublicVerdict(verdict, now, (*steps, ("current status", verdict == offline.VALID)), claims, holder, True, expired)


# ---- the per-process answer cache ------------------------------------------------------------------
#
# The verify page is the hottest public page. An answer is reused only while nothing it depends on can
# have changed: the status version (moved by every status change, read from the database on every
# request, so right across workers and app nodes), the key set file, today's date (validity), and at
# most VERIFY_CACHE_SECONDS (default 60; organisation names and photos may lag that long, never a
# verdict); an e-card code's answer never outlives the code.

@dataclass
class CachedAnswer:
    stamp: tuple[Any, ...]
    until: datetime
    verdict: PublicVerdict
    pages: dict[str, tuple[str, str]] = field(default_factory=dict)  # locale -> the page around its "as of" time
    json: dict[str, Any] | None = None  # the JSON answer but its "as of" time


class AnswerCache:
    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: dict[str, CachedAnswer] = {}
        self.lock = threading.Lock()

    def get(self, token: str, stamp: tuple[Any, ...], now: datetime) -> CachedAnswer | None:
        entry = self.entries.get(token)
        if entry is None or entry.stamp != stamp or not now < entry.until:
            return None
        return entry

    def put(self, token: str, entry: CachedAnswer) -> None:
        with self.lock:
            self.entries.pop(token, None)
            while len(self.entries) >= self.size:
                self.entries.pop(next(iter(self.entries)))  # the oldest
            self.entries[token] = entry


def _answer_cache() -> AnswerCache:
    cache = current_app.extensions.get("examsys.verify_cache")
    if cache is None:
        cache = current_app.extensions["examsys.verify_cache"] = AnswerCache(current_app.config.get("VERIFY_CACHE_SIZE", 10_000))
    return cache


def answer(token: str) -> CachedAnswer:
    """The public answer for `token`, from the cache when nothing it depends on has changed (the
    request's ORM session is only opened when the answer has to be worked out)."""
    now = clock.now()
    seconds = current_app.config.get("VERIFY_CACHE_SECONDS", 60)
    store = key_store()
    try:
        keys_stamp: Any = keyset_stamp(store)
    except OSError:
        keys_stamp = None
    # The version is read before the answer is computed: an answer computed from newer rows than its
    # stamp says is only ever discarded too early, never kept too long.
    stamp = (current_version(), keys_stamp, str(store.folder), clock.local_date(now))
    cache = _answer_cache()
    entry = cache.get(token, stamp, now) if seconds > 0 else None
    if entry is not None:
        return entry
    result = verify(get_session(), token)
    until = now + timedelta(seconds=seconds)
    if result.claims is not None and result.claims.expires_at is not None:
        until = min(until, result.claims.expires_at)
    entry = CachedAnswer(stamp, until, result)
    if seconds > 0:
        cache.put(token, entry)
    return entry
