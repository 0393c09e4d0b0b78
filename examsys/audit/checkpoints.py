"""Signed checkpoints of the audit chain, kept outside the database.

The hash chain (audit.models) shows any change made by someone who cannot recompute the hashes; someone
with write access to the database can: rewrite an entry, recompute every hash after it and the head, and
the chain reads intact. A checkpoint pins the chain's head (sequence number and hash) at a moment, signed
with an Ed25519 key kept in the key folder with the credential signing keys — never in the database — and
written as a new file that is never rewritten (`checkpoint-<seq>-<time>.json` in AUDIT_CHECKPOINT_DIR,
default `<instance>/audit-checkpoints`) for the operator to ship elsewhere. A rewrite of any entry at or
before a checkpoint's sequence number changes the hash that checkpoint holds, so `verify` names it.

What it does not protect: entries after the newest checkpoint (until the next one), and a rewrite by
someone who also holds the checkpoint key. Checkpoints shipped away keep counting even if the local
folder is wiped, once they are copied back for verification.
"""
from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import Flask, current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from examsys import clock
from examsys.audit.models import GENESIS_HASH, AuditEntry, AuditHead

DOMAIN = b"examsys/audit-checkpoint/v1\x00"  # a checkpoint signature means nothing elsewhere
KEY_FILE = "audit-checkpoint.pem"
EVENT_MAX_WALK = 5000  # entries a checkpoint made inside a request may check (about half a second)


class CheckpointError(Exception):
    """A checkpoint cannot be made, or one was found that the chain or its signature contradicts."""


def key_folder() -> Path:
    return Path(current_app.config.get("KEY_DIR") or Path(current_app.instance_path) / "keys")


def checkpoint_folder() -> Path:
    return Path(current_app.config.get("AUDIT_CHECKPOINT_DIR") or Path(current_app.instance_path) / "audit-checkpoints")


def _canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def signing_key(create: bool = False) -> Ed25519PrivateKey:
    """The checkpoint key from the key folder (made there, readable by its owner only, when `create`)."""
    path = key_folder() / KEY_FILE
    if not path.exists():
        if not create:
            raise CheckpointError(f"no audit checkpoint key in {path.parent}: run `flask audit checkpoint` once")
        path.parent.mkdir(parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        return key
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError(f"{path} is not an Ed25519 key")
    return key


def public_key_text(key: Ed25519PublicKey) -> str:
    return base64.b64encode(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode("ascii")


@dataclass(frozen=True)
class Checkpoint:
    name: str  # the file's name
    seq: int
    hash: str
    at: str


def _hash_at(session: Session, seq: int) -> str | None:
    if seq == 0:
        return GENESIS_HASH
    return session.scalar(select(AuditEntry.hash).where(AuditEntry.seq == seq))


def read_checkpoints(public: Ed25519PublicKey) -> list[Checkpoint]:
    """Every checkpoint in the folder, oldest first; CheckpointError naming the first file that cannot be
    read or whose signature does not verify under the checkpoint key (forged or altered)."""
    folder = checkpoint_folder()
    checkpoints = []
    for path in sorted(folder.glob("checkpoint-*.json")) if folder.exists() else ():
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            body = document["checkpoint"]
            public.verify(base64.b64decode(document["signature"], validate=True), DOMAIN + _canonical(body))
            seq, digest, at = body["seq"], body["hash"], body["at"]
            if body.get("version") != 1 or not isinstance(seq, int) or not isinstance(digest, str) or not isinstance(at, str):
                raise ValueError(body)
        except InvalidSignature:
            raise CheckpointError(f"checkpoint {path.name}: its signature does not verify with the checkpoint key "
                                  "(forged or altered); it is refused") from None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CheckpointError(f"checkpoint {path.name} cannot be read ({exc.__class__.__name__})") from None
        checkpoints.append(Checkpoint(path.name, seq, digest, at))
    return sorted(checkpoints, key=lambda c: (c.seq, c.name))


def contradicted(session: Session, checkpoints: list[Checkpoint]) -> str | None:
    """The first checkpoint the chain in the database contradicts, said in words; None when none does."""
    head = session.get(AuditHead, 1)
    last = head.last_seq if head is not None else 0
    for checkpoint in checkpoints:
        if checkpoint.seq > last:
            return (f"the chain contradicts checkpoint {checkpoint.name} (made {checkpoint.at}): it held entry {checkpoint.seq} "
                    f"but the chain now ends at entry {last} (entries were removed)")
        digest = _hash_at(session, checkpoint.seq)
        if digest != checkpoint.hash:
            return (f"the chain contradicts checkpoint {checkpoint.name} (made {checkpoint.at}): entry {checkpoint.seq} "
                    f"or one before it was rewritten since")
    return None


def _links_from(session: Session, seq: int, digest: str, batch: int = 5000) -> str | None:
    """Whether the entries after `seq` chain correctly from `digest` up to the head; the problem if not."""
    expected_prev, expected_seq = digest, seq + 1
    while True:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.seq >= expected_seq).order_by(AuditEntry.seq).limit(batch)).all()
        if not rows:
            break
        for entry in rows:
            if entry.seq != expected_seq or entry.prev_hash != expected_prev or entry.compute_hash() != entry.hash:
                return f"entry {entry.seq} does not chain from the entries before it"
            expected_prev, expected_seq = entry.hash, entry.seq + 1
    head = session.get(AuditHead, 1)
    if head is not None and (head.last_seq, head.last_hash) != (expected_seq - 1, expected_prev):
        return "the head does not match the chain's last entry"
    return None


