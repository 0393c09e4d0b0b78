"""The world of the authorization matrix: the demo seed (examsys/demo.py) plus the accounts and objects of a
sibling county, 赛罕区, so that every role has objects of its own subtree and of a foreign one.

Two sides: X, objects of 新城区 (150102, where the demo's county accounts live), and S, objects of 赛罕区
(150105, where this module adds `admin_saihan`, `hr_saihan`, `reviewer_saihan`, `examadmin_saihan` and `officer_saihan`).
`World.ids[side][kind]` is the id that fills a path parameter of that kind; region-wide objects (the
question bank, the indicator scheme) are the same on both sides."""
from __future__ import annotations

import io
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from examsys import clock, create_app
from examsys.auth.models import Role, RoleGrant, User
from examsys.auth.permissions import SYSTEM
from examsys.auth.services import create_account, grant_role
from examsys.demo import DEMO_EXAM, DEMO_PASSWORD, FIRST_SITTING, seed_demo
from examsys.orgs.models import Organisation
from examsys.personnel.models import Person, PersonnelKind
from tests.conftest import PG_URL, TEST_CONFIG, FreshContextClient, _truncate_all

X, S, P = "X", "S", "P"
# P: a colleague's objects, those of officer2 in officer's own department: inside every 新城区 role's subtree,
# but not officer's own (their attempt, review, follow-up action, credential). Only routes that take one of
# PERSONAL run on P; everything else of P is X's.
PERSONAL = frozenset({"attempt_id", "review_id", "action_id", "credential_id", "token", "person_id"})
# endpoints whose `answer_id` is someone's own practice answer (P: a colleague's), not an exam answer
PERSONAL_ENDPOINTS = frozenset({"practice.practice_retry"})

# username → the side whose subtree the role reaches (None: the whole region, both sides)
HOMES: dict[str, str | None] = {
    "admin": None, "admin_xincheng": X, "examadmin": None, "hr": None, "hr_xincheng": X, "reviewer": X,
    "auditor": None, "officer": X,
    "admin_saihan": S, "hr_saihan": S, "reviewer_saihan": S, "officer_saihan": S, "examadmin_saihan": S,
}
ROLES = ("anonymous", *HOMES)
# the organisation code prefix a county-level role's pages stay within (region-wide roles: no limit)
REACH = {"examadmin_saihan": "150105", "admin_xincheng": "150102", "hr_xincheng": "150102", "reviewer": "150102-SJJ", "officer": "150102-SJJ",
         "admin_saihan": "150105", "hr_saihan": "150105", "reviewer_saihan": "150105-SJJ", "officer_saihan": "150105-SJJ"}

SAIHAN_ACCOUNTS = (  # username, the account's organisation, role, the node granted on
    ("admin_saihan", "150105", Role.SYSADMIN, "150105"),
    ("hr_saihan", "150105", Role.HR_ADMIN, "150105"),
    ("reviewer_saihan", "150105-SJJ", Role.REVIEWER, "150105-SJJ"),
    ("examadmin_saihan", "150105", Role.EXAM_ADMIN, "150105"),
)


@dataclass
class World:
    ids: dict[str, dict[str, Any]] = field(default_factory=lambda: {X: {}, S: {}, P: {}})
    # department code → names of its people that occur nowhere else (no other name contains them)
    names: dict[str, set[str]] = field(default_factory=dict)

    def foreign_names(self, role: str) -> set[str]:
        """Names a page shown to `role` must not contain: people of departments outside its reach."""
        reach = REACH.get(role)
        if reach is None:
            return set()
        return {n for code, names in self.names.items() if not code.startswith(reach) for n in names}

    def reaches(self, role: str, side: str) -> bool:
        return reaches(role, side)


def reaches(role: str, side: str) -> bool:
    """Whether the objects of `side` lie in the subtree of `role` (for an officer: are their own)."""
    if side == P:
        return role not in ("officer", "officer_saihan") and HOMES.get(role, "-") in (None, X)
    return role in HOMES and HOMES[role] in (None, side)


