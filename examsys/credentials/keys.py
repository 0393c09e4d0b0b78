"""Signing keys and the documents they sign: the published key set and the status lists.

A root key signs the key set document (every signing key's id, public key, signing window and status);
signing keys sign credential tokens and the status lists, and rotate. A signature counts only if it was
made inside its key's window. Private keys live in files readable only by their owner (EXAMSYS_KEY_DIR),
never in the repository, the database or a response. Like token.py, this module needs nothing but
`cryptography`, so the offline verifier can use it without the application; docs/credential-format.md
describes both documents byte by byte."""
from __future__ import annotations

import base64
import json
import os
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

KEYSET_DOMAIN = b"examsys/keyset/v1\x00"
STATUS_LIST_DOMAIN = b"examsys/status-list/v1\x00"  # domain separation: a status list signature means nothing elsewhere
STATUS_LIST_MAX_BITS = 1 << 32  # status indices are 4 bytes in the token
CLOCK_SKEW = timedelta(minutes=5)  # a list issued this far in the verifier's future is still accepted
ROOT_FILE, KEYSET_FILE = "root.pem", "keyset.json"


class KeyError_(Exception):  # noqa: N801 - KeyError is a builtin
    pass


# The order n of P-256. For every ECDSA signature (r, s) its twin (r, n - s) verifies too; we sign and accept
# only the "low-s" one of the pair (s <= n / 2), so that a signed thing has exactly one valid signature.
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
HALF_ORDER = P256_ORDER // 2


def sign_low_s(key: ec.EllipticCurvePrivateKey, message: bytes) -> tuple[int, int]:
    """ES256 over `message` as (r, s), with s in the lower half of the order."""
    r, s = decode_dss_signature(key.sign(message, ec.ECDSA(hashes.SHA256())))
    return r, (P256_ORDER - s if s > HALF_ORDER else s)


def sign_der_low_s(key: ec.EllipticCurvePrivateKey, message: bytes) -> bytes:
    """The same, DER-encoded (the key set and the status lists)."""
    return encode_dss_signature(*sign_low_s(key, message))


def is_low_s(s: int) -> bool:
    return 0 < s <= HALF_ORDER


@dataclass(frozen=True)
class PublishedKey:
    kid: int
    public_key: ec.EllipticCurvePublicKey
    not_before: datetime
    not_after: datetime | None  # None: still signing
    status: str  # active, retired (no longer signs; its signatures stay good), revoked (its signatures no longer count)

    def covers(self, moment: datetime) -> bool:
        return self.status != "revoked" and self.not_before <= moment and (self.not_after is None or moment <= self.not_after)


def _write_private(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    data = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _read_private(path: Path) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key


def public_der(key: ec.EllipticCurvePublicKey) -> str:
    return base64.b64encode(key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)).decode()


def load_public(der_b64: str) -> ec.EllipticCurvePublicKey:
    key = serialization.load_der_public_key(base64.b64decode(der_b64))
    assert isinstance(key, ec.EllipticCurvePublicKey)
    return key


def _canonical(document: dict[str, Any]) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment is not None else None


