"""The exam room served as docs/deployment.md says for a sitting: gunicorn's gevent worker on PostgreSQL.
One worker with two database connections: a save held up in the database (a row lock) must not hold up the
worker's other candidates, and every save is kept."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from examsys.exams.models import Attempt
from tests.exam_fixtures import open_exam
from tests.factories import PASSWORD

pytestmark = pytest.mark.pg

ROOT = Path(__file__).resolve().parent.parent
FORM_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
DATA_CSRF = re.compile(r'data-csrf="([^"]+)"')


@pytest.fixture
def sitting(db, tree):
    """An exam open now by the real clock (the server runs in its own process) and its candidate's attempt."""
    return db.query(Attempt).filter_by(person_id=open_exam(db, tree)["officer"].id).one()


@pytest.fixture
def gevent_server(database_url):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, EXAMSYS_DATABASE_URL=database_url, EXAMSYS_SECRET_KEY="gevent-test-" + "k" * 40, EXAMSYS_DATABASE_POOL_SIZE="2",
               EXAMSYS_DATABASE_MAX_OVERFLOW="0", EXAMSYS_BABEL_DEFAULT_LOCALE='"en"')
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-k", "gevent", "-w", "1", "-b", f"127.0.0.1:{port}",
                               "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn with the gevent worker did not come up")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


def _in_the_room(base: str, attempt_id: int) -> tuple[httpx.Client, str]:
    """Log in as the candidate, start the attempt, open question 1: the client and the page's CSRF token."""
    browser = httpx.Client(base_url=base, timeout=10)
    token = FORM_CSRF.search(browser.get("/login").text).group(1)
    assert browser.post("/login", data={"identifier": "candidate", "password": PASSWORD, "csrf_token": token}).status_code == 302
    token = FORM_CSRF.search(browser.get(f"/exams/attempt/{attempt_id}").text).group(1)
    assert browser.post(f"/exams/attempt/{attempt_id}/start", data={"csrf_token": token}).status_code == 302
    page = browser.get(f"/exams/attempt/{attempt_id}/q/1")
    assert page.status_code == 200
    return browser, DATA_CSRF.search(page.text).group(1)


def test_a_save_waiting_on_the_database_does_not_hold_up_the_other_candidates(database_url, sitting, gevent_server):
    browser, csrf = _in_the_room(gevent_server, sitting.id)
    url, headers = f"/exams/attempt/{sitting.id}/save", {"X-CSRFToken": csrf}

    def save(position: int, seq: int) -> httpx.Response:
        return browser.post(url, json={"position": position, "response": None, "seq": seq}, headers=headers)

    assert save(0, 1).json()["saved"] is True
    engine = create_engine(database_url)
    held: list[httpx.Response] = []
    try:
        with engine.connect() as lock:
            lock.execute(text("SELECT 1 FROM answer WHERE attempt_id = :a AND position = 0 FOR UPDATE"), {"a": sitting.id})
            waiting = threading.Thread(target=lambda: held.append(save(0, 2)))
            waiting.start()
            time.sleep(0.3)  # the save of question 0 now waits for the row, holding one of the worker's two connections
            began = time.monotonic()
            others = [save(position, 3) for position in range(1, 6)]
            elapsed = time.monotonic() - began
            assert waiting.is_alive() and held == []
            lock.rollback()
        waiting.join(timeout=10)
    finally:
        engine.dispose()
    assert [r.json()["saved"] for r in others] == [True] * 5 and elapsed < 5
    assert held and held[0].status_code == 200  # and the held save is kept once the row is free
    assert held[0].json()["saved"] is True and held[0].json()["seq"] == 2
