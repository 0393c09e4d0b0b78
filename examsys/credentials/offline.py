"""Verifying a credential token with nothing but the published key set (and, next, the status lists):
the same steps the verify page takes, for the command line and for verifiers without a connection.
It imports nothing of the application beyond the token and key modules."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from examsys.credentials.keys import KeyError_, PublishedKey
from examsys.credentials.token import CredentialClaims, TokenError, decode_body, split, verify_signature

VALID, SUSPENDED, NOT_VALID, CANNOT_VERIFY = "VALID", "SUSPENDED", "NOT VALID", "CANNOT VERIFY"


@dataclass
class Verdict:
    verdict: str
    claims: CredentialClaims | None = None
    steps: list[tuple[str, bool]] = field(default_factory=list)  # (step, passed), in the order taken
    reason: str = ""


def verify(token: str, keys: dict[int, PublishedKey], now: datetime, *, revoked: frozenset[int] | None = None,
           suspended: frozenset[int] | None = None) -> Verdict:
    """Signature, then the key's window, then validity dates, then (when given) the status lists.
    Fails closed: anything that cannot be checked is CANNOT VERIFY, never VALID."""
    result = Verdict(CANNOT_VERIFY)
    try:
        body, signature = split(token)
        claims = decode_body(body)
    except TokenError as error:
        result.steps.append(("readable", False))
        result.verdict, result.reason = NOT_VALID, str(error)
        return result
    result.steps.append(("readable", True))
    key = keys.get(claims.key_id)
    if key is None:
        result.steps.append(("signed by a published key", False))
        result.verdict, result.reason = NOT_VALID, "signed by an unknown key"
        return result
    try:
        verify_signature(body, signature, key.public_key)
    except (TokenError, KeyError_) as error:
        result.steps.append(("signature", False))
        result.verdict, result.reason = NOT_VALID, str(error)
        return result
    result.steps.append(("signature", True))
    result.claims = claims
    if not key.covers(claims.signed_at):
        result.steps.append(("signed inside the key's window", False))
        result.verdict, result.reason = NOT_VALID, "signed outside the key's window, or by a revoked key"
        return result
    result.steps.append(("signed inside the key's window", True))
    if claims.expires_at is not None and now > claims.expires_at:
        result.steps.append(("e-card code still fresh", False))
        result.verdict, result.reason = NOT_VALID, "this screen code has expired; ask the officer to refresh it"
        return result
    if not (claims.valid_from <= now.date() <= claims.valid_to):
        result.steps.append(("within validity", False))
        result.verdict, result.reason = NOT_VALID, "outside the credential's validity"
        return result
    result.steps.append(("within validity", True))
    if revoked is None or suspended is None:
        result.steps.append(("current status", False))
        result.verdict, result.reason = CANNOT_VERIFY, "no current status list"
        return result
    if claims.status_index in revoked:
        result.steps.append(("current status", False))
        result.verdict = NOT_VALID
        return result
    if claims.status_index in suspended:
        result.steps.append(("current status", False))
        result.verdict = SUSPENDED
        return result
    result.steps.append(("current status", True))
    result.verdict = VALID
    return result
