"""Factory helpers and the login helper, as a pytest plugin (listed in conftest's pytest_plugins)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from examsys.auth.models import Role, User
from examsys.auth.permissions import SYSTEM
from examsys.auth.services import create_account, grant_role
from examsys.orgs.models import Organisation, OrgKind
from examsys.orgs.services import create_org
from examsys.personnel import idnumber
from examsys.personnel.models import EmploymentStatus, Person, PersonnelKind, StaffingKind

PASSWORD = "Test-Pass-2026"


@dataclass
class Tree:
    region: Organisation
    league: Organisation
    county: Organisation
    county_dept: Organisation
    other_county: Organisation
    other_dept: Organisation
    other_league: Organisation


def make_tree(session: Session) -> Tree:
    """Region 150000 → 呼和浩特市 150100 → 新城区 150102 (+ department) and 赛罕区 150105 (+ department);
    包头市 150200 beside it."""
    region = create_org(session, SYSTEM, parent_id=None, kind=OrgKind.REGION, code="150000", name="内蒙古自治区", division_code="150000")
    league = create_org(session, SYSTEM, parent_id=region.id, kind=OrgKind.LEAGUE, code="150100", name="呼和浩特市", division_code="150100")
    county = create_org(session, SYSTEM, parent_id=league.id, kind=OrgKind.COUNTY, code="150102", name="新城区", division_code="150102")
    county_dept = create_org(session, SYSTEM, parent_id=county.id, kind=OrgKind.DEPARTMENT, code="150102-SJJ", name="新城区市场监督管理局")
    other_county = create_org(session, SYSTEM, parent_id=league.id, kind=OrgKind.COUNTY, code="150105", name="赛罕区", division_code="150105")
    other_dept = create_org(session, SYSTEM, parent_id=other_county.id, kind=OrgKind.DEPARTMENT, code="150105-SJJ", name="赛罕区市场监督管理局")
    other_league = create_org(session, SYSTEM, parent_id=region.id, kind=OrgKind.LEAGUE, code="150200", name="包头市", division_code="150200")
    session.commit()
    return Tree(region, league, county, county_dept, other_county, other_dept, other_league)


def make_user(session: Session, username: str, org: Organisation, role: Role | None = None, *, person: Person | None = None,
              must_change: bool = False) -> User:
    user, _ = create_account(session, SYSTEM, username=username, display_name=username.title(), org_id=org.id,
                             password=PASSWORD, person_id=person.id if person else None, must_change=must_change)
    if role is not None:
        grant_role(session, SYSTEM, user.id, role, org.id)
    session.commit()
    return user


_person_counter = [0]


def make_law(session: Session, title: str, version: str = "2026"):
    """A law on the controlled list, for test banks that rest on a made-up law (imports refuse laws off the list)."""
    from examsys.bank.models import Law

    law = Law(title=title, version=version)
    session.add(law)
    session.flush()
    return law


def make_person(session: Session, org: Organisation, **over) -> Person:
    _person_counter[0] += 1
    first17 = f"{org.division_code}1985{(_person_counter[0] % 12) + 1:02d}15{_person_counter[0] % 1000:03d}"
    values = dict(id_number=first17 + idnumber.check_character(first17), name=f"测试人员{_person_counter[0]}", sex="M",
                  org=org, kind=PersonnelKind.OFFICER, staffing_kind=StaffingKind.CIVIL_SERVANT,
                  employment_status=EmploymentStatus.EMPLOYED)
    values.update(over)
    person = Person(**values)
    session.add(person)
    session.commit()
    if person.legal_qualification:  # holds the qualification: its evidence on record and approved (rule 1)
        exempt(session, person, person.legal_qualification)
    return person


def exempt(session: Session, person: Person, number: str, certified_on: date = date(2015, 11, 1)):
    """An approved legal-qualification exemption of `person` (the four eyes are tested in test_exemption.py)."""
    from examsys import clock
    from examsys.credentials.exemptions.services import LegalExemption

    person.legal_qualification = number
    exemption = LegalExemption(person=person, certificate_number=number, certified_on=certified_on, approved_at=clock.now())
    session.add(exemption)
    session.commit()
    return exemption


class AuthActions:
    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, identifier: str, password: str = PASSWORD, follow: bool = False):
        return self.client.post("/login", data={"identifier": identifier, "password": password}, follow_redirects=follow)

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def tree(db: Session) -> Tree:
    return make_tree(db)
