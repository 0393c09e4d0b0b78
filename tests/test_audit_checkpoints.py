"""Signed checkpoints anchor the audit chain outside the database: a rewrite that recomputes every hash
reads intact to the chain walk, and `flask audit verify` still finds it and names the checkpoint."""
import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text

from examsys.audit.checkpoints import DOMAIN, _canonical
from examsys.audit.models import AuditEntry, AuditHead
from examsys.audit.services import verify_chain
from examsys.auth.models import Role
from tests.factories import make_user
from tests.test_audit import tamper


@pytest.fixture(autouse=True)
def cron_only(app):
    """Checkpoints only when the test runs the command (the last test turns the chosen events back on)."""
    app.config["AUDIT_CHECKPOINT_ACTIONS"] = ()


def rewrite_and_rehash(db, seq: int, label: str) -> None:
    """What a DBA can do: change an entry, recompute its hash and every later link, and the head."""
    tamper(db, f"UPDATE audit_entry SET target_label = '{label}' WHERE seq = {seq}")
    previous = db.get(AuditEntry, seq - 1).hash if seq > 1 else "0" * 64
    entries = db.query(AuditEntry).filter(AuditEntry.seq >= seq).order_by(AuditEntry.seq).all()
    db.expunge_all()  # recomputed here, written behind the application's back below
    for entry in entries:
        entry.prev_hash = previous
        previous = entry.hash = entry.compute_hash()
        tamper(db, f"UPDATE audit_entry SET prev_hash = '{entry.prev_hash}', hash = '{entry.hash}' WHERE seq = {entry.seq}")
    db.execute(text(f"UPDATE audit_head SET last_hash = '{previous}' WHERE id = 1"))
    db.commit()


def checkpoint_files(app):
    return sorted((Path(app.instance_path) / "audit-checkpoints").glob("checkpoint-*.json"))


def test_a_rewrite_with_recomputed_hashes_contradicts_the_checkpoint(app, db, tree, runner):
    assert runner.invoke(args=["audit", "checkpoint"]).exit_code == 0
    first = checkpoint_files(app)[0].name
    make_user(db, "admin", tree.region, Role.SYSADMIN)
    assert runner.invoke(args=["audit", "checkpoint"]).exit_code == 0
    assert runner.invoke(args=["audit", "verify"]).output.startswith("audit chain intact: 9 entries checked, agreeing with 2 signed checkpoints")
    rewrite_and_rehash(db, 3, "forged")
    assert verify_chain(db).ok  # the chain alone cannot tell
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"contradicts checkpoint {first}" in result.output and "entry 7 or one before it was rewritten" in result.output
    refused = runner.invoke(args=["audit", "checkpoint"])  # a new checkpoint never vouches for the rewrite
    assert refused.exit_code == 1 and "no checkpoint made" in refused.output and len(checkpoint_files(app)) == 2


def test_a_rewrite_after_the_newest_checkpoint_only_is_not_caught_by_it(app, db, tree, runner):
    """The documented limit: entries after the newest checkpoint are protected only from the next one on."""
    assert runner.invoke(args=["audit", "checkpoint"]).exit_code == 0
    make_user(db, "admin", tree.region, Role.SYSADMIN)
    rewrite_and_rehash(db, 9, "forged")
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    rewrite_and_rehash(db, 7, "forged")
    assert "contradicts checkpoint" in runner.invoke(args=["audit", "verify"]).output


def test_removing_entries_after_a_checkpoint_is_found(app, db, tree, runner):
    make_user(db, "admin", tree.region, Role.SYSADMIN)
    assert runner.invoke(args=["audit", "checkpoint"]).exit_code == 0
    tamper(db, "DELETE FROM audit_entry WHERE seq > 7")
    last = db.get(AuditEntry, 7).hash
    db.execute(text(f"UPDATE audit_head SET last_seq = 7, last_hash = '{last}' WHERE id = 1"))
    db.commit()
    assert verify_chain(db).ok
    output = runner.invoke(args=["audit", "verify"]).output
    assert "held entry 9 but the chain now ends at entry 7" in output


def test_a_checkpoint_with_a_forged_signature_is_refused(app, db, tree, runner):
    make_user(db, "admin", tree.region, Role.SYSADMIN)
    assert runner.invoke(args=["audit", "checkpoint"]).exit_code == 0
    path = checkpoint_files(app)[0]
    document = json.loads(path.read_text())
    rewrite_and_rehash(db, 3, "forged")
    # The DBA writes a checkpoint of his own chain, signed with a key of his own.
    body = dict(document["checkpoint"], hash=db.get(AuditHead, 1).last_hash)
    forged = {"checkpoint": body, "signature": base64.b64encode(Ed25519PrivateKey.generate().sign(DOMAIN + _canonical(body))).decode()}
    path.chmod(0o644)
    path.write_text(json.dumps(forged))
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"checkpoint {path.name}: its signature does not verify" in result.output and "refused" in result.output


def test_the_checkpoint_key_lives_in_the_key_folder_and_files_are_never_rewritten(app, db, tree, runner):
    assert runner.invoke(args=["audit", "checkpoint"]).exit_code == 0
    key = Path(app.instance_path) / "keys" / "audit-checkpoint.pem"
    assert key.exists() and key.stat().st_mode & 0o777 == 0o600
    assert "already holds" in runner.invoke(args=["audit", "checkpoint"]).output
    path = checkpoint_files(app)[0]
    assert path.stat().st_mode & 0o222 == 0  # read-only


def test_a_chosen_event_makes_a_checkpoint_when_it_commits(app, db, tree, runner):
    app.config["AUDIT_CHECKPOINT_ACTIONS"] = ("account.grant",)
    make_user(db, "plain", tree.region)
    assert checkpoint_files(app) == []
    make_user(db, "admin", tree.region, Role.SYSADMIN)  # a role granted: the chain's head is anchored at once
    (path,) = checkpoint_files(app)
    assert json.loads(path.read_text())["checkpoint"]["seq"] == db.get(AuditHead, 1).last_seq == 10
    rewrite_and_rehash(db, 8, "forged")
    assert f"contradicts checkpoint {path.name}" in runner.invoke(args=["audit", "verify"]).output


def test_a_chosen_event_leaves_a_long_unchecked_stretch_to_the_command(app, db, tree, runner, monkeypatch):
    from examsys.audit import checkpoints

    monkeypatch.setattr(checkpoints, "EVENT_MAX_WALK", 3)
    app.config["AUDIT_CHECKPOINT_ACTIONS"] = ("account.grant",)
    make_user(db, "admin", tree.region, Role.SYSADMIN)  # 10 entries since none: too many to check inside a request
    assert checkpoint_files(app) == []
    assert runner.invoke(args=["audit", "checkpoint"]).exit_code == 0
    make_user(db, "hr", tree.region, Role.HR_ADMIN)  # 2 more entries: checked and anchored at once
    assert len(checkpoint_files(app)) == 2
