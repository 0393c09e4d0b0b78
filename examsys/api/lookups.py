"""What the API answers: credential status by number or token, batch look-ups, the register feed, published
exam results and review grades. Every function takes the session and the calling client and checks its scope;
none commits."""
from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from examsys import clock
from examsys.api.models import ApiClient
from examsys.credentials.models import Credential, credential_domain
from examsys.credentials.public.register import LISTED
from examsys.credentials.public.verification import PublicVerdict, live_verdict
from examsys.domains.models import EnforcementDomain
from examsys.errors import NotFound, PermissionDenied, ValidationFailed
from examsys.exams.models import Attempt, AttemptStatus, ExamPlan
from examsys.orgs.models import Organisation
from examsys.pagination import paginate
from examsys.personnel.models import Person

MAX_BATCH = 1000
MAX_FEED_PAGE = 1000


def require_scope(client: ApiClient, scope: str) -> None:
    if scope not in client.scope_set:
        raise PermissionDenied(_("This client may not use the scope %(scope)s.", scope=scope))


# ---- credentials ---------------------------------------------------------------------------------

_PUBLIC = (select(Credential.id, Credential.number, Credential.status, Credential.valid_to, Credential.region, Person.name,
                  Organisation.name.label("org_name"), Credential.changed_at)
           .join(Person, Credential.person_id == Person.id).join(Organisation, Credential.org_id == Organisation.id))