def jpeg() -> bytes:
    """A small ID photo, as an upload would bring one."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (300, 400), (200, 180, 160)).save(out, "JPEG")
    return out.getvalue()


def _user(session: Session, name: str) -> User:
    return session.scalars(select(User).where(User.username == name)).one()


def _officers(session: Session, dept: Organisation) -> list[Person]:
    return list(session.scalars(select(Person).where(Person.org_id == dept.id, Person.kind == PersonnelKind.OFFICER).order_by(Person.id)))


def build(session: Session) -> World:
    """Seed the demo, add the sibling county's accounts and objects, and collect the ids of both sides."""
    from examsys.audit.models import AuditEntry
    from examsys.bank.models import Law, QuestionVersion, VersionStatus
    from examsys.credentials import services as credentials
    from examsys.credentials.models import Credential, CredentialRequest, RecoveryTask, ReportCategory
    from examsys.credentials.public.verification import token_for
    from examsys.credentials.reissue.services import ReissuePlan
    from examsys.credentials.reissue.services import open_campaign as open_reissue
    from examsys.credentials.reports.services import file_report
    from examsys.credentials.requests import services as requests
    from examsys.exams import plans as exam_plans
    from examsys.exams import room, saving
    from examsys.exams.models import Attempt, ExamKind, ExamPlan
    from examsys.personnel import campaigns as cleanup
    from examsys.personnel.services import request_correction
    from examsys.reviews import actions
    from examsys.reviews import services as reviews
    from examsys.reviews.models import ActionKind, FollowUpAction, PeriodKind, Review, ReviewPeriod

    seed_demo(session)
    orgs = {o.code: o for o in session.scalars(select(Organisation))}
    for username, org_code, role, grant_code in SAIHAN_ACCOUNTS:
        user, _ = create_account(session, SYSTEM, username=username, display_name=username, org_id=orgs[org_code].id,
                                 password=DEMO_PASSWORD, must_change=False)
        grant_role(session, SYSTEM, user.id, role, orgs[grant_code].id)
    saihan_people = _officers(session, orgs["150105-SJJ"])
    create_account(session, SYSTEM, username="officer_saihan", display_name=saihan_people[0].name, org_id=orgs["150105-SJJ"].id,
                   password=DEMO_PASSWORD, person_id=saihan_people[0].id, must_change=False)
    session.flush()
    users = {name: _user(session, name) for name in (*HOMES, "officer2")}
    xincheng_people = _officers(session, orgs["150102-SJJ"])

    # A credential in 赛罕区 (exempt by the legal professional qualification), suspended: its recovery task. The
    # matrix is about scope, not eligibility: its domains ask for no sector exam here.
    from tests.factories import exempt

    holder = saihan_people[0]
    exempt(session, holder, "A20201505000001")
    for domain in {*holder.domains, *saihan_people[1].domains}:
        domain.needs_sector_exam = False
    saihan_credential = credentials.issue(session, SYSTEM, credentials.IssueRequest(
        holder.id, orgs["150100"].id, [d.id for d in holder.domains], "呼和浩特市赛罕区", "《中华人民共和国行政处罚法》第十七条",
        ))
    credentials.change(session, users["hr"], saihan_credential.id, "suspend", ground="矩阵测试", decision_number="呼执暂〔2026〕9号",
                       reason="矩阵测试")
    xincheng_credential = session.scalars(select(Credential).where(Credential.person_id == users["officer"].person_id)).one()
    exemptions = {S: exempt(session, saihan_people[1], "A20201505000002").id}
    requests.request_issue(session, users["hr_saihan"], saihan_people[1].id, requests.RequestDraft(
        issuer_id=orgs["150100"].id, domain_ids=[d.id for d in saihan_people[1].domains], region="呼和浩特市赛罕区",
        legal_source="《中华人民共和国行政处罚法》第十七条", reason="矩阵测试"))

    # Reviews of 赛罕区 and a follow-up action on each side.
    saihan_period = reviews.open_period(session, users["hr_saihan"], orgs["150105"].id, PeriodKind.QUARTER, 2026, 3)
    due = clock.now().date() + timedelta(days=30)
    saihan_action = actions.create_action(session, users["reviewer_saihan"], holder.id, ActionKind.TRAINING, due, "矩阵测试")
    xincheng_action = actions.create_action(session, users["reviewer"], users["officer"].person_id, ActionKind.TRAINING, due, "矩阵测试")
    peer_action = actions.create_action(session, users["reviewer"], users["officer2"].person_id, ActionKind.TRAINING, due, "矩阵测试")

    # Clean-up and re-issuance campaigns, corrections, officers' reports: one of each per county.
    cutoff = clock.now().date() + timedelta(days=60)
    sides: dict[str, dict[str, Any]] = {}
    for side, county, hr, officer, credential in ((X, "150102", "hr_xincheng", "officer", xincheng_credential),
                                                   (S, "150105", "hr_saihan", "officer_saihan", saihan_credential)):
        campaign = cleanup.open_campaign(session, users[hr], orgs[county].id, f"清理 {county}", cutoff)
        reissue = open_reissue(session, users[hr], ReissuePlan(org_id=orgs[county].id, cleanup_id=campaign.id, name=f"换发 {county}",
                                                                decision_number="矩阵〔2026〕1号"))
        correction = request_correction(session, users[officer], "矩阵测试：姓名有误")
        report = file_report(session, credential.id, ReportCategory.OTHER.value, "矩阵测试")
        sides[side] = {"campaign_id": campaign.id, "item_id": campaign.items[0].id, "reissue_id": reissue.id,
                       "correction_id": correction.id, "report_id": report.id}

    # A plan of 赛罕区 beside the first sitting of 新城区; the candidates' attempts of the open demo exam, started,
    # with one saved answer each.
    now = clock.now().replace(second=0, microsecond=0)
    first_sitting = session.scalars(select(ExamPlan).where(ExamPlan.name == FIRST_SITTING)).one()
    demo_exam = session.scalars(select(ExamPlan).where(ExamPlan.name == DEMO_EXAM)).one()
    saihan_plan = exam_plans.create_plan(session, SYSTEM, name="赛罕区资格考试（矩阵）", kind=ExamKind.QUALIFICATION, org_id=orgs["150105-SJJ"].id,
                                    part=first_sitting.part, domain_id=None, opens_at=now + timedelta(days=1),
                                    closes_at=now + timedelta(days=2))
    attempts, answers = {}, {}
    for side, officer in ((X, "officer"), (S, "officer_saihan")):
        user = users[officer]
        attempt = session.scalars(select(Attempt).where(Attempt.plan_id == demo_exam.id, Attempt.person_id == user.person_id)).one()
        token = room.start(session, user, attempt.id)
        version = session.get(QuestionVersion, attempt.items[0]["v"])
        saving.save_answer(session, user, attempt.id, token, 0, version.answer, 1)
        attempts[side] = attempt.id
        answers[side] = attempt.answers[0].id if hasattr(attempt, "answers") else None
    session.flush()
    from examsys.exams.models import Answer

    for side in (X, S):
        answers[side] = session.scalars(select(Answer.id).where(Answer.attempt_id == attempts[side])).first()

    version = session.scalars(select(QuestionVersion).where(QuestionVersion.status == VersionStatus.ACTIVE).order_by(QuestionVersion.id)).first()
    scheme_id = session.scalars(select(Review.scheme_id).limit(1)).one()
    # A wrong practice answer of each candidate (practice.practice_retry takes one), and a training record of
    # each county (training.delete takes one).
    from examsys.exams.models import PracticeAnswer
    from examsys.personnel import training

    practice_answers = {}
    for side, who in ((X, "officer"), (S, "officer_saihan"), (P, "officer2")):
        answer = PracticeAnswer(person_id=users[who].person_id, version_id=version.id, response="?", correct=False)
        session.add(answer)
        session.flush()
        practice_answers[side] = answer.id
    records = {side: training.add_training(session, users[hr], people[0].id,
                                           training.TrainingEntry("矩阵培训", "矩阵", clock.now().date() - timedelta(days=10), 8)).id
               for side, hr, people in ((X, "hr_xincheng", xincheng_people), (S, "hr_saihan", saihan_people))}
    xincheng_period = session.scalars(select(ReviewPeriod).where(ReviewPeriod.org_id == orgs["150102"].id)).one()
    from examsys.api import clients as api_clients

    exemptions[X] = exempt(session, xincheng_people[-1], "A20201501000009").id

    api = {side: api_clients.register(session, users[admin], f"矩阵客户端{side}", orgs[county].id, ["credentials:read"]).secret
           for side, admin, county in ((X, "admin_xincheng", "150102"), (S, "admin_saihan", "150105"))}
    session.flush()
    from examsys.api import webhooks
    from examsys.api.models import WebhookDelivery

    for side, admin in ((X, "admin_xincheng"), (S, "admin_saihan")):  # a subscription and one delivery each (never sent)
        webhooks.subscribe(session, users[admin], api[side].client_id, "http://127.0.0.1:9/hook", ["keys.rotated"])
    webhooks.key_rotated(session, 999)
    session.flush()
    deliveries = {side: session.scalar(select(WebhookDelivery.id).where(WebhookDelivery.client_id == api[side].client_id))
                  for side in (X, S)}

    world = World()
    for side, county, dept, credential, plan, period, action, hr, officer_user, people in (
            (X, "150102", "150102-SJJ", xincheng_credential, first_sitting, xincheng_period, xincheng_action, "hr_xincheng", "officer2",
             xincheng_people),
            (S, "150105", "150105-SJJ", saihan_credential, saihan_plan, saihan_period, saihan_action, "hr_saihan", "officer_saihan",
             saihan_people)):
        path = orgs[county].path
        audit_seq = session.scalars(select(AuditEntry.seq).where(AuditEntry.org_path.startswith(path)).order_by(AuditEntry.seq.desc())).first()
        request_id = session.scalars(select(CredentialRequest.id).join(Person, CredentialRequest.person_id == Person.id)
                                     .join(Organisation, Person.org_id == Organisation.id).where(Organisation.path.startswith(path))).first()
        task_id = session.scalars(select(RecoveryTask.id).join(Credential, RecoveryTask.credential_id == Credential.id)
                                  .join(Organisation, Credential.org_id == Organisation.id).where(Organisation.path.startswith(path))).first()
        own = users["officer" if side == X else "officer_saihan"].person_id
        review_id = session.scalars(select(Review.id).where(Review.period_id == period.id, Review.person_id == own)).one()
        grant_id = session.scalars(select(RoleGrant.id).where(RoleGrant.user_id == users[hr].id)).one()
        world.ids[side] = {
            "org_id": orgs[dept].id, "person_id": people[0].id, "user_id": users[officer_user].id, "grant_id": grant_id,
            "credential_id": credential.id, "token": token_for(credential), "request_id": request_id, "task_id": task_id,
            "plan_id": plan.id, "attempt_id": attempts[side], "answer_id": answers[side], "period_id": period.id,
            "review_id": review_id, "action_id": action.id, "seq": audit_seq, "year": 2026,
            "question_id": version.question_id, "version_id": version.id, "number": version.number, "scheme_id": scheme_id,
            "n": 1, "part": 1, "filename": "css/app.css", "org2_id": orgs[county].id, **sides[side],
            "practice_answer_id": practice_answers[side], "record_id": records[side],
            "client_id": api[side].client_id, "secret_id": api[side].id, "exemption_id": exemptions[side],
            "delivery_id": deliveries[side],
            "law_id": session.scalar(select(Law.id).order_by(Law.id).limit(1)),  # the list of laws is one for the region
        }
    everyone = [(p.name, p.org.code) for p in session.scalars(select(Person))]
    for name, code in everyone:
        if len(name) >= 2 and sum(name in other for other, _ in everyone) == 1:
            world.names.setdefault(code, set()).add(name)
    colleague = users["officer2"]
    attempt = session.scalars(select(Attempt).where(Attempt.plan_id == demo_exam.id, Attempt.person_id == colleague.person_id)).one()
    credential = session.scalars(select(Credential).where(Credential.person_id == colleague.person_id)).one()
    world.ids[P] = dict(world.ids[X], person_id=colleague.person_id, attempt_id=attempt.id, credential_id=credential.id,
                        token=token_for(credential), action_id=peer_action.id, practice_answer_id=practice_answers[P],
                        review_id=session.scalars(select(Review.id).where(Review.period_id == xincheng_period.id,
                                                                          Review.person_id == colleague.person_id)).one())
    assert session.scalar(select(Review.person_id).where(Review.id == world.ids[X]["review_id"])) == users["officer"].person_id
    assert session.get(FollowUpAction, xincheng_action.id).person_id == users["officer"].person_id
    return world


