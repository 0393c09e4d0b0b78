"""The one source of time: exam windows, lockouts and expiry all ask now(); tests move it. Days in law
(issue and validity dates, decisions, review periods, exam windows shown as dates) are days in the
region's time zone (setting EXAMSYS_TIMEZONE, default Asia/Shanghai): ask today() / local_date()."""
from __future__ import annotations

import os
import sys
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Asia/Shanghai"

_frozen: datetime | None = None


def now() -> datetime:
    """The current time, aware, in UTC."""
    return _frozen if _frozen is not None else datetime.now(UTC)


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone() -> ZoneInfo:
    """The region's time zone: the app's TIMEZONE setting inside an app, else EXAMSYS_TIMEZONE, else Beijing time."""
    flask = sys.modules.get("flask")  # never imported from here: the offline verifier runs without Flask
    name = flask.current_app.config.get("TIMEZONE") if flask is not None and flask.has_app_context() else None
    return _zone(name or os.environ.get("EXAMSYS_TIMEZONE") or DEFAULT_TIMEZONE)


def local(moment: datetime) -> datetime:
    """`moment` (aware) as the wall-clock time of the region."""
    return moment.astimezone(zone())


def local_date(moment: datetime | date) -> date:
    """The day in law on which `moment` falls: the region's day, not the UTC one (a date stays itself)."""
    if isinstance(moment, datetime):
        return local(moment).date()
    return moment


def today() -> date:
    """The region's current day: what an issue date, a due date or 'late' is counted in."""
    return local_date(now())


def local_text(moment: datetime, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """`moment` as local wall-clock text, for CLI output and logs (pages use the localtime filter)."""
    return local(moment).strftime(fmt)


def freeze(at: datetime) -> None:
    """Stop the clock at `at` (tests only)."""
    global _frozen
    if at.tzinfo is None:
        raise ValueError("freeze() needs an aware datetime")
    _frozen = at.astimezone(UTC)


def advance(delta: timedelta) -> None:
    """Move a frozen clock forward (tests only)."""
    global _frozen
    _frozen = (_frozen or datetime.now(UTC)) + delta


def unfreeze() -> None:
    global _frozen
    _frozen = None
