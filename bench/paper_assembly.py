"""Paper assembly from a 20,000-question bank (target: under 10 ms per candidate).

    .venv/bin/python -m bench.paper_assembly [--questions 20000] [--candidates 3000] [--database sqlite|postgresql]

Prints the one-off cost of reading the pools, then drawing papers (the default blueprint: 25 single,
10 multiple, 15 true/false), then opening a plan for that many candidates end to end (draw + write), then
the same with a second plan that prefers less-exposed questions (its exposure read from the first plan's papers)."""
from __future__ import annotations

import argparse
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench.bank_import import make_bank
from bench.common import bench_app
from examsys.auth.permissions import SYSTEM


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=20_000)
    parser.add_argument("--candidates", type=int, default=3000)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--enemies", type=float, default=0.3, help="share of the questions in enemy groups of three (default 0.3)")
    args = parser.parse_args()

    from examsys import clock
    from examsys.bank.schema import read_paths
    from examsys.bank.services import apply_import, plan_import
    from examsys.db import get_session
    from examsys.orgs.models import OrgKind
    from examsys.orgs.services import create_org
    from examsys.personnel.idnumber import check_character
    from examsys.personnel.models import Person, PersonnelKind, StaffingKind

    with tempfile.TemporaryDirectory() as folder, bench_app(args.database):
        db = get_session()
        region = create_org(db, SYSTEM, parent_id=None, kind=OrgKind.REGION, code="150000", name="内蒙古自治区", division_code="150000")
        dept = create_org(db, SYSTEM, parent_id=region.id, kind=OrgKind.DEPARTMENT, code="150000-D", name="部门")
        make_bank(Path(folder), args.questions, args.enemies)
        apply_import(db, SYSTEM, plan_import(db, SYSTEM, read_paths([Path(folder)]).records, region), region, activate=True)
        for n in range(args.candidates):
            first17 = f"1501021980{(n // 1000) % 12 + 1:02d}{n % 28 + 1:02d}{n % 1000:03d}"
            db.add(Person(id_number=first17 + check_character(first17), name=f"考生{n}", sex="M", org=dept, kind=PersonnelKind.OFFICER,
                          staffing_kind=StaffingKind.CIVIL_SERVANT))
        db.commit()
        now = clock.now()
        pool_time, pools_versions, draw, made, opened = _timed_plan(db, region, now, "基准")
        exposed_pool_time, _, exposed_draw, exposed_made, exposed_opened = _timed_plan(db, region, now, "基准（优先低曝光）",
                                                                                       prefer_less_exposed=True)

        print(f"paper assembly from {args.questions} questions ({args.enemies:.0%} in enemy groups of three) on {args.database}")
        print(f"  read the pools once         {pool_time * 1000:8.1f} ms   ({pools_versions} versions)")
        print(f"  draw one paper              {draw * 1000:8.3f} ms   target < 10 ms: {'met' if draw < 0.010 else 'MISSED'}")
        print(f"  open for {made} candidates  {opened:8.2f} s    = {opened / made * 1000:.2f} ms per candidate, draw + write")
        print("preferring less-exposed questions (exposure from the first plan's papers):")
        print(f"  read the pools + exposure   {exposed_pool_time * 1000:8.1f} ms")
        print(f"  draw one paper              {exposed_draw * 1000:8.3f} ms   target < 10 ms: {'met' if exposed_draw < 0.010 else 'MISSED'}")
        print(f"  open for {exposed_made} candidates  {exposed_opened:8.2f} s    = {exposed_opened / exposed_made * 1000:.2f} ms per candidate")


def _timed_plan(db, region, now, name: str, **options) -> tuple[float, int, float, int, float]:
    """Create a plan on the bank, then time: reading its pools, drawing 1,000 papers, opening it for everyone.
    Returns (pool seconds, versions in the pools, seconds a paper, candidates, open seconds)."""
    from examsys.bank.models import BankPart
    from examsys.exams import papers
    from examsys.exams.models import ExamKind
    from examsys.exams.plans import create_plan, open_plan

    plan = create_plan(db, SYSTEM, name=name, kind=ExamKind.QUALIFICATION, org_id=region.id, part=BankPart.COMMON, domain_id=None,
                       opens_at=now, closes_at=now + timedelta(hours=3), **options)
    db.commit()
    t0 = time.perf_counter()
    pools, shapes = papers.pools_for(db, plan)
    pool_time = time.perf_counter() - t0
    t0 = time.perf_counter()
    for n in range(1000):
        papers.assemble(plan, pools, shapes, f"seed{n}")
    draw = (time.perf_counter() - t0) / 1000
    t0 = time.perf_counter()
    made = open_plan(db, SYSTEM, plan.id)
    db.commit()
    return pool_time, sum(len(p) for p in pools), draw, made, time.perf_counter() - t0


if __name__ == "__main__":
    main()