def campaign_ids(world: World, endpoint: str, side: str) -> dict[str, Any]:
    """`campaign_id` means a clean-up campaign under /personnel and a re-issuance campaign under /credentials,
    `request_id` a credential request or a correction request: the ids of the endpoint's own kind."""
    ids = dict(world.ids[side])
    if endpoint.startswith("reissue."):
        ids["campaign_id"] = ids["reissue_id"]
    if endpoint == "personnel.resolve":
        ids["request_id"] = ids["correction_id"]
    if endpoint in PERSONAL_ENDPOINTS:
        ids["answer_id"] = ids["practice_answer_id"]
    return ids


# ---- rows and cells ---------------------------------------------------------------------------------------

OK, LOGIN = "ok", "login"

ADMINS = frozenset({"admin", "admin_xincheng", "admin_saihan"})
HRS = frozenset({"hr", "hr_xincheng", "hr_saihan"})
REVIEWERS = frozenset({"reviewer", "reviewer_saihan"})
OFFICERS = frozenset({"officer", "officer_saihan"})
EXAM_ADMINS = frozenset({"examadmin", "examadmin_saihan"})
AUDITORS = frozenset({"auditor"})
EVERYONE = frozenset(HOMES)


@dataclass(frozen=True)
class Row:
    may: frozenset[str]
    others: int | str = 403
    scoped: bool = True
    public: bool = False
    anonymous: int | str | None = None  # what the anonymous visitor gets, if not the login page (or OK when public)
    cells: dict[tuple[str, str], int | str] = field(default_factory=dict)
    # POST: a body that would succeed for a role in `may`, so that a refused cell reaches the service's own check
    # (an empty form is turned away by the view before it): ids of the side → form data
    body: Callable[[dict[str, Any]], dict[str, Any]] | None = None

    def expected(self, world: World, role: str, side: str, objects: bool = True) -> int | str:
        if (role, side) in self.cells:
            return self.cells[(role, side)]
        if role == "anonymous":
            return self.anonymous if self.anonymous is not None else OK if self.public else LOGIN
        if role not in self.may:
            return self.others
        if self.scoped and objects and not world.reaches(role, side):
            return 404
        return OK


