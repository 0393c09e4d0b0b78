"""The credential token and its keys: what a QR code carries, and every way a forged, altered or stale
one is refused (the offline verifier; the verify page will take the same steps)."""
import os
import stat
from datetime import UTC, date, datetime, timedelta

import pytest
import qrcode

from examsys.credentials import offline
from examsys.credentials.keys import KeyError_, KeyStore, read_keyset
from examsys.credentials.token import CredentialClaims, TokenError, decode_body, photo_digest, sign, split, verify_url

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def claims(store: KeyStore, **over) -> CredentialClaims:
    kid, _key = store.signing_key()
    values = dict(key_id=kid, credential_id=bytes.fromhex("0123456789abcdef"), status_index=42, signed_at=NOW, name="欧阳建国",
                  number="150102-SJ-000123-7", org_code="150102-SJJ", domains=("market", "food"), valid_from=date(2026, 6, 1),
                  valid_to=date(2031, 5, 31), photo_digest=photo_digest(b"jpeg bytes"))
    values.update(over)
    return CredentialClaims(**values)


@pytest.fixture
def store(tmp_path):
    keys = KeyStore(tmp_path / "keys")
    keys.init(NOW - timedelta(days=1))
    return keys


def published(store):
    return read_keyset(store.document(), store.root_public())


def issue(store, **over):
    kid, key = store.signing_key()
    return sign(claims(store, **over), key)


def test_a_token_round_trips_and_fits_a_screen_qr_code(store):
    token = issue(store)
    body, _signature = split(token)
    assert decode_body(body) == claims(store)
    url = verify_url("http://127.0.0.1:5000", token)
    assert url == url.upper() and set(url) <= set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(url)
    code.make(fit=True)
    assert code.version <= 10


def test_the_token_holds_no_id_number_or_birth_date(store):
    body, _ = split(issue(store))
    assert b"11010519491231002X" not in body and b"1949" not in body
    assert {f for f in CredentialClaims.__dataclass_fields__} == {
        "key_id", "credential_id", "status_index", "signed_at", "name", "number", "org_code", "domains", "valid_from", "valid_to",
        "photo_digest", "expires_at"}


def test_valid_suspended_revoked_and_without_lists(store):
    token, keys = issue(store), published(store)
    assert offline.verify(token, keys, NOW, revoked=frozenset(), suspended=frozenset()).verdict == "VALID"
    assert offline.verify(token, keys, NOW, revoked=frozenset(), suspended=frozenset({42})).verdict == "SUSPENDED"
    assert offline.verify(token, keys, NOW, revoked=frozenset({42}), suspended=frozenset()).verdict == "NOT VALID"
    assert offline.verify(token, keys, NOW).verdict == "CANNOT VERIFY"  # fails closed without current lists


def test_past_valid_to_is_not_valid(store):
    token = issue(store, valid_to=date(2026, 6, 30))
    later = datetime(2026, 7, 1, 0, 1, tzinfo=UTC)
    assert offline.verify(token, published(store), later, revoked=frozenset(), suspended=frozenset()).verdict == "NOT VALID"


def test_one_changed_character_is_refused(store):
    token = issue(store)
    position = len(token) // 2
    altered = token[:position] + ("A" if token[position] != "A" else "B") + token[position + 1:]
    result = offline.verify(altered, published(store), NOW, revoked=frozenset(), suspended=frozenset())
    assert result.verdict == "NOT VALID"


def test_a_token_signed_by_an_unknown_key_is_refused(store, tmp_path):
    other = KeyStore(tmp_path / "other")
    other.init(NOW - timedelta(days=1))
    forged = issue(other)
    assert offline.verify(forged, published(store), NOW, revoked=frozenset(), suspended=frozenset()).verdict == "NOT VALID"


def test_rotation_keeps_earlier_tokens_and_refuses_signatures_after_the_window(store):
    old_kid, old_key = store.signing_key()
    before = sign(claims(store), old_key)
    store.rotate(NOW + timedelta(hours=1))
    keys = published(store)
    assert store.signing_key()[0] == old_kid + 1
    assert offline.verify(before, keys, NOW + timedelta(days=2), revoked=frozenset(), suspended=frozenset()).verdict == "VALID"
    late = sign(claims(store, key_id=old_kid, signed_at=NOW + timedelta(hours=2)), old_key)  # a stolen old key, used later
    assert offline.verify(late, keys, NOW + timedelta(days=2), revoked=frozenset(), suspended=frozenset()).verdict == "NOT VALID"


