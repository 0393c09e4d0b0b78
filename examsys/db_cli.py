"""`flask db ...`: schema migrations through Alembic, never create_all."""
from __future__ import annotations

from pathlib import Path

import click
from alembic import command
from alembic.config import Config
from flask import Flask, current_app

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.set_main_option(
        "file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s"
    )
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def register(app: Flask) -> None:
    @app.cli.group("db")
    def db_group() -> None:
        """Database schema (Alembic migrations)."""

    @db_group.command("upgrade")
    @click.argument("revision", default="head")
    def upgrade_cmd(revision: str) -> None:
        """Migrate the database to REVISION (default: head)."""
        from examsys.db import database_url

        url = database_url(current_app)
        if url.startswith("sqlite:///"):
            Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        upgrade(url, revision)
        click.echo(f"database at {revision}")

    @db_group.command("revision")
    @click.option("-m", "--message", required=True)
    def revision_cmd(message: str) -> None:
        """Write a new migration from the difference between the models and the database."""
        from examsys.db import database_url

        command.revision(alembic_config(database_url(current_app)), message=message, autogenerate=True)
