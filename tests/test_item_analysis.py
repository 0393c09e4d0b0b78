"""Item statistics: facility, discrimination and option shares from a small data set worked out by hand,
only graded papers counted, the flags, the scope of the pages, their exports, and the empty state."""
from __future__ import annotations

import io
import math
from datetime import timedelta
from decimal import Decimal

import pytest

from examsys import clock
from examsys.auth.models import Role
from examsys.auth.permissions import SYSTEM
from examsys.bank.models import BankPart, QuestionType
from examsys.bank.schema import Record
from examsys.bank.services import apply_import, plan_import
from examsys.errors import NotFound
from examsys.exams import grading as exam_grading
from examsys.exams import item_analysis, room, saving
from examsys.exams import plans as exam_plans
from examsys.exams.models import Attempt, AttemptStatus, ExamKind
from examsys.orgs.models import OrgKind
from examsys.orgs.services import create_org
from tests.factories import make_law, make_person, make_user

LAW = "统计测试法"


def _record(ref: str, qtype: str, answer, difficulty: int = 3, points: str = "1.00") -> Record:
    options = {"A": f"{ref}甲", "B": f"{ref}乙", "C": f"{ref}丙", "D": f"{ref}丁"} if qtype != "true_false" else None
    return Record(ref, BankPart.COMMON, None, None, {
        "type": qtype, "stem": f"{ref}题干", "options": options, "answer": answer, "rubric": None, "reference_answer": None, "law": LAW,
        "law_version": "2026", "article": "第一条", "difficulty": difficulty, "points": points, "explanation": "", "tags": []})


# Six candidates, best first (totals 5, 4, 3, 2, 1, 0), in the bank's option letters; None: left blank.
# S1 single (key B, 2 points), S2 single (key A, 1 point), M1 multiple (key A+C, 2 points), T1 true/false (key true, 1 point).
ANSWERS = [
    {"S1": "B", "S2": "D", "M1": ["A", "C"], "T1": True},
    {"S1": "B", "S2": "D", "M1": ["A", "C"], "T1": False},
    {"S1": "B", "S2": "A", "M1": ["A"], "T1": None},
    {"S1": "C", "S2": "B", "M1": ["A", "C"], "T1": None},
    {"S1": None, "S2": "A", "M1": ["C", "D"], "T1": None},
    {"S1": "A", "S2": "B", "M1": ["A"], "T1": None},
]


@pytest.fixture
def stats_plan(db, tree, exam):
    """The four questions above on every paper (options shuffled per candidate), six graded papers and
    one still in progress, which must not count."""
    make_law(db, LAW)
    apply_import(db, SYSTEM, plan_import(db, SYSTEM, [_record("S1", "single_choice", "B", difficulty=2), _record("S2", "single_choice", "A", difficulty=4),
                                                  _record("M1", "multiple_choice", ["A", "C"]), _record("T1", "true_false", True)], tree.region),
                 tree.region, activate=True)
    dept = create_org(db, SYSTEM, parent_id=tree.other_league.id, kind=OrgKind.DEPARTMENT, code="150200-TJ", name="包头市统计测试局")
    people = [make_person(db, dept, name=f"统计考生{n}") for n in range(7)]
    now = clock.now()
    plan = exam_plans.create_plan(
        db, exam["admin"], name="统计测试", kind=ExamKind.QUALIFICATION, org_id=dept.id, part=BankPart.COMMON, domain_id=None,
        opens_at=now - timedelta(minutes=5), closes_at=now + timedelta(hours=2), pass_mark=Decimal(3),
        sections=[exam_plans.SectionSpec(QuestionType.SINGLE_CHOICE, 1, Decimal(2), LAW, 2),
                  exam_plans.SectionSpec(QuestionType.SINGLE_CHOICE, 1, Decimal(1), LAW, 4),
                  exam_plans.SectionSpec(QuestionType.MULTIPLE_CHOICE, 1, Decimal(2), LAW),
                  exam_plans.SectionSpec(QuestionType.TRUE_FALSE, 1, Decimal(1), LAW)])
    exam_plans.open_plan(db, exam["admin"], plan.id)
    refs = {item["v"]: ref for ref, item in zip(("S1", "S2", "M1", "T1"), db.query(Attempt).filter_by(plan_id=plan.id).first().items, strict=True)}
    for person, answers in zip(people, ANSWERS + [{"S1": "B", "S2": "A", "M1": ["A", "C"], "T1": True}], strict=True):
        attempt = db.query(Attempt).filter_by(plan_id=plan.id, person_id=person.id).one()
        attempt.start("device")
        for position, item in enumerate(attempt.items):
            saving.save_for_person(db, person.id, attempt.id, "device", position, answers[refs[item["v"]]], 1)
        if person is not people[-1]:
            attempt.finish(automatic=False)
            exam_grading.grade(db, attempt)
    db.commit()
    return plan


def _by_ref(stats):
    return {item.ref: item for item in stats.items}


def _shares(item):
    return {o.letter: (o.chosen, round(o.share, 4), o.key) for o in item.options}


