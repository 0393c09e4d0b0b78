"""The public verify page under load, against the same server's plain-response ceiling (target ≥ 50 %).

    .venv/bin/python -m bench.verify_load [--seconds 10] [--database sqlite|postgresql] [--skip-uncached]

One credential, one token; gunicorn -w 2 gthread; wrk -c64 on GET /healthz, then on GET /V/<token>
(HTML) and GET /api/verify/<token> (JSON), with the rate limit lifted. Repeated scans of one token are
answered from the per-process answer cache (each request still reads the status version); a second
server with EXAMSYS_VERIFY_CACHE_SECONDS=0 then shows what every answer costs when worked out afresh
(as for a token nobody scanned in the last minute). Prints requests/s against the ceiling.
PostgreSQL: the database named by EXAMSYS_BENCH_DATABASE_URL (its public schema is dropped and rebuilt)."""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import tempfile
import time
from contextlib import contextmanager
from datetime import date

import httpx

from bench.exam_load import ROOT, free_port, wrk
from examsys.auth.permissions import SYSTEM


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--skip-uncached", action="store_true", help="do not measure the server with the answer cache off")
    args = parser.parse_args()

    from examsys import clock, create_app
    from examsys.credentials.keys import KeyStore
    from examsys.db_cli import upgrade

    with tempfile.TemporaryDirectory() as folder:
        if args.database == "postgresql":
            from sqlalchemy import create_engine, text

            from bench.exam_load import DB_URL as url

            engine = create_engine(url)
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            engine.dispose()
        else:
            url = f"sqlite:///{folder}/verify.sqlite3"
        upgrade(url)
        keys = f"{folder}/keys"
        KeyStore(keys).init(clock.now())
        app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": url, "KEY_DIR": keys})
        with app.app_context():
            token = one_credential_token()
        env = dict(os.environ, EXAMSYS_DATABASE_URL=url, EXAMSYS_SECRET_KEY="bench-" + "k" * 40, EXAMSYS_KEY_DIR=keys,
                   EXAMSYS_VERIFY_RATE_LIMIT='"1000000 per minute"')
        with serve(env) as (port, workers):
            assert httpx.get(f"http://127.0.0.1:{port}/api/verify/{token}").json()["verdict"] == "VALID"
            wrk(port, "/healthz", 3, 64)  # warm up
            plain = measure(port, workers, "/healthz", args.seconds)
            page = measure(port, workers, f"/V/{token}", args.seconds)
            api = measure(port, workers, f"/api/verify/{token}", args.seconds)
            again = measure(port, workers, "/healthz", args.seconds)
        ceiling = (plain[0] + again[0]) / 2
        plain_cpu = (plain[1] + again[1]) / 2
        print(f"verify load on {args.database}, gunicorn -w 2 gthread, wrk -c64, {args.seconds} s each")
        print(f"  plain ceiling GET /healthz: {plain[0]:.0f} then {again[0]:.0f} req/s (mean {ceiling:.0f}); "
              f"{plain_cpu:.3f} ms of worker CPU a request")
        for name, (rps, cpu) in (("verify page (HTML)", page), ("verify API (JSON) ", api)):
            print(f"  {name}: {rps:.0f} req/s = {rps / ceiling * 100:.0f} % of the ceiling; {cpu:.3f} ms of worker CPU a request "
                  f"(plain / this = {plain_cpu / cpu * 100:.0f} %); target >= 50 %")
        if not args.skip_uncached:
            with serve(dict(env, EXAMSYS_VERIFY_CACHE_SECONDS="0")) as (port, workers):
                assert httpx.get(f"http://127.0.0.1:{port}/api/verify/{token}").json()["verdict"] == "VALID"
                wrk(port, f"/V/{token}", 3, 64)  # warm up
                page = measure(port, workers, f"/V/{token}", args.seconds)
                api = measure(port, workers, f"/api/verify/{token}", args.seconds)
            print(f"  with the answer cache off: page {page[0]:.0f} req/s = {page[0] / ceiling * 100:.0f} % "
                  f"({page[1]:.3f} ms CPU), API {api[0]:.0f} req/s = {api[0] / ceiling * 100:.0f} % ({api[1]:.3f} ms CPU)")


def one_credential_token() -> str:
    """In the app context of an app on an empty database with keys: one credential in force, and its token."""
    from examsys.credentials.models import Credential
    from examsys.credentials.public.verification import token_for
    from examsys.db import get_session
    from examsys.domains.models import EnforcementDomain
    from examsys.orgs.models import OrgKind
    from examsys.orgs.services import create_org
    from examsys.personnel.models import Person, PersonnelKind, StaffingKind

    db = get_session()
    region = create_org(db, SYSTEM, parent_id=None, kind=OrgKind.REGION, code="150000", name="内蒙古自治区", division_code="150000")
    person = Person(id_number="11010519491231002X", name="欧阳建国", sex="M", org=region, kind=PersonnelKind.OFFICER,
                    staffing_kind=StaffingKind.CIVIL_SERVANT)
    credential = Credential(number="150000010000017", public_id="0123456789abcdef", status_index=1, person=person, org=region,
                            issuer=region, region="全区", legal_source="法定", valid_from=date(2026, 1, 1), valid_to=date(2030, 12, 31),
                            domains=[EnforcementDomain(code="market", name="市场监管")])
    db.add(credential)
    db.commit()
    return token_for(credential)


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes (all their threads), from /proc."""
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of the line)
    return total / os.sysconf("SC_CLK_TCK")


def measure(port: int, workers: list[int], path: str, seconds: int) -> tuple[float, float]:
    """(requests per second, milliseconds of worker CPU per request): the CPU figure hardly moves with
    what else the machine is doing, the throughput does."""
    before = _cpu_seconds(workers)
    out = subprocess.run(["wrk", "-t2", "-c64", f"-d{seconds}s", f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True,
                         check=True).stdout
    used = _cpu_seconds(workers) - before
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), used / requests * 1000


@contextmanager
def serve(env: dict[str, str]):
    """gunicorn -w 2 gthread on a free port with `env`, until the block ends: yields the port and the
    workers' process ids."""
    port = free_port()
    server = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "-w", "2", "-k", "gthread", "--threads", "8", "-b", f"127.0.0.1:{port}",
                               "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env)
    try:
        for _ in range(100):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        for _ in range(50):
            with open(f"/proc/{server.pid}/task/{server.pid}/children") as handle:
                workers = [int(pid) for pid in handle.read().split()]
            if len(workers) == 2:
                break
            time.sleep(0.1)
        yield port, workers
    finally:
        server.terminate()
        server.wait(timeout=10)

if __name__ == "__main__":
    main()
