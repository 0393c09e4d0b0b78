"""The job queue: procrastinate, with two ways to run it.

- **PostgreSQL** (production): a job is a row of `procrastinate_jobs`, inserted on the request's own database
  connection, so it commits or rolls back with the change that asked for it (no change without its job, no
  job for a change that rolled back). A worker process (`flask jobs worker`) runs the jobs and the periodic
  tasks; a worker killed mid-job leaves its job "doing" under a worker whose heartbeat stops, and the next
  worker puts it back in the queue (`retry_stalled`). Jobs are written to be run again without doing anything
  twice.
- **SQLite** (the demo and the SQLite test run): procrastinate's in-memory connector in this process. A job
  is handed to it only when the transaction that asked for it commits; `run_until_idle` runs what is due
  (the demo runs it in a thread after such a commit, and again when a delayed job is due; tests call it).

Tasks are deferred by name (`defer(session, "webhooks.deliver", ...)`), so a package below `examsys.jobs.tasks`
queues work without importing it."""
from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import procrastinate
from procrastinate.testing import InMemoryConnector
from sqlalchemy import event
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from flask import Flask

queue_app = procrastinate.App(connector=InMemoryConnector())
# Defers on a caller's connection go through a synchronous connector that is never opened (it has no pool
# of its own): the worker's asynchronous one cannot use a request's or a job's synchronous connection.
_deferrer = procrastinate.App(connector=procrastinate.SyncPsycopgConnector())
_PENDING = "examsys.jobs.pending"  # session.info: jobs waiting for the commit (SQLite)
_state: dict[str, Any] = {"flask_app": None, "inline": True}
_runner_lock = threading.Lock()


def init_app(app: Flask) -> None:
    """Point the queue at this app's database. No I/O: the connector connects when a worker opens it."""
    from examsys.db import database_url

    url = database_url(app)
    inline = not url.startswith("postgresql")
    if inline:
        connector: Any = InMemoryConnector()
    else:
        connector = procrastinate.PsycopgConnector(conninfo=url.replace("postgresql+psycopg://", "postgresql://", 1))
    queue_app.connector = connector
    queue_app.job_manager.connector = connector
    _state.update(flask_app=app, inline=inline)


def flask_app() -> Flask:
    app = _state["flask_app"]
    assert app is not None, "examsys.jobs.queue.init_app was not called"
    return app


def inline() -> bool:
    """True when jobs run in this process (SQLite), False when a worker runs them (PostgreSQL)."""
    return bool(_state["inline"])


def defer(session: Session, task_name: str, *, delay_seconds: float = 0, **kwargs: Any) -> int | None:
    """Queue `task_name(**kwargs)` to run once the session's transaction commits, not before `delay_seconds`.
    Returns the queue's job id on PostgreSQL (None in-process, where the job is handed over at the commit)."""
    schedule_at = datetime.now(UTC) + timedelta(seconds=delay_seconds) if delay_seconds > 0 else None
    if session.get_bind().dialect.name == "postgresql":
        connection = session.connection().connection.driver_connection  # the transaction's own connection
        return int(_deferrer.configure_task(task_name, schedule_at=schedule_at, connection=connection).defer(**kwargs))
    session.info.setdefault(_PENDING, []).append((task_name, schedule_at, kwargs))
    return None


def _outside_any_event_loop(work: Callable[[], Any]) -> Any:
    """Run `work` here, or in a short-lived thread when this thread runs an asyncio event loop: procrastinate's
    synchronous calls drive a loop of their own, which cannot start inside a running one (a caller on an async
    stack — a gevent or asyncio server, a browser driven from the same thread in the tests)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return work()
    result: list[Any] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            result.append(work())
        except BaseException as error:  # handed back to the caller's thread
            failure.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return result[0]


@event.listens_for(Session, "after_commit")
def _hand_over(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    for task_name, schedule_at, kwargs in pending:
        _outside_any_event_loop(lambda task_name=task_name, schedule_at=schedule_at, kwargs=kwargs:
                                queue_app.configure_task(task_name, schedule_at=schedule_at).defer(**kwargs))
    app = _state["flask_app"]
    if app is not None and app.config.get("JOBS_RUN_AFTER_COMMIT"):
        now = datetime.now(UTC)
        for delay in sorted({max((at - now).total_seconds(), 0) + 0.5 if at else 0 for _name, at, _kwargs in pending}):
            timer = threading.Timer(delay, run_until_idle)  # a retry later: run again when it is due
            timer.daemon = True
            timer.start()


@event.listens_for(Session, "after_rollback")
def _drop(session: Session) -> None:
    session.info.pop(_PENDING, None)


def run_until_idle() -> None:
    """Run every job that is due now, then return (tests; the demo's thread; `flask jobs run`)."""
    with _runner_lock:
        _outside_any_event_loop(lambda: queue_app.run_worker(wait=False, install_signal_handlers=False, listen_notify=False,
                                                             delete_jobs="successful"))
