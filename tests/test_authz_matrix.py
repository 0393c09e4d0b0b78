"""The authorization matrix: every route of the URL map × every role × an object of the actor's own subtree and
one of a foreign subtree, each cell checked against the one table below (MATRIX).

How to read and extend the table (docs/development.md says the same):
- one entry per endpoint, one `Row` per method (GET, POST);
- `may(...)` lists the roles that get the page or the action (`ok`: a 2xx, or a redirect that is not to the
  login page; a GET that redirects counts where it lands); logged-in roles outside `may` get `others` (403
  unless said otherwise), the anonymous visitor the login page unless `public()` or `anonymous=` says otherwise;
- scoped (the default): a role in `may` gets 404 on an object outside its subtree, as if it did not exist;
  `scoped=False` where the object belongs to no subtree (the question bank) or the route takes none;
- `cells={(role, side): outcome}` for the exceptions, with the reason beside them;
- sides (tests/authz_world.py): X an object of 新城区, S one of the sibling county 赛罕区, P a colleague's (the
  same department as `officer`, not theirs) for routes that take someone's own object;
- GET cells run for every role on every side and must match the table exactly; what a county-level role is
  shown (page, CSV, JSON; not public pages) must name nobody of a department outside its reach;
- POST cells run only where the row refuses (a role without the right, an object outside the scope), with
  `body=` (a form that would succeed for a role in `may`) or an empty one: the answer must match, never be a
  5xx, and the database must not change (audit chain length, every table's row count).

A new route without a row fails `test_every_route_has_a_row`; `MATRIX_DISCOVER=1 pytest -s -k <endpoint>
tests/test_authz_matrix.py` prints what every role gets from it, to write its row from (on SQLite; POSTs then
run for every role, on a copy of the database that is put back afterwards)."""
from __future__ import annotations

import io
import os
from collections.abc import Iterator
from datetime import timedelta

import pytest

from examsys import clock, create_app
from tests.authz_world import (
    ADMINS,
    AUDITORS,
    EVERYONE,
    EXAM_ADMINS,
    HRS,
    LOGIN,
    OFFICERS,
    OK,
    REVIEWERS,
    ROLES,
    Matrix,
    P,
    Row,
    S,
    X,
    campaign_ids,
    fingerprint,
    jpeg,
    may,
    outcome,
    public,
    reaches,
    routes,
    seeded_matrix,
    sides_of,
    throwaway_copy,
    urls,
)
from tests.conftest import PG_URL, TEST_CONFIG


def readers(*roles: str) -> dict[tuple[str, str], int | str]:
    """Cells of roles that may read the object but not act on it: 403 in their reach, 404 beyond it."""
    return {(role, side): (403 if reaches(role, side) else 404) for role in roles for side in (X, S, P)}


READERS_OF_ORGS = readers(*EXAM_ADMINS, *HRS, *REVIEWERS, "auditor")
READERS_OF_PEOPLE = readers(*ADMINS, *REVIEWERS, "auditor")
NOT_HR_BUT_SEES_PERSON = READERS_OF_PEOPLE
# the starter bank and the demo exam belong to the region: a county's exam administrator does not reach them
REGION_ONLY = {("examadmin_saihan", side): 404 for side in (X, S, P)}
PRACTICE_CLOSED = {(officer, X): 409 for officer in OFFICERS}  # routes without an object run on X only
ISSUER_READERS = {("admin_xincheng", X): 403, ("admin_saihan", S): 403}
FOUR_EYES = {("hr_xincheng", X): 403, ("hr_saihan", S): 403}  # who made a request reads it, may not decide it

# A refusal that sends the user back with a message (the service refuses each item, or nothing was staged for
# this user): a redirect, and the fingerprint shows that nothing changed.
BACK = OK

