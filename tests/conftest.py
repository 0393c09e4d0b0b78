"""Test fixtures: a fresh, migrated database for every test (SQLite, or PostgreSQL when
EXAMSYS_TEST_DATABASE_URL is set), the app, a client and a login helper."""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from examsys import clock, create_app
from examsys.db_cli import upgrade

pytest_plugins = ["tests.factories", "tests.exam_fixtures", "tests.credential_fixtures", "tests.demo_fixtures"]

PG_URL = os.environ.get("EXAMSYS_TEST_DATABASE_URL", "")
IN_CI = os.environ.get("CI", "").lower() == "true"

TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key",
    "ARGON2_TIME_COST": 1,
    "ARGON2_MEMORY_COST": 8,
    "ARGON2_PARALLELISM": 1,
    "WTF_CSRF_ENABLED": False,
    "LOGIN_ADDRESS_FAILURE_LIMIT": "1000 per minute",
    "BABEL_DEFAULT_LOCALE": "en",
    "SERVER_NAME": None,
}


def _pg_url() -> str:
    return PG_URL.replace("postgresql://", "postgresql+psycopg://", 1) if PG_URL.startswith("postgresql://") else PG_URL


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Migrate once per run: a template SQLite file, or the PostgreSQL test database from empty."""
    if PG_URL:
        engine = create_engine(_pg_url())
        try:
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        except Exception as exc:  # pragma: no cover - depends on the machine
            pytest.exit(f"PostgreSQL at EXAMSYS_TEST_DATABASE_URL is unreachable: {exc}", returncode=3)
        finally:
            engine.dispose()
        upgrade(_pg_url())
        return _pg_url()
    path = tmp_path_factory.mktemp("db") / "template.sqlite3"
    upgrade(f"sqlite:///{path}")
    return str(path)


def _truncate_all(url: str) -> None:
    import examsys.models  # noqa: F401
    from examsys.db import Base

    engine = create_engine(url)
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def database_url(database_template: str, tmp_path: Path) -> Iterator[str]:
    if PG_URL:
        yield database_template
        _truncate_all(database_template)
    else:
        path = tmp_path / "test.sqlite3"
        shutil.copyfile(database_template, path)
        yield f"sqlite:///{path}"


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    config = dict(TEST_CONFIG, DATABASE_URL=database_url)
    application = create_app(config)
    application.instance_path = str(tmp_path)
    application.test_client_class = FreshContextClient
    with application.app_context():
        yield application
    from examsys.db import engine_for

    engine_for(application).dispose()
    clock.unfreeze()


@pytest.fixture
def db(app: Flask):
    """The session of the test's app context, as a service would get it."""
    from examsys.db import get_session

    return get_session()


class FreshContextClient(FlaskClient):
    """Each request gets its own app context (so its own database session and `g`), as in production,
    although the test itself holds an app context. Afterwards the test's session ends its transaction,
    so that what the test reads next is what the request committed."""

    def open(self, *args, **kwargs):
        from examsys.db import get_session

        with self.application.app_context():
            response = super().open(*args, **kwargs)
        get_session().rollback()
        return response


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture
def frozen_clock():
    from datetime import datetime

    clock.freeze(datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
    yield clock
    clock.unfreeze()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: set EXAMSYS_TEST_DATABASE_URL (CI does)")
    for item in items:
        if "pg" in item.keywords and not PG_URL:
            item.add_marker(skip_pg)
