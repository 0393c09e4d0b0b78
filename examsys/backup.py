"""`flask backup create PATH` and `flask backup restore PATH`: the database and the key folder in one
archive, taken consistently, and put back into an empty database.

The archive (a .tar.gz, readable by its owner only: it holds the private keys) contains
- `database.pgdump` (PostgreSQL, `pg_dump -Fc`) or `database.sqlite3` (SQLite, the backup API);
- `keys/`: the credential signing keys, the published key set and the audit checkpoint key;
- `audit-checkpoints/`: the signed checkpoints of the audit chain;
- `manifest.json`: when, the schema revision, the audit chain's head and a few counts, all read from the
  same snapshot as the dump, which `restore` checks the restored database against.
Consistency: the database is read from one snapshot (pg_dump runs on a snapshot exported by a repeatable
read transaction, which the manifest is read in as well); the key folder is copied after it, and since
keys are only ever added (rotation retires, never deletes), every key that signed something in the dump
is in the archive.
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from sqlalchemy import Connection, inspect, text

from examsys import clock
from examsys.db import database_url, engine_for, get_session

FORMAT = "examsys-backup/1"
COUNTED = ("audit_entry", "credential", "attempt", "answer", "person", "user_account")


class BackupError(Exception):
    pass


def _libpq_url(url: str) -> str:
    return "postgresql://" + url.split("://", 1)[1] if url.startswith("postgresql") else url


def _sqlite_path(url: str) -> Path:
    return Path(url[len("sqlite:///"):])


def _key_folder(app: Flask) -> Path:
    return Path(app.config.get("KEY_DIR") or Path(app.instance_path) / "keys")


def _checkpoint_folder(app: Flask) -> Path:
    return Path(app.config.get("AUDIT_CHECKPOINT_DIR") or Path(app.instance_path) / "audit-checkpoints")


def _facts(conn: Connection) -> dict[str, Any]:
    """What the manifest records of a database: schema revision, the audit head, counts of rows."""
    head = conn.execute(text("SELECT last_seq, last_hash FROM audit_head WHERE id = 1")).first()
    return {"revision": conn.execute(text("SELECT version_num FROM alembic_version")).scalar(),
            "audit_head": {"seq": head.last_seq, "hash": head.last_hash} if head is not None else {"seq": 0, "hash": "0" * 64},
            "counts": {table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() for table in COUNTED}}


def _run(args: list[str]) -> None:
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{args[0]} failed: {done.stderr.strip()[:2000]}")


def _dump_database(app: Flask, folder: Path) -> dict[str, Any]:
    url = database_url(app)
    engine = engine_for(app)
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar()
            facts = _facts(conn)
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                  f"--file={folder / 'database.pgdump'}", f"--dbname={_libpq_url(url)}"])
            conn.rollback()
        return dict(facts, dialect="postgresql", database="database.pgdump")
    target = folder / "database.sqlite3"
    source = sqlite3.connect(_sqlite_path(url))
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        source.close()
        copy.close()
    from sqlalchemy import create_engine

    snapshot_engine = create_engine(f"sqlite:///{target}")
    with snapshot_engine.connect() as conn:
        facts = _facts(conn)
    snapshot_engine.dispose()
    return dict(facts, dialect="sqlite", database="database.sqlite3")


def create_backup(app: Flask, path: Path) -> dict[str, Any]:
    """Write the archive at `path` (never over an existing file); returns its manifest."""
    if path.exists():
        raise BackupError(f"{path} exists: a backup never overwrites a file")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        manifest = _dump_database(app, folder)  # first the database, then the keys (keys are only ever added)
        keys = _key_folder(app)
        if keys.exists():
            shutil.copytree(keys, folder / "keys")
        checkpoints = _checkpoint_folder(app)
        if checkpoints.exists():
            shutil.copytree(checkpoints, folder / "audit-checkpoints")
        manifest.update(format=FORMAT, created_at=clock.now().isoformat(timespec="seconds"),
                        keys=sorted(p.name for p in (folder / "keys").iterdir()) if (folder / "keys").exists() else [])
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle, tarfile.open(fileobj=handle, mode="w:gz") as archive:
            for member in sorted(folder.iterdir()):
                archive.add(member, arcname=member.name)
    return manifest


@contextmanager
def _unpacked(path: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    with tempfile.TemporaryDirectory() as tmp, tarfile.open(path, "r:gz") as archive:
        archive.extractall(tmp, filter="data")  # no absolute paths, links out or device files
        folder = Path(tmp)
        try:
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise BackupError(f"{path} is not an examsys backup (no readable manifest)") from exc
        if manifest.get("format") != FORMAT:
            raise BackupError(f"{path} is not an examsys backup of a known format")
        yield folder, manifest


def _empty(folder: Path) -> bool:
    return not folder.exists() or not any(folder.iterdir())


def restore_backup(app: Flask, path: Path) -> dict[str, Any]:
    """Put the archive back: into an empty database (refused otherwise) and an empty key folder; then
    check the result against the manifest. Returns the manifest."""
    engine = engine_for(app)
    if inspect(engine).get_table_names():
        raise BackupError("the database is not empty: restore into a new, empty database")
    keys = _key_folder(app)
    if not _empty(keys):
        raise BackupError(f"the key folder {keys} is not empty: restore into a new, empty one")
    with _unpacked(path) as (folder, manifest):
        if manifest["dialect"] != engine.dialect.name:
            raise BackupError(f"the backup is of a {manifest['dialect']} database, this one is {engine.dialect.name}")
        dump = folder / manifest["database"]
        engine.dispose()
        if engine.dialect.name == "postgresql":
            _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
                  f"--dbname={_libpq_url(database_url(app))}", str(dump)])
        else:
            source, target = sqlite3.connect(dump), sqlite3.connect(_sqlite_path(database_url(app)))
            try:
                source.backup(target)
            finally:
                source.close()
                target.close()
        if (folder / "keys").exists():
            keys.parent.mkdir(parents=True, exist_ok=True)
            shutil.copytree(folder / "keys", keys, dirs_exist_ok=True)
            os.chmod(keys, 0o700)
        if (folder / "audit-checkpoints").exists():  # added to those there (they are never rewritten)
            checkpoints = _checkpoint_folder(app)
            checkpoints.mkdir(parents=True, exist_ok=True)
            for file in (folder / "audit-checkpoints").iterdir():
                if not (checkpoints / file.name).exists():
                    shutil.copy2(file, checkpoints / file.name)
    with engine.connect() as conn:
        found = _facts(conn)
    for fact in ("revision", "audit_head", "counts"):
        if found[fact] != manifest[fact]:
            raise BackupError(f"the restored database differs from the backup's manifest ({fact}: {found[fact]} != {manifest[fact]})")
    return manifest


def register(app: Flask) -> None:
    @app.cli.group("backup")
    def backup_group() -> None:
        """Back up and restore the database with the key folder (docs/deployment.md)."""

    @backup_group.command("create")
    @click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
    def create_cmd(path: Path) -> None:
        """Write one archive of the database, the key folder and the audit checkpoints to PATH."""
        try:
            manifest = create_backup(current_app._get_current_object(), path)  # type: ignore[attr-defined]
        except BackupError as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"backup written to {path}: audit chain to entry {manifest['audit_head']['seq']}, "
                   f"{manifest['counts']['credential']} credentials, {manifest['counts']['answer']} answers; keep it as safe as the keys")

    @backup_group.command("restore")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def restore_cmd(path: Path) -> None:
        """Restore the archive at PATH into this app's (empty) database and key folder, then verify it."""
        from examsys.audit.checkpoints import verify_checkpoints
        from examsys.audit.services import verify_chain

        try:
            manifest = restore_backup(current_app._get_current_object(), path)  # type: ignore[attr-defined]
        except BackupError as error:
            raise click.ClickException(str(error)) from None
        session = get_session()
        report = verify_chain(session)
        count, problem = verify_checkpoints(session)
        if not report.ok or problem is not None:
            raise click.ClickException(f"restored, but the audit trail does not verify: {report.problem or problem}")
        click.echo(f"restored the backup of {manifest['created_at']}: audit chain intact ({report.checked} entries, "
                   f"{count} checkpoints agree), {manifest['counts']['credential']} credentials, {manifest['counts']['answer']} answers")