MATRIX: dict[str, dict[str, Row]] = {
    # supervision (issue 19): the system administrators and the auditor, each over their subtree
    "supervision.dashboard": {"GET": may(ADMINS, AUDITORS)},
    "supervision.exams": {"GET": may(ADMINS, AUDITORS)},
    # the sibling county's exam has no candidates yet: an exam without candidates in reach has no statistics (404)
    "supervision.exam_plan": {"GET": may(ADMINS, AUDITORS, cells={(role, S): 404 for role in (*ADMINS, *AUDITORS)})},
    "supervision.figure_list": {"GET": may(ADMINS, AUDITORS)},
    # the annual report and its trends for a year and a subtree (the side's department): 404 beyond one's subtree
    "supervision.annual_index": {"GET": may(ADMINS, AUDITORS)},
    "supervision.annual_report": {"GET": may(ADMINS, AUDITORS)},
    "supervision.annual_record": {"POST": may(ADMINS, AUDITORS)},
    "supervision.annual_xlsx": {"GET": may(ADMINS, AUDITORS)},
    "supervision.annual_pdf": {"GET": may(ADMINS, AUDITORS)},
    "supervision.trend_charts": {"GET": may(ADMINS, AUDITORS)},
    # the REST API (issue 20): a client's token, never a session; the document and its reference page are public
    "api-docs.openapi_json": {"GET": public()},
    "api_reference.docs": {"GET": public()},
    **{f"api_v1.{name}": {method: Row(frozenset(), others=401, anonymous=401, scoped=False)}
       for name, method in (("credential_batch", "POST"), ("credential_by_number", "GET"), ("credential_by_token", "GET"),
                            ("exam_plans", "GET"), ("exam_results", "GET"), ("register_changes", "GET"), ("personnel_batch", "POST"),
                            ("review_grades", "GET"))},
    "api_clients.index": {"GET": may(ADMINS)},
    "api_clients.create": {"POST": may(ADMINS)},
    "api_clients.detail": {"GET": may(ADMINS, others=404)},
    "api_clients.revoke": {"POST": may(ADMINS, others=404)},
    "api_clients.rotate": {"POST": may(ADMINS, others=404)},
    "api_clients.subscribe": {"POST": may(ADMINS, others=404, body=lambda ids: {"url": "http://127.0.0.1:9/hook", "events": ["keys.rotated"]})},
    "api_clients.unsubscribe": {"POST": may(ADMINS, others=404)},
    "api_clients.deliveries": {"GET": may(ADMINS, others=404)},
    "api_clients.send_again": {"POST": may(ADMINS, others=404)},
    "audit.entry": {"GET": may(ADMINS, AUDITORS, others=404)},
    "audit.index": {"GET": may(ADMINS, AUDITORS)},
    "auth.account_action": {"POST": may(ADMINS, others=404)},
    "auth.account_detail": {"GET": may(ADMINS, others=404)},
    "auth.account_grant": {"POST": may(ADMINS, others=404, body=lambda ids: {"role": "hr_admin", "org_id": ids["org_id"]})},
    "auth.account_new": {"GET": may(ADMINS), "POST": may(ADMINS)},
    "auth.account_reset": {"POST": may(ADMINS, others=404)},
    # only a system administrator of the account's subtree clears a lost authenticator (409 where none is on)
    "auth.account_reset_two_factor": {"POST": may(ADMINS, others=404)},
    "auth.accounts": {"GET": may(ADMINS)},
    "auth.change_password": {"GET": may(EVERYONE, scoped=False), "POST": may(EVERYONE, scoped=False)},
    "auth.grant_withdraw": {"POST": may(ADMINS, others=404)},
    # the second step of a sign-in: without a first step pending it sends anyone back to the login page
    "auth.second_factor": {"GET": Row(frozenset(), others=LOGIN), "POST": Row(frozenset(), others=LOGIN)},
    # one's own account: the page tells the roles it is not offered to so, and a post changes nothing for them
    "auth.two_factor_page": {"GET": may(EVERYONE, scoped=False), "POST": may(EVERYONE, scoped=False)},
    # offered to administrator, HR, exam administrator and auditor accounts (two_factor.offered_to); others 409
    "auth.two_factor_start": {"POST": may(ADMINS, HRS, EXAM_ADMINS, AUDITORS, scoped=False, others=409)},
    "auth.login": {"GET": public(), "POST": public()},
    "auth.logout": {"POST": may(EVERYONE, scoped=False)},
    "bank.bulk": {"POST": may(EXAM_ADMINS, scoped=False, others=BACK, cells={("examadmin_saihan", X): BACK},
                              body=lambda ids: {"action": "retire", "version_id": ids["version_id"]})},
    "bank.change_status": {"POST": may(EXAM_ADMINS, others=404, scoped=False, cells=REGION_ONLY)},
    "bank.review_mongolian": {"POST": may(EXAM_ADMINS, others=404, scoped=False, cells=REGION_ONLY)},
    "bank.counts": {"GET": may(EXAM_ADMINS, scoped=False)},
    "bank.create": {"GET": may(EXAM_ADMINS, scoped=False), "POST": may(EXAM_ADMINS, scoped=False)},
    "bank.detail": {"GET": may(EXAM_ADMINS, others=404, scoped=False, cells=REGION_ONLY)},
    "bank.edit": {"GET": may(EXAM_ADMINS, others=404, scoped=False, cells=REGION_ONLY),
                  "POST": may(EXAM_ADMINS, others=404, scoped=False, cells=REGION_ONLY)},
    "bank.export": {"GET": may(EXAM_ADMINS, scoped=False)},
    "bank.import_confirm": {"POST": may(EXAM_ADMINS, scoped=False, others=BACK)},
    "bank.import_upload": {"GET": may(EXAM_ADMINS, scoped=False), "POST": may(EXAM_ADMINS, scoped=False)},
    "bank.index": {"GET": may(EXAM_ADMINS, scoped=False)},
    "bank.lint": {"GET": may(EXAM_ADMINS, scoped=False)},
    # the list of laws is one for the region: read by exam and system administrators, kept by those of the region
    "bank.laws": {"GET": may(EXAM_ADMINS, ADMINS, scoped=False), "POST": may("examadmin", "admin", scoped=False)},
    "bank.law_edit": {"GET": may(EXAM_ADMINS, ADMINS, scoped=False), "POST": may("examadmin", "admin", scoped=False)},
    "bank.live_preview": {"POST": may(EXAM_ADMINS, scoped=False)},
    "bank.template": {"GET": may(EVERYONE, scoped=False)},  # an empty workbook
    "bank.version": {"GET": may(EXAM_ADMINS, others=404, scoped=False, cells=REGION_ONLY)},
    "core.health": {"GET": public()},
    "home.index": {"GET": may(EVERYONE, scoped=False)},
    "core.set_language": {"POST": public()},
    "credential_requests.amend": {"GET": may(HRS, others=404), "POST": may(HRS, others=404)},
    "credential_requests.approve": {"POST": may("hr", others=404, cells=FOUR_EYES)},  # four eyes: the issuing authority's HR, not the requester
    "credential_requests.detail": {"GET": may(HRS, others=404)},
    "credential_requests.mine": {"GET": may(HRS)},
    "credential_requests.new": {"GET": may(HRS, others=404, cells=NOT_HR_BUT_SEES_PERSON),
                                "POST": may(HRS, others=404, cells=NOT_HR_BUT_SEES_PERSON)},
    "credential_requests.queue": {"GET": may(HRS)},
    "credential_requests.renew": {"GET": may(HRS, others=404), "POST": may(HRS, others=404)},
    "credential_requests.replace": {"GET": may(HRS, others=404), "POST": may(HRS, others=404)},
    "credential_requests.send_back": {"POST": may("hr", others=404, cells=FOUR_EYES, body=lambda ids: {"reason": "矩阵"})},
    # the requester's side; the issuing authority's HR reads the request but may not withdraw it
    "credential_requests.withdraw": {"POST": may("hr_xincheng", "hr_saihan", others=404, cells=readers("hr"))},
    # revocation cases (measure 24): the credential side, read by the auditor too
    "credentials.cases": {"GET": may(HRS, AUDITORS)},
    "credentials.change": {"POST": may(HRS, others=404, body=lambda ids: {"action": "suspend", "ground": "矩阵", "decision_number": "1",
                                                                          "reason": "矩阵"})},
    "credentials.detail": {"GET": may(HRS, others=404)},
    "credentials.index": {"GET": may(HRS)},
    "credentials.issue": {"GET": may(HRS, others=404, cells=NOT_HR_BUT_SEES_PERSON),
                          "POST": may(HRS, others=404, cells=NOT_HR_BUT_SEES_PERSON)},
    "credentials.recovered": {"POST": may(HRS, others=404)},
    # the holder's own card; HR of the holder's subtree
    "credentials_public.card": {"GET": may(HRS, OFFICERS, others=404, anonymous=404)},
    "credentials_public.certificate": {"GET": may(HRS, OFFICERS, others=404, anonymous=404)},
    "credentials_public.keyset": {"GET": public()},
    "credentials_public.my_code": {"GET": may(OFFICERS, others=404, anonymous=404)},
    "credentials_public.my_credential": {"GET": may(OFFICERS, others=404, anonymous=404)},
    "credentials_public.report": {"GET": public(), "POST": public(anonymous=400)},
    "credentials_public.status_list": {"GET": public()},
    "credentials_public.verify_json": {"GET": public()},
    "credentials_public.verify_page": {"GET": public()},
    "credentials_public.verify_photo": {"GET": Row(frozenset(), others=404, anonymous=404)},  # the demo has no photos
    "exams.attempt": {"GET": may(OFFICERS, others=404)},  # the candidate's own attempt only
    "exams.event": {"POST": may(OFFICERS, others=404)},
    "exams.extend": {"POST": may(EXAM_ADMINS, others=404, scoped=False, cells=REGION_ONLY)},
    "exams.grade_case": {"POST": may(EXAM_ADMINS, others=404, scoped=False, cells=REGION_ONLY)},
    "exams.grading": {"GET": may(EXAM_ADMINS, others=404)},
    "exams.item_stats": {"GET": may(EXAM_ADMINS, others=404)},
    "exams.item_stats_export": {"GET": may(EXAM_ADMINS, others=404)},
    "exams.item_version": {"GET": may(EXAM_ADMINS, scoped=False, cells=REGION_ONLY)},
    "exams.mine": {"GET": may(EVERYONE, scoped=False)},
    "exams.plan": {"GET": may(EXAM_ADMINS, others=404)},
    "exams.plan_new": {"GET": may(EXAM_ADMINS), "POST": may(EXAM_ADMINS)},
    "exams.plan_open": {"POST": may(EXAM_ADMINS, others=404)},
    "exams.plan_opening": {"GET": may(EXAM_ADMINS, others=404)},  # without a job, the plan's page
    "exams.plan_publish": {"POST": may(EXAM_ADMINS, others=404)},
    "exams.plans": {"GET": may(EXAM_ADMINS)},
    "exams.proctor": {"GET": may(EXAM_ADMINS, others=404)},
    "exams.question": {"GET": may(OFFICERS, others=404), "POST": may(OFFICERS, others=404)},
    "exams.regrade": {"GET": may(EXAM_ADMINS, others=404), "POST": may(EXAM_ADMINS, others=404)},
    "exams.result": {"GET": may(OFFICERS, others=404)},
    "exams.results": {"GET": may(EXAM_ADMINS, others=404)},
    "exams.results_export": {"GET": may(EXAM_ADMINS, others=404)},
    "exams.retake": {"POST": may(OFFICERS, others=404)},
    # the lean JSON save reads the device token before the paper: without one, 400 for anyone's paper
    "exams.save": {"POST": may(OFFICERS, others=400, anonymous=401, cells={(o, side): 400 for o in OFFICERS for side in (X, S, P)})},
    "exams.start": {"POST": may(OFFICERS, others=404)},
    "exams.submit": {"GET": may(OFFICERS, others=404), "POST": may(OFFICERS, others=404)},
    "exams.takeover": {"POST": may(OFFICERS, others=404)},
    "me.my_record": {"GET": may(OFFICERS, others=404), "POST": may(OFFICERS, others=404)},
    "orgs.create": {"GET": may(ADMINS), "POST": may(ADMINS)},
    "orgs.detail": {"GET": may(ADMINS, HRS, REVIEWERS, AUDITORS, EXAM_ADMINS, others=404)},
    # issuing authorities are designated by the region's system administrator only: a county administrator
    # reads the node but may not (403), and does not see the sibling county's (404)
    "orgs.designate_issuer": {"POST": may("admin", others=404, cells=ISSUER_READERS, body=lambda ids: {"prefix": ""})},
    "orgs.edit": {"GET": may(ADMINS, others=404, cells=READERS_OF_ORGS), "POST": may(ADMINS, others=404, cells=READERS_OF_ORGS)},
    "orgs.export": {"GET": may(ADMINS, HRS, REVIEWERS, AUDITORS, EXAM_ADMINS, scoped=False)},
    "orgs.import_confirm": {"POST": may(ADMINS, others=BACK)},
    "orgs.import_template": {"GET": may(EVERYONE, scoped=False)},  # an empty table
    "orgs.import_upload": {"GET": may(ADMINS), "POST": may(ADMINS)},
    "orgs.index": {"GET": may(ADMINS, HRS, REVIEWERS, AUDITORS, EXAM_ADMINS, scoped=False)},
    "orgs.move": {"GET": may(ADMINS, others=404, cells=READERS_OF_ORGS), "POST": may(ADMINS, others=404, cells=READERS_OF_ORGS)},
    "orgs.set_active": {"POST": may(ADMINS, others=404)},
    "orgs.withdraw_issuer": {"POST": may("admin", others=404, cells=ISSUER_READERS, body=lambda ids: {"reason": "矩阵"})},
    "personnel.campaign": {"GET": may(ADMINS, HRS, REVIEWERS, AUDITORS, others=404)},
    # only a redirect to the credentials' closing page (reissue.close_cleanup, whose row checks the scope): it
    # reads nothing and changes nothing, whoever posts
    "personnel.campaign_close": {"POST": may(EVERYONE, scoped=False)},
    "personnel.campaign_decide": {"POST": may(HRS, others=404, body=lambda ids: {"state": "confirmed"})},
    "personnel.campaign_list": {"GET": may(ADMINS, HRS, REVIEWERS, AUDITORS, scoped=False)},
    "personnel.campaign_new": {"GET": may(HRS), "POST": may(HRS)},
    "personnel.create": {"GET": may(HRS), "POST": may(HRS)},
    "personnel.detail": {"GET": may(ADMINS, HRS, REVIEWERS, AUDITORS, others=404)},
    "personnel.edit": {"GET": may(HRS, others=404, cells=READERS_OF_PEOPLE), "POST": may(HRS, others=404, cells=READERS_OF_PEOPLE)},
    "personnel.employment": {"GET": may(HRS, others=404, cells=READERS_OF_PEOPLE),
                             "POST": may(HRS, others=404, cells=READERS_OF_PEOPLE, body=lambda ids: {"status": "retired", "reason": "矩阵"})},
    "personnel.export": {"GET": may(HRS)},
    "personnel.import_confirm": {"POST": may(HRS, others=BACK)},
    "personnel.import_upload": {"GET": may(HRS), "POST": may(HRS)},
    "personnel.index": {"GET": may(ADMINS, HRS, REVIEWERS, AUDITORS, scoped=False)},
    "personnel.photo": {"GET": Row(frozenset(), others=404)},  # the demo people have no photos: 404 for all
    "personnel.resolve": {"POST": may(HRS, others=404, body=lambda ids: {"response": "矩阵"})},
    "personnel.tasks": {"GET": may(HRS)},
    "personnel.template": {"GET": may(EVERYONE, scoped=False)},  # an empty table
    "personnel.transfer": {"GET": may(HRS, others=404, cells=READERS_OF_PEOPLE),
                           "POST": may(HRS, others=404, cells=READERS_OF_PEOPLE, body=lambda ids: {"org_id": ids["org2_id"], "reason": "矩阵"})},
    "personnel.upload_photo": {"POST": may(HRS, others=404, cells=READERS_OF_PEOPLE, body=lambda ids: {"photo": (io.BytesIO(jpeg()), "photo.jpg")})},
    "practice.practice_home": {"GET": may(OFFICERS, scoped=False)},
    # practice is closed while the candidate has an attempt in progress (both officers are in the demo exam): 409
    "practice.practice_question": {"GET": may(OFFICERS, scoped=False, cells=PRACTICE_CLOSED),
                                   "POST": may(OFFICERS, scoped=False, cells=PRACTICE_CLOSED)},
    # takes one of the candidate's own practice answers: anyone else's (a colleague's, P) answers 404; their own
    # answers 409 here because practice is closed while their attempt of the demo exam is in progress
    "practice.practice_retry": {"GET": may(OFFICERS, cells={("officer", X): 409, ("officer_saihan", S): 409})},
    "practice.practice_wrong": {"GET": may(OFFICERS, scoped=False, cells=PRACTICE_CLOSED)},
    "register.index": {"GET": public()},
    # closing a clean-up and cancelling what it marked: the campaign's HR
    "reissue.close_cleanup": {"GET": may(HRS, others=404),
                              "POST": may(HRS, others=404, body=lambda ids: {"ground": "矩阵", "decision_number": "矩阵〔2026〕2号"})},
    "reissue.detail": {"GET": may(HRS, AUDITORS, others=404)},
    "reissue.index": {"GET": may(HRS, AUDITORS)},
    "reissue.new": {"GET": may(HRS), "POST": may(HRS)},
    # nothing of the fresh campaigns is printable yet: 404 for their HR too
    "reissue.print_batch": {"GET": Row(frozenset(), others=404, cells={("auditor", X): 403, ("auditor", S): 403})},
    "reissue.progress": {"GET": may(HRS, AUDITORS, others=404)},  # without a job, the campaign's page
    "reissue.recheck": {"POST": may(HRS, others=404)},
    "reissue.run_job": {"POST": may(HRS, others=404)},
    "reissue.print_job": {"POST": may(HRS, others=404, cells={("auditor", X): 403, ("auditor", S): 403})},
    "reissue.print_progress": {"GET": may(HRS, others=404, cells={("auditor", X): 403, ("auditor", S): 403})},
    # no print job in the world: nothing to download for anyone (the job's downloads: tests/test_long_jobs.py)
    "reissue.print_job_part": {"GET": Row(frozenset(), others=404, cells={("auditor", X): 403, ("auditor", S): 403})},
    "reissue.run": {"POST": may(HRS, others=404)},
    "reports.detail": {"GET": may(AUDITORS, others=404), "POST": may(AUDITORS, others=404, body=lambda ids: {"note": "矩阵"})},
    "reports.index": {"GET": may(AUDITORS)},
    "reviews.action": {"GET": may(HRS, REVIEWERS, AUDITORS, OFFICERS, others=404), "POST": may(HRS, REVIEWERS, others=404)},
    "reviews.action_list": {"GET": may(HRS, REVIEWERS, AUDITORS)},
    "reviews.action_new": {"POST": may(HRS, REVIEWERS, others=404, body=lambda ids: {"kind": "training", "due_on": "2099-01-01",
                                                                                        "description": "矩阵"})},
    "reviews.annual_set": {"POST": may(HRS, REVIEWERS, others=404, body=lambda ids: {"grade": "competent"})},
    "reviews.annual_sheet": {"GET": may(HRS, REVIEWERS, AUDITORS, others=404)},
    "reviews.home": {"GET": may(HRS, REVIEWERS, AUDITORS)},
    "reviews.mine": {"GET": may(OFFICERS, others=404)},
    "reviews.period": {"GET": may(HRS, REVIEWERS, AUDITORS, others=404)},
    # the auditor reads the bulk page; with no review to enter, a post shows it again
    "reviews.period_bulk": {"GET": may(HRS, REVIEWERS, AUDITORS, others=404),
                            "POST": may(HRS, REVIEWERS, others=404, cells={("auditor", X): BACK, ("auditor", S): BACK})},
    "reviews.period_close": {"POST": may(HRS, others=404)},
    "reviews.period_new": {"GET": may(HRS, others=404), "POST": may(HRS, others=404)},
    "reviews.period_template": {"GET": may(REVIEWERS, others=404)},
    "reviews.report": {"GET": may(HRS, REVIEWERS, AUDITORS)},
    "reviews.review": {"GET": may(HRS, REVIEWERS, AUDITORS, OFFICERS, others=404),
                       "POST": may(REVIEWERS, others=404, cells=readers(*HRS, "auditor", *OFFICERS))},
    "reviews.review_resolve": {"POST": may(HRS, others=404)},
    "reviews.review_respond": {"POST": may(OFFICERS, others=404)},
    "reviews.scheme": {"GET": may(HRS, others=404), "POST": may(HRS, others=404)},
    "static": {"GET": public()},
    # training records: HR of the person's subtree writes them; who reads the person is refused (403)
    # the legal-qualification exemption: HR of the person records the evidence, another HR over them approves it
    "exemptions.record": {"POST": may(HRS, others=404)},
    "exemptions.approve": {"POST": may(HRS, others=404)},
    "training.add": {"POST": may(HRS, others=404, cells=READERS_OF_PEOPLE, body=lambda ids: {
        "course": "矩阵", "provider": "矩阵", "completed_on": (clock.now().date() - timedelta(days=30)).isoformat(), "hours": "8"})},
    "training.delete": {"POST": may(HRS, others=404, cells=READERS_OF_PEOPLE)},
    "training.import_confirm": {"POST": may(HRS, others=BACK)},
    "training.import_upload": {"GET": may(HRS), "POST": may(HRS)},
    "training.template": {"GET": may(EVERYONE, scoped=False)},  # an empty table
}