def test_a_revoked_key_no_longer_vouches(store):
    kid, _key = store.signing_key()
    token = issue(store)
    store.revoke(kid, NOW)
    assert offline.verify(token, published(store), NOW, revoked=frozenset(), suspended=frozenset()).verdict == "NOT VALID"


def test_a_tampered_key_set_is_refused(store):
    document = store.document()
    document["keyset"]["keys"][0]["status"] = "active"
    document["keyset"]["keys"][0]["not_after"] = "2099-01-01T00:00:00+00:00"
    document["keyset"]["issued_at"] = "2099-01-01T00:00:00+00:00"
    with pytest.raises(KeyError_):
        read_keyset(document, store.root_public())


def test_an_e_card_code_expires(store):
    token = issue(store, expires_at=NOW + timedelta(seconds=90))
    keys = published(store)
    assert offline.verify(token, keys, NOW + timedelta(seconds=60), revoked=frozenset(), suspended=frozenset()).verdict == "VALID"
    assert offline.verify(token, keys, NOW + timedelta(seconds=91), revoked=frozenset(), suspended=frozenset()).verdict == "CODE EXPIRED"


def test_private_key_files_are_readable_only_by_their_owner(store):
    for path in store.folder.glob("*.pem"):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(store.folder).st_mode) == 0o700
    assert "PRIVATE" not in str(store.document())


def test_garbage_is_refused_plainly():
    with pytest.raises(TokenError):
        split("NOT-BASE32!")
    assert offline.verify("AAAA", {}, NOW).verdict == "NOT VALID"


def test_keys_from_the_command_line_and_the_published_key_set(app, runner, client, tmp_path):
    app.config["KEY_DIR"] = str(tmp_path / "cli-keys")
    assert client.get("/.well-known/examsys-keyset.json").status_code == 404
    result = runner.invoke(args=["keys", "init"])
    assert result.exit_code == 0 and "signing key 1" in result.output
    assert runner.invoke(args=["keys", "init"]).exit_code == 1  # never overwrites keys
    assert "signing key 2 is now active" in runner.invoke(args=["keys", "rotate"]).output
    response = client.get("/.well-known/examsys-keyset.json")
    document = response.get_json()
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert [k["status"] for k in document["keyset"]["keys"]] == ["retired", "active"]
    assert "PRIVATE" not in response.get_data(as_text=True)
    store = KeyStore(tmp_path / "cli-keys")
    assert set(read_keyset(document, store.root_public())) == {1, 2}


def _twin(token: str) -> str:
    """The same token with its signature's twin (r, n - s): a signature ECDSA itself accepts as well."""
    import base64

    from examsys.credentials.keys import P256_ORDER

    body, signature = split(token)
    s = int.from_bytes(signature[32:], "big")
    raw = body + signature[:32] + (P256_ORDER - s).to_bytes(32, "big")
    return base64.b32encode(raw).decode("ascii").rstrip("=")


def test_a_token_has_exactly_one_valid_encoding_the_low_s_twin_is_refused(store):
    from examsys.credentials.keys import HALF_ORDER

    keys = published(store)
    for _ in range(8):  # a random high s half of the time before low-s signing: eight tokens leave no doubt
        token = issue(store)
        assert int.from_bytes(split(token)[1][32:], "big") <= HALF_ORDER
        assert offline.verify(token, keys, NOW, revoked=frozenset(), suspended=frozenset()).verdict == offline.VALID
        twin = offline.verify(_twin(token), keys, NOW, revoked=frozenset(), suspended=frozenset())
        assert twin.verdict == offline.NOT_VALID and ("signature", False) in twin.steps


def test_key_set_and_status_list_signatures_are_low_s(store):
    import base64

    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    from examsys.credentials.keys import HALF_ORDER, sign_status_list

    kid, key = store.signing_key()
    for n in range(6):
        store.rotate(NOW + timedelta(minutes=n))
        _r, s = decode_dss_signature(base64.b64decode(store.document()["signature"]))
        assert s <= HALF_ORDER
        document = sign_status_list(kid, key, NOW, NOW + timedelta(hours=1), 8, [n], [])
        _r, s = decode_dss_signature(base64.b64decode(document["signature"]))
        assert s <= HALF_ORDER
