"""`flask supervision ...`: maintenance of what the supervision pages read."""
from __future__ import annotations

import click
from flask import Flask

from examsys.db import get_session


def register(app: Flask) -> None:
    @app.cli.group("supervision")
    def supervision_group() -> None:
        """Supervision and statistics."""

    @supervision_group.command("rebuild-summary")
    def rebuild_summary_cmd() -> None:
        """Recompute the per-candidate outcome summary from the attempts (it is kept in step on every change; this
        repairs it after attempts were changed outside the application, e.g. by hand in SQL)."""
        from examsys.exams.outcomes import rebuild

        db = get_session()
        rows = rebuild(db)
        db.commit()
        click.echo(f"{rows} outcome rows recomputed from the attempts")

    @supervision_group.command("snapshot")
    def snapshot_cmd() -> None:
        """Count the dashboard's figures for the region, every league/city and county and keep them as this month's
        snapshot (a later run in the month replaces it). Run daily from cron: the trends show each month's last one."""
        from examsys.supervision.snapshots import take

        db = get_session()
        roots = take(db)
        db.commit()
        click.echo(f"dashboard figures recorded for {roots} organisations this month")