@pytest.fixture(scope="module")
def matrix(database_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Matrix]:
    """One seeded database for the whole module: GETs do not write and refused POSTs must not."""
    yield from seeded_matrix(database_template, tmp_path_factory.mktemp("matrix"))


DISCOVER = os.environ.get("MATRIX_DISCOVER") == "1"


def test_every_route_has_a_row(matrix: Matrix) -> None:
    found = routes(matrix.app)
    missing = [f"no row for endpoint {e} {m}: add one to MATRIX" for e, methods in sorted(found.items()) for m in sorted(methods)
               if m not in MATRIX.get(e, {})]
    stale = [f"row for {e} {m}, which the URL map does not have" for e, rows in MATRIX.items() for m in rows
             if m not in found.get(e, set())]
    assert not missing and not stale, "\n".join(missing + stale)


def _cells(matrix: Matrix, endpoint: str, method: str) -> list[str]:
    """Every cell of one row: the mismatches, as lines to read."""
    row = MATRIX.get(endpoint, {}).get(method)
    if row is None and not DISCOVER:
        pytest.skip("no row: test_every_route_has_a_row says so")
    problems = []
    sides = sides_of(matrix.app, endpoint)
    for role in ROLES:
        for side in sides:
            expected = row.expected(matrix.world, role, side, objects=len(sides) > 1) if row else None
            if method == "POST" and (expected == OK or (row is None and role != "anonymous")):
                if not DISCOVER:
                    continue
            for url in urls(matrix.app, matrix.world, endpoint, side):
                before = fingerprint(matrix.app) if method == "POST" else None
                data = row.body(campaign_ids(matrix.world, endpoint, side)) if row and row.body and method == "POST" else {}
                response = matrix.clients[role].open(url, method=method, data=data)
                got = outcome(response)
                if method == "GET" and got == OK and response.status_code in (302, 303):  # where it lands counts
                    response = matrix.clients[role].get(response.headers["Location"])
                    got = outcome(response)
                if DISCOVER:
                    print(f"OBS {endpoint} {method} {role} {side} {got} {url}")
                    continue
                if isinstance(got, int) and got >= 500:
                    problems.append(f"{method} {url} as {role} ({side}): {got}")
                elif method == "POST" and fingerprint(matrix.app) != before:
                    problems.append(f"{method} {url} as {role} ({side}): refused ({got}) but the database changed")
                elif got != expected:
                    problems.append(f"{method} {url} as {role} ({side}): expected {expected}, got {got}")
                elif got == OK and not row.public and (leaked := {n for n in matrix.world.foreign_names(role) if n in page_text(response)}):
                    problems.append(f"{method} {url} as {role} ({side}): shows people outside the role's subtree: {sorted(leaked)}")
    return problems


