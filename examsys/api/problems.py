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