class KeyStore:
    """The key folder: root.pem, signing-<kid>.pem, and keyset.json (the signed public document)."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    @property
    def initialised(self) -> bool:
        return (self.folder / ROOT_FILE).exists()

    def init(self, now: datetime) -> int:
        if self.initialised:
            raise KeyError_(f"keys already exist in {self.folder}")
        self.folder.mkdir(parents=True, exist_ok=True)
        os.chmod(self.folder, 0o700)
        _write_private(self.folder / ROOT_FILE, ec.generate_private_key(ec.SECP256R1()))
        return self._add_signing_key([], now)

    def rotate(self, now: datetime) -> int:
        """Close the current key's signing window now and open a new key's. Earlier tokens stay valid."""
        entries = self._entries()
        for entry in entries:
            if entry["status"] == "active":
                entry["status"], entry["not_after"] = "retired", _iso(now)
        return self._add_signing_key(entries, now)

    def revoke(self, kid: int, now: datetime) -> None:
        """A compromised key: its signatures stop counting (credentials it signed must be re-signed)."""
        entries = self._entries()
        entry = next((e for e in entries if e["kid"] == kid), None)
        if entry is None:
            raise KeyError_(f"no key {kid}")
        entry["status"] = "revoked"
        entry["not_after"] = entry["not_after"] or _iso(now)
        self._publish(entries, now)

    def signing_key(self) -> tuple[int, ec.EllipticCurvePrivateKey]:
        entry = next((e for e in self._entries() if e["status"] == "active"), None)
        if entry is None:
            raise KeyError_("no active signing key: run `flask keys init`")
        return entry["kid"], _read_private(self.folder / f"signing-{entry['kid']}.pem")

    def document(self) -> dict[str, Any]:
        """The published key set: {"keyset": {...}, "signature": base64}."""
        return json.loads((self.folder / KEYSET_FILE).read_text(encoding="utf-8"))

    def root_public(self) -> str:
        return public_der(_read_private(self.folder / ROOT_FILE).public_key())

    # internals ------------------------------------------------------------------------------------

    def _entries(self) -> list[dict[str, Any]]:
        if not self.initialised:
            raise KeyError_("no keys: run `flask keys init`")
        return list(self.document()["keyset"]["keys"])

    def _add_signing_key(self, entries: list[dict[str, Any]], now: datetime) -> int:
        kid = max((e["kid"] for e in entries), default=0) + 1
        key = ec.generate_private_key(ec.SECP256R1())
        _write_private(self.folder / f"signing-{kid}.pem", key)
        entries.append({"kid": kid, "alg": "ES256", "public_key": public_der(key.public_key()), "not_before": _iso(now - timedelta(minutes=1)),
                        "not_after": None, "status": "active"})
        self._publish(entries, now)
        return kid

    def _publish(self, entries: list[dict[str, Any]], now: datetime) -> None:
        keyset = {"version": 1, "issued_at": _iso(now), "keys": entries}
        root = _read_private(self.folder / ROOT_FILE)
        signature = sign_der_low_s(root, KEYSET_DOMAIN + _canonical(keyset))
        document = {"keyset": keyset, "signature": base64.b64encode(signature).decode(), "root_public_key": public_der(root.public_key())}
        tmp = self.folder / (KEYSET_FILE + ".tmp")
        tmp.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(self.folder / KEYSET_FILE)


def read_keyset(document: dict[str, Any], root_public_key: str) -> dict[int, PublishedKey]:
    """Check the key set's root signature against the pinned root key and return its keys by id."""
    try:
        root = load_public(root_public_key)
        root.verify(base64.b64decode(document["signature"]), KEYSET_DOMAIN + _canonical(document["keyset"]), ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, KeyError, ValueError, TypeError) as exc:
        raise KeyError_("the key set is not signed by the root key") from exc
    keys = {}
    for entry in document["keyset"]["keys"]:
        keys[entry["kid"]] = PublishedKey(entry["kid"], load_public(entry["public_key"]), datetime.fromisoformat(entry["not_before"]),
                                          datetime.fromisoformat(entry["not_after"]) if entry["not_after"] else None, entry["status"])
    return keys


# ---- status lists -----------------------------------------------------------------------------------

class StatusListError(KeyError_):
    """The status list cannot be used: unreadable, not signed by a current signing key, or stale."""


