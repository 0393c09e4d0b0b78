"""REST API v1 (/api/v1): thin views, each one call into `lookups`, then the call is counted and committed.
The OpenAPI document is written by flask-smorest from these views and `schemas`."""
from __future__ import annotations

from typing import Any

from flask import g
from flask_smorest import Blueprint

from examsys import clock
from examsys.api import lookups, personnel
from examsys.api.guard import account, authenticated
from examsys.api.schemas import (
    BatchAnswer,
    BatchRequest,
    CredentialAnswer,
    FeedPage,
    FeedQuery,
    GradesAnswer,
    GradesQuery,
    PersonBatch,
    PersonBatchAnswer,
    PlanList,
    PlanResults,
    Problem,
    ResultsQuery,
    TokenAnswer,
)
from examsys.db import get_session

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1",
               description="Credentials, the public register, exam results, review grades and the personnel register, for other departments' systems.")

PROBLEM = "application/problem+json"
_ERRORS = {401: "No token, or not a valid one.", 403: "The client lacks the scope this operation needs.",
           404: "Nothing found within the client's reach.", 422: "Bad parameters or body: see field_errors.",
           429: "The client's rate limit is used up: see Retry-After."}


def errors(*codes: int) -> Any:
    """Document the problem responses an operation can give (always 401, 403 and 429)."""
    def decorator(view: Any) -> Any:
        for code in sorted({401, 403, 429, *codes}, reverse=True):
            view = bp.alt_response(code, schema=Problem, description=_ERRORS[code], content_type=PROBLEM)(view)
        return view
    return decorator


def _client():
    return g.api_client


@bp.get("/credentials/<credential_number:number>")
@authenticated
@bp.response(200, CredentialAnswer)
@errors(404)
def credential_by_number(number: str):
    """Status and public details of a credential by its number

    The verdict is the verify page's (VALID, SUSPENDED or NOT VALID, from the live status and the
    period of validity), with the facts the verify page shows and nothing more. Scope `credentials:read`."""
    db = get_session()
    answer = lookups.by_number(db, _client(), number)
    account(db, _client(), "credential_by_number", 1)
    return answer


@bp.get("/tokens/<qr_token:token>")
@authenticated
@bp.response(200, TokenAnswer)
@errors()
def credential_by_token(token: str):
    """Status of a credential by the token its QR code carries

    The same answer as the verify page gives for that code: the signature, the key's window, then the
    live status. A token that cannot be read is answered (NOT VALID or CANNOT VERIFY), not refused.
    Scope `credentials:read`."""
    from examsys.credentials.public.verification import answer

    lookups.require_scope(_client(), "credentials:read")
    verdict = answer(token).verdict
    db = get_session()
    body = lookups.by_token(_client(), verdict)
    account(db, _client(), "credential_by_token", 1 if verdict.claims is not None else 0)
    return body


@bp.post("/credentials/batch")
@authenticated
@bp.arguments(BatchRequest)
@bp.response(200, BatchAnswer)
@errors(422)
def credential_batch(body: dict[str, Any]):
    """Look up to 1,000 credentials by number at once

    One answer per number asked, in the order asked; `found` is false for a number that was never
    issued. Scope `credentials:read`. Each call is one entry on the audit trail."""
    db = get_session()
    results = lookups.batch(db, _client(), body["numbers"])
    account(db, _client(), "credential_batch", len(results), audit=True)
    return {"results": results, "as_of": clock.now()}


@bp.get("/register/changes")
@authenticated
@bp.arguments(FeedQuery, location="query")
@bp.response(200, FeedPage)
@errors(422)
def register_changes(query: dict[str, Any]):
    """The public register as a feed of changes, for a copy kept by another department

    Credentials changed at or after `changed_since`, oldest change first; ask again with the parameters
    in `next` until it is null; next time, start from a little before the last `changed_at` seen. An entry with
    `listed: false` has left the register (revoked, cancelled, superseded, or expired): drop it.
    Scope `register:read`. Each page is one entry on the audit trail."""
    db = get_session()
    page = lookups.feed(db, _client(), query.get("changed_since"), query.get("after_id"), query["limit"])
    account(db, _client(), "register_changes", len(page["items"]), audit=True)
    return page


@bp.get("/exam-plans")
@authenticated
@bp.response(200, PlanList)
@errors()
def exam_plans():
    """Exam plans whose results are published and may concern the client's people

    Scope `exam-results:read`."""
    db = get_session()
    plans = lookups.published_plans(db, _client())
    account(db, _client(), "exam_plans", len(plans))
    return {"plans": plans}


@bp.get("/exam-plans/<int:plan_id>/results")
@authenticated
@bp.arguments(ResultsQuery, location="query")
@bp.response(200, PlanResults)
@errors(404, 422)
def exam_results(query: dict[str, Any], plan_id: int):
    """Graded results of a published plan, for the client's people only

    Only candidates of the client's organisation and the organisations below it. Scope
    `exam-results:read`. Each page is one entry on the audit trail."""
    db = get_session()
    found = lookups.plan_results(db, _client(), plan_id, query["page"], query["per_page"])
    account(db, _client(), "exam_results", len(found["results"]), audit=True)
    return found


@bp.post("/personnel/batch")
@authenticated
@bp.arguments(PersonBatch)
@bp.response(200, PersonBatchAnswer)
@errors(422)
def personnel_batch(body: dict[str, Any]):
    """Add or update up to 1,000 people of the register at once (from an HR system)

    Keyed by ID number, all or nothing, under the rules of the register's spreadsheet import: a batch with any error
    writes nothing and answers 422 with `field_errors` named `people[<index>].<field>`. A changed `org_code` is a
    transfer and an `employment_status` other than employed leaves the post: both are standing changes, so the
    person's credential awaits HR's decision. Sending the same batch again changes nothing. Scope `personnel:write`
    (acting as HR of the client's organisation and those below it). Each call is one entry on the audit trail, and
    each person added or changed one more."""
    db = get_session()
    counts = personnel.upsert(db, _client(), body["people"], body["dry_run"])
    account(db, _client(), "personnel_batch", counts["created"] + counts["updated"], audit=not body["dry_run"])
    return counts


@bp.get("/reviews/grades")
@authenticated
@bp.arguments(GradesQuery, location="query")
@bp.response(200, GradesAnswer)
@errors(422)
def review_grades(query: dict[str, Any]):
    """Final routine and annual review grades of a year, for the client's people

    Routine grades the officer acknowledged or HR upheld after a dispute (never one still open), paged; the annual
    grades (年度考核) of the year come whole on the first page. Scope `reviews:read`. Each page is one entry on the
    audit trail."""
    db = get_session()
    found = lookups.review_grades(db, _client(), query["year"], query["page"], query["per_page"])
    account(db, _client(), "review_grades", len(found["routine"]) + len(found["annual"]), audit=True)
    return found
