"""A region-wide sitting against gunicorn on PostgreSQL: candidates start within a window, then save answers.

    EXAMSYS_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/<db> \
    .venv/bin/python -m bench.exam_load [--candidates 3000] [--window 60] [--save-seconds 20] [--save-connections 50]
        [--paced-rates 500,750,1000,1100 --paced-connections 300 --paced-seconds 10] [--worker-class gevent|gthread]

The public schema of that database is dropped and rebuilt: use a database of your own.

The server is the exam room's pool as docs/deployment.md sets it up for a sitting: gunicorn -w 4 -k gevent
with a fixed pool of 8 database connections a process (--worker-class gthread: the app's thread pool,
-w 4 --threads 2, instead). Prints, from one run: the same server's plain-response ceiling (wrk, GET
/healthz), the start latency (the start click plus the first question page, candidates spread evenly over
the window) p50/p95/p99 and errors, the CPU each start cost the server, the database and the load
generator, then answer saves driven by wrk (bench/save.lua) with their rate and p50/p95/p99: first flat
out on --save-connections (the capacity), then paced at each of --paced-rates: --paced-connections each
pausing after each answer for connections / rate on average (so that they offer at most that rate; the
latency target's condition is 1,000 a second, so one rate offers a little more). Each of wrk's threads
saves for its own candidates, so that a candidate's save counter only grows, as a browser's does; saves
the server still refuses as stale (two of a candidate's saves of one question in flight at once) are
counted. Before each save phase every candidate's session cookie is renewed, as a browser holds one
renewed within the minute; one save in 20 carries an older cookie and so renews it (see save_lines).
The load generator shares the machine's two cores with the server, so compare the ratios. Targets
(DESIGN.md §8): zero errors, start p95 < 500 ms, save p95 < 100 ms at 1,000 saves/s. Logins are done
before the measurement, with a cheap password hash: their cost is a setting, benchmarked apart.
Candidates then open the start page and wait, as in the hall (--start-page-in-window opens it at each
start time instead)."""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx

from bench.http_client import Client, Response
from examsys.auth.permissions import SYSTEM

ROOT = Path(__file__).resolve().parent.parent
DB_URL = os.environ.get("EXAMSYS_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PASSWORD = "Bench-Pass-2026"
CSRF_FORM = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')
CSRF_DATA = re.compile(r'data-csrf="([^"]+)"')
WRK_THREADS = 2  # wrk -t; bench/save.lua gives each thread its own candidates


@dataclass
class Candidate:
    username: str
    attempt_id: int
    letters: list[list[str] | None]
    cookie: str = ""
    csrf: str = ""
    seq: int = 0
    started_at: float = 0.0  # time.monotonic() of the start click, when the start cookie was signed
    start_cookie: str = ""


@dataclass
class Samples:
    times: list[float] = field(default_factory=list)
    began: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)

    def line(self, label: str) -> str:
        if not self.times:
            return f"  {label}: no samples, {self.errors} errors {self.statuses}"
        qs = statistics.quantiles(self.times, n=100)
        return (f"  {label}: n={len(self.times)} p50 {qs[49] * 1000:.0f} ms  p95 {qs[94] * 1000:.0f} ms  p99 {qs[98] * 1000:.0f} ms"
                f"  errors {self.errors} {self.statuses or ''}")


