"""Item statistics for a large plan (target: 10,000 graded papers × 100 items in under 5 s).

    .venv/bin/python -m bench.item_stats [--attempts 10000] [--database sqlite|postgresql]

Builds a plan whose papers draw 100 items (50 single choice, 20 multiple, 30 true/false) from 200 active
questions, then writes the graded papers and their answers in bulk (COPY on PostgreSQL), answered by a
simulated population (ability against item difficulty, a few planted faulty items). Prints, in the
same run: the baseline (one pass of the database over the same answer rows, COUNT and SUM: no
aggregation over them can be cheaper), the item statistics as the page computes them, and the ratio;
then whether the planted faults were flagged. PostgreSQL uses EXAMSYS_BENCH_DATABASE_URL, whose public
schema is dropped."""
from __future__ import annotations

import argparse
import json
import math
import random
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from bench.common import bench_app
from examsys.auth.permissions import SYSTEM

SINGLES, MULTIPLES, TRUE_FALSE = 100, 40, 60
BLUEPRINT = ((50, "single_choice"), (20, "multiple_choice"), (30, "true_false"))
# Planted faults, by question ref: a wrong key, an item everyone gets, an option nobody is drawn to,
# and one that strong candidates get wrong more often than weak ones.
KEY_ERROR, TOO_EASY, DEAD_OPTION, NEGATIVE = "S-000", "S-001", "S-002", "T-000"


def records():
    from examsys.bank.models import BankPart
    from examsys.bank.schema import Record

    common = {"rubric": None, "reference_answer": None, "law": "中华人民共和国行政处罚法", "law_version": "2021", "article": "第一条",
              "difficulty": 3, "points": "1.00", "explanation": "", "tags": []}
    out = []
    for n in range(SINGLES):
        out.append(Record(f"S-{n:03d}", BankPart.COMMON, None, None, {
            **common, "type": "single_choice", "stem": f"单选{n}", "options": {"A": f"甲{n}", "B": f"乙{n}", "C": f"丙{n}", "D": f"丁{n}"}, "answer": "B"}))
    for n in range(MULTIPLES):
        out.append(Record(f"M-{n:03d}", BankPart.COMMON, None, None, {
            **common, "type": "multiple_choice", "stem": f"多选{n}", "options": {"A": f"甲{n}", "B": f"乙{n}", "C": f"丙{n}", "D": f"丁{n}"},
            "answer": ["A", "C"]}))
    for n in range(TRUE_FALSE):
        out.append(Record(f"T-{n:03d}", BankPart.COMMON, None, None, {**common, "type": "true_false", "stem": f"判断{n}", "options": None, "answer": True}))
    return out


def answer(rng: random.Random, ref: str, qtype: str, ability: float, difficulty: float, slope: float) -> object:
    """A simulated candidate's answer, in the bank's letters."""
    if rng.random() < 0.02:
        return None
    if ref == TOO_EASY:
        difficulty = -6.0
    right = rng.random() < 1 / (1 + math.exp(-slope * (ability - difficulty)))
    if ref == NEGATIVE:
        right = rng.random() < 1 / (1 + math.exp(slope * ability))
    if qtype == "true_false":
        return right
    if qtype == "multiple_choice":
        return ["A", "C"] if right else sorted(rng.sample(["A", "B", "C", "D"], rng.choice((1, 2, 3))))
    if ref == KEY_ERROR:  # the bank says B; the strong candidates know it is C
        return "C" if right else rng.choice(["A", "B", "D"])
    if right:
        return "B"
    return rng.choice(["A", "C"] if ref == DEAD_OPTION else ["A", "C", "D"])


