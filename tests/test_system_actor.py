"""`None` is nobody and every service refuses it; `SYSTEM` (the command line, the job runner, the standing
handlers, demo seeding) has no scope limit, and its audit entries read as "the system" / "系统"."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from examsys import clock
from examsys.audit.models import AuditEntry
from examsys.auth.models import Role, User
from examsys.auth.permissions import SYSTEM, can, get_in_scope, in_scope, scope_clause
from examsys.bank.models import BankPart
from examsys.errors import DomainError, NotFound
from examsys.exams.models import ExamKind
from examsys.imports.tabular import Table
from examsys.orgs.models import Organisation, OrgKind
from examsys.personnel.models import EmploymentStatus, Person
from tests.factories import PASSWORD, make_person, make_user


def _create_region(db, tree, actor):
    from examsys.orgs.services import create_org

    return create_org(db, actor, parent_id=None, kind=OrgKind.REGION, code="110000", name="北京市", division_code="110000")


def _create_department(db, tree, actor):
    from examsys.orgs.services import create_org

    return create_org(db, actor, parent_id=tree.county.id, kind=OrgKind.DEPARTMENT, code="150102-XX", name="新城区测试局")


def _create_account(db, tree, actor):
    from examsys.auth.services import create_account

    return create_account(db, actor, username="nobodys", display_name="Nobody's", org_id=tree.county.id, password=PASSWORD)


def _grant_role(db, tree, actor):
    from examsys.auth.services import grant_role

    user = db.scalar(select(User).where(User.username == "plain"))
    return grant_role(db, actor, user.id, Role.SYSADMIN, tree.region.id)


def _change_employment(db, tree, actor):
    from examsys.personnel.services import change_employment

    return change_employment(db, actor, make_person(db, tree.county_dept).id, EmploymentStatus.RETIRED, "退休")


def _designate_issuer(db, tree, actor):
    from examsys.orgs.issuers import designate_issuer

    return designate_issuer(db, actor, tree.county.id)


def _save_scheme(db, tree, actor):
    from examsys.reviews import schemes

    return schemes.save_scheme(db, actor, tree.region.id, "指标", list(schemes.DEFAULT_ROWS), schemes.DEFAULT_BANDS)


def _open_period(db, tree, actor):
    from examsys.reviews import services
    from examsys.reviews.models import PeriodKind

    return services.open_period(db, actor, tree.region.id, PeriodKind.QUARTER, 2026, 1)


def _bank_records():
    from tests.exam_fixtures import bank_records

    return bank_records(1, 0, 0)


def _bank_import(db, tree, actor):
    from examsys.bank.services import apply_import, plan_import

    return apply_import(db, actor, plan_import(db, actor, _bank_records(), tree.region), tree.region)


def _bank_export(db, tree, actor):
    from examsys.bank.files import export_records

    return export_records(db, actor)


def _bank_lint(db, tree, actor):
    from examsys.bank.quality import import_warnings

    return import_warnings(db, actor, _bank_records())


def _people_import(db, tree, actor):
    from examsys.personnel.importer import apply_import, plan_import

    return apply_import(db, actor, plan_import(db, actor, Table(), tree.region))


def _orgs_import(db, tree, actor):
    from examsys.orgs.services import apply_import, plan_import

    return apply_import(db, actor, plan_import(db, actor, Table()))


SERVICES = [_create_region, _create_department, _create_account, _grant_role, _change_employment, _designate_issuer,
            _save_scheme, _open_period, _bank_import, _bank_export, _bank_lint, _people_import, _orgs_import]


@pytest.mark.parametrize("use", SERVICES, ids=lambda f: f.__name__.lstrip("_"))
def test_every_service_that_the_system_may_call_refuses_none(db, tree, use):
    make_user(db, "plain", tree.county)
    entries = db.scalar(select(func.count()).select_from(AuditEntry))
    with pytest.raises(DomainError):
        use(db, tree, None)
    db.rollback()
    assert db.scalar(select(func.count()).select_from(AuditEntry)) == entries


@pytest.mark.parametrize("use", SERVICES, ids=lambda f: f.__name__.lstrip("_"))
def test_the_system_actor_may_call_them(db, tree, use):
    make_user(db, "plain", tree.county)
    use(db, tree, SYSTEM)


def test_the_scope_helpers_refuse_nobody_and_let_the_system_through(db, tree):
    assert can(SYSTEM, Role.SYSADMIN, tree.other_dept) and not can(None, Role.SYSADMIN, tree.other_dept)
    assert db.scalars(select(Organisation).where(scope_clause(db, None, Role.HR_ADMIN, Organisation.path))).all() == []
    assert len(db.scalars(select(Organisation).where(scope_clause(db, SYSTEM, Role.HR_ADMIN, Organisation.path))).all()) == 7
    person = make_person(db, tree.other_dept)
    assert get_in_scope(db, SYSTEM, Person, person.id, roles=Role.HR_ADMIN, missing="gone") is person
    hr = make_user(db, "hr_xc", tree.county, Role.HR_ADMIN)
    for actor, ident in ((None, person.id), (hr, person.id), (SYSTEM, 999999)):
        with pytest.raises(NotFound, match="gone"):
            get_in_scope(db, actor, Person, ident, roles=Role.HR_ADMIN, missing="gone")
    assert in_scope(hr, person, allow=lambda p: p.id == person.id, missing="gone") is person


def test_cli_entries_are_the_systems_and_read_as_the_system(app, db, tree, runner, client, auth, tmp_path):
    assert runner.invoke(args=["orgs", "designate-issuer", "150102"]).exit_code == 0
    result = runner.invoke(args=["bank", "export", str(tmp_path / "bank.xlsx")])
    assert result.exit_code == 0, result.output
    entries = db.scalars(select(AuditEntry).where(AuditEntry.action.in_(("org.issuer_designate", "bank.export")))
                         .order_by(AuditEntry.seq)).all()
    assert [(e.actor_id, e.actor_name) for e in entries] == [(None, "system"), (None, "system")]
    make_user(db, "auditor_r", tree.region, Role.AUDITOR)
    seq = entries[0].seq
    assert auth.login("auditor_r").status_code == 302
    english = client.get(f"/audit/{seq}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    chinese = client.get(f"/audit/{seq}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "the system" in english and "<dd>系统</dd>" in chinese
    assert db.scalar(select(User).where(User.username == "system")) is None  # an actor, not an account


def test_exam_and_credential_services_refuse_none_and_serve_the_system(db, tree, issuing):
    from examsys.credentials import services as credentials
    from examsys.exams import plans
    from tests.credential_fixtures import issue_request
    from tests.exam_fixtures import SMALL_BLUEPRINT

    now = clock.now()
    values = dict(name="补考", kind=ExamKind.QUALIFICATION, org_id=tree.region.id, part=BankPart.COMMON, domain_id=None,
                  opens_at=now + timedelta(days=1), closes_at=now + timedelta(days=2), duration_minutes=60, sections=SMALL_BLUEPRINT)
    request = issue_request(issuing, issuing["officer"])
    for refused in (lambda: plans.create_plan(db, None, **values), lambda: plans.open_plan(db, None, issuing["plan"].id),
                    lambda: credentials.issue(db, None, request)):
        with pytest.raises(NotFound):
            refused()
        db.rollback()
    plan = plans.create_plan(db, SYSTEM, **values)
    assert plans.open_plan(db, SYSTEM, plan.id) > 0
    assert credentials.issue(db, SYSTEM, request).person_id == issuing["officer"].id
