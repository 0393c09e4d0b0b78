"""The tasks the queue runs. Each opens its own app context and session and commits once; each can run
twice without doing anything twice (a webhook delivery checks its attempt count, close-expired and the
snapshot are idempotent), so a job put back after a worker died is safe.

Periodic tasks (cron in UTC; a worker defers each once per tick, whatever the number of workers):
close-expired every minute, the supervision snapshot daily at 15:50 UTC (23:50 in Asia/Shanghai), the
credential.expired webhooks daily at 16:05 UTC (00:05 there), and putting back the jobs of dead workers."""
from __future__ import annotations

from procrastinate import JobContext

from examsys import clock
from examsys.db import get_session
from examsys.jobs.queue import flask_app, queue_app


@queue_app.task(name="webhooks.deliver", queue="webhooks")
def deliver_webhook(delivery_id: int, attempt: int) -> None:
    from examsys.api.webhooks import attempt as try_delivery

    with flask_app().app_context():
        session = get_session()
        try_delivery(session, delivery_id, attempt)
        session.commit()


@queue_app.periodic(cron="* * * * *")
@queue_app.task(name="exams.close_expired", queueing_lock="exams.close_expired")
def close_expired(timestamp: int) -> None:
    from examsys.exams.grading import close_expired as close

    with flask_app().app_context():
        session = get_session()
        while close(session):
            session.commit()
        session.commit()


@queue_app.periodic(cron="50 15 * * *")
@queue_app.task(name="supervision.snapshot", queueing_lock="supervision.snapshot")
def supervision_snapshot(timestamp: int) -> None:
    from examsys.supervision.snapshots import take

    with flask_app().app_context():
        session = get_session()
        take(session)
        session.commit()


@queue_app.periodic(cron="5 16 * * *")
@queue_app.task(name="webhooks.expired", queueing_lock="webhooks.expired")
def webhooks_expired(timestamp: int) -> None:
    from examsys.api.webhooks import enqueue_expired, requeue_overdue

    with flask_app().app_context():
        session = get_session()
        enqueue_expired(session, clock.today())
        requeue_overdue(session)
        session.commit()


@queue_app.periodic(cron="* * * * *")
@queue_app.task(name="jobs.retry_stalled", queueing_lock="jobs.retry_stalled", pass_context=True)
async def retry_stalled(context: JobContext, timestamp: int) -> None:
    await retry_stalled_jobs(stalled_after())


def stalled_after() -> float:
    """Seconds without a heartbeat after which a worker is dead (JOBS_STALLED_AFTER; the worker's option sets it)."""
    return float(flask_app().config["JOBS_STALLED_AFTER"])


async def retry_stalled_jobs(seconds: float) -> int:
    """Put back in the queue every job left "doing" by a worker that stopped beating (killed, machine lost)."""
    stalled = list(await queue_app.job_manager.get_stalled_jobs(seconds_since_heartbeat=seconds))
    for job in stalled:
        await queue_app.job_manager.retry_job(job)
    return len(stalled)


# ---- long work with a progress page (jobs.records) -------------------------------------------------------
#
# Each takes its record up (`begin`: none left to do, it returns), acts as the person who asked (their scope
# is checked again; the system when nobody did), commits its progress with each chunk of work, and marks the
# record failed with the reason when it stops on an error. Put back after its worker died, it runs again and
# goes on from the last commit.

def _with_record(record_id: int, body) -> None:  # noqa: ANN001  (body: (session, actor, record) -> None)
    from examsys.auth.models import User
    from examsys.auth.permissions import SYSTEM
    from examsys.errors import DomainError
    from examsys.jobs import records

    with flask_app().app_context():
        session = get_session()
        record = records.begin(session, record_id)
        if record is None:
            session.rollback()
            return
        session.commit()
        actor = session.get(User, record.requested_by_id) if record.requested_by_id else SYSTEM
        try:
            body(session, actor, record)
        except DomainError as error:  # refused (scope lost, nothing to print…): the page says why
            session.rollback()
            records.fail(session, record_id, error.message)
        except Exception as error:
            session.rollback()
            records.fail(session, record_id, f"{type(error).__name__}: {error}")
            raise


@queue_app.task(name="exams.open_plan", queue="long")
def open_plan(record_id: int) -> None:
    from examsys.exams.plans import run_opening

    _with_record(record_id, lambda session, actor, record: run_opening(
        session, actor, record, int(flask_app().config["EXAM_OPEN_CHUNK"])))


@queue_app.task(name="reissue.run", queue="long")
def reissue_run(record_id: int) -> None:
    from examsys.credentials.reissue.services import run_job

    _with_record(record_id, run_job)


@queue_app.task(name="reissue.print", queue="long")
def reissue_print(record_id: int, fmt: str) -> None:
    from examsys.credentials.reissue.services import print_job

    _with_record(record_id, lambda session, actor, record: print_job(session, actor, record, fmt))
