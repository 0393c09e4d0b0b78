"""Webhooks: a status change queues its signed deliveries in its own transaction, a real HTTP server on
127.0.0.1 receives them, a failure is retried, the delivery log shows them and sends one again."""
from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select, text

from examsys import clock
from examsys.api import clients, webhooks
from examsys.api.models import DeliveryStatus, WebhookDelivery
from examsys.audit.models import AuditEntry
from examsys.auth.models import Role, User
from examsys.credentials import services
from examsys.jobs.queue import run_until_idle
from tests.factories import make_user
from tests.html_checks import check_page, english_words
from tests.test_crawl import ALLOWED_WORDS
from tests.test_register import officers  # noqa: F401  (a fixture)

EVENTS = ["credential.suspended", "credential.reinstated", "credential.revoked"]


class Receiver:
    """A local HTTP server that records every POST and answers with the next of `answers` (then 200)."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.answers: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"headers": dict(self.headers), "body": body})
                status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/examsys"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture(autouse=True)
def empty_queue(app, db):
    """The PostgreSQL test database is emptied table by table between tests; the queue's table is not a model."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("DELETE FROM procrastinate_jobs"))
        db.commit()
    app.config["WEBHOOK_RETRY_SECONDS"] = 0  # a retry is due at once, so run_until_idle makes it


@pytest.fixture
def sysadmin(db, tree):
    return make_user(db, "sysadmin", tree.region, Role.SYSADMIN)


def subscribe(db, sysadmin, org, url, events=EVENTS, name="省执法监督平台") -> tuple[int, str]:
    client_id = clients.register(db, sysadmin, name, org.id, ["credentials:read"]).secret.client_id
    secret = webhooks.subscribe(db, sysadmin, client_id, url, events)
    db.commit()
    return client_id, secret


def suspend(db, officers, name="李明"):  # noqa: F811
    hr = db.scalars(select(User).where(User.username == "hr")).one()  # the region's HR, made by `officers`
    services.change(db, hr, officers[name].id, "suspend", ground="办法第二十条", decision_number="暂〔2026〕9号", reason="调查")


