"""The DomainError tree and the handlers that turn it, and HTTP errors, into pages or JSON."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar
from urllib.parse import urlsplit

import click
from flask import Flask, flash, g, jsonify, redirect, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

T = TypeVar("T")


class DomainError(Exception):
    """A use case refused: the message is for the user, already translated."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    status = 404


class PermissionDenied(DomainError):
    status = 403


class InvalidState(DomainError):
    """The action does not fit the current state (a conflict, e.g. a move into its own subtree)."""

    status = 409


class ValidationFailed(DomainError):
    """Bad input. `field_errors` maps a form field name to its messages."""

    status = 422

    def __init__(self, message: str, field_errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.field_errors = field_errors or {}


def populate_errors(form: Any, error: ValidationFailed) -> None:
    """Put a service's field errors on the matching WTForms fields; the rest go to the form. The form was
    refused, so nothing its use case did is kept: the request's session rolls back here (the page that
    shows the form again answers 200, which would otherwise commit a POST; see examsys.db)."""
    _rollback()
    leftover = []
    for name, messages in error.field_errors.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + list(messages)
        else:
            leftover.extend(messages)
    form.form_errors = list(getattr(form, "form_errors", [])) + leftover + (
        [] if error.field_errors else [error.message]
    )


def submit_form(form: Any, call: Callable[[], T], *, conflict_page: bool = False) -> T | None:
    """Run one service call for a valid submitted form and return what it returns (the changed record).
    None when the form is not submitted or not valid, or the service refuses: a ValidationFailed goes on
    the fields (populate_errors), an InvalidState on the form; the view then shows the form again.
    With `conflict_page` an InvalidState is left to the error handler instead (the page the form came
    from with the message, else a 409 page)."""
    if not form.validate_on_submit():
        return None
    try:
        return call()
    except ValidationFailed as error:
        populate_errors(form, error)
    except InvalidState as error:
        if conflict_page:
            raise
        _rollback()  # refused: nothing the use case wrote is kept
        form.form_errors = [error.message]
    return None


def flash_refusal(call: Callable[[], T], field: str | None = None,
                  refusals: tuple[type[DomainError], ...] = (ValidationFailed,)) -> T | None:
    """Run one service call of a small form whose page is shown again by a redirect, and return what it
    returns. None when the service refuses: nothing it wrote is kept and the refusal is told as a flash,
    the named field's first message (or, with no field, each field's first message), else the error's
    (an empty field name: the error's message alone)."""
    try:
        return call()
    except refusals as error:
        _rollback()  # refused: nothing the use case wrote is kept
        fields: dict[str, list[str]] = getattr(error, "field_errors", {})
        if field is not None:
            messages = [fields.get(field, [error.message])[0]]
        else:
            messages = [ms[0] for ms in fields.values() if ms] or [error.message]
        for message in messages:
            flash(message, "error")
    return None


def flash_form_errors(form: Any) -> None:
    """A small form that did not validate, told as flashes: each field's label and first message."""
    for name, messages in form.errors.items():
        flash(f"{form[name].label.text}: {messages[0]}", "error")


@contextmanager
def refused_in_cli() -> Iterator[None]:
    """A command's use case refused: nothing it wrote is kept, and the command ends (exit 1) with the
    message and every field's messages."""
    try:
        yield
    except DomainError as error:
        _rollback()
        details = "; ".join(f"{k}: {' '.join(v)}" for k, v in getattr(error, "field_errors", {}).items())
        raise click.ClickException(f"{error.message} {details}".strip()) from None


def wants_json() -> bool:
    """The API, a request that sent JSON (the exam room's saves: its script reads every answer as JSON),
    or a client that prefers JSON to HTML."""
    if request.path.startswith("/api/") or request.is_json:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _render(status: int, title: str, message: str, extra: dict[str, Any] | None = None):
    from examsys.api.problems import is_api_request, problem

    if is_api_request():
        return problem(status, title, message, extra)
    if wants_json():
        body: dict[str, Any] = {"error": title, "message": message, "status": status}
        body.update(extra or {})
        return jsonify(body), status
    return render_template("errors/error.html", status=status, title=title, message=message), status


def _titles() -> dict[int, str]:
    return {
        400: _("Bad request"),
        403: _("Access denied"),
        404: _("Not found"),
        405: _("Method not allowed"),
        409: _("This cannot be done now"),
        413: _("File too large"),
        422: _("Invalid input"),
        429: _("Too many requests"),
        500: _("Server error"),
    }


def _rollback() -> None:
    session = g.get("db_session")
    if session is not None:
        session.rollback()


def _page_of_the_form() -> str | None:
    """Where a refused HTML form came from (same site only), to send the user back to it."""
    if request.method != "POST" or wants_json() or not request.referrer:
        return None
    parts = urlsplit(request.referrer)
    if parts.netloc != request.host or not parts.path.startswith("/") or parts.path == request.path:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        _rollback()
        back = _page_of_the_form() if isinstance(error, InvalidState) else None
        if back is not None:
            # A form refused because of the state of things (a draft already reviewed, your own question):
            # the page it came from again, saying why, rather than an error page.
            flash(error.message, "error")
            return redirect(back, 303)
        extra = {"field_errors": error.field_errors} if isinstance(error, ValidationFailed) else None
        return _render(error.status, _titles().get(error.status, _("Error")), error.message, extra)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        _rollback()
        return _render(400, _("Form expired"), _("The form has expired or was not sent by this site. Go back, reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        data = getattr(error, "data", None)  # webargs' refusal of an API request's parameters or body
        if isinstance(data, dict) and "messages" in data:
            from examsys.api.problems import flat_field_errors

            fields: dict[str, list[str]] = {}
            for where in data["messages"].values():  # json, query, ...: the names do not say where they came from
                for name, messages in flat_field_errors(where).items():
                    fields.setdefault(name, []).extend(messages)
            return _render(status, _titles().get(status, _("Error")), _("Check the fields named in field_errors."),
                           {"field_errors": fields})
        messages = {
            404: _("The page you asked for does not exist, or you may not see it."),
            405: _("This address does not accept that kind of request."),
            413: _("The uploaded file is larger than the limit."),
            429: _("Too many requests from this address. Wait a moment and try again."),
        }
        return _render(status, _titles().get(status, _("Error")), messages.get(status, _("The request could not be handled.")))

    @app.errorhandler(500)
    def server_error(error: Exception):
        _rollback()
        return _render(500, _titles()[500], _("Something went wrong on our side. The error has been logged; please try again."))
