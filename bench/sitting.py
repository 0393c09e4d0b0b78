"""A sitting as an outside client sees it: nginx in front of one or two app nodes, each candidate on its own
connection saving answers at a fixed pace, run after run.

    EXAMSYS_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/<db> \\
    .venv/bin/python -m bench.sitting [--nodes 1,2] [--workers 2] [--candidates 3000] [--rates 300,400,500]
        [--runs 5] [--seconds 20] [--node-cpu 0.4]

The public schema of that database is dropped and rebuilt: use a database of your own. Needs nginx (Debian's
package) and wrk (for the plain ceiling) on the machine; the application needs neither.

Deployed as docs/deployment.md says for a sitting: each node is the exam room's pool (gunicorn -k gevent, a fixed
pool of database connections) started with the deployment's keep-alive (`--keep-alive 75`), behind one nginx whose
upstream keeps connections open for less than that (`keepalive_timeout 60s`), so nginx never sends a request on a
connection gunicorn is closing (the 502s an outside client saw with gunicorn's default of 2 s). Two nodes are two
sets of processes on their own ports, standing in for two machines. On a machine with fewer cores than two real
nodes would have, `--node-cpu C` gives each node a fixed size instead: its processes go into a cgroup of their own
whose CPU quota is C cores (cgroup v1 `cpu.cfs_quota_us`, or v2 `cpu.max`, over a 10 ms period; needs root), so a node
is the same size alone or beside a second one, and nginx, PostgreSQL and the client share what is left. The
two-node figure is then a ratio of like to like: what a second node of the same size adds.

The client is not wrk: an asyncio client in this process, one connection per candidate, each candidate saving one
answer every `candidates / rate` seconds (phases spread evenly), open loop. Each save's latency is counted from the
moment it was due, not from when it was sent, so a server that falls behind is charged for the wait (no coordinated
omission). Prints, for each node count: the plain ceiling through nginx (wrk GET /healthz) and, for each rate, one
line per run (served per second, p50/p95/p99, errors, saves refused as stale, the CPU milliseconds per save spent by
the node(s), PostgreSQL and this client, and how often a capped node was throttled) and how many runs held
p95 < 100 ms."""
from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.exam_load import (
    DB_URL,
    Candidate,
    cpu_seconds,
    database_pids,
    free_port,
    login,
    open_start_page,
    prepare,
    renew_cookies,
    serve,
    server_pids,
    start,
    wrk,
)
from bench.exam_load import Samples as StartSamples
from bench.http_client import Client

TARGET_MS = 100
KEEP_ALIVE = "75"  # gunicorn --keep-alive (s): longer than nginx's upstream keepalive_timeout (60 s)

NGINX_CONF = """
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 16384; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    upstream examsys_room {{
        {servers}
        keepalive 256;
        keepalive_timeout 60s;
        keepalive_requests 100000;
    }}
    server {{
        listen 127.0.0.1:{port};
        keepalive_timeout 75s;
        keepalive_requests 100000;
        location / {{
            proxy_pass http://examsys_room;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
        }}
    }}
}}
"""


def start_nginx(folder: Path, port: int, upstreams: list[int]) -> subprocess.Popen:
    servers = "\n        ".join(f"server 127.0.0.1:{p} max_fails=0;" for p in upstreams)
    conf = folder / "nginx.conf"
    conf.write_text(NGINX_CONF.format(folder=folder, port=port, servers=servers))
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    process = subprocess.Popen([nginx, "-c", str(conf), "-p", str(folder), "-g", "daemon off;"])
    time.sleep(0.5)
    if process.poll() is not None:
        raise SystemExit(f"nginx did not start: {(folder / 'error.log').read_text() if (folder / 'error.log').exists() else ''}")
    return process


class CpuCap:
    """A node's fixed size: its processes in a cgroup of their own with a CPU quota of `cpus` cores per 10 ms."""

    PERIOD_US = 10_000

    def __init__(self, name: str, cpus: float) -> None:
        v2 = Path("/sys/fs/cgroup/cgroup.controllers").exists()
        self.root = Path("/sys/fs/cgroup") if v2 else Path("/sys/fs/cgroup/cpu")
        self.group = self.root / f"examsys-bench-{name}-{os.getpid()}"
        self.group.mkdir()
        quota = int(cpus * self.PERIOD_US)
        if v2:
            (self.group / "cpu.max").write_text(f"{quota} {self.PERIOD_US}")
        else:
            (self.group / "cpu.cfs_period_us").write_text(str(self.PERIOD_US))
            (self.group / "cpu.cfs_quota_us").write_text(str(quota))

    def add(self, pids: list[int]) -> None:
        for pid in pids:
            (self.group / "cgroup.procs").write_text(str(pid))

    def throttled(self) -> int:
        """How many 10 ms periods so far ended with the group's quota used up."""
        for line in (self.group / "cpu.stat").read_text().splitlines():
            if line.startswith("nr_throttled"):
                return int(line.split()[1])
        return 0

    def close(self) -> None:
        for pid in (self.group / "cgroup.procs").read_text().split():
            try:
                (self.root / "cgroup.procs").write_text(pid)
            except OSError:
                pass  # gone already
        self.group.rmdir()