def page_text(response) -> str:
    """The text of a page, a CSV or a JSON answer; "" for a PDF, an XLSX or an image (not read)."""
    kind = response.mimetype or ""
    return response.get_data(as_text=True) if kind.startswith("text/") or kind.endswith("json") else ""


def _params() -> list[tuple[str, str]]:
    if DISCOVER:
        app = create_app(dict(TEST_CONFIG, DATABASE_URL="sqlite://"))
        return sorted((e, m) for e, ms in routes(app).items() for m in ms)
    return sorted((e, m) for e, rows in MATRIX.items() for m in rows)


@pytest.mark.parametrize(("endpoint", "method"), [p for p in _params() if p[1] == "GET"])
def test_get_cells(matrix: Matrix, endpoint: str, method: str) -> None:
    problems = _cells(matrix, endpoint, method)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("endpoint", "method"), [p for p in _params() if p[1] == "POST"])
def test_refused_post_cells_change_nothing(matrix: Matrix, endpoint: str, method: str) -> None:
    if DISCOVER:
        if endpoint != "auth.logout":  # it would log the roles out: write its row by hand
            with throwaway_copy(matrix):
                _cells(matrix, endpoint, method)
        return
    problems = _cells(matrix, endpoint, method)
    assert not problems, "\n".join(problems)


@pytest.mark.skipif(bool(PG_URL), reason="puts the SQLite file back after each row; the refused cells run on PostgreSQL")
@pytest.mark.parametrize(("endpoint", "method"), [p for p in _params() if p[1] == "POST"])
def test_permitted_post_cells_never_fail(matrix: Matrix, endpoint: str, method: str) -> None:
    """The roles a row permits, on objects in their reach, posting its `body` (or an empty form): whatever the
    answer, never a 5xx. They may change data, so each row runs on a copy of the database put back after."""
    row = MATRIX[endpoint][method]
    sides = sides_of(matrix.app, endpoint)
    cells = [(role, side) for role in ROLES for side in sides if row.expected(matrix.world, role, side, objects=len(sides) > 1) == OK]
    failures = []
    with throwaway_copy(matrix):
        for role, side in cells:
            for url in urls(matrix.app, matrix.world, endpoint, side):
                data = row.body(campaign_ids(matrix.world, endpoint, side)) if row.body else {}
                status = matrix.clients[role].post(url, data=data).status_code
                if status >= 500:
                    failures.append(f"POST {url} as {role} ({side}): {status}")
    assert not failures, "\n".join(failures)