class Bits:
    """A bitstring read as a set of status indices: bit i is byte i // 8, mask 0x80 >> (i % 8)."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def __contains__(self, index: object) -> bool:
        if not isinstance(index, int) or index < 0 or index >= len(self.data) * 8:
            return False  # beyond the list: issued after it, so in neither list
        return bool(self.data[index >> 3] & (0x80 >> (index & 7)))

    @classmethod
    def of(cls, indices: Iterable[int], size: int) -> Bits:
        data = bytearray(size // 8)
        for index in indices:
            data[index >> 3] |= 0x80 >> (index & 7)
        return cls(bytes(data))


@dataclass(frozen=True)
class StatusList:
    kid: int
    issued: datetime
    next_update: datetime
    size: int  # bits in each list
    revoked: Bits  # no longer in force: revoked, cancelled or superseded
    suspended: Bits


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def status_list_size(highest_index: int | None) -> int:
    """Bits in a list: enough for every status index issued so far, a whole number of bytes, at least 8."""
    return max(8, ((highest_index or 0) // 8 + 1) * 8)


def sign_status_list(kid: int, key: ec.EllipticCurvePrivateKey, issued: datetime, next_update: datetime, size: int,
                     revoked: Iterable[int], suspended: Iterable[int]) -> dict[str, Any]:
    """The status list document: both bitstrings, zlib-compressed and Base64-encoded, signed with ES256 by
    the current signing key over a domain-separated message."""
    if size % 8 or not 0 < size <= STATUS_LIST_MAX_BITS:
        raise ValueError("a status list holds a whole number of bytes")

    def packed(indices: Iterable[int]) -> str:
        return base64.b64encode(zlib.compress(Bits.of(indices, size).data, 9)).decode("ascii")

    body = {"version": 1, "alg": "ES256", "kid": kid, "issued": _timestamp(issued), "next_update": _timestamp(next_update),
            "size": size, "revoked": packed(revoked), "suspended": packed(suspended)}
    signature = sign_der_low_s(key, STATUS_LIST_DOMAIN + _canonical(body))
    return {"status_list": body, "signature": base64.b64encode(signature).decode("ascii")}


def _unpack(text: str, size: int) -> Bits:
    inflater = zlib.decompressobj()
    data = inflater.decompress(base64.b64decode(text, validate=True), size // 8 + 1)
    if len(data) != size // 8 or not inflater.eof or inflater.unconsumed_tail:
        raise StatusListError("a bitstring does not have the list's size")
    return Bits(data)


def read_status_list(document: dict[str, Any] | None, keys: dict[int, PublishedKey], now: datetime) -> StatusList:
    """Check a status list against the (already root-checked) key set and the time: signed by a published
    key inside that key's window, issued no later than now (with a little clock skew) and not past its
    next update. Raises StatusListError saying what is wrong; never returns an unusable list."""
    if document is None:
        raise StatusListError("no status list")
    try:
        body, signature = document["status_list"], base64.b64decode(document["signature"], validate=True)
        if body["version"] != 1 or body["alg"] != "ES256":
            raise StatusListError("unknown status list version or algorithm")
        key = keys.get(body["kid"]) if isinstance(body["kid"], int) else None
        if key is None:
            raise StatusListError("the status list is signed by an unknown key")
        key.public_key.verify(signature, STATUS_LIST_DOMAIN + _canonical(body), ec.ECDSA(hashes.SHA256()))
        issued, next_update = datetime.fromisoformat(body["issued"]), datetime.fromisoformat(body["next_update"])
        size = body["size"]
        if issued.tzinfo is None or next_update.tzinfo is None or not isinstance(size, int) or size % 8 or not 0 < size <= STATUS_LIST_MAX_BITS:
            raise StatusListError("the status list's times or size cannot be read")
        if not key.covers(issued):
            raise StatusListError("the status list was signed outside its key's window, or by a revoked key")
        if issued > now + CLOCK_SKEW:
            raise StatusListError("the status list is dated in the future: check this device's clock")
        if now > next_update:
            raise StatusListError(f"the status list is stale: its next update was due {next_update.isoformat()}")
        return StatusList(body["kid"], issued, next_update, size, _unpack(body["revoked"], size), _unpack(body["suspended"], size))
    except StatusListError:
        raise
    except InvalidSignature as exc:
        raise StatusListError("the status list's signature does not match: it was altered or not made by the issuer") from exc
    except (KeyError, ValueError, TypeError, zlib.error) as exc:
        raise StatusListError("the status list cannot be read") from exc