@dataclass
class Run:
    due: int = 0
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    non2xx: int = 0
    stale: int = 0
    cpu_ms: tuple[float, float, float] = (0.0, 0.0, 0.0)  # per save served: the node(s), PostgreSQL, this client
    throttled: int = 0

    def p(self, q: int) -> float:
        return statistics.quantiles(self.latencies, n=100)[q - 1] * 1000 if len(self.latencies) > 1 else float("nan")


class Connection:
    """One candidate's own keep-alive connection to nginx (opened again if the server closes it)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, message: bytes) -> tuple[int, bytes]:
        for attempt in (1, 2):
            if self.writer is None or self.reader is None or self.reader.at_eof():
                self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
            try:
                self.writer.write(message)
                response = await Client._read(self.reader)
                if response.header("connection").lower() == "close":
                    self.writer.close()
                    self.reader = self.writer = None
                return response.status, response.body
            except (ConnectionError, asyncio.IncompleteReadError):
                self.writer.close()
                self.reader = self.writer = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def _answer(c: Candidate, rng: random.Random) -> tuple[int, object]:
    position = rng.randrange(len(c.letters))
    letters = c.letters[position]
    if letters is None:
        return position, rng.choice([True, False])
    if 25 <= position < 35:
        return position, sorted(rng.sample(letters, 2))
    return position, rng.choice(letters)


async def paced_run(port: int, candidates: list[Candidate], rate: float, seconds: float, connections: list[Connection]) -> Run:
    """Every candidate saves every len(candidates)/rate seconds for `seconds`; latency from when each save was due."""
    run = Run()
    period = len(candidates) / rate
    begin = time.perf_counter() + 1.0
    end = begin + seconds

    async def candidate(index: int, c: Candidate, connection: Connection) -> None:
        rng = random.Random(index)
        due = begin + index * period / len(candidates)
        while due < end:
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            position, value = _answer(c, rng)
            c.seq += 1
            body = json.dumps({"position": position, "response": value, "seq": int(time.time() * 1_000_000) + c.seq}).encode()
            message = (f"POST /exams/attempt/{c.attempt_id}/save HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {c.cookie}\r\n"
                       f"X-CSRFToken: {c.csrf}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
            run.due += 1
            try:
                status, answer = await connection.request(message)
            except (OSError, asyncio.IncompleteReadError):
                run.errors += 1
            else:
                run.latencies.append(time.perf_counter() - due)
                if status != 200:
                    run.non2xx += 1
                elif b'"saved": false' in answer or b'"saved":false' in answer:
                    run.stale += 1
            due += period

    await asyncio.gather(*(candidate(i, c, conn) for i, (c, conn) in enumerate(zip(candidates, connections, strict=True))))
    return run


async def one_run(port: int, candidates: list[Candidate], rate: float, seconds: float) -> Run:
    """One paced run. The client's own collector is off while it runs: a full collection here would pause every
    candidate at once and be charged to the server (the latency counts from when each save was due)."""
    connections = [Connection(port) for _ in candidates]
    gc.collect()
    gc.disable()
    try:
        return await paced_run(port, candidates, rate, seconds, connections)
    finally:
        gc.enable()
        for connection in connections:
            if connection.writer is not None:
                connection.writer.close()


async def sessions(port: int, candidates: list[Candidate], window: float) -> StartSamples:
    client = Client("127.0.0.1", port, connections=64)
    gate = asyncio.Semaphore(32)

    async def guarded(step, c: Candidate) -> None:
        async with gate:
            await step(client, c)

    try:
        await asyncio.gather(*(guarded(login, c) for c in candidates))
        await asyncio.gather(*(guarded(open_start_page, c) for c in candidates))
        starts = StartSamples()
        begin = time.perf_counter()

        async def scheduled(i: int, c: Candidate) -> None:
            await asyncio.sleep(max(0.0, begin + i * window / len(candidates) - time.perf_counter()))
            await start(client, c, starts)

        await asyncio.gather(*(scheduled(i, c) for i, c in enumerate(candidates)))
        return starts
    finally:
        await client.close()


def _database_cpu() -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL process that serves this benchmark: its own database's connections and
    the server's background processes, not the connections to other databases (a shared server)."""
    ours = DB_URL.rsplit("/", 1)[1].encode()
    cpu = {}
    for pid in database_pids():
        try:
            backend = re.match(rb"postgres: [^:]+: \S+ (\S+) (?:\[local\]|\S+\(\d+\))", Path(f"/proc/{pid}/cmdline").read_bytes())
        except OSError:
            continue
        if backend is None or backend.group(1) == ours:
            cpu[pid] = cpu_seconds([pid])
    return cpu


def _cpu(servers: list[subprocess.Popen]) -> tuple[float, dict[int, float], float]:
    return sum(cpu_seconds(server_pids(s)) for s in servers), _database_cpu(), time.process_time()


