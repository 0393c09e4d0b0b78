"""A region-wide sitting against gunicorn on PostgreSQL: candidates start within a window, then save answers.

    EXAMSYS_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/<db> \
    .venv/bin/python -m bench.exam_load [--candidates 3000] [--window 60] [--save-seconds 20] [--save-connections 50]

The public schema of that database is dropped and rebuilt: use a database of your own.

Prints, from one run: the same server's plain-response ceiling (wrk, GET /healthz), the start latency
(the start click plus the first question page, candidates spread evenly over the window) p50/p95/p99 and
errors, then answer saves driven by wrk (bench/save.lua) with their rate and p50/p95/p99. The load generator shares the machine's two cores with the
server, so compare the ratios. Targets (DESIGN.md §8): zero errors, start p95 < 500 ms, save p95 < 100 ms
at 1,000 saves/s. Logins are done before the measurement, with a cheap password hash: their cost is a
setting, benchmarked apart."""
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

ROOT = Path(__file__).resolve().parent.parent
DB_URL = os.environ.get("EXAMSYS_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PASSWORD = "Bench-Pass-2026"
CSRF_FORM = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')
CSRF_DATA = re.compile(r'data-csrf="([^"]+)"')


@dataclass
class Candidate:
    username: str
    attempt_id: int
    letters: list[list[str] | None]
    cookie: str = ""
    csrf: str = ""
    seq: int = 0


@dataclass
class Samples:
    times: list[float] = field(default_factory=list)
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
    from examsys.exams.services import create_plan, open_plan
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
        region = create_org(db, None, parent_id=None, kind=OrgKind.REGION, code="150000", name="内蒙古自治区", division_code="150000")
        dept = create_org(db, None, parent_id=region.id, kind=OrgKind.DEPARTMENT, code="150000-D", name="考点")
        import tempfile

        with tempfile.TemporaryDirectory() as folder:
            make_bank(Path(folder), 4000)
            apply_import(db, None, plan_import(db, None, read_paths([Path(folder)]).records, region), region, activate=True)
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
        plan = create_plan(db, None, name="负载测试", kind=ExamKind.QUALIFICATION, org_id=region.id, part=BankPart.COMMON, domain_id=None,
                           opens_at=now - timedelta(minutes=1), closes_at=now + timedelta(hours=3))
        open_plan(db, None, plan.id)
        db.commit()
        by_person = {a.person_id: a for a in db.query(Attempt)}
        return [Candidate(f"c{n:05d}", by_person[p.id].id, [item["o"] for item in by_person[p.id].items]) for n, p in enumerate(people)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(port: int, workers: int) -> subprocess.Popen:
    env = dict(os.environ, EXAMSYS_DATABASE_URL=DB_URL, EXAMSYS_SECRET_KEY="bench-" + "k" * 40, EXAMSYS_ARGON2_TIME_COST="1",
               EXAMSYS_ARGON2_MEMORY_COST="8", EXAMSYS_LOGIN_ADDRESS_FAILURE_LIMIT='"100000 per minute"', EXAMSYS_BABEL_DEFAULT_LOCALE='"en"')
    command = [str(ROOT / ".venv/bin/gunicorn"), "-w", str(workers), "-k", "gthread", "--threads", "8", "-b", f"127.0.0.1:{port}",
               "--log-level", "warning", "wsgi:app"]
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    for _ in range(100):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not come up")


def _cookie(response: httpx.Response, candidate: Candidate) -> None:
    for header in response.headers.get_list("set-cookie"):
        if header.startswith("examsys_session="):
            candidate.cookie = header.split(";", 1)[0]


def wrk(port: int, path: str, seconds: int, connections: int, script: str | None = None, data: str | None = None) -> dict[str, float]:
    """Run wrk against the server and read its figures (requests/s, latency percentiles in ms, errors)."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script:
        command += ["-s", script]
    command.append(f"http://127.0.0.1:{port}{path}")
    if data:
        command += ["--", data]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    figures = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}
    lua = re.search(r"LUA p50=([\d.]+) p95=([\d.]+) p99=([\d.]+) requests=(\d+) non2xx=(\d+) errors=(\d+)", out)
    if lua:
        figures.update(p50=float(lua.group(1)), p95=float(lua.group(2)), p99=float(lua.group(3)), requests=int(lua.group(4)),
                       non2xx=int(lua.group(5)), errors=int(lua.group(6)))
    return figures


async def call(client: httpx.AsyncClient, method: str, url: str, c: Candidate, **kwargs) -> httpx.Response:
    """One request with this candidate's own session cookie (the client's shared cookie jar is never used)."""
    headers = dict(kwargs.pop("headers", {}), Cookie=c.cookie) if c.cookie else kwargs.pop("headers", {})
    response = await client.send(client.build_request(method, url, headers=headers, **kwargs))
    _cookie(response, c)
    return response


async def login(client: httpx.AsyncClient, c: Candidate) -> None:
    page = await call(client, "GET", "/login", c)
    match = CSRF_FORM.search(page.text)
    if match is None:
        raise RuntimeError(f"no login form: {page.status_code}")
    response = await call(client, "POST", "/login", c, data={"identifier": c.username, "password": PASSWORD,
                                                               "csrf_token": match.group(1) or match.group(2)})
    if response.status_code != 302:
        raise RuntimeError(f"login failed for {c.username}: {response.status_code}")


async def start(client: httpx.AsyncClient, c: Candidate, samples: Samples) -> None:
    page = await call(client, "GET", f"/exams/attempt/{c.attempt_id}", c)
    match = CSRF_FORM.search(page.text)
    t0 = time.perf_counter()
    first = None
    try:
        response = await call(client, "POST", f"/exams/attempt/{c.attempt_id}/start", c, data={"csrf_token": match.group(1) or match.group(2)})
        first = await call(client, "GET", response.headers.get("location", f"/exams/attempt/{c.attempt_id}/q/1"), c)
        ok = response.status_code == 302 and first.status_code == 200 and "data-exam" in first.text
        found = CSRF_DATA.search(first.text)
        c.csrf = found.group(1) if found else ""
    except httpx.HTTPError:
        ok = False
    samples.times.append(time.perf_counter() - t0)
    if not ok:
        samples.errors += 1
        code = first.status_code if first is not None else 0
        samples.statuses[code] = samples.statuses.get(code, 0) + 1


def save_lines(candidates: list[Candidate], path: Path, per_candidate: int = 5) -> None:
    """Each line one save: a random question of the candidate's paper, a well-formed answer."""
    rng = random.Random(7)
    with path.open("w") as out:
        for c in candidates:
            for _ in range(per_candidate):
                position = rng.randrange(len(c.letters))
                letters = c.letters[position]
                if letters is None:
                    value = rng.choice(["true", "false"])
                elif 25 <= position < 35:
                    value = sorted(rng.sample(letters, 2))
                else:
                    value = rng.choice(letters)
                body = json.dumps({"position": position, "response": value, "seq": 0}).replace('"seq": 0', '"seq": SEQ')
                out.write(f"{c.attempt_id}\t{c.cookie}\t{c.csrf}\t{body}\n")


async def prepare_sessions(args: argparse.Namespace, candidates: list[Candidate], port: int) -> Samples:
    # gunicorn closes a keep-alive connection after 2 idle seconds; a client that keeps it longer (httpx:
    # 5 s) sometimes sends a request on it just as it closes ("Server disconnected without sending a
    # response"), which is the client's race, not a server error.
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64, keepalive_expiry=1.0)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=30, follow_redirects=False) as client:
        client.cookies.extract_cookies = lambda response: None  # every candidate keeps their own session
        t0 = time.perf_counter()
        gate = asyncio.Semaphore(16)

        async def guarded_login(c: Candidate) -> None:
            async with gate:
                await login(client, c)

        await asyncio.gather(*(guarded_login(c) for c in candidates))
        print(f"  logins before the start (cheap hash): {len(candidates) / (time.perf_counter() - t0):.0f} per second")
        starts = Samples()
        begin = time.perf_counter()

        async def scheduled_start(i: int, c: Candidate) -> None:
            await asyncio.sleep(max(0.0, begin + i * args.window / len(candidates) - time.perf_counter()))
            await start(client, c, starts)

        await asyncio.gather(*(scheduled_start(i, c) for i, c in enumerate(candidates)))
        print(f"  {len(candidates)} starts spread over {args.window:.0f} s (the last one done after {time.perf_counter() - begin:.1f} s)")
        return starts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=3000)
    parser.add_argument("--window", type=float, default=60)
    parser.add_argument("--save-seconds", type=float, default=20)
    parser.add_argument("--save-connections", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    t0 = time.perf_counter()
    candidates = prepare(args.candidates)
    print(f"exam load on PostgreSQL: {args.candidates} candidates, gunicorn -w {args.workers} gthread; setup {time.perf_counter() - t0:.0f} s")
    port = free_port()
    server = serve(port, args.workers)
    try:
        wrk(port, "/healthz", 3, 64)  # warm up the workers before measuring
        plain = wrk(port, "/healthz", 10, 64)
        print(f"  plain-response ceiling (wrk -c64 GET /healthz): {plain['rps']:.0f} req/s")
        starts = asyncio.run(prepare_sessions(args, candidates, port))
        print(starts.line("start (click + first question page)"))
        import tempfile

        with tempfile.TemporaryDirectory() as folder:
            lines = Path(folder) / "saves.tsv"
            save_lines(candidates, lines)
            saves = wrk(port, "/", int(args.save_seconds), args.save_connections, str(ROOT / "bench/save.lua"), str(lines))
        again = wrk(port, "/healthz", 10, 64)
        ceiling = (plain["rps"] + again["rps"]) / 2
        print(f"  plain-response ceiling again after the saves: {again['rps']:.0f} req/s (the machine is shared: mean {ceiling:.0f})")
        print(f"  saves (wrk -c{args.save_connections}, closed loop, {args.save_seconds:.0f} s): {saves['rps']:.0f}/s "
              f"= {saves['rps'] / ceiling * 100:.0f} % of the plain ceiling; p50 {saves['p50']:.0f} ms p95 {saves['p95']:.0f} ms "
              f"p99 {saves['p99']:.0f} ms; non-2xx {saves['non2xx']}, socket errors {saves['errors']}")
        print("  targets: start p95 < 500 ms with zero errors; save p95 < 100 ms at >= 1000/s; saves >= 30 % of the ceiling")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
