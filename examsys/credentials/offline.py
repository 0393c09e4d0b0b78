"""Verifying a credential token with nothing but the published key set and status lists: the same steps
the verify page takes, for the command line and for verifiers without a connection to the issuer.

It imports nothing of the application beyond the token and key modules (no Flask, no database), so it
runs anywhere `cryptography` does:

    python -m examsys.credentials.offline TOKEN_OR_URL --keyset examsys-keyset.json --status examsys-status.json [--root KEY]

The two files are what /.well-known/examsys-keyset.json and /.well-known/examsys-status.json serve."""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Container
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from examsys import clock
from examsys.credentials.keys import KeyError_, PublishedKey, StatusList, StatusListError, read_keyset, read_status_list
from examsys.credentials.token import CredentialClaims, TokenError, decode_body, split, verify_signature

VALID, SUSPENDED, NOT_VALID, CANNOT_VERIFY = "VALID", "SUSPENDED", "NOT VALID", "CANNOT VERIFY"
# An e-card code shown after its 90 seconds: a fact about the screen code, not a verdict on the officer
# (the credential may well be in force); the officer shows a fresh code.
CODE_EXPIRED = "CODE EXPIRED"


@dataclass
class Verdict:
    verdict: str
    claims: CredentialClaims | None = None
    steps: list[tuple[str, bool]] = field(default_factory=list)  # (step, passed), in the order taken
    reason: str = ""


def verify(token: str, keys: dict[int, PublishedKey], now: datetime, *, revoked: Container[int] | None = None,
           suspended: Container[int] | None = None) -> Verdict:
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
        result.verdict, result.reason = CODE_EXPIRED, "this screen code has expired; ask the officer to show a fresh one"
        return result
    if not (claims.valid_from <= clock.local_date(now) <= claims.valid_to):
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


def verify_documents(token: str, keyset_document: dict[str, Any] | None, status_document: dict[str, Any] | None, now: datetime, *,
                     root_public_key: str | None = None) -> Verdict:
    """The verify page's verdict from the published documents alone. The key set must carry the root
    key's signature (pin `root_public_key`; without it the document's own copy is trusted). A missing,
    stale or badly signed status list gives CANNOT VERIFY for a genuine token: never VALID."""
    try:
        if keyset_document is None:
            raise KeyError_("no key set")
        keys = read_keyset(keyset_document, root_public_key or keyset_document.get("root_public_key", ""))
    except (KeyError_, KeyError, AttributeError, TypeError, ValueError) as error:
        return Verdict(CANNOT_VERIFY, steps=[("published keys", False)], reason=str(error) or "the key set cannot be read")
    lists: StatusList | None = None
    problem = ""
    try:
        lists = read_status_list(status_document, keys, now)
    except StatusListError as error:
        problem = str(error)
    result = verify(token, keys, now, revoked=lists.revoked if lists else None, suspended=lists.suspended if lists else None)
    steps = [step for step, _passed in result.steps]
    if "current status" in steps:  # the token itself held: say whether the list could be used
        result.steps.insert(steps.index("current status"), ("status list current", lists is not None))
        if lists is None:
            result.reason = problem
    return result


def _read_json(path: str) -> dict[str, Any] | None:
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except (OSError, ValueError):
        return None
    return document if isinstance(document, dict) else None


def main(argv: list[str] | None = None) -> int:
    """The command line: prints each step and the verdict; exit status 0 only when VALID."""
    parser = argparse.ArgumentParser(prog="python -m examsys.credentials.offline",
                                     description="Verify a credential token with the published key set and status list only.")
    parser.add_argument("token", help="the token, or the whole verify URL the QR code holds")
    parser.add_argument("--keyset", required=True, help="the key set document (/.well-known/examsys-keyset.json)")
    parser.add_argument("--status", required=True, help="the status list document (/.well-known/examsys-status.json)")
    parser.add_argument("--root", help="the pinned root public key (Base64 DER, as `flask keys init` printed it)")
    parser.add_argument("--now", help="check as of this time (ISO 8601 with zone; default: now)")
    args = parser.parse_args(argv)
    now = datetime.fromisoformat(args.now) if args.now else datetime.now(UTC)
    if now.tzinfo is None:
        parser.error("--now needs a time zone, e.g. 2026-06-01T08:00:00+08:00")
    keyset = _read_json(args.keyset)
    if not args.root:
        print("warning: no --root given; trusting the root key inside the key set file", file=sys.stderr)
    result = verify_documents(args.token.rsplit("/", 1)[-1], keyset, _read_json(args.status), now, root_public_key=args.root)
    for step, passed in result.steps:
        print(f"{'ok ' if passed else 'NO '} {step}")
    if result.claims is not None:
        print(f"{result.claims.name} {result.claims.number} valid to {result.claims.valid_to}")
    if result.reason:
        print(f"({result.reason})")
    print(result.verdict)
    return 0 if result.verdict == VALID else 1


if __name__ == "__main__":
    sys.exit(main())