def measured_run(front: int, candidates: list[Candidate], rate: float, seconds: float, servers: list[subprocess.Popen],
                 caps: list[CpuCap]) -> Run:
    (node, database, client), throttled = _cpu(servers), sum(cap.throttled() for cap in caps)
    run = asyncio.run(one_run(front, candidates, rate, seconds))
    node_after, database_after, client_after = _cpu(servers)
    served = max(1, len(run.latencies))
    database_spent = sum(seconds - database.get(pid, 0.0) for pid, seconds in database_after.items())  # a gone one: lost
    run.cpu_ms = tuple(spent / served * 1000 for spent in (node_after - node, database_spent, client_after - client))
    run.throttled = sum(cap.throttled() for cap in caps) - throttled
    return run


def measure(nodes: int, args: argparse.Namespace, candidates: list[Candidate]) -> dict[float, list[Run]]:
    ports = [free_port() for _ in range(nodes)]
    servers = [serve(p, args.workers, 1, "gevent", ("--keep-alive", KEEP_ALIVE, "--worker-connections", "4000")) for p in ports]
    caps: list[CpuCap] = []
    front = free_port()
    results: dict[float, list[Run]] = {}
    size = f", each capped at {args.node_cpu:g} core(s)" if args.node_cpu else ""
    with tempfile.TemporaryDirectory() as folder:
        nginx = start_nginx(Path(folder), front, ports)
        try:
            starts = asyncio.run(sessions(front, candidates, args.window))
            if args.node_cpu:  # the starts (not the figure here) before the cap, so that 3,000 papers are drawn in minutes
                for number, server in enumerate(servers, 1):
                    caps.append(CpuCap(f"node{number}", args.node_cpu))
                    caps[-1].add(server_pids(server))  # the master and its workers; nothing forks after this
            wrk(front, "/healthz", 3, 64)
            plain = wrk(front, "/healthz", 10, 64)
            print(f"{nodes} node(s){size} × gunicorn -w {args.workers} -k gevent --keep-alive {KEEP_ALIVE}, behind nginx "
                  f"(upstream keepalive_timeout 60s): plain ceiling through nginx {plain['rps']:.0f} req/s; "
                  f"load average {os.getloadavg()[0]:.2f}")
            print(starts.line(f"start ({len(candidates)} over {args.window:.0f} s{', before the cap' if caps else ''})"))
            for rate in args.rates:
                results[rate] = []
                for number in range(1, args.runs + 1):
                    asyncio.run(renew_cookies(front, candidates))  # a browser's cookie, renewed within the minute

                    run = measured_run(front, candidates, rate, args.seconds, servers, caps)
                    results[rate].append(run)
                    served = len(run.latencies) / args.seconds
                    node_ms, db_ms, client_ms = run.cpu_ms
                    print(f"  {rate:.0f}/s offered, run {number}: {served:.0f}/s served; p50 {run.p(50):.0f} ms p95 {run.p(95):.0f} ms "
                          f"p99 {run.p(99):.0f} ms; non-2xx {run.non2xx}, errors {run.errors}, refused as stale {run.stale}; "
                          f"CPU per save: node(s) {node_ms:.2f} ms, PostgreSQL {db_ms:.2f} ms, client {client_ms:.2f} ms"
                          + (f"; throttled {run.throttled} times" if caps else ""), flush=True)
                held = sum(1 for run in results[rate] if run.p(95) < TARGET_MS and run.errors == 0 and run.non2xx == 0)
                print(f"  {rate:.0f}/s: p95 < {TARGET_MS} ms with no error in {held} of {args.runs} runs", flush=True)
        finally:
            nginx.terminate()
            nginx.wait(timeout=10)
            for server in servers:
                server.terminate()
                server.wait(timeout=10)
            for cap in caps:
                cap.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=lambda text: [int(n) for n in text.split(",")], default=[1, 2])
    parser.add_argument("--workers", type=int, default=2, help="gevent workers per node")
    parser.add_argument("--candidates", type=int, default=3000)
    parser.add_argument("--window", type=float, default=30, help="seconds over which the candidates start")
    parser.add_argument("--rates", type=lambda text: [float(r) for r in text.split(",")], default=[300.0, 400.0, 500.0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=20, help="length of each paced run")
    parser.add_argument("--gc-freeze", type=lambda text: [int(v) for v in text.split(",")], default=[1],
                        help="1: the workers freeze what the app built at import (wsgi.py, the default); 0: they do not; 1,0: both")
    parser.add_argument("--node-cpu", type=float, default=None,
                        help="cap each node at this many cores (a cgroup CPU quota; needs root): a node of fixed size")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4 * args.candidates + 1024)), hard))
    for freeze in args.gc_freeze:
        os.environ["EXAMSYS_GC_FREEZE"] = str(freeze)  # read by wsgi.py in each worker
        for nodes in args.nodes:
            print(f"--- workers {'with' if freeze else 'without'} gc.freeze (EXAMSYS_GC_FREEZE={freeze})", flush=True)
            candidates = prepare(args.candidates)  # a fresh database for each deployment
            measure(nodes, args, candidates)


if __name__ == "__main__":
    main()
