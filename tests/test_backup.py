"""The backup and restore drill: one archive of the database and the key folder, restored into an empty
database, gives back the same audit chain, credentials that verify as before and every answer."""
from datetime import timedelta

import pytest
from sqlalchemy import text

from examsys import clock, create_app
from examsys.audit.services import verify_chain
from examsys.credentials import offline, services
from examsys.credentials.keys import KeyStore
from examsys.credentials.public.verification import token_for, verify
from examsys.db import engine_for, get_session
from examsys.exams.models import Answer
from tests.conftest import TEST_CONFIG
from tests.credential_fixtures import issue_request


def _answers(session):
    return {(a.attempt_id, a.position): (a.response, a.seq) for a in session.query(Answer)}


@pytest.fixture
def world(app, db, issuing, tmp_path, runner):
    """Signing keys, an issued credential and its token, a candidate's submitted answers, a checkpoint."""
    app.config["KEY_DIR"] = str(tmp_path / "keys")
    KeyStore(tmp_path / "keys").init(clock.now() - timedelta(minutes=5))
    credential = services.issue(db, issuing["hr"], issue_request(issuing, issuing["officer"]))
    db.commit()
    token = token_for(credential)
    before = verify(db, token)
    assert before.verdict == offline.VALID
    assert runner.invoke(args=["audit", "checkpoint"]).exit_code == 0
    answers = _answers(db)
    assert len(answers) >= 10
    return {"token": token, "verdict": before, "answers": answers, "archive": tmp_path / "backup.tar.gz"}


def _found_as_before(session, world) -> None:
    assert verify_chain(session).ok
    after = verify(session, world["token"])
    assert after.verdict == offline.VALID and after.holder == world["verdict"].holder and after.claims == world["verdict"].claims
    assert _answers(session) == world["answers"]


def test_a_backup_restores_into_an_empty_sqlite_database(app, world, tmp_path, runner):
    if engine_for(app).dialect.name != "sqlite":
        pytest.skip("the SQLite drill (the PostgreSQL one follows)")
    created = runner.invoke(args=["backup", "create", str(world["archive"])])
    assert created.exit_code == 0, created.output
    assert world["archive"].stat().st_mode & 0o777 == 0o600  # it holds the private keys
    assert runner.invoke(args=["backup", "create", str(world["archive"])]).exit_code == 1  # never over a file
    restored = create_app(dict(TEST_CONFIG, DATABASE_URL=f"sqlite:///{tmp_path / 'restored.sqlite3'}",
                               KEY_DIR=str(tmp_path / "restored-keys")))
    restored.instance_path = str(tmp_path / "restored-instance")
    with restored.app_context():
        result = restored.test_cli_runner().invoke(args=["backup", "restore", str(world["archive"])])
        assert result.exit_code == 0, result.output
        assert "audit chain intact" in result.output and "checkpoints agree" in result.output
        _found_as_before(get_session(), world)
        again = restored.test_cli_runner().invoke(args=["backup", "restore", str(world["archive"])])
        assert again.exit_code == 1 and "the database is not empty" in again.output
        engine_for(restored).dispose()


@pytest.mark.pg
def test_a_backup_restores_into_an_empty_postgresql_database(app, db, world, tmp_path, runner):
    created = runner.invoke(args=["backup", "create", str(world["archive"])])
    assert created.exit_code == 0, created.output
    db.close()
    engine = engine_for(app)
    engine.dispose()
    with engine.begin() as conn:  # the same test database, emptied: the fixtures allow this one only
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    app.config["KEY_DIR"] = str(tmp_path / "restored-keys")
    result = runner.invoke(args=["backup", "restore", str(world["archive"])])
    assert result.exit_code == 0, result.output
    assert "audit chain intact" in result.output
    _found_as_before(db, world)