def may(*groups: frozenset[str] | str, **options: Any) -> Row:
    roles: set[str] = set()
    for group in groups:
        roles |= {group} if isinstance(group, str) else set(group)
    return Row(frozenset(roles), **options)


def public(**options: Any) -> Row:
    return Row(EVERYONE, scoped=False, public=True, **options)



# ---- running a cell ----------------------------------------------------------------------------------------

@dataclass
class Matrix:
    app: Any
    world: World
    clients: dict[str, FreshContextClient]


def seeded_matrix(database_template: str, folder: Path) -> Iterator[Matrix]:
    """The app on a copy of the migrated template (SQLite) or the test database (PostgreSQL, emptied after),
    seeded by `build`, with a client logged in for every role."""
    if PG_URL:
        url = database_template
    else:
        shutil.copyfile(database_template, folder / "matrix.sqlite3")
        url = f"sqlite:///{folder / 'matrix.sqlite3'}"
    app = create_app(dict(TEST_CONFIG, DATABASE_URL=url, KEY_DIR=str(folder / "keys")))
    app.instance_path = str(folder)
    app.test_client_class = FreshContextClient
    with app.app_context():
        from examsys.db import engine_for, get_session

        session = get_session()
        world = build(session)
        session.commit()
        clients: dict[str, FreshContextClient] = {}
        for number, role in enumerate(ROLES, start=1):
            client = app.test_client()
            # each role from its own address, as people at their own desks: the public pages' limits per
            # address count one role's cells, not the whole matrix's (and nothing turns the limiter off)
            client.environ_base["REMOTE_ADDR"] = f"10.15.0.{number}"
            if role != "anonymous":
                answer = client.post("/login", data={"identifier": role, "password": DEMO_PASSWORD})
                assert answer.status_code == 302, f"{role} cannot log in"
            clients[role] = client
        yield Matrix(app, world, clients)
        engine_for(app).dispose()
    clock.unfreeze()
    if PG_URL:
        _truncate_all(database_template)