def make_checkpoint(session: Session, max_walk: int | None = None) -> Path | None:
    """Sign the chain's head and write it as a new checkpoint file. Refuses (CheckpointError) when the
    chain does not extend the newest checkpoint intact: a checkpoint never vouches for a rewrite; and
    when more than `max_walk` entries would have to be walked for that (about 0.1 ms each), leaving it to
    the command. None when the newest checkpoint (or one made at the same moment) already holds the head."""
    key = signing_key(create=True)
    checkpoints = read_checkpoints(key.public_key())
    problem = contradicted(session, checkpoints)
    head = session.get(AuditHead, 1)
    if problem is None and max_walk is not None and head is not None and head.last_seq - (checkpoints[-1].seq if checkpoints else 0) > max_walk:
        raise CheckpointError(f"more than {max_walk} entries since the newest checkpoint: left to `flask audit checkpoint`")
    if problem is None:
        start = checkpoints[-1] if checkpoints else None
        problem = _links_from(session, start.seq if start else 0, start.hash if start else GENESIS_HASH)
    if problem is not None:
        raise CheckpointError(f"no checkpoint made: {problem}")
    seq, digest = (head.last_seq, head.last_hash) if head is not None else (0, GENESIS_HASH)
    if checkpoints and checkpoints[-1].seq == seq:
        return None
    now: datetime = clock.now()
    body = {"version": 1, "seq": seq, "hash": digest, "at": now.isoformat(timespec="seconds"), "alg": "Ed25519"}
    document = {"checkpoint": body, "signature": base64.b64encode(key.sign(DOMAIN + _canonical(body))).decode("ascii"),
                "public_key": public_key_text(key.public_key())}
    folder = checkpoint_folder()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"checkpoint-{seq:012d}-{now.strftime('%Y%m%dT%H%M%S')}.json"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)  # never rewritten: a new file each time
    except FileExistsError:  # another process checkpointed the same head this second
        return None
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(document, handle, ensure_ascii=False, indent=1)
    return path


def verify_checkpoints(session: Session) -> tuple[int, str | None]:
    """How many checkpoints there are, and the problem (a refused file, or the checkpoint the chain
    contradicts), None when every checkpoint holds."""
    try:
        key = signing_key()
    except CheckpointError:
        if checkpoint_folder().exists() and any(checkpoint_folder().glob("checkpoint-*.json")):
            return 0, f"checkpoints exist but the checkpoint key is missing from {key_folder()}"
        return 0, None
    try:
        checkpoints = read_checkpoints(key.public_key())
    except CheckpointError as error:
        return 0, str(error)
    return len(checkpoints), contradicted(session, checkpoints)


def due_after(session: Session, actions: list[str]) -> None:
    """Mark the transaction: once it commits, checkpoint the chain (one of AUDIT_CHECKPOINT_ACTIONS was written)."""
    if has_app_context() and set(actions) & set(current_app.config["AUDIT_CHECKPOINT_ACTIONS"]):
        session.info["audit_checkpoint_due"] = True


def _after_commit(session: Session) -> None:
    if not session.info.pop("audit_checkpoint_due", False):
        return
    try:
        with Session(bind=session.get_bind()) as fresh:
            make_checkpoint(fresh, max_walk=EVENT_MAX_WALK)
    except CheckpointError as error:
        current_app.logger.warning("audit checkpoint after a chosen event not made: %s", error)
    except Exception:  # noqa: BLE001 - the change is committed; a checkpoint that failed is the operator's to see
        current_app.logger.exception("audit checkpoint after a chosen event failed")


def _after_rollback(session: Session, previous_transaction: Any) -> None:
    session.info.pop("audit_checkpoint_due", None)


def init_app(app: Flask) -> None:
    """Checkpoint after the commit of a chosen event (AUDIT_CHECKPOINT_ACTIONS), besides the cron's."""
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_rollback)
