"""The crawl: every GET route of the app, as every demo role and anonymously, in Chinese. No page answers
5xx; every HTML page parses, has no markup inside <title> and no tag inside an attribute; and its visible
text carries no English: no untranslated message id, no internal code (`issue`, `market`, …).

Path parameters are filled with real ids from the demo (`flask seed-demo`), plus what the demo lacks
(a clean-up and a re-issuance campaign, a report from the public), several where the rows differ in
kind (each credential state, each kind of audit entry). A route whose parameter has no value here fails
the crawl: give it one in _parameters()."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from tests.demo_fixtures import DEMO_PASSWORD, ROLES
from tests.html_checks import check_page, english_words

# English words that may stand on a Chinese page, each for a reason:
ALLOWED_WORDS = {
    "pdf", "csv", "xlsx", "yaml", "xml", "moodle", "zip", "json", "jpeg", "png", "qr", "id", "url", "https", "http", "ip",
    "javascript", "gb", "t",  # names of formats and things, written so in Chinese too (GB/T: a national standard)
    "v",  # a version: v2
    "question_bank",  # the starter banks' folder, named as the source of their import
    "a", "b", "c", "d", "e", "f", "g", "h",  # enumerations inside a question's text: （a）甲公司…
    "p", "r",  # an item's facility (p) and discrimination (r), the symbols of item statistics
    "yyyy", "mm", "dd", "hh",  # how a date is written (format hints in fields)
    "examsys",  # the product's name
    *ROLES, "demo-pass",  # usernames: they are typed at the login, so they are shown as they are
}
# Pages whose faults another branch of issue 14 fixes (its owner's templates): the crawl expects them
# until then, and fails once they are gone so that the entry is taken out.
KNOWN_ELSEWHERE: dict[str, str] = {}  # endpoint: why its markup fault is known and fixed elsewhere (empty now)
# Routes not crawled, each for a reason.
SKIPPED = {
    "static": "files, not pages",
    "api_reference.docs": "the API reference for developers: the OpenAPI document's own English (tests/test_api.py checks it)",
    "exams.question": "the exam room has its own journey (tests/browser/test_exam_browser.py); crawling it would start the attempt",
}


def _ids(session, column, *where, limit=None):
    query = select(column).where(*where).order_by(column)
    return list(session.scalars(query.limit(limit) if limit else query))


def _parameters(session) -> dict[str, list]:
    """Real values for every path parameter of the route map, from the demo."""
    from examsys.audit.models import AuditEntry
    from examsys.auth.models import User
    from examsys.bank.models import Law, QuestionVersion
    from examsys.credentials.models import Credential, CredentialRequest, OfficerReport, ReissueCampaign
    from examsys.credentials.public.verification import token_for
    from examsys.exams.models import Attempt, ExamPlan
    from examsys.orgs.models import Organisation
    from examsys.personnel.models import CleanupCampaign, Person, PersonnelKind
    from examsys.reviews.models import FollowUpAction, Review, ReviewPeriod, ReviewScheme

    credentials = list(session.scalars(select(Credential).order_by(Credential.id)))
    officer = session.scalar(select(User).where(User.username == "officer"))
    first_entry_of_each_action = select(func.min(AuditEntry.seq)).group_by(AuditEntry.action)
    version = session.scalar(select(QuestionVersion).order_by(QuestionVersion.id).limit(1))
    return {
        "token": [token_for(c) for c in credentials],
        "user_id": [officer.id, session.scalar(select(User.id).where(User.username == "hr"))],
        "seq": sorted(session.scalars(first_entry_of_each_action)),
        "question_id": [version.question_id],
        "number": [version.number],
        "version_id": [version.id],
        "credential_id": [c.id for c in credentials],
        "person_id": [officer.person_id, *_ids(session, Person.id, Person.kind == PersonnelKind.AUXILIARY, limit=1)],
        "request_id": _ids(session, CredentialRequest.id),
        "attempt_id": [*_ids(session, Attempt.id, Attempt.person_id == officer.person_id)],
        "plan_id": _ids(session, ExamPlan.id),
        "org_id": _ids(session, Organisation.id, Organisation.parent_id.is_(None)) + _ids(session, Organisation.id, Organisation.code == "150102-SJJ"),
        "reissue.campaign_id": _ids(session, ReissueCampaign.id),
        "campaign_id": _ids(session, CleanupCampaign.id),
        "report_id": _ids(session, OfficerReport.id),
        "review_id": _ids(session, Review.id, Review.person_id == officer.person_id),
        "action_id": _ids(session, FollowUpAction.id),
        "period_id": _ids(session, ReviewPeriod.id),
        "scheme_id": _ids(session, ReviewScheme.id),
        "part": [1],
        "n": [1],
        "year": [2026, 1999],  # an annual report: a year with figures, and one before any (404)
        "law_id": _ids(session, Law.id, limit=1),
        "client_id": [1],  # an API client: the demo has none, so the page must answer 404, not fail
        "answer_id": [1],  # a practice answer: the demo has none, so the page must answer 404, not fail
    }


def _urls(app, values: dict[str, list]) -> tuple[list[tuple[str, str]], list[str]]:
    """(endpoint, url) for every GET route, and the routes whose parameters have no value."""
    urls, missing = [], []
    with app.test_request_context():
        from flask import url_for

        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if "GET" not in rule.methods or rule.endpoint in SKIPPED:
                continue
            options = {}
            for name in rule.arguments:
                converter = rule._converters.get(name)
                choices = sorted(getattr(converter, "items", ()) or ())
                options[name] = choices or values.get(f"{rule.endpoint.split('.')[0]}.{name}") or values.get(name) or []
                if not options[name]:
                    missing.append(f"{rule.rule} ({name})")
            if any(not v for v in options.values()):
                continue
            width = max((len(v) for v in options.values()), default=1)
            for i in range(width):
                args = {name: v[i % len(v)] for name, v in options.items()}
                urls.append((rule.endpoint, url_for(rule.endpoint, **args)))
    return urls, missing


@pytest.fixture
def values(demo, db):
    return _parameters(db)


def test_every_page_as_every_role_in_chinese(app, values):
    from tests.html_checks import enum_codes

    urls, missing = _urls(app, values)
    assert missing == [], "routes with a parameter the crawl cannot fill: " + ", ".join(missing)
    codes = enum_codes() - ALLOWED_WORDS
    problems: list[str] = []
    known_seen: set[str] = set()
    pages = 0
    started = time.perf_counter()
    for role in [None, *ROLES]:
        visitor = app.test_client()
        headers = {"Accept-Language": "zh-CN,zh;q=0.9"}
        if role is not None:
            response = visitor.post("/login", data={"identifier": role, "password": DEMO_PASSWORD}, headers=headers)
            assert response.status_code == 302, f"{role} cannot log in"
        for endpoint, url in urls:
            response = visitor.get(url, headers=headers)
            where = f"{role or 'anonymous'} GET {url}"
            if response.status_code >= 500:
                problems.append(f"{where}: {response.status_code}")
                continue
            if response.mimetype != "text/html" or response.status_code in (301, 302, 303, 307, 308):
                continue
            pages += 1
            markup, text = check_page(response.get_data(as_text=True))
            if markup and endpoint in KNOWN_ELSEWHERE:
                known_seen.add(endpoint)
                markup = []
            problems.extend(f"{where}: {p}" for p in markup)
            words = english_words(text, ALLOWED_WORDS)
            raw_codes = words & codes
            if raw_codes:
                problems.append(f"{where}: internal codes shown: {sorted(raw_codes)}")
            if words - raw_codes:
                problems.append(f"{where}: English on a Chinese page: {sorted(words - raw_codes)[:12]}")
    elapsed = time.perf_counter() - started

    assert pages > 300
    assert known_seen == set(KNOWN_ELSEWHERE), f"fixed now, take out of KNOWN_ELSEWHERE: {set(KNOWN_ELSEWHERE) - known_seen}"
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(dict.fromkeys(problems))
    print(f"crawl: {pages} pages in {elapsed:.0f} s")  # a figure to watch, not a timed test (bench/ is for timing)
