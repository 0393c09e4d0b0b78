"""Alembic environment: the URL comes from the caller (examsys.db_cli or alembic.ini), the metadata from the models."""
from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

import examsys.models  # noqa: F401  (imports every model module so the metadata is complete)
from examsys.db import Base

config = context.config
target_metadata = Base.metadata


def include_name(name, type_, _parent_names) -> bool:
    """The job queue's tables (procrastinate_*) are its own schema, applied by a migration, not models."""
    return not (type_ == "table" and name and name.startswith("procrastinate_"))


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is None:
        connectable = engine_from_config(config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool)
        with connectable.connect() as connection:
            _run(connection)
    else:
        _run(connectable)


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True, compare_type=True,
                      include_name=include_name)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
