"""RFC 9457 problem details: every error under /api/ is application/problem+json with type, title,
status and detail (and, for bad input, the fields at fault)."""
from __future__ import annotations

from typing import Any

from flask import Response, json, request

PROBLEM_TYPE = "about:blank"  # the status code says it all: RFC 9457 §4.2.1
MIMETYPE = "application/problem+json"


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def problem(status: int, title: str, detail: str, extra: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> Response:
    body: dict[str, Any] = {"type": PROBLEM_TYPE, "title": title, "status": status, "detail": detail}
    # The names the older /api/verify answer used, kept so that its callers do not break.
    body.update(error=title, message=detail)
    body.update(extra or {})
    response = Response(json.dumps(body), status=status, mimetype=MIMETYPE)
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def flat_field_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """webargs/marshmallow's messages, nested by field and list position ({"people": {1: {"kind": [...]}}}), as the
    one shape every 422 has: flat names (`people[1].kind`) and messages in the request's language."""
    if isinstance(messages, dict):
        found: dict[str, list[str]] = {}
        for key, inner in messages.items():
            if isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
                name = f"{prefix}[{key}]"
            elif key == "_schema":
                name = prefix or "_schema"
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            for field, texts in flat_field_errors(inner, name).items():
                found.setdefault(field, []).extend(texts)
        return found
    texts = messages if isinstance(messages, list | tuple) else [messages]
    plain = [text for text in texts if not isinstance(text, dict | list | tuple)]
    found = {prefix or "_schema": [field_message(str(text)) for text in plain]} if plain else {}
    for text in texts:
        if isinstance(text, dict | list | tuple):
            for field, more in flat_field_errors(text, prefix).items():
                found.setdefault(field, []).extend(more)
    return found


def field_message(text: str) -> str:
    """A marshmallow message (its defaults, and the API schemas' own) in the request's language; any other as it came."""
    import re

    from flask_babel import gettext as _

    fixed = {
        "Missing data for required field.": lambda: _("This field is required."),
        "Field may not be null.": lambda: _("This field may not be empty (null)."),
        "Unknown field.": lambda: _("Unknown field."),
        "Invalid value.": lambda: _("Not a valid value."),
        "Invalid JSON body.": lambda: _("The body is not valid JSON."),
        "Invalid type.": lambda: _("Not a valid value of this field's type."),
        "Invalid input type.": lambda: _("Not a valid value of this field's type."),
        "Not a valid mapping type.": lambda: _("Not an object (a JSON mapping)."),
        "Not a valid string.": lambda: _("Not a string."),
        "Not a valid utf-8 string.": lambda: _("Not a string."),
        "Not a valid integer.": lambda: _("Not a whole number."),
        "Not a valid number.": lambda: _("Not a number."),
        "Number too large.": lambda: _("Not a number."),
        "Not a valid boolean.": lambda: _("Not true or false."),
        "Not a valid list.": lambda: _("Not a list."),
        "Not a valid date.": lambda: _("Not a date (YYYY-MM-DD)."),
        "Not a valid datetime.": lambda: _("Not a date and time (ISO 8601)."),
        "Not a valid aware datetime.": lambda: _("Not a date and time (ISO 8601)."),
        "String does not match expected pattern.": lambda: _("Not in the expected form."),
        "A credential number is 1 to 20 letters and digits.": lambda: _("A credential number is 1 to 20 letters and digits."),
        "An ID number is 17 digits and a check character.": lambda: _("An ID number is 17 digits and a check character."),
    }
    if text in fixed:
        return fixed[text]()
    patterns = (
        (r"Length must be between (\S+) and (\S+)\.", lambda m: _("Give between %(min)s and %(max)s characters or items.", min=m[1], max=m[2])),
        (r"Longer than maximum length (\S+)\.", lambda m: _("Give at most %(max)s characters or items.", max=m[1])),
        (r"Shorter than minimum length (\S+)\.", lambda m: _("Give at least %(min)s characters or items.", min=m[1])),
        (r"Length must be (\S+)\.", lambda m: _("Give exactly %(n)s characters or items.", n=m[1])),
        (r"Must be greater than or equal to (\S+) and less than or equal to (\S+)\.",
         lambda m: _("Give a number from %(min)s to %(max)s.", min=m[1], max=m[2])),
        (r"Must be greater than or equal to (\S+)\.", lambda m: _("Give a number of at least %(min)s.", min=m[1])),
        (r"Must be less than or equal to (\S+)\.", lambda m: _("Give a number of at most %(max)s.", max=m[1])),
        (r"Must be one of: (.*)\.", lambda m: _("Give one of: %(choices)s.", choices=m[1])),
        (r'"(.*)" cannot be formatted as a (\w+)\.', lambda m: _("Not in the expected form.")),
    )
    for pattern, message in patterns:
        found = re.fullmatch(pattern, text)
        if found:
            return message(found)
    return text
