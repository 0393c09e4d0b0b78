"""A small active bank and an open exam plan, for the exam tests (a pytest plugin)."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from examsys import clock
from examsys.auth.models import Role
from examsys.bank.models import BankPart, QuestionType
from examsys.bank.schema import Record
from examsys.bank.services import apply_import, plan_import
from examsys.exams.models import ExamKind
from examsys.exams.plans import SectionSpec, create_plan, open_plan
from examsys.personnel.models import PersonnelKind
from tests.factories import make_person, make_user


def bank_records(singles: int = 30, multiples: int = 10, true_false: int = 15) -> list[Record]:
    records = []
    for n in range(singles):
        records.append(Record(f"S-{n:03d}", BankPart.COMMON, None, None, {
            "type": "single_choice", "stem": f"单选题{n}", "options": {"A": f"甲{n}", "B": f"乙{n}", "C": f"丙{n}", "D": f"丁{n}"},
            "answer": "B", "rubric": None, "reference_answer": None, "law": "中华人民共和国行政处罚法", "law_version": "2021",
            "article": "第一条", "difficulty": 2, "points": "2.00", "explanation": "解析", "tags": []}))
    for n in range(multiples):
        records.append(Record(f"M-{n:03d}", BankPart.COMMON, None, None, {
            "type": "multiple_choice", "stem": f"多选题{n}", "options": {"A": f"甲{n}", "B": f"乙{n}", "C": f"丙{n}", "D": f"丁{n}"},
            "answer": ["A", "C"], "rubric": None, "reference_answer": None, "law": "中华人民共和国行政许可法", "law_version": "2019",
            "article": "第二条", "difficulty": 3, "points": "2.00", "explanation": "解析", "tags": []}))
    for n in range(true_false):
        records.append(Record(f"T-{n:03d}", BankPart.COMMON, None, None, {
            "type": "true_false", "stem": f"判断题{n}", "options": None, "answer": n % 2 == 0, "rubric": None, "reference_answer": None,
            "law": "中华人民共和国行政强制法", "law_version": "2011", "article": "第三条", "difficulty": 1, "points": "2.00",
            "explanation": "解析", "tags": []}))
    return records


SMALL_BLUEPRINT = [SectionSpec(QuestionType.SINGLE_CHOICE, 5, Decimal(4)), SectionSpec(QuestionType.MULTIPLE_CHOICE, 2, Decimal(10)),
                   SectionSpec(QuestionType.TRUE_FALSE, 5, Decimal(12))]  # 20 + 20 + 60 = 100 points


@pytest.fixture
def exam(db, tree, frozen_clock):
    """An open qualification exam for the region: officers in two counties, an auxiliary, an account for one officer."""
    return open_exam(db, tree)


def open_exam(db, tree) -> dict:
    """The exam of the `exam` fixture, open from five minutes before clock.now() (frozen or real) for four hours."""
    apply_import(db, None, plan_import(db, None, bank_records(), tree.region), tree.region, activate=True)
    admin = make_user(db, "examiner", tree.region, Role.EXAM_ADMIN)
    officer = make_person(db, tree.county_dept, name="考生甲")
    other = make_person(db, tree.other_dept, name="考生乙")
    auxiliary = make_person(db, tree.county_dept, name="辅助丙", kind=PersonnelKind.AUXILIARY)
    candidate = make_user(db, "candidate", tree.county_dept, person=officer)
    make_user(db, "candidate2", tree.other_dept, person=other)
    now = clock.now()
    plan = create_plan(db, admin, name="资格考试", kind=ExamKind.QUALIFICATION, org_id=tree.region.id, part=BankPart.COMMON, domain_id=None,
                       opens_at=now - timedelta(minutes=5), closes_at=now + timedelta(hours=4), duration_minutes=60, sections=SMALL_BLUEPRINT)
    open_plan(db, admin, plan.id)
    db.commit()
    return {"plan": plan, "admin": admin, "officer": officer, "other": other, "auxiliary": auxiliary, "candidate": candidate}
