"""Signed status lists and the offline verifier: with only the documents published under /.well-known/ it
gives the verify page's verdict, and CANNOT VERIFY when its list is stale, missing or not genuine."""
import ast
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from examsys import clock
from examsys.credentials import offline, services
from examsys.credentials.keys import Bits, KeyStore, StatusListError, read_keyset, read_status_list, sign_status_list
from examsys.credentials.public.verification import token_for, url_for_token
from examsys.credentials.token import sign
from tests.credential_fixtures import REVOCATION_CASE, issue_request

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def issued(app, db, issuing, tmp_path):
    app.config["KEY_DIR"] = str(tmp_path / "keys")
    store = KeyStore(tmp_path / "keys")
    store.init(clock.now() - timedelta(minutes=5))
    credential = services.issue(db, issuing["hr"], issue_request(issuing, issuing["officer"]))
    db.commit()
    return credential, token_for(credential), issuing, store


def published(client):
    keyset = client.get("/.well-known/examsys-keyset.json")
    status = client.get("/.well-known/examsys-status.json")
    assert keyset.status_code == status.status_code == 200
    return keyset.get_json(), status.get_json()


def page_verdict(client, token: str) -> str:
    page = client.get(f"/V/{token}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    return page.split('data-verdict="')[1].split('"')[0]


def both(client, store, token: str) -> tuple[str, str]:
    """(the page's verdict, the offline verifier's verdict from freshly published documents)."""
    keyset, status = published(client)
    result = offline.verify_documents(token, keyset, status, clock.now(), root_public_key=store.root_public())
    return page_verdict(client, token), result.verdict


def change(db, issuing, credential, action):
    extra: dict = {"decision_number": "决〔2026〕9号"} if action in ("suspend", "revoke") else {}
    if action == "revoke":
        extra["case"] = REVOCATION_CASE
    services.change(db, issuing["hr"], credential.id, action, ground="办法第二十条", reason="核查", **extra)
    db.commit()


def altered(token: str) -> str:
    position = len(token) // 2
    return token[:position] + ("A" if token[position] != "A" else "B") + token[position + 1:]


def test_the_offline_verifier_agrees_with_the_page_through_the_lifecycle(db, client, issued):
    credential, token, issuing, store = issued
    assert both(client, store, token) == ("VALID", "VALID")
    change(db, issuing, credential, "suspend")
    assert both(client, store, token) == ("SUSPENDED", "SUSPENDED")  # the published list follows at once
    change(db, issuing, credential, "reinstate")
    assert both(client, store, token) == ("VALID", "VALID")
    change(db, issuing, credential, "revoke")
    assert both(client, store, token) == ("NOT VALID", "NOT VALID")


def test_cancelled_and_superseded_read_not_valid_offline_too(db, client, issued):
    credential, token, issuing, store = issued
    newer = services.issue(db, issuing["hr"], issue_request(issuing, issuing["officer"]))  # supersedes the first
    db.commit()
    assert both(client, store, token) == ("NOT VALID", "NOT VALID")
    newer_token = token_for(newer)
    assert both(client, store, newer_token) == ("VALID", "VALID")
    change(db, issuing, newer, "cancel")
    assert both(client, store, newer_token) == ("NOT VALID", "NOT VALID")


def test_past_valid_to_both_say_not_valid(db, client, issued):
    _credential, token, _issuing, store = issued
    clock.advance(timedelta(days=365 * 5 + 2))
    assert both(client, store, token) == ("NOT VALID", "NOT VALID")


def test_a_changed_character_an_unknown_key_and_a_late_signature_fail_both(db, client, issued, tmp_path):
    credential, token, _issuing, store = issued
    assert both(client, store, altered(token)) == ("NOT VALID", "NOT VALID")
    stranger = KeyStore(tmp_path / "stranger")
    stranger.init(clock.now() - timedelta(days=1))
    kid, key = store.signing_key()
    from examsys.credentials.token import decode_body, split

    claims = decode_body(split(token)[0])
    forged = sign(claims.__class__(**{**claims.__dict__, "key_id": 99}), stranger.signing_key()[1])  # a key id nobody published
    assert both(client, store, forged) == ("NOT VALID", "NOT VALID")
    store.rotate(clock.now())
    clock.advance(timedelta(hours=1))
    late = sign(claims.__class__(**{**claims.__dict__, "key_id": kid, "signed_at": clock.now().replace(second=0, microsecond=0)}), key)
    assert both(client, store, late) == ("NOT VALID", "NOT VALID")  # an old key used after its window
    assert both(client, store, token) == ("VALID", "VALID")  # rotation keeps earlier credentials valid
    assert published(client)[1]["status_list"]["kid"] == kid + 1  # and the list is signed by the new key


def test_a_stale_list_cannot_verify(db, client, issued):
    _credential, token, _issuing, store = issued
    keyset, status = published(client)
    assert offline.verify_documents(token, keyset, status, clock.now(), root_public_key=store.root_public()).verdict == "VALID"
    next_update = datetime.fromisoformat(status["status_list"]["next_update"])
    later = next_update + timedelta(seconds=1)
    result = offline.verify_documents(token, keyset, status, later, root_public_key=store.root_public())
    assert result.verdict == "CANNOT VERIFY" and "stale" in result.reason
    assert ("status list current", False) in result.steps
    assert offline.verify_documents(token, keyset, None, clock.now(), root_public_key=store.root_public()).verdict == "CANNOT VERIFY"


def test_a_tampered_or_foreign_list_cannot_verify(db, client, issued, tmp_path):
    credential, token, issuing, store = issued
    change(db, issuing, credential, "revoke")
    keyset, status = published(client)
    root = store.root_public()
    assert offline.verify_documents(token, keyset, status, clock.now(), root_public_key=root).verdict == "NOT VALID"
    cleared = json.loads(json.dumps(status))
    empty = sign_status_list(1, store.signing_key()[1], clock.now(), clock.now() + timedelta(hours=1), 8, [], [])
    cleared["status_list"]["revoked"] = empty["status_list"]["revoked"]  # someone clears the revoked bit
    assert offline.verify_documents(token, keyset, cleared, clock.now(), root_public_key=root).verdict == "CANNOT VERIFY"
    prolonged = json.loads(json.dumps(status))
    prolonged["status_list"]["next_update"] = "2099-01-01T00:00:00+00:00"
    assert offline.verify_documents(token, keyset, prolonged, clock.now(), root_public_key=root).verdict == "CANNOT VERIFY"
    stranger = KeyStore(tmp_path / "stranger")
    stranger.init(clock.now() - timedelta(days=1))
    kid, key = stranger.signing_key()
    foreign = sign_status_list(kid, key, clock.now(), clock.now() + timedelta(hours=1), 8, [], [])  # right kid, wrong key
    assert offline.verify_documents(token, keyset, foreign, clock.now(), root_public_key=root).verdict == "CANNOT VERIFY"
    # A key set whose root signature does not hold makes nothing verifiable.
    keyset["keyset"]["keys"][0]["not_after"] = "2099-01-01T00:00:00+00:00"
    assert offline.verify_documents(token, keyset, status, clock.now(), root_public_key=root).verdict == "CANNOT VERIFY"


def test_a_list_signed_by_a_retired_key_after_its_window_is_refused(issued):
    _credential, _token, _issuing, store = issued
    old_kid, old_key = store.signing_key()
    store.rotate(clock.now())
    keys = read_keyset(store.document(), store.root_public())
    later = clock.now() + timedelta(hours=1)
    document = sign_status_list(old_kid, old_key, later, later + timedelta(hours=24), 8, [], [])
    with pytest.raises(StatusListError, match="window"):
        read_status_list(document, keys, later)


def test_bits_are_read_most_significant_first():
    bits = Bits.of([0, 9, 15], 16)
    assert bits.data == bytes([0x80, 0x41])
    assert 0 in bits and 9 in bits and 15 in bits and 1 not in bits and 16 not in bits and -1 not in bits


def test_the_published_list_is_public_cacheable_and_holds_only_indices(db, client, issued):
    credential, _token, issuing, _store = issued
    change(db, issuing, credential, "suspend")
    response = client.get("/.well-known/examsys-status.json")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    document = response.get_json()["status_list"]
    max_age = int(response.headers["Cache-Control"].split("max-age=")[1])
    assert response.headers["Cache-Control"].startswith("public") and 23 * 3600 < max_age <= 24 * 3600
    assert set(document) == {"version", "alg", "kid", "issued", "next_update", "size", "revoked", "suspended"}
    assert issuing["officer"].name not in body and credential.number not in body


def test_without_keys_there_is_no_list(app, client, tmp_path):
    app.config["KEY_DIR"] = str(tmp_path / "none")
    assert client.get("/.well-known/examsys-status.json").status_code == 404


def test_the_command_line_writes_the_list_and_the_standalone_module_reads_it(db, runner, client, issued, tmp_path):
    credential, token, issuing, store = issued
    out = tmp_path / "status.json"
    result = runner.invoke(args=["credentials", "status-list", "--out", str(out)])
    assert result.exit_code == 0 and "status list written" in result.output
    keyset = tmp_path / "keyset.json"
    keyset.write_text(json.dumps(client.get("/.well-known/examsys-keyset.json").get_json()), encoding="utf-8")

    def standalone(*extra: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "examsys.credentials.offline", url_for_token(token), "--keyset", str(keyset),
                               "--status", str(out), "--root", store.root_public(), "--now", clock.now().isoformat(), *extra],
                              cwd=ROOT, capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))

    run = standalone()
    assert run.returncode == 0 and run.stdout.splitlines()[-1] == "VALID" and credential.number in run.stdout
    change(db, issuing, credential, "suspend")
    assert runner.invoke(args=["credentials", "status-list", "--out", str(out)]).exit_code == 0
    run = standalone()
    assert run.returncode == 1 and run.stdout.splitlines()[-1] == "SUSPENDED"
    stale = (clock.now() + timedelta(days=2)).isoformat()
    run = subprocess.run([sys.executable, "-m", "examsys.credentials.offline", token, "--keyset", str(keyset), "--status", str(out),
                          "--root", store.root_public(), "--now", stale], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 1 and run.stdout.splitlines()[-1] == "CANNOT VERIFY" and "stale" in run.stdout


def test_flask_credentials_verify_offline_gives_the_pages_verdict(db, runner, client, issued):
    credential, token, issuing, _store = issued
    result = runner.invoke(args=["credentials", "verify", "--offline", token])
    assert result.exit_code == 0 and result.output.splitlines()[-1] == "VALID" and "status list current" in result.output
    change(db, issuing, credential, "revoke")
    result = runner.invoke(args=["credentials", "verify", "--offline", token])
    assert result.exit_code == 1 and result.output.splitlines()[-1] == "NOT VALID"
    assert page_verdict(client, token) == "NOT VALID"


def test_the_standalone_verifier_loads_neither_flask_nor_the_database_layer():
    code = ("import sys, examsys.credentials.offline; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy', 'werkzeug', 'jinja2', 'examsys')))")
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert ast.literal_eval(run.stdout) == ["examsys", "examsys.clock", "examsys.credentials", "examsys.credentials.keys", "examsys.credentials.offline",
                                "examsys.credentials.token"]


def test_an_unreadable_list_says_why():
    with pytest.raises(StatusListError, match="no status list"):
        read_status_list(None, {}, datetime(2026, 6, 1, tzinfo=UTC))
    with pytest.raises(StatusListError, match="cannot be read"):
        read_status_list({"status_list": {"version": 1}}, {}, datetime(2026, 6, 1, tzinfo=UTC))
