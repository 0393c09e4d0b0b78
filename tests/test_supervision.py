"""The supervision dashboard: each figure on a small data set counted by hand, scoped to the auditor's
subtree, and each figure's list showing the same rows the figure counts."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from examsys import clock
from examsys.auth.models import Role
from examsys.credentials.models import Credential, CredentialStatus, OfficerReport, ReportCategory, ReportStatus
from examsys.domains.models import EnforcementDomain
from examsys.personnel.models import EmploymentStatus, PersonnelKind, PersonnelTask, TaskKind, TaskStatus
from examsys.reviews.models import ActionKind, ActionStatus, FollowUpAction, PeriodKind, Review, ReviewPeriod, ReviewScheme, ReviewStatus
from examsys.supervision import figures
from tests.factories import make_person, make_user

TODAY = date(2026, 6, 1)  # the frozen clock's day


@pytest.fixture
def world(db, tree, frozen_clock):
    """新城区's department: p1 (D1, in force, expires in 30 days), p2 (D1+D2, in force), p3 (D2, suspended),
    p4 (D1, no credential), p5 (retired, none), three auxiliaries. 赛罕区's: q1 (D1, active but expired), q2 (D1,
    none), one auxiliary. 包头市: r1 (D1, in force)."""
    d1, d2 = EnforcementDomain(code="SCJG", name="市场监管"), EnforcementDomain(code="CGZF", name="城管执法")
    db.add_all([d1, d2])
    people: dict[str, object] = {}

    def officer(key, org, domains, **over):
        people[key] = make_person(db, org, domains=domains, name=f"人员{key}", **over)
        return people[key]

    def credential(key, person, domains, valid_to, status=CredentialStatus.ACTIVE):
        c = Credential(number=f"NO-{key}", public_id=f"{key:0<16}"[:16], person_id=person.id, org_id=person.org_id,
                       issuer_id=tree.region.id, region="辖区", legal_source="法律", valid_from=date(2025, 1, 1),
                       valid_to=valid_to, status=status, domains=domains)
        db.add(c)
        db.flush()
        return c

    p1 = officer("p1", tree.county_dept, [d1])
    p2 = officer("p2", tree.county_dept, [d1, d2])
    p3 = officer("p3", tree.county_dept, [d2])
    p4 = officer("p4", tree.county_dept, [d1])
    officer("p5", tree.county_dept, [d1], employment_status=EmploymentStatus.RETIRED)
    for _ in range(3):
        make_person(db, tree.county_dept, kind=PersonnelKind.AUXILIARY)
    q1 = officer("q1", tree.other_dept, [d1])
    q2 = officer("q2", tree.other_dept, [d1])
    make_person(db, tree.other_dept, kind=PersonnelKind.AUXILIARY)
    r1 = officer("r1", tree.other_league, [d1])
    c1 = credential("c1", p1, [d1], TODAY + timedelta(days=30))
    credential("c2", p2, [d1, d2], date(2028, 1, 1))
    credential("c3", p3, [d2], date(2028, 1, 1), CredentialStatus.SUSPENDED)
    cq = credential("cq", q1, [d1], date(2026, 5, 1))
    credential("cr", r1, [d1], date(2029, 1, 1))

    def report(cred, days, status=ReportStatus.OPEN):
        db.add(OfficerReport(credential_id=cred.id, org_id=cred.org_id, category=ReportCategory.CONDUCT, text="态度粗暴",
                             created_at=clock.now() - timedelta(days=days), status=status))

    report(c1, 3), report(c1, 10), report(c1, 40), report(c1, 20, ReportStatus.HANDLED), report(cq, 2)

    def action(person, org, kind, due, status=ActionStatus.OPEN):
        db.add(FollowUpAction(person_id=person.id, owner_org_id=org.id, kind=kind, due_on=due, status=status))

    action(p1, tree.county_dept, ActionKind.TRAINING, date(2026, 5, 20))
    action(p1, tree.county_dept, ActionKind.DISQUALIFICATION, date(2026, 7, 1))
    action(p2, tree.county_dept, ActionKind.SANCTION, date(2026, 5, 1), ActionStatus.DONE)
    action(q2, tree.other_dept, ActionKind.TRAINING, date(2026, 5, 1))

    def period(org, number, due):
        p = ReviewPeriod(org_id=org.id, kind=PeriodKind.MONTH, year=2026, number=number, starts_on=date(2026, number, 1),
                         ends_on=date(2026, number, 28), due_on=due)
        db.add(p)
        db.flush()
        return p

    scheme = ReviewScheme(org_id=tree.region.id, name="考核方案")
    db.add(scheme)
    db.flush()
    april, may = period(tree.county_dept, 4, date(2026, 5, 10)), period(tree.county_dept, 5, date(2026, 6, 30))
    other = period(tree.other_dept, 4, date(2026, 5, 10))

    def review(p, person, status):
        db.add(Review(period_id=p.id, person_id=person.id, org_path=person.org.path, scheme_id=scheme.id, status=status))

    review(april, p1, ReviewStatus.DUE), review(april, p2, ReviewStatus.DRAFT), review(april, p4, ReviewStatus.ACKNOWLEDGED)
    review(april, p3, ReviewStatus.DISPUTED), review(may, p1, ReviewStatus.DUE), review(other, q2, ReviewStatus.DISPUTED)
    db.add_all([PersonnelTask(kind=TaskKind.CREDENTIAL_DECISION, person=p3, org=p3.org, reason="退休"),
                PersonnelTask(kind=TaskKind.CREDENTIAL_DECISION, person=p1, org=p1.org, reason="调离", status=TaskStatus.DONE),
                PersonnelTask(kind=TaskKind.CREDENTIAL_DECISION, person=q2, org=q2.org, reason="调离")])
    db.commit()
    return people


COUNTY = dict(in_force=2, suspended=1, expiring=1, short_of_officers=1, without_credential=1, overdue_reviews=2, open_disputes=1,
              actions_past_due=1, open_disqualifications=1, reports_week=1, reports_month=1, reports_older=1, awaiting_decision=1)
LEAGUE = dict(COUNTY, short_of_officers=2, without_credential=2, open_disputes=2, actions_past_due=2, reports_week=2,
              awaiting_decision=2)
REGION = dict(LEAGUE, in_force=3, short_of_officers=3)


@pytest.mark.parametrize("where, role, expected, staff", [
    ("county", Role.AUDITOR, COUNTY, (4, 3, 0.75)),
    ("league", Role.AUDITOR, LEAGUE, (6, 4, 0.67)),
    ("region", Role.SYSADMIN, REGION, (7, 4, 0.57)),
])
def test_each_figure_is_counted_within_the_supervisors_subtree(db, tree, world, where, role, expected, staff):
    actor = make_user(db, f"sup_{where}", getattr(tree, where), role)
    counts, staffing = figures.dashboard(db, actor)
    assert counts == expected
    assert (staffing.officers, staffing.auxiliaries, staffing.per_officer) == staff


def test_the_short_of_officers_list_names_each_organisation_and_domain(db, tree, world):
    actor = make_user(db, "sup", tree.region, Role.AUDITOR)
    _figure, query = figures.figure_list(db, actor, "short_of_officers")
    rows = [(org.name, domain.name, qualified) for org, domain, qualified in db.execute(query)]
    assert rows == [("赛罕区市场监督管理局", "市场监管", 0),
                    ("新城区市场监督管理局", "城管执法", 1), ("包头市", "市场监管", 1)]


def test_the_dashboard_page_links_each_figure_to_its_list_of_the_same_rows(db, client, auth, tree, world):
    make_user(db, "county_auditor", tree.county, Role.AUDITOR)
    auth.login("county_auditor")
    page = client.get("/supervision/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Credentials in force" in page and "0.75" in page
    for key, count in COUNTY.items():
        tile = re.search(rf'href="/supervision/list/{key}" data-figure="{key}">\s*<span class="figure-number">(\d+)</span>', page)
        assert tile and int(tile.group(1)) == count, key
    listing = client.get("/supervision/list/expiring", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "NO-c1" in listing and "NO-c2" not in listing and "1 in all" in listing
    listing = client.get("/supervision/list/without_credential").get_data(as_text=True)
    assert "人员p4" in listing and "人员q2" not in listing and "人员p5" not in listing


def test_the_dashboard_reads_in_chinese(db, client, auth, tree, world):
    make_user(db, "county_auditor", tree.county, Role.AUDITOR)
    auth.login("county_auditor")
    page = client.get("/supervision/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "执法监督" in page and "有效证件" in page


@pytest.mark.parametrize("role", [Role.HR_ADMIN, Role.EXAM_ADMIN])
def test_other_roles_are_refused_and_do_not_see_the_link(db, client, auth, tree, world, role):
    make_user(db, "someone", tree.county, role)
    auth.login("someone")
    assert client.get("/supervision/").status_code == 403
    assert client.get("/supervision/list/in_force").status_code == 403
    assert "/supervision/" not in client.get("/").get_data(as_text=True)


def test_an_unknown_figure_is_not_found(db, client, auth, tree, world):
    make_user(db, "county_auditor", tree.county, Role.AUDITOR)
    auth.login("county_auditor")
    assert client.get("/supervision/list/nothing").status_code == 404
    assert "/supervision/" in client.get("/").get_data(as_text=True)
