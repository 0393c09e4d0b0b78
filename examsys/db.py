"""Database wiring: declarative Base, the UTC time type, one engine per app, one session per request, and
the request's one commit.

A request commits once, at its end, here (`_end_request`): a successful (below 400) POST, PUT, PATCH or
DELETE commits what it did; anything else rolls back. Reading pages (GET, HEAD, OPTIONS) never commit: a
page that shows something writes nothing. The one exception is a read that must leave a record (an export
on the audit trail, an API look-up) or a refusal that itself changes state (a save refused at the deadline
hands the paper in): the code that writes it calls `keep_writes()`. Views do not commit; CLI commands do
(they have no request). In testing, a read that writes without `keep_writes()` fails loudly."""
from __future__ import annotations

import enum
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, g, has_request_context, request
from sqlalchemy import DateTime, Enum, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, whatever the database keeps (SQLite keeps them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def enum_column(enum_cls: type[enum.Enum], length: int = 24) -> Enum:
    """A portable enum column: stores the member's value as a string, checked by Python."""
    return Enum(
        enum_cls,
        native_enum=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class LabelledEnum(enum.Enum):
    """An enum stored by its string value whose members carry their label for people, written beside them:
    `ACTIVE = "active", _l("In force")`. `.value` is the stored string (what `enum_column` keeps), `.label`
    the label in the current locale, `choices()` the (value, lazy label) pairs of a form's select."""

    _label: Any

    def __new__(cls, value: str, label: Any) -> LabelledEnum:
        member = object.__new__(cls)
        member._value_ = value
        member._label = label
        return member

    @property
    def label(self) -> str:
        return str(self._label)

    @classmethod
    def choices(cls, *leave_out: LabelledEnum) -> list[tuple[str, Any]]:
        return [(member.value, member._label) for member in cls if member not in leave_out]


def database_url(app: Flask) -> str:
    url = app.config.get("DATABASE_URL")
    if url:
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        return url
    return "sqlite:///" + str(Path(app.instance_path) / "examsys.sqlite3")


def make_engine(url: str, pool_size: int = 10, max_overflow: int = 20) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=False, pool_recycle=1800, pool_size=pool_size, max_overflow=max_overflow)


def init_app(app: Flask) -> None:
    """Attach an engine and a session factory; close the request's session at teardown.

    The engine connects lazily, so building the app does no I/O."""
    engine = make_engine(database_url(app), app.config["DATABASE_POOL_SIZE"], app.config["DATABASE_MAX_OVERFLOW"])
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    app.extensions["examsys.db"] = factory
    app.before_request(_begin_request)
    app.after_request(_end_request)  # registered first, so it runs after every other after_request hook
    app.teardown_appcontext(_close_session)
    if app.testing:
        _guard_reads(factory)

    from examsys.db_cli import register

    register(app)


def engine_for(app: Flask) -> Engine:
    bind = app.extensions["examsys.db"].kw["bind"]
    assert isinstance(bind, Engine)
    return bind


def get_session() -> Session:
    """The session of the current request or CLI command: one per app context."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["examsys.db"]()
    return g.db_session


READS = frozenset({"GET", "HEAD", "OPTIONS"})


def keep_writes() -> None:
    """Commit what this request wrote although it reads (GET) or is refused (an answer of 400 or more):
    a read on the record, or a refusal that changes state on purpose. Outside a request (CLI), nothing."""
    if has_request_context():
        g.db_keep_writes = True


def _commits(response: Response) -> bool:
    if g.get("db_keep_writes"):
        return True
    return request.method not in READS and response.status_code < 400


def _begin_request() -> None:
    g.db_reading = request.method in READS  # a request being served (not a test_request_context standing in for a command)


def _end_request(response: Response) -> Response:
    """The request's one commit (or rollback): see the module's docstring. A commit that fails raises, and
    the error handler answers 500 (and rolls back)."""
    session: Session | None = g.get("db_session")
    if session is not None:
        if _commits(response):
            session.commit()
        else:
            session.rollback()
    return response


class WriteOnRead(RuntimeError):
    """A reading request (GET, HEAD, OPTIONS) tried to write, without keep_writes(): in testing only."""


def _reading_without_leave() -> bool:
    return has_request_context() and bool(g.get("db_reading")) and not g.get("db_keep_writes")


def _guard_reads(factory: sessionmaker[Session]) -> None:
    """In testing: a reading request that flushes a change or runs an INSERT, UPDATE or DELETE raises
    WriteOnRead, so that "pages that read never write" is enforced rather than hoped for."""

    @event.listens_for(factory, "before_flush")
    def _no_flush_on_read(session: Session, _context: Any, _instances: Any) -> None:
        changed = [type(obj).__name__ for obj in (*session.new, *(o for o in session.dirty if session.is_modified(o)), *session.deleted)]
        if changed and _reading_without_leave():
            raise WriteOnRead(f"{request.method} {request.path} writes {changed} (call examsys.db.keep_writes() if on purpose)")

    @event.listens_for(factory, "do_orm_execute")
    def _no_statement_on_read(state: Any) -> None:
        if _reading_without_leave() and (state.is_insert or state.is_update or state.is_delete):
            raise WriteOnRead(f"{request.method} {request.path} runs {state.statement!s:.80} (call examsys.db.keep_writes() if on purpose)")


def _close_session(exc: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        if exc is not None:
            session.rollback()
        session.close()
