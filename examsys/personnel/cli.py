"""`flask personnel import`: load a register exported from an old system, all or nothing."""
from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from sqlalchemy import select

from examsys.auth.permissions import SYSTEM
from examsys.db import get_session


def register(app: Flask) -> None:
    @app.cli.group("personnel")
    def personnel_group() -> None:
        """The personnel register."""

    @personnel_group.command("import")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--org", "org_code", required=True, help="the organisation the rows belong under (rows without 单位代码 go here)")
    def import_cmd(file: Path, org_code: str) -> None:
        """Import people from an XLSX or CSV file. Prints what was created, updated and left unchanged;
        on any error prints every one of them, imports nothing and exits 1."""
        from examsys.imports.tabular import UnreadableFile, read_table
        from examsys.orgs.models import Organisation
        from examsys.personnel.importer import COLUMNS, apply_import, plan_import

        db = get_session()
        root = db.scalar(select(Organisation).where(Organisation.code == org_code.upper()))
        if root is None:
            raise click.ClickException(f"no organisation has the code {org_code}")
        try:
            table = read_table(file.name, file.read_bytes(), COLUMNS, max_rows=1_000_000)
        except UnreadableFile as error:
            raise click.ClickException(str(error)) from None
        plan = plan_import(db, SYSTEM, table, root)
        if plan.errors:
            for error in plan.errors:
                click.echo(f"error: row {error.row}, column {error.column}: {error.message}", err=True)
            raise click.ClickException(f"{len(plan.errors)} errors; nothing was imported")
        counts = apply_import(db, SYSTEM, plan, source=file.name)
        db.commit()
        click.echo(f"{counts['created']} created, {counts['updated']} updated, {counts['unchanged']} unchanged")
