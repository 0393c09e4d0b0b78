"""REST API v1: clients with hashed secrets, scopes, rotation, rate limits, problem details, and each
operation as a caller sees it."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from examsys.api import clients
from examsys.api.models import ApiSecret, ApiUsage
from examsys.audit.models import AuditEntry
from examsys.auth.models import Role
from examsys.credentials import services
from tests.credential_fixtures import REVOCATION_CASE
from tests.factories import make_user
from tests.test_register import officers  # noqa: F401  (a fixture)

ALL = ["credentials:read", "register:read", "exam-results:read"]


@pytest.fixture
def sysadmin(db, tree):
    return make_user(db, "sysadmin", tree.region, Role.SYSADMIN)


def register(db, sysadmin, org, scopes=ALL, rate_limit="600 per minute", name="省执法监督平台") -> tuple[int, str]:
    issued = clients.register(db, sysadmin, name, org.id, scopes, rate_limit)
    db.commit()
    return issued.secret.client_id, issued.token


def call(client, path, token, method="get", **kwargs):
    return getattr(client, method)(path, headers={"Authorization": f"Bearer {token}"}, **kwargs)


def assert_problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["type"] and body["title"] and body["detail"]
    return body


# ---- authentication, secrets, scopes, rate limits -------------------------------------------------

def test_calls_without_a_valid_token_are_refused_with_problem_details(db, client, tree, sysadmin, officers):  # noqa: F811
    _id, token = register(db, sysadmin, tree.region)
    number = officers["李明"].number
    assert_problem(client.get(f"/api/v1/credentials/{number}"), 401)
    assert client.get(f"/api/v1/credentials/{number}").headers["WWW-Authenticate"].startswith("Bearer")
    key_id, _dot, secret = token.partition(".")
    for bad in (f"{key_id}.{secret[:-1]}x", f"{'0' * 16}.{secret}", "garbage", key_id):
        assert_problem(call(client, f"/api/v1/credentials/{number}", bad), 401)
    assert call(client, f"/api/v1/credentials/{number}", token).status_code == 200


def test_the_secret_is_shown_once_and_stored_only_as_a_digest(db, tree, sysadmin):
    client_id, token = register(db, sysadmin, tree.region)
    stored = db.scalars(select(ApiSecret).where(ApiSecret.client_id == client_id)).one()
    key_id, _dot, secret = token.partition(".")
    assert stored.key_id == key_id and secret not in stored.digest and len(stored.digest) == 64
    assert len(secret) >= 43  # 32 random bytes


def test_rotation_two_secrets_work_at_once_then_the_old_one_is_revoked(db, client, tree, sysadmin, officers):  # noqa: F811
    client_id, old = register(db, sysadmin, tree.region)
    new = clients.rotate(db, sysadmin, client_id).token
    db.commit()
    path = f"/api/v1/credentials/{officers['李明'].number}"
    assert call(client, path, old).status_code == 200 and call(client, path, new).status_code == 200
    from examsys.errors import InvalidState

    with pytest.raises(InvalidState):  # a third live secret is refused
        clients.rotate(db, sysadmin, client_id)
    db.rollback()
    old_row = db.scalars(select(ApiSecret).where(ApiSecret.key_id == old.split(".")[0])).one()
    clients.revoke_secret(db, sysadmin, client_id, old_row.id)
    db.commit()
    assert_problem(call(client, path, old), 401)
    assert call(client, path, new).status_code == 200


def test_a_client_without_the_scope_is_refused(db, client, tree, sysadmin, officers):  # noqa: F811
    _id, token = register(db, sysadmin, tree.region, scopes=["register:read"])
    assert_problem(call(client, f"/api/v1/credentials/{officers['李明'].number}", token), 403)
    assert_problem(call(client, "/api/v1/exam-plans", token), 403)
    assert call(client, "/api/v1/register/changes", token).status_code == 200


def test_the_rate_limit_is_per_client(db, client, tree, sysadmin, officers):  # noqa: F811
    _a, slow = register(db, sysadmin, tree.region, rate_limit="2 per minute", name="A")
    _b, other = register(db, sysadmin, tree.region, name="B")
    path = f"/api/v1/credentials/{officers['李明'].number}"
    assert [call(client, path, slow).status_code for _ in range(2)] == [200, 200]
    refused = call(client, path, slow)
    assert_problem(refused, 429)
    assert int(refused.headers["Retry-After"]) >= 1
    assert call(client, path, other).status_code == 200  # another client's budget is its own


def test_a_bad_rate_limit_or_scope_is_refused_at_the_field(db, tree, sysadmin):
    from examsys.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        clients.register(db, sysadmin, "x", tree.region.id, ["everything"], "lots")
    assert set(refused.value.field_errors) == {"scopes", "rate_limit"}


# ---- credentials ------------------------------------------------------------------------------------

def test_status_by_number_gives_the_verify_pages_verdict_and_public_facts_only(db, client, tree, sysadmin, officers):  # noqa: F811
    _id, token = register(db, sysadmin, tree.region)
    body = call(client, f"/api/v1/credentials/{officers['李明'].number}", token).get_json()
    assert body["verdict"] == "VALID" and body["name"] == "李明" and body["domains"] == ["食品安全", "市场监管"]  # by domain code, as on the verify page
    assert body["organisation"] == "新城区市场监督管理局" and body["expired"] is False
    text = call(client, f"/api/v1/credentials/{officers['赵停'].number}", token).get_data(as_text=True)
    assert '"SUSPENDED"' in text and officers["赵停"].person.id_number not in text and "涉嫌违法执法" not in text
    assert call(client, f"/api/v1/credentials/{officers['钱撤'].number}", token).get_json()["verdict"] == "NOT VALID"
    assert_problem(call(client, "/api/v1/credentials/000000000000", token), 404)
    assert_problem(call(client, "/api/v1/credentials/1-2", token), 404)  # not a number's shape: nothing there
    assert_problem(call(client, "/api/v1/credentials/1%00", token), 400)  # the input guard, as a problem


def test_status_by_token_is_the_verify_pages_answer(db, client, tree, sysadmin, signed_credential):
    from examsys.credentials.public.verification import token_for

    _id, token = register(db, sysadmin, tree.region)
    qr = token_for(signed_credential)
    body = call(client, f"/api/v1/tokens/{qr}", token).get_json()
    assert body["verdict"] == "VALID" and body["number"] == signed_credential.number
    page = client.get(f"/api/verify/{qr}").get_json()
    assert {k: body[k] for k in ("verdict", "number", "name", "valid_to", "organisation", "region", "expired")} == \
        {k: page[k] for k in ("verdict", "number", "name", "valid_to", "organisation", "region", "expired")}
    assert body["domains"] == ["市场监管"]  # the names the verify page shows (its JSON gives the token's codes)
    services.change(db, make_user(db, "hr2", tree.region, Role.HR_ADMIN), signed_credential.id, "revoke",
                    case=REVOCATION_CASE, ground="g", decision_number="d", reason="r")
    db.commit()
    assert call(client, f"/api/v1/tokens/{qr}", token).get_json()["verdict"] == "NOT VALID"
    assert call(client, "/api/v1/tokens/NOTATOKEN", token).get_json()["verdict"] in ("NOT VALID", "CANNOT VERIFY")


def test_batch_lookup_answers_each_number_in_order_and_is_audited_once(db, client, tree, sysadmin, officers):  # noqa: F811
    client_id, token = register(db, sysadmin, tree.region)
    numbers = [officers["李明"].number, "000000000000", officers["赵停"].number, officers["李明"].number]
    before = db.scalar(select(func.count()).select_from(AuditEntry))
    response = call(client, "/api/v1/credentials/batch", token, method="post", json={"numbers": numbers})
    results = response.get_json()["results"]
    assert [r["number"] for r in results] == numbers
    assert [r["found"] for r in results] == [True, False, True, True]
    assert results[0]["verdict"] == "VALID" and results[2]["verdict"] == "SUSPENDED"
    entries = list(db.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)))
    assert db.scalar(select(func.count()).select_from(AuditEntry)) == before + 1
    assert entries[0].action == "api.credential_batch" and entries[0].after == {"records": 4}
    assert entries[0].actor_name == "api:省执法监督平台"


def test_a_batch_over_1000_numbers_or_of_bad_shape_is_refused_at_the_field(db, client, tree, sysadmin, officers):  # noqa: F811
    _id, token = register(db, sysadmin, tree.region)
    body = assert_problem(call(client, "/api/v1/credentials/batch", token, method="post", json={"numbers": ["1"] * 1001}), 422)
    assert "numbers" in body["field_errors"]
    assert call(client, "/api/v1/credentials/batch", token, method="post", json={"numbers": ["1"] * 1000}).status_code == 200
    assert_problem(call(client, "/api/v1/credentials/batch", token, method="post", json={"numbers": "x"}), 422)
    assert_problem(call(client, "/api/v1/credentials/batch", token, method="post", data="not json"), 422)


def test_single_lookups_are_counted_per_client_and_day(db, client, tree, sysadmin, officers):  # noqa: F811
    client_id, token = register(db, sysadmin, tree.region)
    for _ in range(3):
        call(client, f"/api/v1/credentials/{officers['李明'].number}", token)
    usage = db.scalars(select(ApiUsage).where(ApiUsage.client_id == client_id, ApiUsage.operation == "credential_by_number")).one()
    assert (usage.calls, usage.records) == (3, 3)


# ---- the register feed ------------------------------------------------------------------------------

def test_the_register_feed_pages_through_changes_and_marks_what_left(db, client, tree, sysadmin, officers, frozen_clock):  # noqa: F811
    from datetime import timedelta

    from examsys import clock

    _id, token = register(db, sysadmin, tree.region)
    seen, query = [], {}
    while True:
        page = call(client, "/api/v1/register/changes", token, query_string={"limit": 2, **query}).get_json()
        seen += page["items"]
        if page["next"] is None:
            break
        query = page["next"]
    assert sorted(i["number"] for i in seen) == sorted(c.number for c in officers.values())
    revoked = next(i for i in seen if i["number"] == officers["钱撤"].number)
    assert revoked == {"number": officers["钱撤"].number, "verdict": "NOT VALID", "listed": False, "changed_at": revoked["changed_at"]}
    assert next(i for i in seen if i["number"] == officers["李明"].number)["name"] == "李明"
    # a later change: only it comes back when asking from after the first read
    mark = clock.now() + timedelta(minutes=1)
    clock.freeze(mark)
    hr = make_user(db, "hr9", tree.region, Role.HR_ADMIN)
    services.change(db, hr, officers["王芳"].id, "suspend", ground="g", decision_number="d", reason="r")
    db.commit()
    page = call(client, "/api/v1/register/changes", token, query_string={"changed_since": mark.isoformat()}).get_json()
    assert [(i["number"], i["verdict"]) for i in page["items"]] == [(officers["王芳"].number, "SUSPENDED")]
    assert_problem(call(client, "/api/v1/register/changes", token, query_string={"changed_since": "yesterday"}), 422)
    assert_problem(call(client, "/api/v1/register/changes", token, query_string={"limit": 5000}), 422)


# ---- exam results -----------------------------------------------------------------------------------

def test_exam_results_of_published_plans_only_for_the_clients_people(db, client, tree, sysadmin, issuing):
    _a, county = register(db, sysadmin, tree.county, name="新城区人社")
    _b, other = register(db, sysadmin, tree.other_county, name="赛罕区人社")
    plan = issuing["plan"]
    plans = call(client, "/api/v1/exam-plans", county).get_json()["plans"]
    assert [p["id"] for p in plans] == [plan.id]
    body = call(client, f"/api/v1/exam-plans/{plan.id}/results", county).get_json()
    assert [(r["name"], r["id_number"], r["passed"]) for r in body["results"]] == [("考生甲", issuing["officer"].id_number, True)]
    assert body["total"] == 1
    assert call(client, f"/api/v1/exam-plans/{plan.id}/results", other).get_json()["results"] == []  # not its people
    assert_problem(call(client, "/api/v1/exam-plans/999999/results", county), 404)


def test_an_unpublished_plan_is_not_in_reach(db, client, tree, sysadmin, exam):
    _a, token = register(db, sysadmin, tree.region)
    assert call(client, "/api/v1/exam-plans", token).get_json() == {"plans": []}
    assert_problem(call(client, f"/api/v1/exam-plans/{exam['plan'].id}/results", token), 404)


# ---- the document and its reference page ---------------------------------------------------------------

def test_the_openapi_document_is_valid_openapi_3_1_and_the_reference_lists_every_operation(client):
    from openapi_spec_validator import validate

    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    validate(document)
    page = client.get("/api/v1/docs").get_data(as_text=True)
    for path, item in document["paths"].items():
        for method in item:
            if method != "parameters":
                assert f"{method.upper()} {path}" in page
    assert "cdn" not in page.lower() and "<script" not in page


def test_errors_elsewhere_under_api_are_problem_details(client):
    assert_problem(client.get("/api/v1/nothing-here"), 404)
    assert_problem(client.delete("/api/v1/credentials/batch"), 405)


# ---- the administrators' page -------------------------------------------------------------------------

def test_a_sysadmin_registers_a_client_and_sees_the_secret_once(db, client, tree, sysadmin, auth):
    auth.login("sysadmin")
    page = client.post("/api-clients", data={"name": "公安执法系统", "org_id": tree.county.id, "scopes": ["credentials:read"],
                                             "rate_limit": "60 per minute"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    import re

    token = re.search(r'data-select-all>([0-9a-f]{16}\.[A-Za-z0-9_-]+)<', text).group(1)
    listing = client.get("/api-clients").get_data(as_text=True)
    assert "公安执法系统" in listing and token.split(".")[1] not in listing
    refused = client.post("/api-clients", data={"name": "x", "org_id": tree.county.id, "scopes": [], "rate_limit": "60 per minute"})
    assert refused.status_code == 422 and "Choose at least one of the scopes offered." in refused.get_data(as_text=True)


def test_only_a_sysadmin_may_register_clients(db, client, tree):
    make_user(db, "hr", tree.region, Role.HR_ADMIN)
    db.commit()
    from tests.factories import AuthActions

    AuthActions(client).login("hr")
    assert client.post("/api-clients", data={"name": "x", "org_id": tree.region.id, "scopes": ["credentials:read"],
                                             "rate_limit": "60 per minute"}).status_code in (403, 422)


def test_the_older_verify_endpoint_under_api_answers_errors_as_problem_details(app, client, officers):  # noqa: F811
    import json

    app.config["VERIFY_RATE_LIMIT"] = "1 per minute"
    here = {"REMOTE_ADDR": "198.51.100.9"}
    client.get("/api/verify/NOTATOKEN", environ_base=here)
    refused = client.get("/api/verify/NOTATOKEN", environ_base=here)
    body = json.loads(assert_problem(refused, 429) and refused.data)
    assert body["title"] == "Too many requests" and refused.headers["Retry-After"]


def test_a_batch_post_needs_no_form_token_only_the_bearer_token(app, db, client, tree, sysadmin, officers):  # noqa: F811
    app.config["WTF_CSRF_ENABLED"] = True  # as in production
    _id, token = register(db, sysadmin, tree.region)
    response = call(client, "/api/v1/credentials/batch", token, method="post", json={"numbers": [officers["李明"].number]})
    assert response.status_code == 200 and response.get_json()["results"][0]["verdict"] == "VALID"


def test_the_clients_page_is_for_system_administrators_only(db, client, tree):
    from tests.factories import AuthActions

    make_user(db, "hr", tree.region, Role.HR_ADMIN)
    db.commit()
    AuthActions(client).login("hr")
    assert client.get("/api-clients").status_code == 403
