"""The credential token carried by the QR code: a compact binary body signed with ES256.

The byte layout is documented in docs/credential-format.md; this module is its only writer and reader.
It needs nothing but `cryptography`, so the offline verifier can use it without the application."""
from __future__ import annotations

import base64
import hashlib
import struct
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from examsys.credentials.keys import is_low_s, sign_low_s

VERSION = 1
ALG_ES256 = 1
DOMAIN = b"examsys/credential/v1\x00"  # domain separation: these signatures mean nothing elsewhere
EPOCH_DAY = date(2000, 1, 1)
FLAG_EXPIRES = 0x01  # the e-card's short-lived token carries its own expiry
SIGNATURE_BYTES = 64
_HEAD = struct.Struct(">BBI8sIIB")  # version, alg, key id, credential id, status index, signed at (minutes), flags


class TokenError(ValueError):
    """The token cannot be read or its signature does not hold."""


@dataclass(frozen=True)
class CredentialClaims:
    key_id: int
    credential_id: bytes  # 8 random bytes: the credential's public identity, never its database id
    status_index: int  # its bit in the published status lists
    signed_at: datetime  # to the minute; must fall inside the key's signing window
    name: str
    number: str
    org_code: str
    domains: tuple[str, ...]
    valid_from: date
    valid_to: date
    photo_digest: bytes  # first 8 bytes of SHA-256 of the photo JPEG
    expires_at: datetime | None = None  # e-card tokens only


def _short(text: str, what: str) -> bytes:
    data = text.encode("utf-8")
    if len(data) > 255:
        raise ValueError(f"{what} is too long for the token")
    return bytes([len(data)]) + data


def _days(day: date) -> int:
    value = (day - EPOCH_DAY).days
    if not 0 <= value <= 0xFFFF:
        raise ValueError("date outside the token's range")
    return value


def photo_digest(jpeg: bytes | None) -> bytes:
    return hashlib.sha256(jpeg).digest()[:8] if jpeg else bytes(8)


def encode_body(claims: CredentialClaims) -> bytes:
    if len(claims.credential_id) != 8 or len(claims.photo_digest) != 8:
        raise ValueError("credential id and photo digest are 8 bytes each")
    flags = FLAG_EXPIRES if claims.expires_at is not None else 0
    minutes = int(claims.signed_at.timestamp() // 60)
    parts = [_HEAD.pack(VERSION, ALG_ES256, claims.key_id, claims.credential_id, claims.status_index, minutes, flags),
             _short(claims.name, "name"), _short(claims.number, "number"), _short(claims.org_code, "organisation code"),
             bytes([len(claims.domains)]), *(_short(d, "domain") for d in claims.domains),
             struct.pack(">HH", _days(claims.valid_from), _days(claims.valid_to)), claims.photo_digest]
    if claims.expires_at is not None:
        parts.append(struct.pack(">I", int(claims.expires_at.timestamp())))
    return b"".join(parts)


def decode_body(body: bytes) -> CredentialClaims:
    try:
        version, alg, key_id, credential_id, status_index, minutes, flags = _HEAD.unpack_from(body, 0)
        if version != VERSION or alg != ALG_ES256:
            raise TokenError("unknown token version or algorithm")
        at = _HEAD.size

        def short() -> str:
            nonlocal at
            length = body[at]
            text = body[at + 1:at + 1 + length]
            if len(text) != length:
                raise TokenError("truncated token")
            at += 1 + length
            return text.decode("utf-8")

        name, number, org_code = short(), short(), short()
        count = body[at]
        at += 1
        domains = tuple(short() for _ in range(count))
        valid_from, valid_to = struct.unpack_from(">HH", body, at)
        at += 4
        digest = body[at:at + 8]
        at += 8
        expires_at = None
        if flags & FLAG_EXPIRES:
            (seconds,) = struct.unpack_from(">I", body, at)
            at += 4
            expires_at = datetime.fromtimestamp(seconds, UTC)
        if at != len(body) or len(digest) != 8:
            raise TokenError("the token's length does not match its content")
    except (struct.error, IndexError, UnicodeDecodeError) as exc:
        raise TokenError("the token cannot be read") from exc
    return CredentialClaims(key_id, credential_id, status_index, datetime.fromtimestamp(minutes * 60, UTC), name, number,
                            org_code, domains, EPOCH_DAY + timedelta(days=valid_from), EPOCH_DAY + timedelta(days=valid_to), digest,
                            expires_at)


def sign(claims: CredentialClaims, private_key: ec.EllipticCurvePrivateKey) -> str:
    """The token as upper-case Base32 (no padding): body followed by the raw 64-byte signature (low s)."""
    body = encode_body(claims)
    r, s = sign_low_s(private_key, DOMAIN + body)
    raw = body + r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return base64.b32encode(raw).decode("ascii").rstrip("=")


def split(token: str) -> tuple[bytes, bytes]:
    """(body, signature) of a token as a URL carries it (any case, no padding)."""
    text = token.strip().upper()
    try:
        raw = base64.b32decode(text + "=" * (-len(text) % 8))
    except (ValueError, base64.binascii.Error) as exc:
        raise TokenError("the token is not Base32") from exc
    if len(raw) <= SIGNATURE_BYTES + _HEAD.size:
        raise TokenError("the token is too short")
    return raw[:-SIGNATURE_BYTES], raw[-SIGNATURE_BYTES:]


def verify_signature(body: bytes, signature: bytes, public_key: ec.EllipticCurvePublicKey) -> None:
    """Raise TokenError unless `signature` is the issuer's one signature over the body: a high s (the twin
    (r, n - s) of a good signature, which ECDSA would accept too) is refused, so a token has one encoding."""
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    if not is_low_s(s):
        raise TokenError("the signature is not in its one accepted form (high s)")
    try:
        public_key.verify(encode_dss_signature(r, s), DOMAIN + body, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as exc:
        raise TokenError("the signature does not match: the token was altered or not made by the issuer") from exc


def verify_url(base_url: str, token: str) -> str:
    """The address the QR code holds, upper case so that the whole string uses the QR alphanumeric mode."""
    return f"{base_url.rstrip('/')}/V/{token}".upper()
