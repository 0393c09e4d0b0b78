"""A qualification is both parts where the design says so (issue 16.5, DESIGN §4 rules 1 and 14): a credential
for a domain that has a sector part needs a passed sector exam in that domain within the window, besides the
common part; a domain without one needs the common part alone. A setting per domain."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from examsys import clock
from examsys.audit.models import AuditEntry
from examsys.bank.models import BankPart, QuestionType
from examsys.bank.schema import Record
from examsys.bank.services import apply_import, plan_import
from examsys.credentials.services import eligibility
from examsys.exams import plans as exam_plans
from examsys.exams import results as exam_results
from examsys.exams.models import Attempt, ExamKind
from examsys.personnel.models import EnforcementDomain
from tests.credential_fixtures import pass_exam
from tests.factories import exempt

MISSING = "No sector exam for 市场监管 passed in the last 12 months."


def _sector_bank(db, tree, code: str = "market", name: str = "市场监管") -> None:
    records = [Record(f"SEC-{code.upper()}-{n}", BankPart.SECTOR, code, name, {
        "type": "true_false", "stem": f"{name}判断题{n}", "options": None, "answer": True, "rubric": None, "reference_answer": None,
        "law": "中华人民共和国产品质量法", "law_version": "2018", "article": "第十二条", "difficulty": 1, "points": "2.00",
        "explanation": "解析", "tags": []}) for n in range(2)]
    apply_import(db, None, plan_import(db, None, records, tree.region), tree.region, activate=True)


def _sector_exam(db, tree, issuing, domain: EnforcementDomain, *, publish: bool = True, sitter: str = "candidate"):
    """A sector exam of `domain`, open now; the account `sitter` sits it and answers every question right."""
    from examsys.auth.models import User

    now = clock.now()
    plan = exam_plans.create_plan(db, issuing["admin"], name=f"{domain.name}专业考试", kind=ExamKind.QUALIFICATION, org_id=tree.region.id,
                             part=BankPart.SECTOR, domain_id=domain.id, opens_at=now - timedelta(minutes=5),
                             closes_at=now + timedelta(hours=2), duration_minutes=60,
                             sections=[exam_plans.SectionSpec(QuestionType.TRUE_FALSE, 2, Decimal(50))])
    exam_plans.open_plan(db, issuing["admin"], plan.id)
    user = db.query(User).filter_by(username=sitter).one()
    pass_exam(db, user, db.query(Attempt).filter_by(plan_id=plan.id, person_id=user.person_id).one())
    if publish:
        exam_results.publish_results(db, issuing["admin"], plan.id)
    db.commit()
    return plan


def test_a_sector_bank_makes_its_new_domain_require_the_sector_exam(db, tree):
    _sector_bank(db, tree, "environment", "生态环境")
    assert db.query(EnforcementDomain).filter_by(code="environment").one().needs_sector_exam


def test_a_domain_with_a_sector_part_needs_the_sector_exam_besides_the_common_part(db, tree, issuing, runner):
    officer, market = issuing["officer"], issuing["market"]
    assert eligibility(db, officer, [market.id]) == []  # no sector part: the common part alone
    _sector_bank(db, tree)
    result = runner.invoke(args=["bank", "sector-exam", "market", "--required"])
    assert result.exit_code == 0 and "market 市场监管: the sector exam is required" in result.output
    assert eligibility(db, officer, [market.id]) == [MISSING]
    entry = db.query(AuditEntry).filter_by(action="domain.sector_exam").one()
    assert (entry.before, entry.after) == ({"needs_sector_exam": False}, {"needs_sector_exam": True})

    plan = _sector_exam(db, tree, issuing, market, publish=False)
    assert eligibility(db, officer, [market.id]) == [MISSING]  # only published results count
    exam_results.publish_results(db, issuing["admin"], plan.id)
    db.commit()
    assert eligibility(db, officer, [market.id]) == []
    clock.advance(timedelta(days=400))  # past the window, the sector part is missing again (so is the common part)
    assert MISSING in eligibility(db, officer, [market.id])


def test_a_sector_exam_of_another_domain_does_not_count_and_the_setting_can_be_lifted(db, tree, issuing, runner):
    officer, market = issuing["officer"], issuing["market"]
    _sector_bank(db, tree)
    _sector_bank(db, tree, "environment", "生态环境")
    runner.invoke(args=["bank", "sector-exam", "market"])
    environment = db.query(EnforcementDomain).filter_by(code="environment").one()
    officer.domains = [market, environment]  # a sector exam is for the officers of its domain
    db.commit()
    _sector_exam(db, tree, issuing, environment)
    assert eligibility(db, officer, [market.id]) == [MISSING]
    result = runner.invoke(args=["bank", "sector-exam", "market", "--not-required"])
    assert result.exit_code == 0 and "not required" in result.output
    db.expire_all()
    assert eligibility(db, officer, [market.id]) == []
    assert runner.invoke(args=["bank", "sector-exam", "nosuch"]).exit_code == 1


def test_a_sector_pass_alone_is_not_the_common_part(db, tree, issuing):
    from examsys.personnel.models import Person

    other = db.get(Person, issuing["other"].id)
    other.domains = [issuing["market"]]
    db.commit()
    _sector_bank(db, tree)
    _sector_exam(db, tree, issuing, issuing["market"], sitter="candidate2")  # the other county's officer passes the sector part
    assert eligibility(db, other, [issuing["market"].id]) == ["No qualification exam passed in the last 12 months."]


def test_the_legal_qualification_exempts_from_the_common_part_only(db, tree, issuing, runner):
    from examsys.personnel.models import Person

    other = db.get(Person, issuing["other"].id)
    other.domains = [issuing["market"]]
    exempt(db, other, "A20151101234567")
    assert eligibility(db, other, [issuing["market"].id]) == []
    _sector_bank(db, tree)
    runner.invoke(args=["bank", "sector-exam", "market"])
    db.expire_all()
    assert eligibility(db, other, [issuing["market"].id]) == [MISSING]


def test_the_request_page_shows_the_missing_part_as_a_reason(db, tree, issuing, client, auth, runner):
    _sector_bank(db, tree)
    runner.invoke(args=["bank", "sector-exam", "market"])
    auth.login("issuer-hr")
    page = client.get(f"/credentials/requests/new/{issuing['officer'].id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert MISSING in page
    zh = client.get(f"/credentials/requests/new/{issuing['officer'].id}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "近 12 个月内没有通过市场监管专业法律知识考试。" in zh
