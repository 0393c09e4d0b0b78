"""Command-line tools: the first administrator, demo data, the audit check. They call the same services
as the pages and commit themselves."""
from __future__ import annotations

import getpass

import click
from flask import Flask
from sqlalchemy import select

from examsys.auth.permissions import SYSTEM
from examsys.db import get_session
from examsys.errors import refused_in_cli


def register_cli(app: Flask) -> None:
    from examsys.backup import register as register_backup
    from examsys.bank.cli import register as register_bank
    from examsys.credentials.cli import register as register_keys
    from examsys.exams.cli import register as register_exams
    from examsys.jobs.cli import register as register_jobs
    from examsys.orgs.cli import register as register_orgs
    from examsys.personnel.cli import register as register_personnel
    from examsys.supervision.cli import register as register_supervision

    register_bank(app)
    register_personnel(app)
    register_exams(app)
    register_keys(app)
    register_backup(app)
    register_orgs(app)
    register_supervision(app)
    register_jobs(app)

    @app.cli.command("create-admin")
    @click.option("--username", prompt=True)
    @click.option("--name", "display_name", prompt="Display name")
    @click.option("--org", "org_code", prompt="Organisation code", help="the node the administrator reaches (with its subtree)")
    @click.option("--region-name", default=None, help="create the region root with this name if the tree is empty")
    @click.option("--division-code", default=None, help="the region's division code, with --region-name")
    def create_admin(username: str, display_name: str, org_code: str, region_name: str | None, division_code: str | None) -> None:
        """Create a system administrator (and, on an empty database, the region root)."""
        from examsys.auth.models import Role
        from examsys.auth.services import create_account, grant_role
        from examsys.orgs.models import Organisation, OrgKind
        from examsys.orgs.services import create_org

        db = get_session()
        org = db.scalar(select(Organisation).where(Organisation.code == org_code.upper()))
        with refused_in_cli():
            if org is None:
                if not region_name:
                    raise click.ClickException(f"no organisation has the code {org_code}; give --region-name to create the region")
                org = create_org(db, SYSTEM, parent_id=None, kind=OrgKind.REGION, code=org_code, name=region_name,
                                 division_code=division_code or org_code)
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password again: "):
                raise click.ClickException("the passwords differ")
            user, _initial = create_account(db, SYSTEM, username=username, display_name=display_name, org_id=org.id,
                                            password=password, must_change=False)
            grant_role(db, SYSTEM, user.id, Role.SYSADMIN, org.id)
        db.commit()
        click.echo(f"system administrator {user.username} created on {org.name} ({org.code})")

    @app.cli.command("seed-demo")
    def seed_demo_cmd() -> None:
        """Load the demo organisation, accounts and people (idempotent)."""
        from examsys.demo import seed_demo

        db = get_session()
        summary = seed_demo(db)
        db.commit()
        click.echo(summary)

    @app.cli.group("audit")
    def audit_group() -> None:
        """The audit trail."""

    @audit_group.command("verify")
    def audit_verify() -> None:
        """Walk the hash chain, then check it against every signed checkpoint (exit 1 on any problem)."""
        from examsys.audit.checkpoints import verify_checkpoints
        from examsys.audit.services import verify_chain

        db = get_session()
        report = verify_chain(db)
        if not report.ok:
            click.echo(f"audit chain BROKEN at entry {report.broken_at}: {report.problem} ({report.checked} entries before it are intact)", err=True)
            raise SystemExit(1)
        count, problem = verify_checkpoints(db)
        if problem is not None:
            click.echo(f"audit chain REWRITTEN: {problem}", err=True)
            raise SystemExit(1)
        click.echo(f"audit chain intact: {report.checked} entries checked, agreeing with {count} signed checkpoints")

    @audit_group.command("checkpoint")
    def audit_checkpoint() -> None:
        """Sign the chain's head into a new checkpoint file (run it from cron; ship the files elsewhere)."""
        from examsys.audit.checkpoints import CheckpointError, make_checkpoint

        try:
            path = make_checkpoint(get_session())
        except CheckpointError as error:
            click.echo(str(error), err=True)
            raise SystemExit(1) from None
        click.echo(f"checkpoint written: {path}" if path is not None else "the newest checkpoint already holds the chain's head")