def _domains(session: Session, ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    for start in range(0, len(ids), 500):
        for credential_id, name in session.execute(
                select(credential_domain.c.credential_id, EnforcementDomain.name).join(EnforcementDomain)
                .where(credential_domain.c.credential_id.in_(ids[start:start + 500])).order_by(EnforcementDomain.code)):
            found[credential_id].append(name)
    return found


def _public(row: Any, domains: list[str]) -> dict[str, Any]:
    """What the verify page shows of a credential: never an ID number, a reason or a history."""
    today = clock.today()
    return {"number": row.number, "verdict": live_verdict(row.status, row.valid_to, today), "name": row.name,
            "organisation": row.org_name, "domains": domains, "region": row.region, "valid_to": row.valid_to,
            "expired": today > row.valid_to}


def by_number(session: Session, client: ApiClient, number: str) -> dict[str, Any]:
    require_scope(client, "credentials:read")
    row = session.execute(_PUBLIC.where(Credential.number == number)).one_or_none()
    if row is None:
        raise NotFound(_("No credential has this number."))
    return dict(_public(row, _domains(session, [row.id])[row.id]), as_of=clock.now())


def by_token(client: ApiClient, verdict: PublicVerdict) -> dict[str, Any]:
    """The verify page's answer (signature, key window, live status), in the API's shape."""
    require_scope(client, "credentials:read")
    body: dict[str, Any] = {"verdict": verdict.verdict, "as_of": clock.now(),
                            "steps": [{"step": step, "passed": ok} for step, ok in verdict.steps]}
    if verdict.claims is not None:
        holder = verdict.holder
        body.update(number=verdict.claims.number, name=verdict.claims.name, domains=list(holder.domains) if holder else [],
                    valid_to=verdict.claims.valid_to, expired=verdict.expired,
                    organisation=holder.organisation if holder else None, region=holder.region if holder else None)
    return body


def batch(session: Session, client: ApiClient, numbers: list[str]) -> list[dict[str, Any]]:
    """Each number's answer, in the order asked (repeats answered once each time asked)."""
    require_scope(client, "credentials:read")
    if len(numbers) > MAX_BATCH:
        raise ValidationFailed(_("At most %(n)d numbers per call.", n=MAX_BATCH), {"numbers": [_("At most %(n)d numbers per call.", n=MAX_BATCH)]})
    wanted = sorted(set(numbers))
    rows = {}
    for start in range(0, len(wanted), 500):
        for row in session.execute(_PUBLIC.where(Credential.number.in_(wanted[start:start + 500]))):
            rows[row.number] = row
    domains = _domains(session, [row.id for row in rows.values()])
    return [dict(_public(rows[n], domains[rows[n].id]), found=True) if n in rows else {"number": n, "found": False} for n in numbers]


# ---- the register feed ----------------------------------------------------------------------------

def _utc(moment: datetime) -> datetime:
    """The moment in UTC; one too early to be written in UTC (year 1 east of Greenwich) is the earliest there is."""
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        return datetime.min.replace(tzinfo=UTC)


def feed(session: Session, client: ApiClient, changed_since: datetime | None, after_id: int | None, limit: int) -> dict[str, Any]:
    """The credentials changed since a moment, oldest change first, a page at a time: keyset paging on
    (changed_at, id), so that a page ends between two credentials changed in the same instant and the
    next page (`changed_since` and `after_id` of the last item) starts right after it. Listed ones (on the
    public register now) carry the register's facts; the others only their number, so that a copy can
    drop them."""
    require_scope(client, "register:read")
    limit = max(1, min(limit, MAX_FEED_PAGE))
    query = _PUBLIC
    if changed_since is not None:
        since = _utc(changed_since)
        if after_id is None:
            query = query.where(Credential.changed_at >= since)
        else:
            query = query.where(or_(Credential.changed_at > since, and_(Credential.changed_at == since, Credential.id > after_id)))
    rows = list(session.execute(query.order_by(Credential.changed_at, Credential.id).limit(limit)))
    today = clock.today()
    listed_ids = [row.id for row in rows if row.status in LISTED and row.valid_to >= today]
    domains = _domains(session, listed_ids)
    items = []
    for row in rows:
        if row.status in LISTED and row.valid_to >= today:
            item = dict(_public(row, domains[row.id]), listed=True)
        else:
            item = {"number": row.number, "verdict": live_verdict(row.status, row.valid_to, today), "listed": False}
        item["changed_at"] = row.changed_at
        items.append(item)
    last = rows[-1] if len(rows) == limit else None
    return {"items": items, "next": {"changed_since": last.changed_at, "after_id": last.id} if last else None, "as_of": clock.now()}


# ---- exam results -----------------------------------------------------------------------------------

def _plans_in_reach(client: ApiClient):
    """Published plans whose candidates can include the client's people: the plan's tree and the
    client's overlap (one contains the other)."""
    path = client.org.path
    return (select(ExamPlan).join(Organisation, ExamPlan.org_id == Organisation.id)
            .where(ExamPlan.results_published_at.is_not(None),
                   or_(Organisation.path.startswith(path, autoescape=True), func.substr(path, 1, func.length(Organisation.path)) == Organisation.path)))


def published_plans(session: Session, client: ApiClient) -> list[ExamPlan]:
    require_scope(client, "exam-results:read")
    return list(session.scalars(_plans_in_reach(client).order_by(ExamPlan.results_published_at.desc(), ExamPlan.id.desc()).limit(500)))


def plan_results(session: Session, client: ApiClient, plan_id: int, page: int, per_page: int) -> dict[str, Any]:
    """The graded attempts of a published plan by the client's people (its organisation's subtree)."""
    require_scope(client, "exam-results:read")
    plan = session.scalars(_plans_in_reach(client).where(ExamPlan.id == plan_id)).one_or_none()
    if plan is None:
        raise NotFound(_("No published exam plan with this id is within this client's reach."))
    query = (select(Attempt.id, Person.id_number, Person.name, Organisation.name.label("org_name"), Attempt.number, Attempt.score,
                    Attempt.passed, Attempt.submitted_at)
             .join(Person, Attempt.person_id == Person.id).join(Organisation, Person.org_id == Organisation.id)
             .where(Attempt.plan_id == plan.id, Attempt.status == AttemptStatus.GRADED,
                    Organisation.path.startswith(client.org.path, autoescape=True))
             .order_by(Organisation.path, Person.name_key, Attempt.number, Attempt.id))
    found = paginate(session, query, per_page, page, rows=True)
    results = [{"id_number": row.id_number, "name": row.name, "organisation": row.org_name, "attempt": row.number,
                "score": None if row.score is None else str(row.score), "passed": row.passed, "submitted_at": row.submitted_at} for row in found.items]
    return {"plan": plan, "results": results, "page": found.page, "per_page": found.per_page, "total": found.total}


# ---- review grades -------------------------------------------------------------------------------

def review_grades(session: Session, client: ApiClient, year: int, page: int, per_page: int) -> dict[str, Any]:
    """The final routine review grades of `year` (acknowledged by the officer, or upheld after a dispute) and the
    annual grades, of the client's people: reviews of its subtree as the period found them, annual grades by the
    organisation they were set in. For rank and rotation decisions in HR systems."""
    from examsys.reviews.models import AnnualAssessment, Review, ReviewPeriod, ReviewStatus

    require_scope(client, "reviews:read")
    inside = client.org.path
    routine = (select(Person.id_number, Person.name, Organisation.name.label("org_name"), ReviewPeriod.kind, ReviewPeriod.number,
                      Review.grade, Review.total, Review.status)
               .join(ReviewPeriod, Review.period_id == ReviewPeriod.id).join(Person, Review.person_id == Person.id)
               .join(Organisation, ReviewPeriod.org_id == Organisation.id)
               .where(ReviewPeriod.year == year, Review.status.in_((ReviewStatus.ACKNOWLEDGED, ReviewStatus.UPHELD)),
                      Review.grade.is_not(None), Review.org_path.startswith(inside, autoescape=True))
               .order_by(Organisation.path, Person.name_key, Person.id, ReviewPeriod.kind, ReviewPeriod.number))
    found = paginate(session, routine, per_page, page, rows=True)
    rows = [{"id_number": r.id_number, "name": r.name, "organisation": r.org_name, "period": f"{r.kind.value}-{r.number}",
             "grade": r.grade.value, "total": None if r.total is None else str(r.total), "status": r.status.value} for r in found.items]
    annual = []
    if found.page == 1:
        query = (select(Person.id_number, Person.name, Organisation.name.label("org_name"), AnnualAssessment.grade)
                 .join(Person, AnnualAssessment.person_id == Person.id).join(Organisation, AnnualAssessment.org_id == Organisation.id)
                 .where(AnnualAssessment.year == year, Organisation.path.startswith(inside, autoescape=True))
                 .order_by(Organisation.path, Person.name_key, Person.id))
        annual = [{"id_number": r.id_number, "name": r.name, "organisation": r.org_name, "grade": r.grade.value}
                  for r in session.execute(query)]
    return {"year": year, "routine": rows, "annual": annual, "page": found.page, "per_page": found.per_page, "total": found.total}
