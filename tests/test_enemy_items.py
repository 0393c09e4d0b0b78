"""Enemy items: questions of one group (same point, one gives the other away) never share a paper."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import yaml

from examsys import clock
from examsys.auth.models import Role
from examsys.auth.permissions import SYSTEM
from examsys.bank.laws import STARTER_BANKS
from examsys.bank.models import BankPart, Question, QuestionType
from examsys.bank.schema import Record, read_paths, to_yaml_files
from examsys.bank.services import apply_import, plan_import
from examsys.exams import papers
from examsys.exams import plans as exam_plans
from examsys.exams.models import Attempt, ExamKind
from tests.factories import make_law, make_person, make_user

LAW = "敌对测试法"


def _record(ref: str, qtype: str = "true_false", enemies: str | None = None) -> Record:
    options = {"A": f"{ref}甲", "B": f"{ref}乙", "C": f"{ref}丙", "D": f"{ref}丁"} if qtype != "true_false" else None
    answer = True if qtype == "true_false" else "A"
    return Record(ref, BankPart.COMMON, None, None, {
        "type": qtype, "stem": f"{ref}题干", "options": options, "answer": answer, "rubric": None, "reference_answer": None,
        "law": LAW, "law_version": "2026", "article": "第一条", "difficulty": 3, "points": "2.00", "explanation": "第一条。", "tags": []},
        "test", enemies)


def _plan(*sections: tuple[str, int]):
    return SimpleNamespace(sections=[SimpleNamespace(type=QuestionType(t), count=n, points_each=Decimal(1)) for t, n in sections],
                           shuffle_questions=True, shuffle_options=True)


def test_assembly_never_draws_two_of_a_group_over_many_seeds():
    # 12 true/false and 8 single-choice versions; groups span both sections; 1-2 and 3-4-5 within one section.
    shapes = {v: ("true_false", None, None) for v in range(1, 13)} | {v: ("single_choice", list("ABCD"), None) for v in range(13, 21)}
    groups = {1: "g1", 2: "g1", 3: "g2", 4: "g2", 5: "g2", 6: "g3", 13: "g3", 14: "g3", 7: "g4", 15: "g4"}
    shapes |= {v: shapes[v][:2] + (g,) for v, g in groups.items()}
    plan = _plan(("true_false", 8), ("single_choice", 5))
    pools = [list(range(1, 13)), list(range(13, 21))]
    drawn: Counter[int] = Counter()
    for n in range(2000):
        items = papers.assemble(plan, pools, shapes, f"seed{n}")
        versions = [item["v"] for item in items]
        assert len(versions) == len(set(versions)) == 13
        on_paper = Counter(groups[v] for v in versions if v in groups)
        assert max(on_paper.values(), default=0) <= 1, (n, versions)
        drawn.update(versions)
    assert set(drawn) == set(range(1, 21))  # every question, grouped or not, still gets drawn


def test_the_same_seed_gives_the_same_paper_with_groups():
    shapes = {v: ("true_false", None, "g" if v < 4 else None) for v in range(1, 10)}
    plan = _plan(("true_false", 5))
    assert papers.assemble(plan, [list(range(1, 10))], shapes, "s") == papers.assemble(plan, [list(range(1, 10))], shapes, "s")


def test_the_fillability_check_counts_a_group_once():
    shapes = {v: ("true_false", None, "g" if v <= 3 else None) for v in range(1, 7)}  # 6 questions, 3 of them one group: 4 units
    assert papers.check(_plan(("true_false", 4)), [list(range(1, 7))], shapes).ok
    short = papers.check(_plan(("true_false", 5)), [list(range(1, 7))], shapes)
    assert not short.ok and short.sections[0].available == 4
    assert papers.check(_plan(("true_false", 5)), [list(range(1, 7))]).ok  # without groups, as before


def test_an_imported_group_is_stored_exported_and_honoured_when_a_plan_opens(db, tree, frozen_clock):
    make_law(db, LAW)
    records = [_record(f"EN-{n}", enemies="same-point" if n < 3 else None) for n in range(6)]
    apply_import(db, SYSTEM, plan_import(db, SYSTEM, records, tree.region), tree.region, activate=True)
    stored = {q.ref: q.enemy_group for q in db.query(Question).filter(Question.ref.like("EN-%"))}
    assert stored == {"EN-0": "same-point", "EN-1": "same-point", "EN-2": "same-point", "EN-3": None, "EN-4": None, "EN-5": None}
    admin = make_user(db, "enemy-admin", tree.region, Role.EXAM_ADMIN)
    now = clock.now()
    too_many = exam_plans.create_plan(db, admin, name="敌对五题", kind=ExamKind.QUALIFICATION, org_id=tree.region.id, part=BankPart.COMMON,
                                    domain_id=None, opens_at=now - timedelta(minutes=5), closes_at=now + timedelta(hours=2), pass_mark=Decimal(6),
                                    sections=[exam_plans.SectionSpec(QuestionType.TRUE_FALSE, 5, Decimal(2), LAW)])
    check = exam_plans.check_plan(db, too_many)
    assert not check.ok and check.sections[0].available == 4
    fits = exam_plans.create_plan(db, admin, name="敌对四题", kind=ExamKind.QUALIFICATION, org_id=tree.region.id, part=BankPart.COMMON,
                                domain_id=None, opens_at=now - timedelta(minutes=5), closes_at=now + timedelta(hours=2), pass_mark=Decimal(6),
                                sections=[exam_plans.SectionSpec(QuestionType.TRUE_FALSE, 4, Decimal(2), LAW)])
    for n in range(30):
        make_person(db, tree.county_dept, name=f"敌对考生{n}")
    assert exam_plans.open_plan(db, admin, fits.id) == 30
    grouped = {v.id for q in db.query(Question).filter(Question.enemy_group == "same-point") for v in q.versions}
    for attempt in db.query(Attempt).filter_by(plan_id=fits.id):
        assert len([item for item in attempt.items if item["v"] in grouped]) == 1


def test_regrouping_on_reimport_changes_the_question_not_its_version(db, tree):
    make_law(db, LAW)
    apply_import(db, SYSTEM, plan_import(db, SYSTEM, [_record("EN-A"), _record("EN-B")], tree.region), tree.region, activate=True)
    plan = plan_import(db, SYSTEM, [_record("EN-A", enemies="pair"), _record("EN-B", enemies="pair")], tree.region)
    assert plan.counts == {"created": 0, "versioned": 0, "unchanged": 2}
    apply_import(db, SYSTEM, plan, tree.region, activate=True)
    question = db.query(Question).filter_by(ref="EN-A").one()
    assert question.enemy_group == "pair" and len(question.versions) == 1


def test_enemies_round_trip_through_the_native_format():
    text = to_yaml_files([_record("EN-1", enemies="same-point"), _record("EN-2")])["common/敌对测试法.yaml"]
    questions = yaml.safe_load(text)["questions"]
    assert questions[0]["enemies"] == "same-point" and "enemies" not in questions[1]


def test_enemies_round_trip_through_xlsx_and_moodle_xml(app):
    from examsys.bank import files

    records = [_record("EN-1", "single_choice", enemies="same-point"), _record("EN-2", enemies="same-point"), _record("EN-3")]
    with app.test_request_context():
        for fmt, name in (("xlsx", "bank.xlsx"), ("moodle", "bank.xml")):
            content, _mime, _name = files.render(records, fmt)
            result = files.read_upload(name, content)
            assert result.problems == []
            assert {r.ref: r.enemies for r in result.records} == {"EN-1": "same-point", "EN-2": "same-point", "EN-3": None}, fmt
            assert all(r.content["type"] == o.content["type"] for r, o in zip(result.records, records, strict=True))


def test_a_bad_enemy_group_in_a_spreadsheet_is_named_by_row_and_column(app):
    from examsys.bank import files

    with app.test_request_context():
        content, _mime, _name = files.render([_record("EN-1"), _record("EN-2", enemies="同一 要点!")], "xlsx")
        problems = files.read_upload("bank.xlsx", content).problems
    assert [(p.question, p.field) for p in problems] == [("row 3", "互斥组")]


def test_the_starter_banks_group_the_questions_that_give_each_other_away(app):
    with app.test_request_context():
        records = read_paths([STARTER_BANKS]).records
    groups: dict[str, list[str]] = {}
    for record in records:
        if record.enemies:
            groups.setdefault(record.enemies, []).append(record.ref)
    assert all(len(refs) >= 2 for refs in groups.values()), groups
    assert {"FY-S-016", "FY-M-003", "SS-S-017"} <= {ref for refs in groups.values() for ref in refs}
