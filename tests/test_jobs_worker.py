"""The job worker on PostgreSQL: a worker killed in the middle of a job loses nothing — the next worker puts
the job back and runs it, and the delivery is recorded once."""
from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select, text

from examsys.api import clients, webhooks
from examsys.api.models import DeliveryStatus, WebhookDelivery
from examsys.auth.models import Role, User
from examsys.credentials import services
from tests.factories import make_user
from tests.test_register import officers  # noqa: F401  (a fixture)

ROOT = Path(__file__).resolve().parent.parent


class SlowReceiver:
    """Holds the first POST unanswered until released; answers every later one at once."""

    def __init__(self) -> None:
        self.received: list[bytes] = []
        self.first_arrived = threading.Event()
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                receiver.received.append(self.rfile.read(int(self.headers["Content-Length"])))
                if len(receiver.received) == 1:
                    receiver.first_arrived.set()
                    receiver.release.wait(30)
                try:
                    self.send_response(200)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the worker that asked is dead

            def log_message(self, *_args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def _worker(database_url: str, *args: str) -> subprocess.Popen:
    env = dict(os.environ, FLASK_APP="wsgi", EXAMSYS_DATABASE_URL=database_url.replace("postgresql+psycopg://", "postgresql://"),
               EXAMSYS_SECRET_KEY="test-secret-key", EXAMSYS_WEBHOOK_ALLOW_PRIVATE="true", EXAMSYS_WEBHOOK_RETRY_SECONDS="0")
    return subprocess.Popen([sys.executable, "-m", "flask", "jobs", "worker", "--stalled-after", "2", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)


@pytest.mark.pg  # skipped on SQLite: the worker and its stalled-job recovery are PostgreSQL's
def test_a_killed_worker_loses_no_job(app, db, tree, officers, database_url):  # noqa: F811
    db.execute(text("DELETE FROM procrastinate_jobs"))
    receiver = SlowReceiver()
    try:
        sysadmin = make_user(db, "sysadmin", tree.region, Role.SYSADMIN)
        client_id = clients.register(db, sysadmin, "省平台", tree.region.id, ["credentials:read"]).secret.client_id
        webhooks.subscribe(db, sysadmin, client_id, receiver.url, ["credential.suspended"])
        hr = db.scalars(select(User).where(User.username == "hr")).one()
        services.change(db, hr, officers["李明"].id, "suspend", ground="办法第二十条", decision_number="暂〔2026〕9号", reason="调查")
        db.commit()

        first = _worker(database_url)
        try:
            assert receiver.first_arrived.wait(30), "the first worker never sent the delivery"
        finally:
            os.killpg(first.pid, signal.SIGKILL)  # in the middle of the job: the POST is unanswered
            first.wait(10)
        status = db.scalar(text("SELECT status FROM procrastinate_jobs WHERE task_name = 'webhooks.deliver'"))
        assert status == "doing"
        db.rollback()
        assert db.scalars(select(WebhookDelivery)).one().attempts == 0  # nothing of the attempt was kept

        time.sleep(2.5)  # the dead worker's heartbeat is now older than --stalled-after
        second = _worker(database_url, "--once")
        output, _ = second.communicate(timeout=60)
        assert second.returncode == 0, output.decode()
        assert b"put back in the queue" in output

        db.rollback()
        db.expire_all()  # the worker committed in its own process
        delivery = db.scalars(select(WebhookDelivery)).one()
        assert delivery.status is DeliveryStatus.DELIVERED and delivery.attempts == 1
        assert db.scalar(text("SELECT status FROM procrastinate_jobs WHERE task_name = 'webhooks.deliver'")) == "succeeded"
        assert len(receiver.received) == 2 and receiver.received[0] == receiver.received[1]  # the same push, sent again
        assert json.loads(receiver.received[1])["event"] == "credential.suspended"
    finally:
        receiver.close()


def test_the_worker_needs_postgresql(runner, db):
    if db.get_bind().dialect.name == "postgresql":
        pytest.skip("on PostgreSQL the worker runs (above)")
    result = runner.invoke(args=["jobs", "worker", "--once"])
    assert result.exit_code != 0 and "needs PostgreSQL" in result.output


def test_the_every_minute_check_puts_back_jobs_after_the_configured_silence(app, monkeypatch):
    """`JOBS_STALLED_AFTER` (the worker's --stalled-after) governs the periodic check too, not only a starting
    worker: a deployment that shortens it gets a killed worker's job back sooner."""
    from concurrent.futures import ThreadPoolExecutor

    from examsys.jobs import queue, tasks

    asked: list[float] = []

    async def stalled_jobs(seconds_since_heartbeat: float) -> list:
        asked.append(seconds_since_heartbeat)
        return []

    monkeypatch.setattr(queue.queue_app.job_manager, "get_stalled_jobs", stalled_jobs)
    monkeypatch.setitem(queue.flask_app().config, "JOBS_STALLED_AFTER", 7.0)
    with ThreadPoolExecutor(1) as thread:  # a loop of its own, whatever runs in this thread
        thread.submit(asyncio.run, tasks.retry_stalled.func(None, 0)).result()
    assert asked == [7.0]
