"""The audit trail is a hash chain: any edit, deletion or truncation is found."""
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from examsys.audit.models import AuditEntry
from examsys.audit.services import verify_chain
from examsys.auth.models import Role
from tests.factories import make_user


def tamper(db, sql: str) -> None:
    """Change the trail behind the application's back, as someone with database access could: on
    PostgreSQL that means first disabling the append-only trigger."""
    postgres = db.get_bind().dialect.name == "postgresql"
    if postgres:
        db.execute(text("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only"))
    db.execute(text(sql))
    if postgres:
        db.execute(text("ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_append_only"))
    db.commit()


def test_every_change_writes_a_chained_entry(db, tree):
    entries = db.query(AuditEntry).order_by(AuditEntry.seq).all()
    assert [e.action for e in entries] == ["org.create"] * 7
    assert entries[0].prev_hash == "0" * 64
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(entries, entries[1:], strict=False))
    assert verify_chain(db).ok


def test_an_edited_entry_is_detected_with_its_number(db, tree, runner):
    make_user(db, "admin", tree.region, Role.SYSADMIN)
    tamper(db, "UPDATE audit_entry SET target_label = 'forged' WHERE seq = 3")
    report = verify_chain(db)
    assert not report.ok
    assert report.broken_at == 3
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "BROKEN at entry 3" in result.output


def test_a_deleted_entry_is_detected(db, tree):
    tamper(db, "DELETE FROM audit_entry WHERE seq = 4")
    report = verify_chain(db)
    assert report.broken_at == 4 and "missing" in report.problem


def test_a_truncated_chain_is_detected(db, tree):
    tamper(db, "DELETE FROM audit_entry WHERE seq = 7")
    assert not verify_chain(db).ok


def test_verify_command_reports_an_intact_chain(db, tree, runner):
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0
    assert "intact: 7 entries" in result.output


def test_auditor_reads_entries_of_the_subtree_only(db, tree, client, auth):
    make_user(db, "county-auditor", tree.county, Role.AUDITOR)
    auth.login("county-auditor")
    page = client.get("/audit/").get_data(as_text=True)
    assert "新城区市场监督管理局" in page
    assert "赛罕区" not in page and "包头市" not in page
    foreign = db.query(AuditEntry).filter(AuditEntry.target_label == "包头市").one()
    assert client.get(f"/audit/{foreign.seq}").status_code == 404


def test_audit_filters_by_action_and_actor(db, tree, client, auth):
    make_user(db, "auditor", tree.region, Role.AUDITOR)
    auth.login("auditor")
    page = client.get("/audit/?action=auth.").get_data(as_text=True)
    assert "<td>Logged in</td>" in page and "<td>Organisation created</td>" not in page  # actions by their labels
    page = client.get("/audit/?actor=nobody").get_data(as_text=True)
    assert "No entry matches." in page
    assert client.get("/audit/?since=yesterday").status_code == 422


def test_officer_without_audit_role_is_refused(db, tree, client, auth):
    make_user(db, "plain", tree.county)
    auth.login("plain")
    assert client.get("/audit/").status_code == 403


@pytest.mark.pg
def test_on_postgresql_the_database_itself_refuses_to_edit_or_delete_entries(db, tree):
    for sql in ("UPDATE audit_entry SET actor_name = 'x' WHERE seq = 1", "DELETE FROM audit_entry WHERE seq = 1"):
        with pytest.raises(DBAPIError, match="append-only"):
            db.execute(text(sql))
        db.rollback()
    assert verify_chain(db).ok