def routes(app) -> dict[str, set[str]]:
    """endpoint → methods (GET, POST) of the URL map."""
    found: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        found.setdefault(rule.endpoint, set()).update(rule.methods & {"GET", "POST"})
    return found


def urls(app, world: World, endpoint: str, side: str) -> list[str]:
    """The endpoint's URLs with the ids of `side`: one per value of each `any(…)` converter."""
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    ids = campaign_ids(world, endpoint, side)
    variants: list[dict[str, Any]] = [{}]
    for name in rule.arguments:
        converter = rule._converters[name]
        choices = sorted(converter.items) if hasattr(converter, "items") else [ids[name]]
        variants = [dict(v, **{name: c}) for v in variants for c in choices]
    adapter = app.url_map.bind("localhost")
    return [adapter.build(endpoint, values, force_external=False) for values in variants]


def outcome(response) -> int | str:
    if response.status_code in (301, 302, 303, 307, 308) and "/login" in response.headers.get("Location", ""):
        return LOGIN
    if 200 <= response.status_code < 400:
        return OK
    return response.status_code


def sides_of(app, endpoint: str) -> tuple[str, ...]:
    """X and S for a route that takes an object, and P too where the object may be someone's own; X alone
    for a route without one."""
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    objects = [a for a in rule.arguments if not hasattr(rule._converters[a], "items")]
    return (X, S, P) if PERSONAL & set(objects) or endpoint in PERSONAL_ENDPOINTS else (X, S) if objects else (X,)


