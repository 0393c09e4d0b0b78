"""`flask bank import` and `flask bank export`: the banks as files, for version control and migrations."""
from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from sqlalchemy import select

from examsys.auth.permissions import SYSTEM
from examsys.db import get_session
from examsys.errors import refused_in_cli


def register(app: Flask) -> None:
    @app.cli.group("bank")
    def bank_group() -> None:
        """Question banks."""

    @bank_group.command("import")
    @click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
    @click.option("--org", "org_code", default=None, help="the organisation that keeps the bank (default: the region)")
    @click.option("--activate", is_flag=True, help="make the imported versions active at once (reviewed banks only)")
    def import_cmd(paths: tuple[Path, ...], org_code: str | None, activate: bool) -> None:
        """Import YAML files or folders (native format), .xlsx or Moodle .xml files. All or nothing."""
        from examsys.bank.files import read_any
        from examsys.bank.services import apply_import, plan_import
        from examsys.orgs.models import Organisation

        db = get_session()
        query = select(Organisation).where(Organisation.code == org_code.upper()) if org_code else \
            select(Organisation).where(Organisation.parent_id.is_(None)).order_by(Organisation.id)
        org = db.scalars(query).first()
        if org is None:
            raise click.ClickException(f"no organisation {org_code or '(region)'}; create the tree first")
        from examsys.bank.laws import seed_starter_laws

        seed_starter_laws(db)  # the starter banks' laws are on the list from the first import
        result = read_any(list(paths))
        plan = plan_import(db, SYSTEM, result.records, org) if not result.problems else None
        problems = result.problems + (plan.problems if plan else [])
        if problems:
            for problem in problems:
                click.echo(f"error: {problem}", err=True)
            raise click.ClickException(f"{len(problems)} errors; nothing was imported")
        from examsys.bank.quality import import_warnings

        for warning in import_warnings(db, SYSTEM, result.records):
            click.echo(str(warning), err=True)
        counts = apply_import(db, SYSTEM, plan, org, activate=activate, source=", ".join(p.name for p in paths))
        db.commit()
        click.echo(f"{counts['created']} created, {counts['versioned']} versioned, {counts['unchanged']} unchanged")

    @bank_group.command("sector-exam")
    @click.argument("code")
    @click.option("--required/--not-required", default=True, help="whether a credential for the domain needs its sector exam")
    def sector_exam_cmd(code: str, required: bool) -> None:
        """Whether a credential for the enforcement domain CODE needs a passed sector exam in it, besides the
        common part (a domain a sector bank names needs one from the start)."""
        from examsys.domains.services import set_needs_sector_exam

        db = get_session()
        with refused_in_cli():
            domain = set_needs_sector_exam(db, code, required)
        db.commit()
        click.echo(f"{domain.code} {domain.name}: the sector exam is {'required' if required else 'not required'}")

    @bank_group.command("domain-name-mn")
    @click.argument("code")
    @click.argument("name_mn")
    def domain_name_mn_cmd(code: str, name_mn: str) -> None:
        """The name of the enforcement domain CODE in traditional Mongolian script, printed beside the Chinese
        on cards and certificates ("" takes it away)."""
        from examsys.domains.services import set_name_mn

        db = get_session()
        with refused_in_cli():
            domain = set_name_mn(db, code, name_mn)
        db.commit()
        click.echo(f"{domain.code} {domain.name}: {domain.name_mn or '(no Mongolian name)'}")

    @bank_group.command("export")
    @click.argument("target", type=click.Path(file_okay=True, path_type=Path))
    @click.option("--status", default="active", type=click.Choice(["active", "latest"]),
                  help="active versions only (default), or the latest version of every question")
    def export_cmd(target: Path, status: str) -> None:
        """Write the banks as native YAML files under TARGET (a folder), or to TARGET.xlsx / TARGET.xml."""
        from examsys.audit.services import record_export
        from examsys.bank.files import export_records, write_any

        db = get_session()
        records = export_records(db, SYSTEM, active_only=status == "active")
        written = write_any(records, target)
        # the banks hold their keys: on the record, as from the command line (the target is the format, as on the
        # page; the path, which may be longer than a target id holds, goes with the filters)
        fmt = written.suffix.lstrip(".") or "yaml"
        record_export(db, SYSTEM, "bank", fmt, fmt=fmt, rows=len(records), filters={"status": status, "path": str(written)})
        db.commit()
        click.echo(f"{len(records)} questions written to {written}")

    @bank_group.command("lint")
    @click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
    @click.option("--tolerance", type=float, default=None, help="how far a key position's share may stray from chance (default 0.15)")
    def lint_cmd(paths: tuple[Path, ...], tolerance: float | None) -> None:
        """Check bank files for answer cues and format slips; exit 1 on any error (warnings only print)."""
        from examsys.bank.files import read_any
        from examsys.bank.laws import starter_laws
        from examsys.bank.lint import ERROR, LintSettings, lint

        laws, superseded = _list_of_laws(starter_laws())

        result = read_any(list(paths))
        for problem in result.problems:
            click.echo(f"error: {problem}")
        settings = LintSettings() if tolerance is None else LintSettings(tolerance=tolerance)
        findings = lint(result.records, settings, laws=laws, superseded=superseded)
        for finding in findings:
            click.echo(str(finding))
        errors = len(result.problems) + sum(1 for f in findings if f.severity == ERROR)
        click.echo(f"{len(result.records)} questions: {errors} errors, {len(findings) + len(result.problems) - errors} warnings")
        if errors:
            raise SystemExit(1)


def _list_of_laws(starter: tuple[str, ...]) -> tuple[list[str], dict]:
    """The list of laws for the lint: the database's when there is one (with its superseded versions), else the
    starter banks' laws, so that the lint of files runs without a database too."""
    from sqlalchemy.exc import SQLAlchemyError

    from examsys.bank.laws import law_titles, superseded_versions

    db = get_session()
    try:
        return law_titles(db), superseded_versions(db)
    except SQLAlchemyError:
        db.rollback()
        return list(starter), {}
