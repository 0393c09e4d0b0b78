"""`flask exams ...`: what cron and operators run."""
from __future__ import annotations

import click
from flask import Flask

from examsys.auth.permissions import SYSTEM
from examsys.db import get_session
from examsys.errors import refused_in_cli


def register(app: Flask) -> None:
    @app.cli.group("exams")
    def exams_group() -> None:
        """Online exams."""

    @exams_group.command("close-expired")
    def close_expired_cmd() -> None:
        """Submit and grade every attempt past its deadline (safe to run from cron on every node)."""
        from examsys.exams.grading import close_expired

        db = get_session()
        total = 0
        while True:
            count = close_expired(db)
            db.commit()
            total += count
            if count == 0:
                break
        click.echo(f"{total} attempts submitted at their deadline")

    @exams_group.command("open")
    @click.argument("plan_id", type=int)
    def open_cmd(plan_id: int) -> None:
        """Open a draft plan and generate its papers, with progress (for region-wide sittings)."""
        from examsys.exams.plans import open_plan

        db = get_session()
        with refused_in_cli():
            made = open_plan(db, SYSTEM, plan_id, progress=lambda done, total: click.echo(f"\r{done}/{total} papers", nl=False))
        db.commit()
        click.echo(f"\nopen: {made} papers generated")
