"""Opening a plan for 30,000 candidates on the job queue, as deployed: the service queues it, a `flask jobs worker`
process draws the papers in committed chunks.

    EXAMSYS_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_open30k \\
        .venv/bin/python -u -m bench.plan_opening [--candidates 30000] [--runs 3] [--kill-at 0.5] [--rebuild]

Builds the data once (PostgreSQL; the database's public schema is dropped and rebuilt when it does not hold the bench's
data already, or with --rebuild): the starter banks (question_bank/, active) and the candidates in an organisation tree
(region, leagues of 8 counties, counties of 5 departments of 100 officers), inserted with INSERT … SELECT, no ORM loop;
an exam administrator of the region. Then each run, in this order:

- the baseline: a plan on the first county (500 candidates) opened inline, step by step as `open_plan` does (as
  bench/paper_assembly.py opens a plan), committed; scaled to the candidates: checking and fixing the pools and
  opening once, drawing and writing the papers × candidates / 500 (the whole × candidates / 500 is printed too);
  measured again after the run, the mean of the two taken (the machine may be shared);
- a plan on the region, opened through `exam_plans.open_or_queue` as the page does (it queues: more than
  EXAM_OPEN_INLINE_MAX), committed; a worker (`flask jobs worker`, a subprocess, started beforehand) runs it. Measured:
  queueing (the request) to the job record done, papers/s, the record's progress sampled every second, the worker's
  peak RSS (VmHWM) and CPU seconds against the baseline's, the time of each chunk (from the record's commits), the dead rows left in question_version;
- with --kill-at F: the worker is SIGKILLed once the record reports F of the papers, a new worker is started at once
  (as a supervisor would), and the run reports when the queue gave the job back (a dead worker's job is put back once
  its heartbeat is --stalled-after seconds old; the periodic check runs every minute) and the time it cost;
- every run checks the papers: each candidate exactly one, nobody else one.

Every run is printed (not only the best), with the load average before it: the machine may be shared."""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.common import FAST_HASH, bench_app
from examsys import create_app
from examsys.auth.permissions import SYSTEM

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_open30k"
PER_DEPARTMENT, DEPARTMENTS_PER_COUNTY, COUNTIES_PER_LEAGUE = 100, 5, 8
ADMIN = "bench_exam_admin"
CHECKPOINTS = Path(tempfile.gettempdir()) / "examsys_bench_checkpoints"
TREE = [
    """INSERT INTO organisation (id, kind, code, name, division_code, path, active, created_at, is_issuer)
       VALUES (1, 'region', '150000', '内蒙古自治区', '150000', '/1/', true, now(), true)""",
    """INSERT INTO organisation (id, parent_id, kind, code, name, division_code, path, active, created_at, is_issuer)
       SELECT 1 + l, 1, 'league', 'L' || l, '盟市' || l, lpad(l::text, 6, '0'), '/1/' || (1 + l) || '/', true, now(), true
       FROM generate_series(1, :leagues) l""",
    """INSERT INTO organisation (id, parent_id, kind, code, name, division_code, path, active, created_at, is_issuer)
       SELECT 1000 + c, 2 + (c - 1) / :counties_per_league, 'county', 'C' || c, '旗县' || c, lpad((1000 + c)::text, 6, '0'),
              '/1/' || (2 + (c - 1) / :counties_per_league) || '/' || (1000 + c) || '/', true, now(), false
       FROM generate_series(1, :counties) c""",
    """INSERT INTO organisation (id, parent_id, kind, code, name, division_code, path, active, created_at, is_issuer)
       SELECT 10000 + d, 1001 + (d - 1) / :departments_per_county, 'department', 'D' || d, '部门' || d, '000000',
              o.path || (10000 + d) || '/', true, now(), false
       FROM generate_series(1, :departments) d JOIN organisation o ON o.id = 1001 + (d - 1) / :departments_per_county""",
    """SELECT setval('organisation_id_seq', 100000)""",
    """INSERT INTO person (id, id_number, name, sex, org_id, kind, staffing_kind, employment_status, post, rank, created_at, updated_at)
       SELECT p, lpad(p::text, 18, '0'), '考生' || p, 'M', 10001 + (p - 1) / :per_department, 'officer', 'civil_servant', 'employed',
              '', '', now(), now()
       FROM generate_series(1, :candidates) p""",
    """SELECT setval('person_id_seq', :candidates + 1)""",
    "ANALYZE",
]