def build(db, attempts: int) -> tuple[int, object]:
    """The plan, 200 questions, people, graded papers and answers; returns (plan id, an exam admin)."""
    from examsys import clock
    from examsys.auth.models import Role
    from examsys.auth.services import create_account, grant_role
    from examsys.bank.models import BankPart, QuestionType, QuestionVersion
    from examsys.bank.services import apply_import, plan_import
    from examsys.bank.types import kind_of
    from examsys.exams import papers
    from examsys.exams.models import ExamKind
    from examsys.exams.plans import SectionSpec, create_plan, open_plan
    from examsys.orgs.models import OrgKind
    from examsys.orgs.services import create_org
    from examsys.personnel.idnumber import check_character

    region = create_org(db, SYSTEM, parent_id=None, kind=OrgKind.REGION, code="150000", name="内蒙古自治区", division_code="150000")
    dept = create_org(db, SYSTEM, parent_id=region.id, kind=OrgKind.DEPARTMENT, code="150000-D", name="考点")
    apply_import(db, SYSTEM, plan_import(db, SYSTEM, records(), region), region, activate=True)
    admin, _password = create_account(db, SYSTEM, username="examiner", display_name="Examiner", org_id=region.id, password="Bench-Pass-2026",
                                     must_change=False)
    grant_role(db, SYSTEM, admin.id, Role.EXAM_ADMIN, region.id)
    now = clock.now()
    plan = create_plan(db, SYSTEM, name="统计基准", kind=ExamKind.QUALIFICATION, org_id=region.id, part=BankPart.COMMON, domain_id=None,
                       opens_at=now - timedelta(hours=3), closes_at=now + timedelta(hours=3), pass_mark=Decimal(60),
                       sections=[SectionSpec(QuestionType(t), count, Decimal(1)) for count, t in BLUEPRINT])
    open_plan(db, SYSTEM, plan.id)  # nobody is on the register yet: the pools are fixed, no paper drawn
    db.commit()
    pools, shapes = papers.pools_for(db, plan)
    versions = {v.id: v for v in db.query(QuestionVersion)}
    rng = random.Random(2026)
    item_params = {v: (rng.uniform(-2.0, 1.5), rng.uniform(0.6, 2.0)) for v in versions}
    scorer = {v: (kind_of(q.type), q.content()) for v, q in versions.items()}

    first_person = 1
    stamp = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
    people, attempt_rows, answer_rows = [], [], []
    for n in range(attempts):
        person_id = first_person + n
        first17 = f"1501021980{(n // 1000) % 12 + 1:02d}{n % 28 + 1:02d}{n % 1000:03d}"
        people.append((person_id, first17 + check_character(first17), f"考生{n}", dept.id))
        items = papers.assemble(plan, pools, shapes, f"seed{n}")
        ability = rng.gauss(0, 1)
        total = 0
        attempt_id = n + 1
        for position, item in enumerate(items):
            version = versions[item["v"]]
            difficulty, slope = item_params[item["v"]]
            response = answer(rng, version.question.ref, version.type.value, ability, difficulty, slope)
            kind, content = scorer[item["v"]]
            score = kind.score(content, response, Decimal(1))
            total += int(score)
            answer_rows.append((attempt_id, position, json.dumps(response), int(score)))
        attempt_rows.append((attempt_id, plan.id, person_id, json.dumps(items), total, total >= 60))

    conn = db.connection()
    dialect = conn.dialect.name
    raw = conn.connection.driver_connection
    stamp_text = stamp.isoformat() if dialect == "postgresql" else stamp.replace(tzinfo=None).isoformat(sep=" ")
    person_cols = "id, id_number, name, sex, org_id, kind, staffing_kind, employment_status, post, rank, phone, legal_qualification, " \
                  "training_hours, duties, hiring_conditions, directed_by, created_at, updated_at"
    attempt_cols = "id, plan_id, person_id, number, seed, items, status, started_at, deadline, submitted_at, graded_at, extra_minutes, " \
                   "departures, auto_submitted, score, passed"
    answer_cols = "attempt_id, position, response, seq, flagged, saved_at, score, grader_comment"
    person_data = [(pid, idn, name, "M", org, "officer", "civil_servant", "employed", "", "", "", "", 0, "", "", "", stamp_text, stamp_text)
                   for pid, idn, name, org in people]
    attempt_data = [(aid, pid_, person, 1, f"seed{aid - 1}", items, "graded", stamp_text, stamp_text, stamp_text, stamp_text, 0, 0, False,
                     total, passed) for aid, pid_, person, items, total, passed in attempt_rows]
    answer_data = [(aid, pos, resp, pos + 1, False, stamp_text, score, "") for aid, pos, resp, score in answer_rows]
    if dialect == "postgresql":
        with raw.cursor() as cur:
            for table, cols, data in (("person", person_cols, person_data), ("attempt", attempt_cols, attempt_data),
                                      ("answer", answer_cols, answer_data)):
                with cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for row in data:
                        copy.write_row(row)
            cur.execute("SELECT setval('person_id_seq', (SELECT max(id) FROM person))")
            cur.execute("SELECT setval('attempt_id_seq', (SELECT max(id) FROM attempt))")
            cur.execute("ANALYZE person; ANALYZE attempt; ANALYZE answer")
    else:
        for table, cols, data in (("person", person_cols, person_data), ("attempt", attempt_cols, attempt_data),
                                  ("answer", answer_cols, answer_data)):
            marks = ", ".join("?" for _ in cols.split(","))
            raw.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", data)
    db.commit()
    return plan.id, admin


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=10_000)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--repeat", type=int, default=3, help="time each step this often and keep the best")
    args = parser.parse_args()

    from sqlalchemy import text

    from examsys.db import get_session
    from examsys.exams.item_analysis import plan_statistics

    with bench_app(args.database):
        db = get_session()
        t0 = time.perf_counter()
        plan_id, admin = build(db, args.attempts)
        built = time.perf_counter() - t0
        rows = db.scalar(text("SELECT count(*) FROM answer"))
        print(f"item statistics on {args.database}: {args.attempts} graded papers × 100 items = {rows} answers (built in {built:.1f} s)")

        def best(step) -> tuple[float, object]:
            times, result = [], None
            for _ in range(args.repeat):
                db.expire_all()
                t = time.perf_counter()
                result = step()
                times.append(time.perf_counter() - t)
                db.rollback()
            return min(times), result

        baseline, _ = best(lambda: db.execute(text("SELECT count(*), sum(score) FROM answer")).one())
        stats_time, stats = best(lambda: plan_statistics(db, db.merge(admin), plan_id))
        print(f"  baseline: one pass over the answers (COUNT, SUM)      {baseline * 1000:8.0f} ms")
        print(f"  item statistics (every figure of the plan's page)     {stats_time * 1000:8.0f} ms   = {stats_time / baseline:.1f} × the baseline")
        print(f"  target < 5 s: {'met' if stats_time < 5 else 'MISSED'}  (best of {args.repeat})")
        by_ref = {item.ref: item for item in stats.items}
        for ref, flag in ((KEY_ERROR, "key_error"), (TOO_EASY, "too_easy"), (DEAD_OPTION, "unused_distractor"), (NEGATIVE, "negative")):
            item = by_ref[ref]
            print(f"  planted {flag:18s} {ref}: flags {item.flags}  p={item.facility:.2f} r={item.discrimination:.2f} D={item.upper_lower:.2f}")
        others = [item for item in stats.items if item.ref not in (KEY_ERROR, TOO_EASY, DEAD_OPTION, NEGATIVE) and item.flags]
        print(f"  {len(stats.items)} items, {len(others)} others flagged ({', '.join(sorted({f for i in others for f in i.flags}))})")


if __name__ == "__main__":
    main()
