"""What a refusal over the verify rate limit costs, against what the verify page costs, in the same run.

    .venv/bin/python -m bench.refusal_cost [--requests 3000] [--rounds 5] [--database sqlite|postgresql]

In process, one app, one credential: the WSGI app is called directly (no HTTP, no test client), so the
figures are the app's own CPU per request (time.process_time). Rounds alternate, each measuring
GET /healthz (the plainest answer), GET /V/<token> under the limit (the cached verify page), and the same
GET over the limit (the 429), and the 429 page of the error handler for comparison (a 404 page, rendered
from the same template the limiter's refusal used before). Prints each round and the medians.
A flood is cheap to refuse only if the 429 costs no more than the answer it stands for."""
from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import time
from collections.abc import Callable

from bench.common import bench_app
from bench.verify_load import one_credential_token


def _environ(path: str, address: str) -> dict:
    return {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": address, "HTTP_HOST": "127.0.0.1", "HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9",
            "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(), "wsgi.errors": io.StringIO(), "wsgi.multithread": False,
            "wsgi.multiprocess": False, "wsgi.run_once": False, "wsgi.version": (1, 0)}


def per_request(app: Callable, path: str, address: str, count: int, expect: str) -> float:
    """Milliseconds of this process's CPU per request."""
    seen: list[str] = []

    def start_response(status: str, headers: list, exc_info: object = None) -> None:
        seen.append(status)

    started = time.process_time()
    for _ in range(count):
        body = app(_environ(path, address), start_response)
        for _chunk in body:
            pass
        getattr(body, "close", lambda: None)()
    used = time.process_time() - started
    if not all(status.startswith(expect) for status in seen):
        raise SystemExit(f"{path}: expected {expect}, got {sorted(set(seen))}")
    return used / count * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()

    from examsys import clock
    from examsys.credentials.keys import KeyStore

    with tempfile.TemporaryDirectory() as keys:
        KeyStore(keys).init(clock.now())
        # The limit allows a million scans a minute from 198.51.100.1 and refuses 198.51.100.2 after one: both
        # addresses count against the same setting, the second reaches it with its first request.
        with bench_app(args.database, KEY_DIR=keys, VERIFY_RATE_LIMIT="1000000 per minute") as app:
            token = one_credential_token()
            wsgi = app.wsgi_app
            page, refused, flood = f"/V/{token}", "198.51.100.1", "198.51.100.2"
            per_request(wsgi, page, refused, 50, "200")  # warm the answer cache and the page
            rows: dict[str, list[float]] = {"GET /healthz": [], "verify page (200)": [], "over the limit (429)": [],
                                            "an error page (404)": []}
            for _ in range(args.rounds):
                rows["GET /healthz"].append(per_request(wsgi, "/healthz", refused, args.requests, "200"))
                rows["verify page (200)"].append(per_request(wsgi, page, refused, args.requests, "200"))
                app.config["VERIFY_RATE_LIMIT"] = "1 per hour"
                per_request(wsgi, page, flood, 1, "")  # its one allowed scan (or already refused)
                rows["over the limit (429)"].append(per_request(wsgi, page, flood, args.requests, "429"))
                app.config["VERIFY_RATE_LIMIT"] = "1000000 per minute"
                rows["an error page (404)"].append(per_request(wsgi, "/no-such-page", refused, args.requests, "404"))
    print(f"CPU per request in process, {args.database}, {args.requests} requests x {args.rounds} rounds (ms):")
    for name, values in rows.items():
        print(f"  {name:22} median {statistics.median(values):.3f}   rounds " + " ".join(f"{v:.3f}" for v in values))
    ratio = statistics.median(rows["over the limit (429)"]) / statistics.median(rows["verify page (200)"])
    print(f"  a 429 costs {ratio * 100:.0f} % of a verify page")


if __name__ == "__main__":
    main()