def shape(candidates: int) -> dict[str, int]:
    departments = -(-candidates // PER_DEPARTMENT)
    counties = -(-departments // DEPARTMENTS_PER_COUNTY)
    return {"candidates": candidates, "per_department": PER_DEPARTMENT, "departments": departments,
            "departments_per_county": DEPARTMENTS_PER_COUNTY, "counties": counties, "counties_per_league": COUNTIES_PER_LEAGUE,
            "leagues": -(-counties // COUNTIES_PER_LEAGUE)}


def _holds_the_data(url: str, candidates: int) -> bool:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            people = conn.execute(text("SELECT count(*) FROM person WHERE kind = 'officer' AND employment_status = 'employed'")).scalar()
            questions = conn.execute(text("SELECT count(*) FROM question")).scalar()
            admin = conn.execute(text("SELECT count(*) FROM user_account WHERE username = :u"), {"u": ADMIN}).scalar()
            return people == candidates and bool(questions) and admin == 1
    except Exception:  # no such table: a database still to build
        return False
    finally:
        engine.dispose()


@contextmanager
def bench_database(url: str, candidates: int, rebuild: bool):
    """An app on the bench database, built first unless it holds the bench's data for this many candidates."""
    checkpoints = CHECKPOINTS / url.rsplit("/", 1)[-1]
    os.environ["EXAMSYS_AUDIT_CHECKPOINT_DIR"] = str(checkpoints)  # the workers' too: a rebuilt chain contradicts old ones
    if not rebuild and _holds_the_data(url, candidates):
        from examsys.db_cli import upgrade

        upgrade(url)  # nothing to do when the code's migrations are all applied
        app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": url, "BABEL_DEFAULT_LOCALE": "en", "AUDIT_CHECKPOINT_DIR": str(checkpoints),
                          **FAST_HASH})
        with app.app_context():
            print(f"data: reused ({candidates:,} candidates already in {url.rsplit('/', 1)[-1]})")
            yield app
        return
    os.environ["EXAMSYS_BENCH_DATABASE_URL"] = url
    shutil.rmtree(checkpoints, ignore_errors=True)
    with bench_app("postgresql", AUDIT_CHECKPOINT_DIR=str(checkpoints)) as app:
        start = time.perf_counter()
        build(candidates)
        print(f"data: built in {time.perf_counter() - start:.1f} s ({candidates:,} candidates, the starter banks)")
        yield app


def build(candidates: int) -> None:
    from examsys.auth.models import Role
    from examsys.auth.services import create_account, grant_role
    from examsys.bank.laws import seed_starter_laws
    from examsys.bank.schema import read_paths
    from examsys.bank.services import apply_import, plan_import
    from examsys.db import get_session
    from examsys.demo import STARTER_BANKS
    from examsys.orgs.models import Organisation

    session = get_session()
    numbers = shape(candidates)
    for step in TREE:
        session.execute(text(step), numbers if ":" in step else {})
        session.commit()
    region = session.get(Organisation, 1)
    seed_starter_laws(session)
    result = read_paths([STARTER_BANKS])
    assert not result.problems, result.problems[:3]
    apply_import(session, SYSTEM, plan_import(session, SYSTEM, result.records, region), region, activate=True, source="question_bank")
    user, _ = create_account(session, SYSTEM, username=ADMIN, display_name="Bench", org_id=1, password="bench-pass-1234",
                             must_change=False)
    grant_role(session, SYSTEM, user.id, Role.EXAM_ADMIN, 1)
    session.commit()


# ---- the worker --------------------------------------------------------------------------------------------

def start_worker(url: str, stalled_after: float, log: Path) -> subprocess.Popen:
    env = dict(os.environ, FLASK_APP="wsgi", EXAMSYS_DATABASE_URL=url.replace("postgresql+psycopg://", "postgresql://"),
               EXAMSYS_SECRET_KEY="bench-secret-key-" + "x" * 32)
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "flask", "jobs", "worker", "--stalled-after", str(stalled_after)], cwd=ROOT,
                                env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def wait_ready(worker: subprocess.Popen, log: Path, timeout: float = 60) -> float:
    """Seconds until the worker logs that it started (its app built, its connection open)."""
    start = time.perf_counter()
    seen = log.stat().st_size if log.exists() else 0
    while time.perf_counter() - start < timeout:
        if worker.poll() is not None:
            raise RuntimeError(f"the worker stopped: see {log}")
        if "Starting worker" in log.read_text(errors="replace")[seen:] or "Worker started" in log.read_text(errors="replace")[seen:]:
            return time.perf_counter() - start
        time.sleep(0.05)
    raise RuntimeError(f"the worker did not start in {timeout} s: see {log}")


def memory(pid: int) -> tuple[int, int]:
    """(peak RSS, RSS) of a process, in MB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmHWM"].split()[0]) // 1024, int(fields["VmRSS"].split()[0]) // 1024


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stop(worker: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, sig)
    try:
        worker.wait(60)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)


def chunk_seconds(commits: dict, chunk: int, killed: set) -> list[float]:
    """The seconds between the commits of consecutive chunks (each a transaction holding the plan's row), but
    across a kill."""
    done = sorted(commits)
    return [(commits[b] - commits[a]).total_seconds() for a, b in zip(done[:-1], done[1:], strict=False)
            if b - a == chunk and a not in killed]


# ---- one run -----------------------------------------------------------------------------------------------

def new_plan(session, admin, org_id: int, name: str):
    from examsys import clock
    from examsys.bank.models import BankPart
    from examsys.exams.models import ExamKind
    from examsys.exams.plans import create_plan

    now = clock.now()
    plan = create_plan(session, admin, name=name, kind=ExamKind.QUALIFICATION, org_id=org_id, part=BankPart.COMMON, domain_id=None,
                       opens_at=now + timedelta(days=1), closes_at=now + timedelta(days=1, hours=3))
    session.commit()
    return plan


def baseline(session, admin, n: int) -> dict[str, float]:
    """Open a plan on the first county inline, step by step as `open_plan` does (check and fix the pools, draw
    the papers, open), then commit; the seconds of each step and the papers drawn."""
    from examsys.exams.plans import draw_chunk, finish_opening, prepare_opening

    plan = new_plan(session, admin, 1001, f"基准 {n}-{time.time():.0f}")
    cpu = time.process_time()
    start = time.perf_counter()
    plan, shapes = prepare_opening(session, admin, plan.id)
    prepared, cpu_prepared = time.perf_counter(), time.process_time()
    made = 0
    while chunk := draw_chunk(session, plan, 500, shapes).made:
        made += chunk
    drawn, cpu_drawn = time.perf_counter(), time.process_time()
    finish_opening(session, admin, plan)
    session.commit()
    end = time.perf_counter()
    return {"made": made, "prepare": prepared - start, "draw": drawn - prepared, "finish": end - drawn, "total": end - start,
            "cpu": time.process_time() - cpu, "cpu_draw": cpu_drawn - cpu_prepared}


def check_papers(session, plan_id: int) -> dict[str, int]:
    """Each eligible candidate (every officer in the tree) holds exactly one paper of the plan, nobody else any."""
    row = session.execute(text("""
        SELECT (SELECT count(*) FROM attempt WHERE plan_id = :p),
               (SELECT count(DISTINCT person_id) FROM attempt WHERE plan_id = :p),
               (SELECT count(*) FROM person p WHERE NOT EXISTS (SELECT 1 FROM attempt a WHERE a.plan_id = :p AND a.person_id = p.id)),
               (SELECT count(*) FROM (SELECT person_id FROM attempt WHERE plan_id = :p GROUP BY person_id HAVING count(*) > 1) d)"""),
                          {"p": plan_id}).one()
    session.rollback()
    return {"papers": row[0], "candidates_with_paper": row[1], "missing": row[2], "duplicated": row[3]}


def run(session, app, admin, number: int, args, url: str, log: Path) -> dict:
    from examsys.exams import plans as exam_plans
    from examsys.jobs.records import JobRecord

    load = os.getloadavg()
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    before = baseline(session, admin, number)
    worker = start_worker(url, args.stalled_after, log)
    ready = wait_ready(worker, log)
    time.sleep(1)  # its first periodic tasks
    cpu_before = cpu_seconds(worker.pid)
    cpu = {"killed": 0.0, "last": cpu_before}  # the worker's CPU seconds: spent by killed ones, the current one's last seen
    plan = new_plan(session, admin, 1, f"三万人开考 {number}")

    start = time.perf_counter()
    made = exam_plans.open_or_queue(session, admin, plan.id, int(app.config["EXAM_OPEN_INLINE_MAX"]))
    session.commit()
    request = time.perf_counter() - start
    assert made is None, "the plan opened inline: raise --candidates above EXAM_OPEN_INLINE_MAX"
    job_id = session.execute(text("SELECT id FROM job_record WHERE target_type = 'exam_plan' AND target_id = :p"), {"p": plan.id}).scalar()
    session.rollback()

    samples: list[tuple[float, int, int, str]] = []  # (seconds since queueing, done, total, state)
    commits: dict[int, object] = {}  # papers done -> when the worker committed that chunk (polled every 0.1–0.25 s)
    peak = 0
    kill = {}
    next_sample = 0.0
    while True:
        now = time.perf_counter() - start
        state, done, total, runs, updated = session.execute(
            text("SELECT state, done, total, runs, updated_at FROM job_record WHERE id = :j"), {"j": job_id}).one()
        session.rollback()
        if updated is not None:
            commits.setdefault(done, updated)  # the commit of the chunk that reached `done` (not a later take-up's)
        if worker.poll() is None:
            peak = max(peak, memory(worker.pid)[0])
            cpu["last"] = cpu_seconds(worker.pid)
        if now >= next_sample:
            samples.append((now, done, total, state))
            next_sample += 1.0
        if state in ("done", "failed") or now > args.timeout:
            samples.append((now, done, total, state))
            break
        if args.kill_at and "at" not in kill and total and done >= args.kill_at * total:
            stop(worker, signal.SIGKILL)
            kill.update(at=now, done=done, peak=peak)
            cpu.update(killed=cpu["last"], last=0.0)
            worker = start_worker(url, args.stalled_after, log)
        if "at" in kill and "resumed" not in kill and runs >= 2:
            kill.update(resumed=now, resumed_done=done)
        time.sleep(0.1 if args.kill_at and "at" not in kill else 0.25)
    elapsed = samples[-1][0]
    if worker.poll() is None:
        peak = max(peak, memory(worker.pid)[0])
        cpu["last"] = cpu_seconds(worker.pid)
    stop(worker)
    after = baseline(session, admin, number)  # again once the worker stopped: the machine may have changed meanwhile
    base = {key: (before[key] + after[key]) / 2 for key in before}
    record = session.get(JobRecord, job_id)
    result = {"number": number, "uptime": uptime, "load": load, "baseline": base, "baselines": (before, after),
              "worker_ready": ready, "worker_cpu": cpu["killed"] + cpu["last"] - cpu_before,
              "request": request, "elapsed": elapsed, "state": record.state.value, "runs": record.runs,
              "message": record.message, "samples": samples,
              "chunks": chunk_seconds(commits, int(app.config["EXAM_OPEN_CHUNK"]), {kill.get("done"), kill.get("resumed_done")}),
              "peak_mb": peak, "kill": kill, "check": check_papers(session, plan.id),
              "plan_status": session.execute(text("SELECT status FROM exam_plan WHERE id = :p"), {"p": plan.id}).scalar()}
    session.rollback()
    time.sleep(0.6)  # the statistics collector's flush
    result["versions"] = session.execute(text("SELECT n_live_tup, n_dead_tup FROM pg_stat_user_tables WHERE relname = 'question_version'")).one()
    session.rollback()
    return result


def report(r: dict, candidates: int) -> None:
    base = r["baseline"]
    naive = base["total"] * candidates / base["made"]
    scaled = base["prepare"] + base["draw"] * candidates / base["made"] + base["finish"]
    made = r["check"]["papers"]
    print(f"\nrun {r['number']} — before it: {r['uptime']}")
    print("  baseline: 500 candidates opened inline before / after the run in "
          + " / ".join(f"{b['total']:.2f} s ({b['draw'] / b['made'] * 1000:.2f} ms a paper)" for b in r["baselines"]))
    print(f"  their mean: {base['made']:.0f} candidates opened inline in {base['total']:.2f} s (check and fix the pools "
          f"{base['prepare']:.2f} s, draw + write {base['draw']:.2f} s = {base['draw'] / base['made'] * 1000:.2f} ms a paper, "
          f"open {base['finish']:.2f} s) → scaled to {candidates:,}: {scaled:.1f} s (the pools and the opening once; "
          f"all of it × {candidates / base['made']:.0f}: {naive:.1f} s)")
    print(f"  worker ready {r['worker_ready']:.1f} s after its start (before queueing)")
    print(f"  request (open_or_queue + commit): {r['request']:.2f} s")
    print(f"  queueing → job {r['state']}: {r['elapsed']:.1f} s = {r['elapsed'] / scaled:.2f} × the scaled inline baseline; "
          f"{made / r['elapsed']:.0f} papers/s; worker runs of the job: {r['runs']}; plan {r['plan_status']}")
    inline_cpu = base["cpu"] - base["cpu_draw"] + base["cpu_draw"] * candidates / base["made"]  # scaled as the seconds are
    print(f"  CPU seconds of the Python process (steadier than seconds on a shared machine): the worker {r['worker_cpu']:.1f} s"
          f"{' (two workers, the second one’s start included)' if r['kill'] else ''} = {r['worker_cpu'] / made * 1000:.2f} ms a paper; "
          f"inline, scaled: {inline_cpu:.1f} s ({base['cpu_draw'] / base['made'] * 1000:.2f} ms a paper drawn and written); "
          f"ratio {r['worker_cpu'] / inline_cpu:.2f}")
    print(f"  worker peak RSS: {r['peak_mb']} MB" + (f" (the killed one: {r['kill']['peak']} MB)" if r["kill"] else ""))
    check = r["check"]
    verdict = "OK" if check["missing"] == 0 and check["duplicated"] == 0 and check["papers"] == candidates else "WRONG"
    print(f"  papers: {check['papers']:,} for {check['candidates_with_paper']:,} candidates, {check['missing']} without one, "
          f"{check['duplicated']} with more than one — {verdict}")
    steps = [(t, d) for t, d, _total, _s in r["samples"]]
    print("  progress (s: papers): " + ", ".join(f"{t:.0f}: {d}" for t, d in steps))
    chunks = r["chunks"]
    if chunks:
        print(f"  a chunk ({len(chunks)} of them timed from the record's commits): median {statistics.median(chunks):.2f} s, "
              f"max {max(chunks):.2f} s; first 5 {statistics.mean(chunks[:5]):.2f} s, last 5 {statistics.mean(chunks[-5:]):.2f} s")
    print(f"  question_version after the run: {r['versions'][0]:,} rows, {r['versions'][1]:,} dead (pg_stat_user_tables)")
    kill = r["kill"]
    if kill:
        rate = kill["done"] / kill["at"]
        uninterrupted = kill["at"] + (candidates - kill["done"]) / rate
        print(f"  killed at {kill['at']:.1f} s with {kill['done']:,} papers kept; a new worker started at once; "
              + (f"the job taken up again at {kill['resumed']:.1f} s ({kill['resumed'] - kill['at']:.1f} s after the kill), "
                 f"{kill['resumed_done']:,} papers kept then; " if "resumed" in kill else "never taken up again; ")
              + f"done at {r['elapsed']:.1f} s: {r['elapsed'] - uninterrupted:.1f} s more than this run's rate before the kill "
              f"would have taken ({uninterrupted:.1f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=30_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--kill-at", type=float, default=0.0, help="SIGKILL the worker at this share of the papers (0: never)")
    parser.add_argument("--stalled-after", type=float, default=60.0,
                        help="the workers' --stalled-after (default 60, as deployed): a dead worker's job is put back after it")
    parser.add_argument("--timeout", type=float, default=1800.0, help="give a run up after this many seconds")
    parser.add_argument("--rebuild", action="store_true", help="build the data again even if the database holds it")
    args = parser.parse_args()
    url = os.environ.get("EXAMSYS_BENCH_DATABASE_URL", DEFAULT_URL)
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"plan_opening_worker_{os.getpid()}.log"

    with bench_database(url, args.candidates, args.rebuild) as app:
        from examsys.auth.models import User
        from examsys.db import get_session

        session = get_session()
        session.execute(text("DELETE FROM procrastinate_jobs WHERE status IN ('todo', 'doing')"))  # left by an interrupted bench
        session.execute(text("UPDATE job_record SET state = 'failed' WHERE state IN ('queued', 'running')"))
        session.commit()
        admin = session.execute(text("SELECT id FROM user_account WHERE username = :u"), {"u": ADMIN}).scalar()
        admin = session.get(User, admin)
        print(f"opening a plan for {args.candidates:,} candidates on the job queue (chunks of {app.config['EXAM_OPEN_CHUNK']}, "
              f"inline up to {app.config['EXAM_OPEN_INLINE_MAX']:,}); worker log: {log}"
              + (f"; the worker killed at {args.kill_at:.0%}" if args.kill_at else ""))
        results = []
        for n in range(1, args.runs + 1):
            results.append(run(session, app, admin, n, args, url, log))
            report(results[-1], args.candidates)
        if len(results) > 1:
            times = [r["elapsed"] for r in results]
            print(f"\nqueueing → done over {len(results)} runs: " + ", ".join(f"{t:.1f}" for t in times)
                  + f" s (median {statistics.median(times):.1f} s)")


if __name__ == "__main__":
    main()