def fingerprint(app) -> tuple[int, ...]:
    """The audit chain's length and the row count of every table: a refused POST changes none of them."""
    import examsys.models  # noqa: F401
    from examsys.db import Base, get_session

    counts = " UNION ALL ".join(f'SELECT {i}, COUNT(*) FROM "{t.name}"' for i, t in enumerate(Base.metadata.sorted_tables))
    session = get_session()
    values = tuple(n for _, n in sorted(session.execute(text(counts)).all()))
    session.rollback()
    return values




@contextmanager
def throwaway_copy(matrix: Matrix) -> Iterator[None]:
    """SQLite: let roles post what changes data, then put the database back and log everyone in again."""
    from examsys.db import engine_for, get_session

    db_file = matrix.app.config["DATABASE_URL"].removeprefix("sqlite:///")

    def quiet() -> None:
        get_session().rollback()
        get_session().close()
        engine_for(matrix.app).dispose()

    quiet()
    shutil.copyfile(db_file, db_file + ".bak")
    yield
    quiet()
    for suffix in ("-wal", "-shm"):
        if os.path.exists(db_file + suffix):
            os.remove(db_file + suffix)
    shutil.copyfile(db_file + ".bak", db_file)
    for role in HOMES:
        answer = matrix.clients[role].post("/login", data={"identifier": role, "password": DEMO_PASSWORD})
        assert answer.status_code == 302, f"{role} cannot log in again"