def prepare(candidates: int) -> list[Candidate]:
    """A fresh database: the tree, the people and their accounts, a bank, an open plan with every paper drawn."""
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import create_engine, text

    from bench.bank_import import make_bank
    from bench.common import FAST_HASH
    from examsys import clock, create_app
    from examsys.auth.models import User
    from examsys.auth.passwords import hash_password
    from examsys.bank.models import BankPart
    from examsys.bank.schema import read_paths
    from examsys.bank.services import apply_import, plan_import
    from examsys.db import get_session
    from examsys.db_cli import upgrade
    from examsys.exams.models import Attempt, ExamKind
    from examsys.exams.plans import create_plan, open_plan
    from examsys.orgs.models import OrgKind
    from examsys.orgs.services import create_org
    from examsys.personnel.idnumber import check_character
    from examsys.personnel.models import Person, PersonnelKind, StaffingKind

    engine = create_engine(DB_URL)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade(DB_URL)
    app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": DB_URL, **FAST_HASH})
    with app.app_context():
        db = get_session()
        region = create_org(db, SYSTEM, parent_id=None, kind=OrgKind.REGION, code="150000", name="内蒙古自治区", division_code="150000")
        dept = create_org(db, SYSTEM, parent_id=region.id, kind=OrgKind.DEPARTMENT, code="150000-D", name="考点")
        import tempfile

        with tempfile.TemporaryDirectory() as folder:
            make_bank(Path(folder), 4000)
            apply_import(db, SYSTEM, plan_import(db, SYSTEM, read_paths([Path(folder)]).records, region), region, activate=True)
        hashed = hash_password(PASSWORD)
        people = []
        for n in range(candidates):
            first17 = f"1501021980{(n // 1000) % 12 + 1:02d}{n % 28 + 1:02d}{n % 1000:03d}"
            person = Person(id_number=first17 + check_character(first17), name=f"考生{n}", sex="M", org=dept, kind=PersonnelKind.OFFICER,
                            staffing_kind=StaffingKind.CIVIL_SERVANT)
            people.append(person)
        db.add_all(people)
        db.flush()
        db.add_all(User(username=f"c{n:05d}", display_name=p.name, org=dept, person_id=p.id, password_hash=hashed, must_change_password=False)
                   for n, p in enumerate(people))
        now = clock.now()
        plan = create_plan(db, SYSTEM, name="负载测试", kind=ExamKind.QUALIFICATION, org_id=region.id, part=BankPart.COMMON, domain_id=None,
                           opens_at=now - timedelta(minutes=1), closes_at=now + timedelta(hours=3))
        open_plan(db, SYSTEM, plan.id)
        db.commit()
        by_person = {a.person_id: a for a in db.query(Attempt)}
        return [Candidate(f"c{n:05d}", by_person[p.id].id, [item["o"] for item in by_person[p.id].items]) for n, p in enumerate(people)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(port: int, workers: int, threads: int, worker_class: str, extra: tuple[str, ...] = ()) -> subprocess.Popen:
    pool = {"EXAMSYS_DATABASE_POOL_SIZE": "8", "EXAMSYS_DATABASE_MAX_OVERFLOW": "0"} if worker_class == "gevent" else {}
    env = dict(pool | dict(os.environ), EXAMSYS_DATABASE_URL=DB_URL, EXAMSYS_SECRET_KEY="bench-" + "k" * 40, EXAMSYS_ARGON2_TIME_COST="1",
               EXAMSYS_ARGON2_MEMORY_COST="8", EXAMSYS_LOGIN_ADDRESS_FAILURE_LIMIT='"100000 per minute"', EXAMSYS_BABEL_DEFAULT_LOCALE='"en"')
    per_worker = ["--threads", str(threads)] if worker_class == "gthread" else []
    command = [str(ROOT / ".venv/bin/gunicorn"), "-w", str(workers), "-k", worker_class, *per_worker, "-b", f"127.0.0.1:{port}",
               "--log-level", "warning", *extra, "wsgi:app"]
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    for _ in range(100):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not come up")


def _cookie(response: Response, candidate: Candidate) -> None:
    for header in response.headers_named("set-cookie"):
        if header.startswith("examsys_session="):
            candidate.cookie = header.split(";", 1)[0]


def wrk(port: int, path: str, seconds: int, connections: int, script: str | None = None, *data: str) -> dict[str, float]:
    """Run wrk against the server and read its figures (requests/s, latency percentiles in ms, errors)."""
    command = ["wrk", f"-t{WRK_THREADS}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script:
        command += ["-s", script]
    command.append(f"http://127.0.0.1:{port}{path}")
    if data:
        command += ["--", *data]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    figures = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}
    lua = re.search(r"LUA p50=([\d.]+) p95=([\d.]+) p99=([\d.]+) requests=(\d+) non2xx=(\d+) errors=(\d+) \S+ stale=(\d+)", out)
    if lua:
        figures.update(p50=float(lua.group(1)), p95=float(lua.group(2)), p99=float(lua.group(3)), requests=int(lua.group(4)),
                       non2xx=int(lua.group(5)), errors=int(lua.group(6)), stale=int(lua.group(7)))
    return figures


async def call(client: Client, method: str, url: str, c: Candidate, data: dict[str, str] | None = None) -> Response:
    """One request with this candidate's own session cookie."""
    headers = {"Cookie": c.cookie} if c.cookie else {}
    response = await (client.post_form(url, data or {}, headers) if method == "POST" else client.get(url, headers))
    _cookie(response, c)
    return response


async def login(client: Client, c: Candidate) -> None:
    page = await call(client, "GET", "/login", c)
    match = CSRF_FORM.search(page.text)
    if match is None:
        raise RuntimeError(f"no login form: {page.status}")
    response = await call(client, "POST", "/login", c, data={"identifier": c.username, "password": PASSWORD,
                                                               "csrf_token": match.group(1) or match.group(2)})
    if response.status != 302:
        raise RuntimeError(f"login failed for {c.username}: {response.status}")


async def open_start_page(client: Client, c: Candidate) -> None:
    """The candidate waits on the exam's start page (the rules, the start button), as in the hall."""
    page = await call(client, "GET", f"/exams/attempt/{c.attempt_id}", c)
    match = CSRF_FORM.search(page.text)
    if match is None:
        raise RuntimeError(f"no start form for {c.username}: {page.status}")
    c.csrf = match.group(1) or match.group(2)


async def start(client: Client, c: Candidate, samples: Samples) -> None:
    t0 = time.perf_counter()
    samples.began.append(t0)
    first = None
    try:
        c.started_at = time.monotonic()
        response = await call(client, "POST", f"/exams/attempt/{c.attempt_id}/start", c, data={"csrf_token": c.csrf})
        c.start_cookie = c.cookie
        first = await call(client, "GET", response.header("location", f"/exams/attempt/{c.attempt_id}/q/1"), c)
        ok = response.status == 302 and first.status == 200 and "data-exam" in first.text
        found = CSRF_DATA.search(first.text)
        c.csrf = found.group(1) if found else ""
    except (OSError, TimeoutError, asyncio.IncompleteReadError):
        ok = False
    samples.times.append(time.perf_counter() - t0)
    if not ok:
        samples.errors += 1
        code = first.status if first is not None else 0
        samples.statuses[code] = samples.statuses.get(code, 0) + 1


async def renew_cookies(port: int, candidates: list[Candidate]) -> None:
    """Give every candidate a freshly signed session cookie (a language choice changes the session), as a
    browser holds one that the server renewed less than a minute ago; the start cookies stay for save_lines."""
    client = Client("127.0.0.1", port, connections=16)
    try:
        await asyncio.gather(*(call(client, "POST", "/language", c, data={"lang": "zh_Hans_CN", "csrf_token": c.csrf}) for c in candidates))
    finally:
        await client.close()


def save_lines(candidates: list[Candidate], path: Path, per_candidate: int = 5, renewing: float = 0.05) -> float:
    """Each line one save: a random question of the candidate's paper, a well-formed answer. A browser sends
    the cookie the server renewed less than a minute ago, except on the save that renews it again, once a
    minute: at 1,000 saves/s from 3,000 candidates, one save in 20 (`renewing`). Those lines carry the
    candidate's start cookie where it is over a minute old by now. Returns the share of such lines."""
    rng = random.Random(7)
    now = time.monotonic()
    stale = [c for c in candidates if c.start_cookie and now - c.started_at > 62]
    wanted = int(len(candidates) * per_candidate * renewing)
    stale_lines = {(c.attempt_id, n) for n in range(per_candidate) for c in stale}
    stale_lines = set(rng.sample(sorted(stale_lines), min(wanted, len(stale_lines))))
    with path.open("w") as out:
        for c in candidates:
            for n in range(per_candidate):
                cookie = c.start_cookie if (c.attempt_id, n) in stale_lines else c.cookie
                position = rng.randrange(len(c.letters))
                letters = c.letters[position]
                if letters is None:
                    value = rng.choice(["true", "false"])
                elif 25 <= position < 35:
                    value = sorted(rng.sample(letters, 2))
                else:
                    value = rng.choice(letters)
                body = json.dumps({"position": position, "response": value, "seq": 0}).replace('"seq": 0', '"seq": SEQ')
                out.write(f"{c.attempt_id}\t{cookie}\t{c.csrf}\t{body}\n")
    return len(stale_lines) / (len(candidates) * per_candidate)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes so far (Linux /proc), 0 for one that is gone."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def server_pids(server: subprocess.Popen) -> list[int]:
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    return [server.pid, *(int(pid) for pid in children.read_text().split())] if children.exists() else [server.pid]


def database_pids() -> list[int]:
    """The PostgreSQL server's processes on this machine (it serves the benchmark alone while it runs)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "cmdline").read_bytes().startswith(b"postgres"):
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


def cpu_now(server: subprocess.Popen) -> tuple[float, float, float]:
    """CPU seconds so far of the server, the database and this load generator."""
    return cpu_seconds(server_pids(server)), cpu_seconds(database_pids()), time.process_time()


def cpu_since(server: subprocess.Popen, before: tuple[float, float, float], per: int) -> list[float]:
    """Milliseconds of CPU each of them spent per request (or per start) since `before`."""
    return [(after - earlier) / max(1, per) * 1000 for after, earlier in zip(cpu_now(server), before, strict=True)]


async def prepare_sessions(args: argparse.Namespace, candidates: list[Candidate], port: int, server: subprocess.Popen) -> Samples:
    client = Client("127.0.0.1", port, connections=64)
    try:
        t0 = time.perf_counter()
        gate = asyncio.Semaphore(16)

        async def guarded(step, c: Candidate) -> None:
            async with gate:
                await step(client, c)

        await asyncio.gather(*(guarded(login, c) for c in candidates))
        print(f"  logins before the start (cheap hash): {len(candidates) / (time.perf_counter() - t0):.0f} per second")
        # The hall waits on the start page before the exam begins (DESIGN.md: the start burst is the click);
        # with --start-page-in-window each candidate opens it only at their start time, just before the click.
        if not args.start_page_in_window:
            await asyncio.gather(*(guarded(open_start_page, c) for c in candidates))
        starts = Samples()
        cpu_before = cpu_now(server)
        begin = time.perf_counter()

        async def scheduled_start(i: int, c: Candidate) -> None:
            await asyncio.sleep(max(0.0, begin + i * args.window / len(candidates) - time.perf_counter()))
            if args.start_page_in_window:
                await open_start_page(client, c)
            await start(client, c, starts)

        await asyncio.gather(*(scheduled_start(i, c) for i, c in enumerate(candidates)))
        elapsed = time.perf_counter() - begin
        used = cpu_since(server, cpu_before, len(candidates))
        where = "opened within the window" if args.start_page_in_window else "opened before the window"
        print(f"  {len(candidates)} starts spread over {args.window:.0f} s, start pages {where} (the last start done after {elapsed:.1f} s)")
        print("  CPU per start: server {:.1f} ms, database {:.1f} ms, this load generator {:.1f} ms ({:.0f} % of 2 cores busy)".format(
            *used, sum(used) * len(candidates) / 1000 / elapsed / 2 * 100))
        return starts
    finally:
        await client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=3000)
    parser.add_argument("--window", type=float, default=60)
    parser.add_argument("--save-seconds", type=float, default=20)
    parser.add_argument("--save-connections", type=int, default=50, help="connections saving flat out (the capacity)")
    parser.add_argument("--paced-rates", type=lambda text: [int(rate) for rate in text.split(",")], default=[500, 750, 1000, 1100],
                        help="rates (saves/s) offered by paced connections, one phase each")
    parser.add_argument("--paced-connections", type=int, default=300, help="connections saving with a pause after each answer")
    parser.add_argument("--paced-seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2, help="threads per gthread worker")
    parser.add_argument("--worker-class", default="gevent", choices=["gevent", "gthread"],
                        help="gevent: the exam room's pool for a sitting; gthread: the app's thread pool (docs/deployment.md)")
    parser.add_argument("--start-page-in-window", action="store_true",
                        help="open the start page at each start time (within the window), not before the window")
    args = parser.parse_args()
    t0 = time.perf_counter()
    candidates = prepare(args.candidates)
    print(f"exam load on PostgreSQL: {args.candidates} candidates, gunicorn -w {args.workers} {args.worker_class}"
          f"{f' --threads {args.threads}' if args.worker_class == 'gthread' else ''}; "
          f"setup {time.perf_counter() - t0:.0f} s")
    port = free_port()
    server = serve(port, args.workers, args.threads, args.worker_class)
    try:
        wrk(port, "/healthz", 3, 64)  # warm up the workers before measuring
        plain = wrk(port, "/healthz", 10, 64)
        print(f"  plain-response ceiling (wrk -c64 GET /healthz): {plain['rps']:.0f} req/s")
        starts = asyncio.run(prepare_sessions(args, candidates, port, server))
        print(starts.line("start (click + first question page)"))
        if os.environ.get("EXAMSYS_BENCH_TIMELINE"):  # one line per start: when it began (s), how long it took (ms)
            origin = min(starts.began)
            Path(os.environ["EXAMSYS_BENCH_TIMELINE"]).write_text(
                "".join(f"{b - origin:.3f} {t * 1000:.1f}\n" for b, t in zip(starts.began, starts.times, strict=True)))
        import tempfile

        with tempfile.TemporaryDirectory() as folder:
            lines = Path(folder) / "saves.tsv"
            asyncio.run(renew_cookies(port, candidates))
            renewing = save_lines(candidates, lines)
            before = cpu_now(server)
            saves = wrk(port, "/", int(args.save_seconds), args.save_connections, str(ROOT / "bench/save.lua"), str(lines), "0", str(WRK_THREADS))
            save_cpu = cpu_since(server, before, int(saves["requests"]))
            paced = {}
            for rate in args.paced_rates:
                asyncio.run(renew_cookies(port, candidates))  # the cookies of the next minute
                save_lines(candidates, lines)
                think = args.paced_connections / rate * 1000
                before = cpu_now(server)
                paced[rate] = wrk(port, "/", int(args.paced_seconds), args.paced_connections, str(ROOT / "bench/save.lua"), str(lines), f"{think:.0f}",
                                  str(WRK_THREADS))
                paced[rate]["cpu"] = cpu_since(server, before, int(paced[rate]["requests"]))
        again = wrk(port, "/healthz", 10, 64)
        ceiling = (plain["rps"] + again["rps"]) / 2
        print(f"  plain-response ceiling again after the saves: {again['rps']:.0f} req/s (the machine is shared: mean {ceiling:.0f})")
        print(f"  saves (wrk -c{args.save_connections}, closed loop, {args.save_seconds:.0f} s): {saves['rps']:.0f}/s "
              f"= {saves['rps'] / ceiling * 100:.0f} % of the plain ceiling; p50 {saves['p50']:.0f} ms p95 {saves['p95']:.0f} ms "
              f"p99 {saves['p99']:.0f} ms; non-2xx {saves['non2xx']}, socket errors {saves['errors']}; "
              f"{renewing * 100:.1f} % of them renew the session cookie; {saves['stale']} refused as stale")
        print(f"  CPU per save: server {save_cpu[0]:.2f} ms, database {save_cpu[1]:.2f} ms")
        print(f"  saves paced (wrk -c{args.paced_connections}, each connection pausing after an answer, {args.paced_seconds:.0f} s a rate):")
        for rate, figures in paced.items():
            print(f"    offered up to {rate}/s: {figures['rps']:.0f}/s served; p50 {figures['p50']:.0f} ms p95 {figures['p95']:.0f} ms "
                  f"p99 {figures['p99']:.0f} ms; non-2xx {figures['non2xx']}, socket errors {figures['errors']}, {figures['stale']} refused as stale; "
                  f"CPU per save: server {figures['cpu'][0]:.2f} ms, database {figures['cpu'][1]:.2f} ms")
        print("  targets: start p95 < 500 ms with zero errors; save p95 < 100 ms at >= 1000/s; saves >= 30 % of the ceiling")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