def test_facility_discrimination_and_option_shares_match_the_hand_computation(db, exam, stats_plan):
    stats = item_analysis.plan_statistics(db, exam["admin"], stats_plan.id)
    assert stats.papers == 6  # the paper still in progress is not counted
    items = _by_ref(stats)
    assert sorted(items) == ["M1", "S1", "S2", "T1"] and all(i.attempts == 6 for i in items.values())

    # S1: scores x = 2,2,2,0,0,0 of 2 points; rest of the paper y = 3,2,1,2,1,0.
    # p = 6/12; Σ(x−x̄)² = 6, Σ(y−ȳ)² = 19 − 81/6 = 5.5, Σ(x−x̄)(y−ȳ) = 12 − 9 = 3, so r = 3/√33.
    s1 = items["S1"]
    assert s1.facility == pytest.approx(0.5)
    assert s1.discrimination == pytest.approx(3 / math.sqrt(33))
    assert s1.upper_lower == pytest.approx(1.0)  # upper two both right, lower two both wrong
    assert s1.blank_rate == pytest.approx(1 / 6)
    assert _shares(s1) == {"A": (1, 0.1667, False), "B": (3, 0.5, True), "C": (1, 0.1667, False), "D": (0, 0.0, False)}
    assert s1.flags == ["unused_distractor"]

    # S2: x = 0,0,1,0,1,0; y = 5,4,2,2,0,0: Σ(x−x̄)² = 4/3, Σ(y−ȳ)² = 49 − 169/6, Σ(x−x̄)(y−ȳ) = 2 − 13/3.
    s2 = items["S2"]
    assert s2.facility == pytest.approx(1 / 3)
    assert s2.discrimination == pytest.approx((2 - 13 / 3) / math.sqrt(4 / 3 * (49 - 169 / 6)))
    assert s2.discrimination == pytest.approx(-0.442719, abs=1e-6)
    assert s2.upper_lower == pytest.approx(-0.5)  # upper: 0 of 2 right; lower: 1 of 2
    assert _shares(s2) == {"A": (2, 0.3333, True), "B": (2, 0.3333, False), "C": (0, 0.0, False), "D": (2, 0.3333, False)}
    assert {o.letter: o.upper for o in s2.options} == {"A": 0, "B": 0, "C": 0, "D": 2}
    assert s2.flags == ["negative", "unused_distractor", "key_error"]

    # M1 (all or nothing): x = 2,2,0,2,0,0; y = 3,2,3,0,1,0: r = (10 − 9)/√(6 × 9.5) = 1/√57.
    m1 = items["M1"]
    assert m1.facility == pytest.approx(0.5)
    assert m1.discrimination == pytest.approx(1 / math.sqrt(57))
    assert m1.upper_lower == pytest.approx(1.0)
    assert _shares(m1) == {"A": (5, 0.8333, True), "B": (0, 0.0, False), "C": (4, 0.6667, True), "D": (1, 0.1667, False)}
    assert m1.flags == ["weak", "unused_distractor"]

    # T1: x = 1,0,0,0,0,0; y = 4,4,3,2,1,0: r = (4 − 14/6)/√(5/6 × (46 − 196/6)) = 0.5.
    t1 = items["T1"]
    assert t1.facility == pytest.approx(1 / 6)
    assert t1.discrimination == pytest.approx(0.5)
    assert t1.upper_lower == pytest.approx(0.5)
    assert t1.blank_rate == pytest.approx(4 / 6)
    assert _shares(t1) == {"true": (1, 0.1667, True), "false": (1, 0.1667, False)}
    assert t1.flags == ["too_hard"]


