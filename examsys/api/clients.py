"""Registering API clients and checking their secrets.

A token is `<key id>.<secret>`: the key id (8 random bytes, hex) finds the row, the secret (32 random
bytes, URL-safe base64) is checked against its HMAC-SHA256 digest. The secret is shown once and never
stored; a digest, not a slow password hash, because the secret has 256 bits of entropy (nothing to guess
by brute force) and it is checked on every call. At most two secrets are live at once: the new one is
handed over while the old one still works, then the old one is revoked."""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from flask_babel import gettext as _
from limits import parse_many
from sqlalchemy import select
from sqlalchemy.orm import Session

from examsys import clock
from examsys.api.models import SCOPES, ApiClient, ApiSecret
from examsys.audit.services import record
from examsys.auth.models import Role, User
from examsys.auth.permissions import get_in_scope, require
from examsys.errors import InvalidState, NotFound, ValidationFailed
from examsys.orgs.models import Organisation

MAX_LIVE_SECRETS = 2
_DIGEST_KEY = b"examsys api secret v1"  # domain separation only: the secret's own entropy protects it


def digest(secret: str) -> str:
    return hmac.new(_DIGEST_KEY, secret.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class IssuedSecret:
    secret: ApiSecret
    token: str  # shown once


def _new_secret(client: ApiClient) -> IssuedSecret:
    key_id = secrets.token_hex(8)
    secret = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    row = ApiSecret(key_id=key_id, digest=digest(secret))
    client.secrets.append(row)
    return IssuedSecret(row, f"{key_id}.{secret}")


def _checked(name: str, scopes: list[str], rate_limit: str) -> tuple[str, str, str]:
    errors: dict[str, list[str]] = {}
    name = name.strip()
    if not name or len(name) > 120:
        errors["name"] = [_("Give a name of at most 120 characters.")]
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        errors["scopes"] = [_("Choose at least one of the scopes offered.")]
    try:
        if not rate_limit.strip() or len(rate_limit) > 60 or not parse_many(rate_limit):
            raise ValueError(rate_limit)
    except ValueError:
        errors["rate_limit"] = [_("Write a limit such as \"600 per minute\".")]
    if errors:
        raise ValidationFailed(_("Check the fields marked."), errors)
    return name, " ".join(s for s in SCOPES if s in scopes), rate_limit.strip()


def register(session: Session, actor: User, name: str, org_id: int, scopes: list[str], rate_limit: str = "600 per minute") -> IssuedSecret:
    """A new client for the organisation's subtree, with its first secret (shown once)."""
    org = session.get(Organisation, org_id)
    if org is None:
        raise NotFound(_("No such organisation."))
    require(actor, Role.SYSADMIN, org)
    name, scope_text, rate_limit = _checked(name, scopes, rate_limit)
    client = ApiClient(name=name, org=org, scopes=scope_text, rate_limit=rate_limit, created_by_id=actor.id)
    session.add(client)
    issued = _new_secret(client)
    session.flush()
    record(session, actor, "api_client.create", "api_client", client.id, label=name, org=org,
           after={"scopes": scope_text, "rate_limit": rate_limit, "key_id": issued.secret.key_id})
    return issued


def _client(session: Session, actor: User, client_id: int) -> ApiClient:
    """The client, for a system administrator over its organisation; for anyone else it does not exist (404,
    as every object outside the actor's subtree)."""
    return get_in_scope(session, actor, ApiClient, client_id, roles=Role.SYSADMIN, missing=_("No such API client."))


def visible_clients(session: Session, actor: User) -> list[ApiClient]:
    from examsys.auth.permissions import require_any_scope, scope_clause

    require_any_scope(session, actor, Role.SYSADMIN)  # only system administrators see this page at all
    return list(session.scalars(select(ApiClient).join(Organisation).where(scope_clause(session, actor, Role.SYSADMIN, Organisation.path))
                                .order_by(Organisation.path, ApiClient.name)))


def get_client(session: Session, actor: User, client_id: int) -> ApiClient:
    return _client(session, actor, client_id)


def rotate(session: Session, actor: User, client_id: int) -> IssuedSecret:
    """A second secret beside the live one; refused while two are live (revoke the old one first)."""
    client = _client(session, actor, client_id)
    if len(client.live_secrets) >= MAX_LIVE_SECRETS:
        raise InvalidState(_("Two secrets are already valid: revoke the old one before adding another."))
    issued = _new_secret(client)
    session.flush()
    record(session, actor, "api_client.rotate", "api_client", client.id, label=client.name, org=client.org,
           after={"key_id": issued.secret.key_id})
    return issued


def revoke_secret(session: Session, actor: User, client_id: int, secret_id: int) -> None:
    client = _client(session, actor, client_id)
    secret = next((s for s in client.secrets if s.id == secret_id), None)
    if secret is None:
        raise NotFound(_("No such secret."))
    if secret.revoked_at is not None:
        raise InvalidState(_("This secret has already been revoked."))
    secret.revoked_at = clock.now()
    session.flush()
    record(session, actor, "api_client.revoke_secret", "api_client", client.id, label=client.name, org=client.org,
           after={"key_id": secret.key_id})


def set_active(session: Session, actor: User, client_id: int, active: bool) -> None:
    client = _client(session, actor, client_id)
    client.active = active
    session.flush()
    record(session, actor, "api_client.enable" if active else "api_client.disable", "api_client", client.id, label=client.name, org=client.org)


def authenticate(session: Session, token: str) -> ApiClient | None:
    """The active client whose live secret this is, or None. Constant-time comparison of digests."""
    key_id, dot, secret = token.partition(".")
    if not dot or len(key_id) != 16 or not secret or len(secret) > 100:
        return None
    row = session.scalars(select(ApiSecret).where(ApiSecret.key_id == key_id)).one_or_none()
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.digest, digest(secret)):
        return None
    client = row.client
    if not client.active:
        return None
    today = clock.today()
    if row.last_used_on != today:
        row.last_used_on = today
    return client
