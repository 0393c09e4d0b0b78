"""`flask jobs ...`: the worker (PostgreSQL) and running due jobs in this process."""
from __future__ import annotations

import asyncio

import click
from flask import Flask

from examsys.jobs import queue


def register(app: Flask) -> None:
    @app.cli.group("jobs")
    def jobs_group() -> None:
        """Background jobs (procrastinate)."""

    @jobs_group.command("worker")
    @click.option("--concurrency", default=4, show_default=True, help="Jobs run at once by this worker.")
    @click.option("--stalled-after", type=float, default=None,
                  help="Seconds without a heartbeat after which a worker counts as dead and its jobs are put back "
                       "(default: JOBS_STALLED_AFTER, 60).")
    @click.option("--once", is_flag=True, help="Run what is due, then stop (a worker otherwise runs until SIGTERM).")
    def worker_cmd(concurrency: int, stalled_after: float | None, once: bool) -> None:
        """Run jobs and the periodic tasks on PostgreSQL until stopped (SIGTERM lets running jobs finish).
        Start one or more on any node: they share the queue."""
        import logging

        from examsys.jobs import tasks

        if not logging.getLogger().handlers:  # the worker's log (jobs started, finished, failed) on stderr
            logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        if queue.inline():
            raise click.ClickException("the job worker needs PostgreSQL (EXAMSYS_DATABASE_URL); on SQLite jobs run "
                                       "in the app's process: `flask jobs run`")

        if stalled_after is not None:  # the every-minute check in this worker's process reads it too
            queue.flask_app().config["JOBS_STALLED_AFTER"] = stalled_after
        silent = tasks.stalled_after()

        async def work() -> None:
            async with queue.queue_app.open_async():
                put_back = await tasks.retry_stalled_jobs(silent)
                if put_back:
                    click.echo(f"{put_back} jobs of stopped workers put back in the queue")
                await queue.queue_app.run_worker_async(concurrency=concurrency, wait=not once, stalled_worker_timeout=silent)

        asyncio.run(work())

    @jobs_group.command("run")
    def run_cmd() -> None:
        """Run every due job in this process, then stop (SQLite; on PostgreSQL it works as `worker --once`).
        Also queues again webhook deliveries whose try is long overdue, and on SQLite the long jobs (opening a
        plan, a campaign's run or print batch) left unfinished for five minutes by a process that stopped."""
        from examsys.api.webhooks import requeue_overdue
        from examsys.db import get_session
        from examsys.jobs.records import requeue_stale

        session = get_session()
        requeue_overdue(session)
        stale = requeue_stale(session)
        session.commit()
        if stale:
            click.echo(f"{stale} jobs left unfinished by a stopped process queued again")
        queue.run_until_idle()
        click.echo("due jobs run")
