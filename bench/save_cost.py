"""What one answer save costs the app in-process, served by the lean path and by Flask, in the same run.

    EXAMSYS_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/<db> .venv/bin/python -m bench.save_cost [--saves 2000]

The public schema of that database is dropped and rebuilt: use a database of your own. One candidate logs
in and starts; then the WSGI app is called directly (no HTTP server) with the same saves, through the lean
path (examsys.exams.lean_save) and through Flask alone, alternating rounds; prints the CPU of this process
per save (the app and the database client; the database's own CPU is not in it) and the ratio. Without
the HTTP server's own work (about 0.4-0.5 ms a request for gunicorn on this machine) and before the
contention of a loaded machine: bench/exam_load is the load test."""
from __future__ import annotations

import argparse
import json
import time
from typing import Any

from werkzeug.test import EnvironBuilder

from bench import exam_load
from bench.common import FAST_HASH


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    from examsys import create_app

    candidate = exam_load.prepare(1)[0]
    app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": exam_load.DB_URL, **FAST_HASH})
    client = app.test_client()

    def token(page: str, pattern: Any) -> str:
        found = pattern.search(page)
        return next(group for group in found.groups() if group)

    form = token(client.get("/login").get_data(as_text=True), exam_load.CSRF_FORM)
    client.post("/login", data={"identifier": candidate.username, "password": exam_load.PASSWORD, "csrf_token": form})
    form = token(client.get(f"/exams/attempt/{candidate.attempt_id}").get_data(as_text=True), exam_load.CSRF_FORM)
    client.post(f"/exams/attempt/{candidate.attempt_id}/start", data={"csrf_token": form})
    csrf = token(client.get(f"/exams/attempt/{candidate.attempt_id}/q/1").get_data(as_text=True), exam_load.CSRF_DATA)
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    signed = time.time()
    answer = candidate.letters[0][0] if candidate.letters[0] else True
    seq = iter(range(1, 10**9))

    def environ() -> dict[str, Any]:
        body = json.dumps({"position": 0, "response": answer, "seq": next(seq)})
        return EnvironBuilder(path=f"/exams/attempt/{candidate.attempt_id}/save", method="POST", data=body, content_type="application/json",
                              headers={"Cookie": f"{app.config['SESSION_COOKIE_NAME']}={cookie}", "X-CSRFToken": csrf}).get_environ()

    def cpu_per_save(wsgi: Any) -> float:
        environs = [environ() for _ in range(args.saves)]
        statuses = []
        started = time.process_time()
        for item in environs:
            b"".join(wsgi(item, lambda status, headers, exc_info=None: statuses.append(status)))
        spent = time.process_time() - started
        if set(statuses) != {"200 OK"}:
            raise SystemExit(f"a save failed: {set(statuses)}")
        return spent / args.saves * 1e6

    lean, flask_only = app.wsgi_app, app.wsgi_app.wsgi_app  # the lean path, and the Flask app behind it
    figures: dict[str, list[float]] = {"lean": [], "flask": []}
    for _ in range(args.rounds):
        figures["lean"].append(cpu_per_save(lean))
        figures["flask"].append(cpu_per_save(flask_only))
    if time.time() - signed >= 60:  # the lean path leaves a cookie due for renewal to Flask: its figures would be Flask's
        raise SystemExit("the session cookie grew a minute old during the run: run fewer --saves or --rounds")
    best = {label: min(values) for label, values in figures.items()}
    print(f"answer save in-process on PostgreSQL, {args.saves} saves a round, best of {args.rounds}:")
    print(f"  through Flask: {best['flask']:.0f} µs of CPU a save")
    print(f"  lean path:     {best['lean']:.0f} µs of CPU a save ({best['lean'] / best['flask'] * 100:.0f} % of Flask's)")


if __name__ == "__main__":
    main()
