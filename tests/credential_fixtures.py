"""An issuing authority and an officer who passed the qualification exam (a pytest plugin)."""
from __future__ import annotations

from datetime import date

import pytest

from examsys.auth.models import Role
from examsys.bank.models import QuestionVersion
from examsys.credentials import services
from examsys.credentials.cases import CaseRecord
from examsys.exams import results as exam_results
from examsys.exams import room, saving
from examsys.exams.models import Attempt
from examsys.personnel.models import EnforcementDomain
from tests.factories import make_user


@pytest.fixture
def issuing(db, tree, exam):
    """The county is an issuing authority; the exam's officer passes it; an HR admin of the region."""
    tree.county.is_issuer = True
    market = EnforcementDomain(code="market", name="市场监管")
    db.add(market)
    exam["officer"].domains = [market]
    hr = make_user(db, "issuer-hr", tree.region, Role.HR_ADMIN)
    attempt = db.query(Attempt).filter_by(person_id=exam["officer"].id).one()
    token = room.start(db, exam["candidate"], attempt.id)
    versions = {v.id: v for v in db.query(QuestionVersion)}
    for position, item in enumerate(attempt.items):
        version = versions[item["v"]]
        answer = {"single_choice": "B", "multiple_choice": ["A", "C"], "true_false": "true" if version.answer else "false"}[version.type.value]
        saving.save_answer(db, exam["candidate"], attempt.id, token, position, answer, position + 1)
    room.submit(db, exam["candidate"], attempt.id, token)
    exam_results.publish_results(db, exam["admin"], exam["plan"].id)  # only published results count
    db.commit()
    assert attempt.passed
    return {"hr": hr, "market": market, "issuer": tree.county, **exam}


# The case a revocation names (measure 24): what every test that revokes passes.
REVOCATION_CASE = CaseRecord("执监案〔2025〕7号", date(2025, 12, 1), "呼执撤〔2025〕7号决定书")


def issue_request(issuing, person, **over):
    values = dict(person_id=person.id, issuer_id=issuing["issuer"].id, domain_ids=[issuing["market"].id], region="新城区",
                  legal_source="《中华人民共和国行政处罚法》第十八条")
    values.update(over)
    return services.IssueRequest(**values)




def pass_exam(db, user, attempt) -> None:
    """`user` sits `attempt` and answers every question with its key."""
    token = room.start(db, user, attempt.id)
    versions = {v.id: v for v in db.query(QuestionVersion).filter(QuestionVersion.id.in_([i["v"] for i in attempt.items]))}
    for position, item in enumerate(attempt.items):
        version = versions[item["v"]]
        answer = ("true" if version.answer else "false") if version.type.value == "true_false" else version.answer
        saving.save_answer(db, user, attempt.id, token, position, answer, position + 1)
    room.submit(db, user, attempt.id, token)
    assert attempt.passed


@pytest.fixture
def requesting(db, tree, issuing):
    """HR of the officer's department, who requests; the issuing fixture's region HR approves."""
    return {**issuing, "requester": make_user(db, "dept-hr", tree.county_dept, Role.HR_ADMIN)}


def draft(issuing, **over):
    from examsys.credentials.requests import RequestDraft

    values = dict(issuer_id=issuing["issuer"].id, domain_ids=[issuing["market"].id], region="新城区",
                  legal_source="《中华人民共和国行政处罚法》第十八条")
    values.update(over)
    return RequestDraft(**values)


@pytest.fixture
def signed_credential(app, db, issuing, tmp_path):
    """Signing keys in the test's folder and a credential issued to the exam's officer (the candidate)."""
    from datetime import timedelta

    from examsys import clock
    from examsys.credentials.keys import KeyStore

    app.config["KEY_DIR"] = str(tmp_path / "keys")
    KeyStore(tmp_path / "keys").init(clock.now() - timedelta(minutes=5))
    credential = services.issue(db, issuing["hr"], issue_request(issuing, issuing["officer"]))
    db.commit()
    return credential
