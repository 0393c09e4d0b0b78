"""Shared pieces of the benchmarks: a throw-away migrated database and an app bound to it."""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager

from sqlalchemy import create_engine, text

from examsys import create_app
from examsys.db_cli import upgrade

FAST_HASH = {"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 8, "ARGON2_PARALLELISM": 1}


@contextmanager
def bench_app(database: str = "sqlite", **config):
    """An app on a fresh database: a temporary SQLite file, or the PostgreSQL database named by
    EXAMSYS_BENCH_DATABASE_URL (its public schema is dropped and rebuilt)."""
    with tempfile.TemporaryDirectory() as folder:
        if database == "postgresql":
            url = os.environ.get("EXAMSYS_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
            engine = create_engine(url)
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            engine.dispose()
        else:
            url = f"sqlite:///{folder}/bench.sqlite3"
        upgrade(url)
        app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": url, "BABEL_DEFAULT_LOCALE": "en", **FAST_HASH, **config})
        with app.app_context():
            yield app
