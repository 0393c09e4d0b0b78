"""How long a 20,000-question bank takes to import (target: under 30 s).

    .venv/bin/python -m bench.bank_import [--questions 20000] [--enemies 0.3] [--database sqlite|postgresql]

Prints the time to parse the YAML alone (the baseline: no import can be faster than reading its
file), then reading + checking, planning, writing and a re-import that changes nothing."""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import yaml

from bench.common import bench_app
from examsys.auth.permissions import SYSTEM

LAWS = ("中华人民共和国行政处罚法", "中华人民共和国行政许可法", "中华人民共和国行政强制法", "中华人民共和国行政复议法")


def make_bank(folder: Path, count: int, enemy_share: float = 0.0) -> None:
    """`enemy_share` of the questions (by position) fall into enemy groups of three questions of one type."""
    per_law = count // len(LAWS)
    for index, law in enumerate(LAWS):
        questions = []
        for n in range(per_law):
            kind = n % 4
            q = {"ref": f"B{index}-{n:06d}", "stem": f"第{n}题：关于{law}的规定，下列说法正确的是？", "article": "第三条",
                 "difficulty": n % 5 + 1, "explanation": "依据该条规定。"}
            if kind == 0:
                q.update(type="single_choice", options={"A": f"甲{n}", "B": f"乙{n}", "C": f"丙{n}", "D": f"丁{n}"}, answer="B")
            elif kind == 1:
                q.update(type="multiple_choice", options={"A": f"甲{n}", "B": f"乙{n}", "C": f"丙{n}", "D": f"丁{n}"}, answer=["A", "C"])
            elif kind == 2:
                q.update(type="true_false", answer=bool(n % 2))
            else:
                q.update(type="fill_in", stem=f"第{n}题：期限为____日。", answer=["十五", "15"])
            if (n // 4) % 100 < enemy_share * 100:
                q["enemies"] = f"E{index}-{kind}-{n // 12}"
            questions.append(q)
        document = {"part": "common", "law": law, "law_version": "2021", "questions": questions}
        (folder / f"law{index}.yaml").write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=20_000)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--enemies", type=float, default=0.3, help="share of the questions in enemy groups of three (default 0.3)")
    args = parser.parse_args()

    from examsys.bank.schema import SAFE_LOADER, read_paths
    from examsys.bank.services import apply_import, plan_import
    from examsys.db import get_session
    from examsys.orgs.models import OrgKind
    from examsys.orgs.services import create_org

    with tempfile.TemporaryDirectory() as folder, bench_app(args.database):
        path = Path(folder)
        make_bank(path, args.questions, args.enemies)
        session = get_session()
        region = create_org(session, SYSTEM, parent_id=None, kind=OrgKind.REGION, code="150000", name="内蒙古自治区", division_code="150000")
        session.commit()

        t0 = time.perf_counter()
        for file in sorted(path.glob("*.yaml")):
            yaml.load(file.read_text(encoding="utf-8"), Loader=SAFE_LOADER)  # noqa: S506
        parse = time.perf_counter() - t0

        t0 = time.perf_counter()
        result = read_paths([path])
        read = time.perf_counter() - t0
        assert not result.problems, result.problems[:3]
        t0 = time.perf_counter()
        plan = plan_import(session, SYSTEM, result.records, region)
        planned = time.perf_counter() - t0
        t0 = time.perf_counter()
        counts = apply_import(session, SYSTEM, plan, region, activate=True)
        session.commit()
        written = time.perf_counter() - t0
        total = read + planned + written

        t0 = time.perf_counter()
        again = plan_import(session, SYSTEM, read_paths([path]).records, region)
        reimport = time.perf_counter() - t0

        print(f"bank import of {len(result.records)} questions ({args.enemies:.0%} in enemy groups of three) on {args.database}")
        print(f"  YAML parse alone (baseline) {parse:7.2f} s")
        print(f"  read + check                {read:7.2f} s")
        print(f"  plan (compare with bank)    {planned:7.2f} s")
        print(f"  write + commit              {written:7.2f} s   {counts}")
        print(f"  total import                {total:7.2f} s   = {total / parse:.1f} x the YAML parse; target < 30 s: {'met' if total < 30 else 'MISSED'}")
        print(f"  re-import (no change)       {reimport:7.2f} s   {again.counts}")


if __name__ == "__main__":
    main()
