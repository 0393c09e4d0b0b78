"""The register of 50,000 people: import time (target: under a minute) and the list page's speed.

    .venv/bin/python -m bench.personnel_import [--people 50000] [--database sqlite|postgresql]

Prints reading the XLSX alone (the baseline), checking, writing, a no-change re-import, then the
list page (first and a deep page, filtered) against a plain page of the same app, with the number
of SQL statements each list page runs (a constant count: no N+1)."""
from __future__ import annotations

import argparse
import random
import statistics
import time

from sqlalchemy import event

from bench.common import bench_app
from examsys.auth.permissions import SYSTEM


def make_rows(count: int, departments: list[str]) -> list[dict[str, str]]:
    from examsys.personnel.idnumber import check_character

    rng = random.Random(1)
    rows, seen = [], set()
    while len(rows) < count:
        first17 = f"1501{rng.randint(1, 99):02d}{rng.randint(1960, 2002)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
        if first17 in seen:
            continue
        seen.add(first17)
        auxiliary = len(rows) % 10 == 0
        rows.append({"id_number": first17 + check_character(first17), "name": f"人员{len(rows)}", "org_code": rng.choice(departments),
                     "kind": "执法辅助人员" if auxiliary else "执法人员", "staffing_kind": "劳务派遣" if auxiliary else "公务员",
                     "employment_status": "在岗", "post": "执法科员", "domains": "" if auxiliary else "market", "training_hours": "40",
                     "duties": "协助巡查" if auxiliary else "", "directed_by": "稽查科" if auxiliary else ""})
    return rows


def timed_get(client, url: str, repeat: int = 15) -> float:
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        response = client.get(url)
        samples.append(time.perf_counter() - t0)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()

    from examsys.auth.models import Role
    from examsys.auth.services import create_account, grant_role
    from examsys.db import engine_for, get_session
    from examsys.domains.models import EnforcementDomain
    from examsys.imports.tabular import read_table, write_xlsx
    from examsys.orgs.models import OrgKind
    from examsys.orgs.services import create_org
    from examsys.personnel.importer import COLUMNS, apply_import, plan_import

    with bench_app(args.database, WTF_CSRF_ENABLED=False) as app:
        db = get_session()
        region = create_org(db, SYSTEM, parent_id=None, kind=OrgKind.REGION, code="150000", name="内蒙古自治区", division_code="150000")
        league = create_org(db, SYSTEM, parent_id=region.id, kind=OrgKind.LEAGUE, code="150100", name="呼和浩特市", division_code="150100")
        departments = []
        for n in range(1, 10):
            county = create_org(db, SYSTEM, parent_id=league.id, kind=OrgKind.COUNTY, code=f"15010{n}", name=f"第{n}区", division_code=f"15010{n}")
            for m in range(3):
                departments.append(create_org(db, SYSTEM, parent_id=county.id, kind=OrgKind.DEPARTMENT, code=f"15010{n}-D{m}", name=f"第{n}区部门{m}").code)
        db.add(EnforcementDomain(code="market", name="市场监管"))
        user, _ = create_account(db, SYSTEM, username="hr", display_name="HR", org_id=region.id, password="Bench-Pass-2026", must_change=False)
        grant_role(db, SYSTEM, user.id, Role.HR_ADMIN, region.id)
        db.commit()

        data = write_xlsx(COLUMNS, make_rows(args.people, departments))
        t0 = time.perf_counter()
        table = read_table("people.xlsx", data, COLUMNS, max_rows=args.people)
        read = time.perf_counter() - t0
        t0 = time.perf_counter()
        plan = plan_import(db, SYSTEM, table, region)
        checked = time.perf_counter() - t0
        assert not plan.errors, plan.errors[:3]
        t0 = time.perf_counter()
        counts = apply_import(db, SYSTEM, plan)
        db.commit()
        written = time.perf_counter() - t0
        t0 = time.perf_counter()
        again = plan_import(db, SYSTEM, read_table("people.xlsx", data, COLUMNS, max_rows=args.people), region)
        reimport = time.perf_counter() - t0
        total = read + checked + written

        print(f"personnel import of {args.people} people on {args.database} ({len(data) / 1e6:.1f} MB XLSX)")
        print(f"  read XLSX alone (baseline)  {read:7.2f} s")
        print(f"  check all rows              {checked:7.2f} s")
        print(f"  write + audit + commit      {written:7.2f} s   {counts}")
        print(f"  total                       {total:7.2f} s   = {total / read:.1f} x reading the file; target < 60 s: {'met' if total < 60 else 'MISSED'}")
        print(f"  re-import (no change)       {reimport:7.2f} s   {again.counts}")

        statements = []
        event.listen(engine_for(app), "before_cursor_execute", lambda *a: statements.append(1))
        client = app.test_client()
        client.post("/login", data={"identifier": "hr", "password": "Bench-Pass-2026"})
        plain = timed_get(client, "/healthz")
        for label, url in (("list, page 1", "/personnel/"), ("list, page 1000", "/personnel/?page=1000"),
                           ("filtered by name", "/personnel/?q=人员4999"), ("filtered by kind", "/personnel/?kind=auxiliary&page=50")):
            statements.clear()
            client.get(url)
            count = len(statements)
            median = timed_get(client, url)
            print(f"  {label:<18} {median * 1000:6.1f} ms median = {median / plain:5.1f} x a plain page ({plain * 1000:.1f} ms); {count} SQL statements")


if __name__ == "__main__":
    main()