def test_the_items_are_summed_up_by_law(db, exam, stats_plan, client, auth):
    """One law, four items on six graded papers: the mean of the four facilities and discriminations above, all four
    flagged, each drawn onto and seen on all seven papers (the one in progress too)."""
    [law] = item_analysis.plan_statistics(db, exam["admin"], stats_plan.id).laws
    assert (law.law, law.items, law.answers, law.flagged, law.drawn, law.seen) == (LAW, 4, 24, 4, 28, 28)
    assert law.facility == pytest.approx((0.5 + 1 / 3 + 0.5 + 1 / 6) / 4)
    assert law.discrimination == pytest.approx((3 / math.sqrt(33) - 0.442719 + 1 / math.sqrt(57) + 0.5) / 4, abs=1e-6)
    auth.login("examiner")
    page = client.get(f"/exams/plans/{stats_plan.id}/items", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    table = page.split('id="by-law"')[1].split("</table>")[0]
    assert "按法律" in page and LAW in table and "28 / 28" in table and "0.38" in table
    assert "不只本考试计划" in table and table.count('title="各场考试中抽到本题的试卷数') == 2  # the header and the row say: every exam


def test_the_page_sorts_pages_and_exports_the_table(db, exam, stats_plan, client, auth, app):
    auth.login("examiner")
    page = client.get(f"/exams/plans/{stats_plan.id}/items").get_data(as_text=True)
    assert "From 6 graded papers" in page and "Possible key error" in page and "0.52" in page and "-0.44" in page
    assert page.index("S1 v1") < page.index("S2 v1")  # by question
    by_facility = client.get(f"/exams/plans/{stats_plan.id}/items?sort=-facility").get_data(as_text=True)
    order = sorted(("S1", "S2", "M1", "T1"), key=lambda ref: by_facility.index(f"{ref} v1"))
    assert order[-1] == "T1" and order[-2] == "S2"  # p: 0.5, 0.5, 1/3, 1/6
    app.config["PAGE_SIZE"] = 1  # two items a page
    second = client.get(f"/exams/plans/{stats_plan.id}/items?sort=question&page=2").get_data(as_text=True)
    assert "S2 v1" in second and "T1 v1" in second and "M1 v1" not in second and f"/exams/plans/{stats_plan.id}/items?sort=question&amp;page=1" in second

    csv = client.get(f"/exams/plans/{stats_plan.id}/items.csv").data.decode("utf-8-sig").splitlines()
    assert csv[0].startswith("题目编号,版本,题型,作答份数,难度系数p")
    s2 = next(line for line in csv if line.startswith("S2,"))
    assert ",6,0.333,-0.443,-0.500,0.0%," in s2 and "A* 33.3%, B 33.3%, C 0.0%, D 33.3%" in s2
    xlsx = client.get(f"/exams/plans/{stats_plan.id}/items.xlsx")
    from openpyxl import load_workbook

    rows = list(load_workbook(io.BytesIO(xlsx.data)).active.values)
    assert rows[0][0] == "题目编号" and len(rows) == 5


def test_the_same_version_across_plans(db, exam, stats_plan, client, auth):
    stats = item_analysis.plan_statistics(db, exam["admin"], stats_plan.id)
    s1 = _by_ref(stats)["S1"]
    across = item_analysis.version_statistics(db, exam["admin"], s1.version_id)
    assert [row.plan.id for row in across.plans] == [stats_plan.id]
    assert across.pooled.facility == pytest.approx(0.5) and across.pooled.discrimination == pytest.approx(3 / math.sqrt(33))
    auth.login("examiner")
    page = client.get(f"/exams/items/{s1.version_id}").get_data(as_text=True)
    assert "统计测试" in page and "All these exams" in page and f"/bank/{s1.question_id}/v/1" in page


def test_pooled_discrimination_is_within_plans():
    """Two plans with the same item scores, the second's totals 10 points higher: pooled, the
    correlation is that of either plan, not one inflated by the difference between the plans."""
    def sums(xs, ts):
        return item_analysis._Sums(len(xs), sum(xs), sum(x * x for x in xs), sum(ts), sum(t * t for t in ts),
                                   sum(x * t for x, t in zip(xs, ts, strict=True)), 2.0 * len(xs))
    xs, ts = [2, 2, 2, 0, 0, 0], [5, 4, 3, 2, 1, 0]
    one = item_analysis._correlation([sums(xs, ts)])
    both = item_analysis._correlation([sums(xs, ts), sums(xs, [t + 10 for t in ts])])
    assert one == pytest.approx(3 / math.sqrt(33)) and both == pytest.approx(one)


def test_an_exam_admin_of_another_subtree_gets_not_found(db, tree, exam, stats_plan, client, auth):
    county_admin = make_user(db, "county-examiner", tree.county, Role.EXAM_ADMIN)
    s1 = _by_ref(item_analysis.plan_statistics(db, exam["admin"], stats_plan.id))["S1"]
    with pytest.raises(NotFound):
        item_analysis.plan_statistics(db, county_admin, stats_plan.id)
    with pytest.raises(NotFound):
        item_analysis.version_statistics(db, county_admin, s1.version_id)
    auth.login("county-examiner")
    assert client.get(f"/exams/plans/{stats_plan.id}/items").status_code == 404
    assert client.get(f"/exams/plans/{stats_plan.id}/items.csv").status_code == 404
    assert client.get(f"/exams/items/{s1.version_id}").status_code == 404
    auth.logout()
    auth.login("candidate")  # no exam administrator at all
    assert client.get(f"/exams/plans/{stats_plan.id}/items").status_code in (403, 404)


def test_no_graded_papers_yet(db, exam, client, auth):
    plan = exam["plan"]  # open; one paper in progress, the other not started
    room.start(db, exam["candidate"], db.query(Attempt).filter_by(plan_id=plan.id, person_id=exam["officer"].id).one().id)
    db.commit()
    stats = item_analysis.plan_statistics(db, exam["admin"], plan.id)
    assert stats.papers == 0 and stats.items == []
    auth.login("examiner")
    page = client.get(f"/exams/plans/{plan.id}/items").get_data(as_text=True)
    assert "No graded papers yet" in page
    assert db.query(Attempt).filter_by(plan_id=plan.id, status=AttemptStatus.GRADED).count() == 0
    csv = client.get(f"/exams/plans/{plan.id}/items.csv").data.decode("utf-8-sig").splitlines()
    assert len(csv) == 1
