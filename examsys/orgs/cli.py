"""`flask orgs designate-issuer` / `withdraw-issuer`: the region's issuing authorities from the command line
(acting as the system, audited as such), for a deployment that starts without the pages."""
from __future__ import annotations

import click
from flask import Flask

from examsys.auth.permissions import SYSTEM
from examsys.db import get_session
from examsys.errors import refused_in_cli


def register(app: Flask) -> None:
    @app.cli.group("orgs")
    def orgs_group() -> None:
        """The organisation tree."""

    @orgs_group.command("designate-issuer")
    @click.argument("code")
    @click.option("--prefix", default="", help="six digits that begin its credential numbers (default: its division code)")
    def designate_cmd(code: str, prefix: str) -> None:
        """Make the node CODE an issuing authority (发证机关)."""
        from examsys.orgs.issuers import by_code, designate_issuer

        db = get_session()
        with refused_in_cli():
            org = designate_issuer(db, SYSTEM, by_code(db, code).id, prefix)
        db.commit()
        click.echo(f"{org.name} ({org.code}) is an issuing authority; its credential numbers begin with {org.number_prefix}")

    @orgs_group.command("withdraw-issuer")
    @click.argument("code")
    @click.option("--reason", required=True, help="why (e.g. the decision number)")
    def withdraw_cmd(code: str, reason: str) -> None:
        """End the designation of the node CODE (its number prefix stays reserved)."""
        from examsys.orgs.issuers import by_code, withdraw_issuer

        db = get_session()
        with refused_in_cli():
            org = withdraw_issuer(db, SYSTEM, by_code(db, code).id, reason)
        db.commit()
        click.echo(f"{org.name} ({org.code}) no longer issues credentials")

