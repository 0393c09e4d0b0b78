"""Input no database can hold is refused at the door, with a 4xx, instead of failing deep down with a 500.

- Text: PostgreSQL refuses the NUL character in text, and no driver can encode a lone surrogate (JSON can
  carry one as "\\ud800"). One check before every request looks at the path, the query string, the form
  (names, values, file names) and a JSON body, and answers 400 when any of them holds such a character.
- Ids in paths: every id column is a 32-bit INTEGER; PostgreSQL fails on a larger number rather than
  finding nothing. The `int` URL converter takes at most 10 digits and values up to 2**31 - 1 (anything
  larger cannot name a row, so the answer is 404); `bigint` (the audit trail's sequence) goes to 2**63 - 1.
- Numbers in forms and query strings that reach a column too small for them: the database's refusal
  (DataError) and SQLite's OverflowError are answered 400 instead of 500, as a net under the checks above.
"""
from __future__ import annotations

import re
from typing import Any

from flask import Flask, request
from flask_babel import gettext as _
from sqlalchemy.exc import DataError
from werkzeug.routing import IntegerConverter

from examsys.errors import DomainError, _render, _rollback

MAX_INT = 2**31 - 1
MAX_BIGINT = 2**63 - 1
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class UnstorableInput(DomainError):
    status = 400


class IdConverter(IntegerConverter):
    """`<int:...>` in a route: 1 to 10 digits, at most 2**31 - 1."""

    regex = r"\d{1,10}"

    def __init__(self, map: Any, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_INT,  # noqa: A002
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, max, signed)


class BigIdConverter(IntegerConverter):
    """`<bigint:...>`: 1 to 19 digits, at most 2**63 - 1 (a BIGINT column)."""

    regex = r"\d{1,19}"

    def __init__(self, map: Any, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_BIGINT,  # noqa: A002
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, max, signed)


def has_unstorable(value: Any) -> bool:
    """Whether a string anywhere in `value` (a JSON document: nested lists and dicts) holds NUL or a lone surrogate."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if UNSTORABLE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def refuse_unstorable_text() -> None:
    """Before every request: 400 if the path, query, form or JSON body holds NUL or a lone surrogate."""
    parts: list[Any] = [request.path]
    parts.extend(text for pair in request.args.items(multi=True) for text in pair)
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            parts.extend(text for pair in request.form.items(multi=True) for text in pair)
            parts.extend(upload.filename or "" for upload in request.files.values())
        elif request.is_json:
            try:
                parts.append(request.get_json(silent=True))
            except RecursionError:
                raise UnstorableInput(_("The request is nested too deeply.")) from None
    if has_unstorable(parts):
        raise UnstorableInput(_("The request contains a character that cannot be stored (a NUL or an unpaired surrogate). "
                                "Remove it and try again."))


def init_app(app: Flask) -> None:
    """Install the converters (before any blueprint's routes are added), the check and the net."""
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["bigint"] = BigIdConverter
    app.before_request(refuse_unstorable_text)

    @app.errorhandler(DataError)
    @app.errorhandler(OverflowError)
    def value_out_of_range(error: Exception):
        _rollback()
        app.logger.info("refused a value the database cannot store: %s", str(error).splitlines()[0][:200])
        return _render(400, _("Bad request"), _("A value in the request is out of range or cannot be stored. Correct it and try again."))
