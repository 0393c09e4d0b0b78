"""The schema changes only through migrations: `upgrade head` from empty must equal the models."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

import examsys.models  # noqa: F401
from examsys.db import Base


def _not_the_queue(name, type_, _parents) -> bool:
    return not (type_ == "table" and name and name.startswith("procrastinate_"))  # the job queue's own schema


def test_upgrade_head_from_empty_matches_the_models(database_template):
    url = database_template if "://" in database_template else f"sqlite:///{database_template}"
    engine = create_engine(url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": _not_the_queue})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ; write a migration: {diff}"


def test_the_app_factory_does_no_io(tmp_path):
    from examsys import create_app

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/never.sqlite3", "SECRET_KEY": "x"})
    assert app.name == "examsys"
    assert not (tmp_path / "never.sqlite3").exists()