def signature_holds(secret: str, headers: dict, body: bytes) -> bool:
    parts = dict(part.split("=", 1) for part in headers["X-Examsys-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


def fresh(db) -> None:
    """End the test's transaction and forget what it read: the jobs commit in sessions of their own."""
    db.rollback()
    db.expire_all()


def queued_jobs(db) -> int:
    if db.get_bind().dialect.name != "postgresql":
        return -1
    return db.scalar(text("SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'webhooks.deliver'"))


def test_a_suspension_is_pushed_signed_to_the_subscriber(db, tree, sysadmin, officers, receiver):  # noqa: F811
    _client_id, secret = subscribe(db, sysadmin, tree.region, receiver.url)
    assert secret.startswith("whsec_")
    suspend(db, officers)
    db.commit()
    assert db.scalar(select(func.count()).select_from(WebhookDelivery)) == 1  # committed with the change
    assert queued_jobs(db) in (-1, 1)  # on PostgreSQL the job row committed with it too
    run_until_idle()
    assert len(receiver.received) == 1
    got = receiver.received[0]
    assert signature_holds(secret, got["headers"], got["body"])
    assert not signature_holds(secret, got["headers"], got["body"] + b" ")
    body = json.loads(got["body"])
    assert body["event"] == "credential.suspended" and body["credential"]["number"] == officers["李明"].number
    assert body["credential"]["status"] == "suspended" and got["headers"]["X-Examsys-Event"] == "credential.suspended"
    fresh(db)
    delivery = db.scalars(select(WebhookDelivery)).one()
    assert delivery.status is DeliveryStatus.DELIVERED and delivery.attempts == 1 and delivery.last_status == 200
    run_until_idle()
    assert len(receiver.received) == 1  # nothing twice


def test_a_failed_delivery_is_retried(db, tree, sysadmin, officers, receiver):  # noqa: F811
    _client_id, secret = subscribe(db, sysadmin, tree.region, receiver.url)
    receiver.answers = [500]
    suspend(db, officers)
    db.commit()
    run_until_idle()
    assert len(receiver.received) == 2 and receiver.received[0]["body"] == receiver.received[1]["body"]
    assert all(signature_holds(secret, r["headers"], r["body"]) for r in receiver.received)
    fresh(db)
    delivery = db.scalars(select(WebhookDelivery)).one()
    assert delivery.status is DeliveryStatus.DELIVERED and delivery.attempts == 2 and delivery.last_status == 200


def test_retries_stop_after_a_day(app, db, tree, sysadmin, officers, receiver, frozen_clock):  # noqa: F811
    from datetime import timedelta

    app.config["WEBHOOK_RETRY_SECONDS"] = 3600
    subscribe(db, sysadmin, tree.region, receiver.url)
    receiver.answers = [503]
    suspend(db, officers)
    db.commit()
    run_until_idle()
    fresh(db)
    delivery = db.scalars(select(WebhookDelivery)).one()
    assert delivery.status is DeliveryStatus.PENDING and delivery.last_status == 503 and delivery.next_try_at is not None
    frozen_clock.freeze(delivery.retry_from + timedelta(hours=23, minutes=30))
    receiver.answers = [503]
    webhooks.attempt(db, delivery.id, delivery.attempts)  # the job, as the worker would run it when due
    db.commit()
    assert delivery.status is DeliveryStatus.FAILED and delivery.attempts == 2 and delivery.next_try_at is None


def test_a_change_that_rolls_back_pushes_nothing(db, tree, sysadmin, officers, receiver):  # noqa: F811
    subscribe(db, sysadmin, tree.region, receiver.url)
    suspend(db, officers)
    db.flush()
    fresh(db)
    assert db.scalar(select(func.count()).select_from(WebhookDelivery)) == 0
    assert queued_jobs(db) in (-1, 0)
    run_until_idle()
    assert receiver.received == []


def test_only_the_clients_subtree_and_chosen_events_are_pushed(db, tree, sysadmin, officers, receiver):  # noqa: F811
    subscribe(db, sysadmin, tree.other_county, receiver.url, name="赛罕区")  # 李明 is of 新城区
    suspend(db, officers)
    db.commit()
    run_until_idle()
    assert receiver.received == []
    suspend(db, officers, "孙赛")  # of 赛罕区
    db.commit()
    run_until_idle()
    assert len(receiver.received) == 1 and json.loads(receiver.received[0]["body"])["credential"]["number"] == officers["孙赛"].number


def test_private_addresses_are_refused_unless_allowed(app, db, tree, sysadmin, officers, receiver):  # noqa: F811
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    app.config["WEBHOOK_RETRY_SECONDS"] = 3600
    subscribe(db, sysadmin, tree.region, receiver.url)
    suspend(db, officers)
    db.commit()
    run_until_idle()
    assert receiver.received == []
    fresh(db)
    delivery = db.scalars(select(WebhookDelivery)).one()
    assert delivery.status is DeliveryStatus.PENDING and delivery.last_error.startswith("refused") and delivery.last_status is None


def test_an_address_must_be_http(db, tree, sysadmin):
    from examsys.errors import ValidationFailed

    client_id = clients.register(db, sysadmin, "x", tree.region.id, ["credentials:read"]).secret.client_id
    for bad in ("ftp://example.org/x", "file:///etc/passwd", "http://user:pw@example.org/", "example.org"):
        with pytest.raises(ValidationFailed):
            webhooks.subscribe(db, sysadmin, client_id, bad, EVENTS)


def test_the_pages_subscribe_show_the_log_and_send_again(db, client, auth, tree, sysadmin, officers, receiver):  # noqa: F811
    client_id = clients.register(db, sysadmin, "省平台", tree.region.id, ["credentials:read"]).secret.client_id
    db.commit()
    auth.login("sysadmin")
    page = client.get(f"/api-clients/{client_id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Webhooks" in page and "Subscribe" in page
    refused = client.post(f"/api-clients/{client_id}/webhook", data={"url": "gopher://x", "events": EVENTS})
    assert refused.status_code == 422
    made = client.post(f"/api-clients/{client_id}/webhook", data={"url": receiver.url, "events": EVENTS},
                       headers={"Accept-Language": "en"})
    assert made.status_code == 200 and "whsec_" in made.get_data(as_text=True)
    again = client.post(f"/api-clients/{client_id}/webhook", data={"url": receiver.url, "events": EVENTS})
    assert again.status_code == 303  # changed, secret kept and not shown
    suspend(db, officers)
    db.commit()
    run_until_idle()
    assert len(receiver.received) == 1
    log = client.get(f"/api-clients/{client_id}/deliveries", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert officers["李明"].number in log and "Delivered" in log and "HTTP 200" in log
    for url in (f"/api-clients/{client_id}", f"/api-clients/{client_id}/deliveries"):  # in Chinese: nothing left in English
        markup, words = check_page(client.get(url, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True))
        own = {"Sysadmin", "sysadmin", "per", "minute"}  # the test user's name and the rate limit, as entered
        assert markup == [] and english_words(words, ALLOWED_WORDS | own) == set(), url
    fresh(db)
    delivery = db.scalars(select(WebhookDelivery)).one()
    sent = client.post(f"/api-clients/{client_id}/deliveries/{delivery.id}/send-again")
    assert sent.status_code == 303
    run_until_idle()
    assert len(receiver.received) == 2 and receiver.received[1]["body"] == receiver.received[0]["body"]
    fresh(db)
    assert db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "webhook.send_again")) == 1
    assert db.scalars(select(WebhookDelivery)).one().attempts == 2


def test_a_key_rotation_is_pushed(app, db, tree, sysadmin, receiver, runner):
    subscribe(db, sysadmin, tree.region, receiver.url, events=["keys.rotated"])
    app.config["KEY_DIR"] = str(app.instance_path) + "/keys"
    assert runner.invoke(args=["keys", "init"]).exit_code == 0
    result = runner.invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    run_until_idle()
    assert len(receiver.received) == 1 and json.loads(receiver.received[0]["body"])["event"] == "keys.rotated"


def test_on_sqlite_the_app_runs_its_jobs_by_itself(app, db, tree, sysadmin, officers, receiver):  # noqa: F811
    """The demo (`make run`): no worker, no explicit run — the commit hands the job to a thread, and a retry
    runs again when it is due."""
    if db.get_bind().dialect.name == "postgresql":
        pytest.skip("on PostgreSQL a worker process runs the jobs (tests/test_jobs_worker.py)")
    app.config["JOBS_RUN_AFTER_COMMIT"] = True
    app.config["WEBHOOK_RETRY_SECONDS"] = 1
    subscribe(db, sysadmin, tree.region, receiver.url)
    receiver.answers = [500]
    suspend(db, officers)
    db.commit()
    for _ in range(100):
        if len(receiver.received) == 2:
            break
        time.sleep(0.1)
    assert len(receiver.received) == 2


def test_expiry_is_pushed_once_the_day_after_the_last_day(db, tree, sysadmin, officers, receiver):  # noqa: F811
    from datetime import timedelta

    subscribe(db, sysadmin, tree.region, receiver.url, events=["credential.expired"])
    credential = officers["李明"]
    today = credential.valid_to + timedelta(days=1)
    assert webhooks.enqueue_expired(db, today - timedelta(days=1)) == 0  # its last day: not expired yet
    assert webhooks.enqueue_expired(db, today) == 4  # the four in force, issued the same day (not the suspended one)
    assert webhooks.enqueue_expired(db, today) == 0  # the daily job run twice queues nothing new
    db.commit()
    run_until_idle()
    bodies = [json.loads(r["body"]) for r in receiver.received]
    assert len(bodies) == 4 and {b["event"] for b in bodies} == {"credential.expired"}
    assert credential.number in {b["credential"]["number"] for b in bodies}


def test_the_queue_schedules_the_periodic_tasks():
    from examsys.jobs.queue import queue_app

    crons = {task.task.name: task.cron for task in queue_app.periodic_registry.periodic_tasks.values()}
    assert crons == {"exams.close_expired": "* * * * *", "supervision.snapshot": "50 15 * * *",
                     "webhooks.expired": "5 16 * * *", "jobs.retry_stalled": "* * * * *"}


def test_a_redirect_is_not_followed(app, db, tree, sysadmin, officers, receiver):  # noqa: F811
    app.config["WEBHOOK_RETRY_SECONDS"] = 3600
    subscribe(db, sysadmin, tree.region, receiver.url)
    receiver.answers = [302]
    suspend(db, officers)
    db.commit()
    run_until_idle()
    assert len(receiver.received) == 1
    fresh(db)
    delivery = db.scalars(select(WebhookDelivery)).one()
    assert delivery.status is DeliveryStatus.PENDING and delivery.last_status == 302 and "redirect" in delivery.last_error


def test_a_disabled_client_or_an_unreadable_secret_fails_the_push(app, db, tree, sysadmin, officers, receiver):  # noqa: F811
    client_id, _secret = subscribe(db, sysadmin, tree.region, receiver.url)
    suspend(db, officers)
    db.commit()
    clients.set_active(db, sysadmin, client_id, False)  # after the push was queued, before it is sent
    db.commit()
    run_until_idle()
    fresh(db)
    assert receiver.received == [] and db.scalars(select(WebhookDelivery)).one().status is DeliveryStatus.FAILED
    clients.set_active(db, sysadmin, client_id, True)
    app.secret_key = "another-secret-key-of-the-app-0123456789"
    delivery = db.scalars(select(WebhookDelivery)).one()
    webhooks.send_again(db, sysadmin, client_id, delivery.id)
    db.commit()
    run_until_idle()
    db.expire_all()  # committed by the job's own session (no transaction of this one to roll back)
    delivery = db.scalars(select(WebhookDelivery)).one()
    assert receiver.received == [] and delivery.status is DeliveryStatus.FAILED and "subscribe again" in delivery.last_error


def test_a_client_without_the_status_scope_is_told_why_it_cannot_subscribe(db, client, auth, tree, sysadmin):
    reader = clients.register(db, sysadmin, "成绩系统", tree.region.id, ["exam-results:read"]).secret.client_id
    able = clients.register(db, sysadmin, "省平台", tree.region.id, ["credentials:read"]).secret.client_id
    db.commit()
    auth.login("sysadmin")
    page = client.get(f"/api-clients/{reader}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert f"/api-clients/{reader}/webhook\"" not in page  # no form to fill in for nothing
    assert "此客户端不能订阅状态推送" in page and "“证件状态查询”" in page and "登记一个具备该权限的客户端" in page
    refused = client.post(f"/api-clients/{reader}/webhook", data={"url": "https://example.org/hook", "events": EVENTS},
                          headers={"Accept-Language": "zh-CN"})
    assert refused.status_code == 422 and "此客户端不能订阅状态推送" in refused.get_data(as_text=True)
    # a refused form keeps what was typed and ticked
    refused = client.post(f"/api-clients/{able}/webhook", data={"url": "gopher://x/hook", "events": ["credential.suspended"]})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'value="gopher://x/hook"' in html
    assert re.search(r'<input[^>]*checked[^>]*value="credential.suspended"|<input[^>]*value="credential.suspended"[^>]*checked', html)
    assert not re.search(r'<input[^>]*checked[^>]*value="credential.revoked"|<input[^>]*value="credential.revoked"[^>]*checked', html)


def test_the_delivery_log_says_in_words_what_failed_and_when_it_is_tried_again(app, db, client, auth, tree, sysadmin, officers):  # noqa: F811
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app.config["WEBHOOK_RETRY_SECONDS"] = 3600  # the retry waits: the log shows the failed try
    client_id, _secret = subscribe(db, sysadmin, tree.region, f"http://127.0.0.1:{port}/hook")
    suspend(db, officers)
    db.commit()
    run_until_idle()
    fresh(db)
    delivery = db.scalars(select(WebhookDelivery)).one()
    assert delivery.attempts == 1 and delivery.last_error == "connection refused"
    auth.login("sysadmin")
    log = client.get(f"/api-clients/{client_id}/deliveries", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "连接被拒绝" in log and "Error" not in log and "Errno" not in log
    assert "失败，将于 " in log and " 重试" in log and "等待发送" not in log
    english = client.get(f"/api-clients/{client_id}/deliveries", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Connection refused" in english and "Failed, will try again at " in english
    clock.advance(timedelta(minutes=5))
    again = client.post(f"/api-clients/{client_id}/deliveries/{delivery.id}/send-again", headers={"Accept-Language": "zh-CN"},
                        follow_redirects=True)
    page = again.get_data(as_text=True)
    assert "已安排立即重新发送" in page and "等待重新发送" in page


def test_the_clients_pages_chinese_has_no_stray_spaces(db, client, auth, tree, sysadmin):
    auth.login("sysadmin")
    page = client.get("/api-clients", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "尚无接口客户端。" in page and "调用本系统数据接口的其他部门系统" in page
    client_id = clients.register(db, sysadmin, "省平台", tree.region.id, ["credentials:read"]).secret.client_id
    db.commit()
    for url in ("/api-clients", f"/api-clients/{client_id}", f"/api-clients/{client_id}/deliveries"):
        texts = re.findall(r">([^<]*)<", client.get(url, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True))
        assert [t for t in texts if re.search(r"[\u4e00-\u9fff] [\u4e00-\u9fff]", t)] == [], url


def test_a_change_made_from_a_thread_that_runs_an_event_loop_is_still_pushed(db, tree, sysadmin, officers, receiver):  # noqa: F811
    """The queue's synchronous calls drive an event loop of their own; called where one already runs (an async
    stack, or a browser driven from the same thread, as the browser tests do before the rest of the suite), they
    hand over from a short-lived thread instead of failing the commit."""
    import asyncio

    _client_id, secret = subscribe(db, sysadmin, tree.region, receiver.url)

    def change_and_run() -> None:
        suspend(db, officers)
        db.commit()
        run_until_idle()

    async def inside_a_running_loop() -> None:
        change_and_run()

    try:
        asyncio.get_running_loop()  # one runs already (after the browser tests in a whole-suite run)
    except RuntimeError:
        asyncio.run(inside_a_running_loop())
    else:
        change_and_run()
    assert len(receiver.received) == 1 and signature_holds(secret, receiver.received[0]["headers"], receiver.received[0]["body"])
