"""The supervision dashboard and a year's annual report for the whole region (target: each under 2 s with 100,000
people, 300,000 attempts and 100,000 credentials).

    EXAMSYS_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench \\
        .venv/bin/python -m bench.supervision [--people 100000] [--attempts 300000] [--credentials 100000]

Builds the data on PostgreSQL (the database's public schema is dropped) with INSERT … SELECT over generate_series, no
ORM loop: a region of 12 leagues, 8 counties each and 5 departments per county; the people (90 % officers, most with
a domain), the credentials (1 in 20 suspended, 1 in 25 revoked or cancelled with its event), 24 exam sittings over two
years with their attempts, training records, reports from the public and daily look-ups. Then times, in the same
run: the baseline (one plain aggregate query over the same rows: COUNT and SUM over attempts, credentials and
people), the dashboard page and the annual report page of the last full year as the region's auditor
(HTTP through the test client, median of 5), the monthly trends page, the workbook and the PDF; then the daily snapshot of the dashboard's figures."""
from __future__ import annotations

import argparse
import statistics
import time

from sqlalchemy import text
from sqlalchemy.dialects import postgresql

from bench.common import bench_app
from examsys.auth.permissions import SYSTEM
from examsys.exams.outcomes import summary as outcome_summary

YEAR = 2025
OUTCOMES = str(outcome_summary().compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
STEPS = [
    # the organisation tree: region 1, leagues 2–13, counties, departments
    """INSERT INTO organisation (id, kind, code, name, division_code, path, active, created_at, is_issuer)
       VALUES (1, 'region', '150000', '自治区', '150000', '/1/', true, now(), true)""",
    """INSERT INTO organisation (id, parent_id, kind, code, name, division_code, path, active, created_at, is_issuer)
       SELECT 1 + l, 1, 'league', 'L' || l, '盟市' || l, lpad(l::text, 6, '0'), '/1/' || (1 + l) || '/', true, now(), true
       FROM generate_series(1, 12) l""",
    """INSERT INTO organisation (id, parent_id, kind, code, name, division_code, path, active, created_at, is_issuer)
       SELECT 100 + c, 2 + (c - 1) / 8, 'county', 'C' || c, '旗县' || c, lpad((1000 + c)::text, 6, '0'),
              '/1/' || (2 + (c - 1) / 8) || '/' || (100 + c) || '/', true, now(), false
       FROM generate_series(1, 96) c""",
    """INSERT INTO organisation (id, parent_id, kind, code, name, division_code, path, active, created_at, is_issuer)
       SELECT 1000 + d, 100 + 1 + (d - 1) / 5, 'department', 'D' || d, '部门' || d, '000000',
              o.path || (1000 + d) || '/', true, now(), false
       FROM generate_series(1, 480) d JOIN organisation o ON o.id = 100 + 1 + (d - 1) / 5""",
    """SELECT setval('organisation_id_seq', 2000)""",
    """INSERT INTO enforcement_domain (id, code, name, active, needs_sector_exam)
       SELECT n, 'DOM' || n, '执法类别' || n, true, false FROM generate_series(1, 8) n""",
    """INSERT INTO person (id, id_number, name, sex, org_id, kind, staffing_kind, employment_status, post, rank, created_at, updated_at)
       SELECT p, lpad(p::text, 18, '0'), '人员' || p, 'M', 1001 + p % 480,
              CASE WHEN p % 10 = 0 THEN 'auxiliary' ELSE 'officer' END, 'civil_servant',
              CASE WHEN p % 50 = 0 THEN 'retired' ELSE 'employed' END, '', '', now(), now()
       FROM generate_series(1, :people) p""",
    """INSERT INTO person_domain (person_id, domain_id) SELECT p, 1 + p % 8 FROM generate_series(1, :people) p WHERE p % 10 <> 0""",
    """INSERT INTO credential (id, number, public_id, person_id, org_id, issuer_id, region, legal_source, valid_from, valid_to,
                              status, issued_at, changed_at)
       SELECT c, 'N' || c, lpad(to_hex(c), 16, '0'), 1 + (c - 1) % :people, 1001 + (1 + (c - 1) % :people) % 480, 1, '全区', '法律',
              date '2022-01-01' + (c % 1200), date '2026-01-01' + (c % 1500),
              CASE WHEN c % 20 = 0 THEN 'suspended' WHEN c % 25 = 0 THEN 'revoked' WHEN c % 27 = 0 THEN 'cancelled' ELSE 'active' END,
              timestamptz '2022-01-01' + (c % 1200) * interval '1 day', now()
       FROM generate_series(1, :credentials) c""",
    """INSERT INTO credential_domain (credential_id, domain_id) SELECT c, 1 + (1 + (c - 1) % :people) % 8 FROM generate_series(1, :credentials) c""",
    """INSERT INTO credential_event (credential_id, action, ground, decision_number, reason, at)
       SELECT id, CASE status WHEN 'suspended' THEN 'suspend' WHEN 'revoked' THEN 'revoke' ELSE 'cancel' END, '依据', '决定', '',
              issued_at + interval '200 days'
       FROM credential WHERE status <> 'active'""",
    """INSERT INTO exam_plan (id, name, kind, org_id, part, duration_minutes, opens_at, closes_at, pass_mark, attempts_allowed,
                             partial_credit, shuffle_questions, shuffle_options, paper_mode, review, include_auxiliary, double_marking,
                             marking_tolerance, status, created_at)
       SELECT s, '考试' || s, CASE WHEN s % 4 = 0 THEN 'makeup' ELSE 'qualification' END, 1, 'common', 120,
              timestamptz '2024-01-15' + (s - 1) * interval '1 month', timestamptz '2024-01-15' + (s - 1) * interval '1 month' + interval '1 day',
              60, 1, false, true, true, 'individual', 'score', false, false, 2, 'closed', now()
       FROM generate_series(1, 24) s""",
    """INSERT INTO attempt (plan_id, person_id, number, seed, items, status, extra_minutes, departures, auto_submitted,
                           submitted_at, graded_at, score, passed)
       SELECT 1 + a % 24, 1 + (a::bigint * 7919) % :people, 1, 's', '[]', CASE WHEN a % 15 = 0 THEN 'not_started' ELSE 'graded' END, 0, 0, false,
              CASE WHEN a % 15 = 0 THEN NULL ELSE timestamptz '2024-01-15' + interval '10 hours' + (a % 24) * interval '1 month' END,
              CASE WHEN a % 15 = 0 THEN NULL ELSE timestamptz '2024-01-16' + (a % 24) * interval '1 month' END,
              CASE WHEN a % 15 = 0 THEN NULL ELSE (a * 37) % 101 END, CASE WHEN a % 15 = 0 THEN NULL ELSE (a * 37) % 101 >= 60 END
       FROM generate_series(1, :attempts) a""",
    OUTCOMES,  # the outcome summary the application keeps in step with the attempts: built as the migration backfills it
    """INSERT INTO training_record (person_id, course, provider, completed_on, year, hours, created_at)
       SELECT p, '培训', '司法局', date '2025-01-01' + p % 365, 2025, 8 + p % 32, now() FROM generate_series(1, :people, 2) p""",
    """INSERT INTO officer_report (credential_id, org_id, category, text, created_at, status, handled_note)
       SELECT id, org_id, 'conduct', '举报', timestamptz '2025-01-01' + (id % 700) * interval '1 day', CASE WHEN id % 3 = 0 THEN 'open' ELSE 'handled' END, ''
       FROM credential WHERE id % 50 = 0""",
    """INSERT INTO verify_count (credential_id, day, lookups)
       SELECT c, date '2025-01-01' + d, 1 + (c + d) % 4 FROM generate_series(1, :credentials, 10) c, generate_series(0, 364, 7) d""",
    "ANALYZE",
]
BASELINE = """SELECT (SELECT count(*) + sum(CASE WHEN a.passed THEN 1 ELSE 0 END) FROM attempt a JOIN person p ON p.id = a.person_id
                      JOIN organisation o ON o.id = p.org_id WHERE o.path LIKE '/1/%'),
                     (SELECT count(*) FROM credential c JOIN organisation o ON o.id = c.org_id WHERE o.path LIKE '/1/%' AND c.status = 'active'),
                     (SELECT count(*) FROM person p JOIN organisation o ON o.id = p.org_id WHERE o.path LIKE '/1/%')"""


def timed(action, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def build(session, people: int, attempts: int, credentials: int) -> float:
    start = time.perf_counter()
    for step in STEPS:
        session.execute(text(step), {"people": people, "attempts": attempts, "credentials": credentials} if ":" in step else {})
        session.commit()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--attempts", type=int, default=300_000)
    parser.add_argument("--credentials", type=int, default=100_000)
    args = parser.parse_args()
    with bench_app("postgresql", RATELIMIT_ENABLED=False, WTF_CSRF_ENABLED=False) as app:
        from examsys.auth.models import Role
        from examsys.auth.services import create_account, grant_role
        from examsys.db import get_session
        from examsys.supervision.snapshots import take as take_snapshot

        session = get_session()
        built = build(session, args.people, args.attempts, args.credentials)
        user, _ = create_account(session, SYSTEM, username="bench_admin", display_name="Bench", org_id=1, password="bench-pass-1234",
                                 must_change=False)
        grant_role(session, SYSTEM, user.id, Role.AUDITOR, 1)
        session.commit()
        client = app.test_client()
        assert client.post("/login", data={"identifier": "bench_admin", "password": "bench-pass-1234"}).status_code == 302

        def get(url: str) -> None:
            answer = client.get(url)
            assert answer.status_code == 200, (url, answer.status_code)

        baseline = timed(lambda: session.execute(text(BASELINE)).one())
        print(f"data: {args.people:,} people, {args.attempts:,} attempts, {args.credentials:,} credentials, built in {built:.1f} s")
        print(f"baseline (plain aggregate over the same rows): {baseline * 1000:.0f} ms")
        for name, url in (("dashboard", "/supervision/"), ("exam statistics", "/supervision/exams"),
                          (f"annual report {YEAR}", f"/supervision/annual/{YEAR}/1"), ("monthly trends", f"/supervision/trends/{YEAR}/1"),
                          ("annual workbook (XLSX)", f"/supervision/annual/{YEAR}/1/xlsx"), ("annual PDF", f"/supervision/annual/{YEAR}/1/pdf")):
            seconds = timed(lambda url=url: get(url))
            print(f"{name}: {seconds * 1000:.0f} ms ({seconds / baseline:.1f} × baseline)")
        start = time.perf_counter()
        roots = take_snapshot(session)
        session.commit()
        seconds = time.perf_counter() - start
        print(f"daily snapshot of the dashboard's figures: {roots} organisations in {seconds:.1f} s ({seconds / roots * 1000:.0f} ms each)")


if __name__ == "__main__":
    main()
