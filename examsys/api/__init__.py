"""REST API v1 for other departments' systems (/api/v1), its OpenAPI 3.1 document (/api/v1/openapi.json)
and a reference page (/api/v1/docs), and the page where system administrators register clients."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

OPENAPI_JSON = "/api/v1/openapi.json"


def init_app(app: Flask) -> None:
    from flask_smorest import Api

    from examsys.api import admin_views, reference, webhook_views  # noqa: F401 - webhook_views adds its pages to admin_views.bp
    from examsys.api.schemas import Problem
    from examsys.api.views import bp
    from examsys.extensions import csrf
    from examsys.input_guard import IdConverter

    class ExamsysApi(Api):
        """flask-smorest on our own app: the app's error handlers stay (they answer problem details under
        /api/), and the document names the problem schema."""

        ERROR_SCHEMA = Problem

        def _register_error_handlers(self) -> None:
            return None

        def _register_responses(self) -> None:
            """flask-smorest's default error responses, as problem details."""
            import http

            from flask_smorest.utils import prepare_response

            for status in http.HTTPStatus:
                response: dict = {"description": status.phrase}
                if not (100 <= status < 200) and status not in (204, 304):
                    response["schema"] = self.ERROR_SCHEMA
                prepare_response(response, self.spec, "application/problem+json")
                self.spec.components.response(status.name, response, lazy=True)
            response = {"description": "Problem details (RFC 9457)", "schema": self.ERROR_SCHEMA}
            prepare_response(response, self.spec, "application/problem+json")
            self.spec.components.response("DEFAULT_ERROR", response, lazy=True)

    app.config.setdefault("API_TITLE", "examsys")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    info = {"description": "Credential status, the public register and exam results for the systems of other departments. "
                           "Every call carries `Authorization: Bearer <key id>.<secret>` of a client registered by a system "
                           "administrator; errors are RFC 9457 problem details (application/problem+json)."}
    from werkzeug.routing import BaseConverter

    class PatternConverter(BaseConverter):
        """A path segment of letters and digits only (credential numbers, QR tokens): anything else finds nothing."""

        pattern = ""

        def __init__(self, url_map, *args, **kwargs) -> None:
            super().__init__(url_map, *args, **kwargs)
            self.regex = self.pattern

    class NumberConverter(PatternConverter):
        pattern = "[0-9A-Za-z]{1,20}"

    class TokenConverter(PatternConverter):
        pattern = "[0-9A-Za-z]{1,2000}"

    app.url_map.converters["credential_number"] = NumberConverter
    app.url_map.converters["qr_token"] = TokenConverter
    api = ExamsysApi(app, spec_kwargs={"info": info, "security": [{"bearer": []}]})
    api.register_converter(IdConverter, lambda _converter: {"type": "integer", "minimum": 0, "maximum": 2**31 - 1})
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "<key id>.<secret>"})
    for converter in (NumberConverter, TokenConverter):
        api.register_converter(converter, lambda c: {"type": "string", "pattern": f"^{c.regex}$"})
    csrf.exempt(bp)  # no cookies, no session: a bearer token, never sent by a browser on its own
    api.register_blueprint(bp)
    app.extensions["examsys.api"] = api
    app.register_blueprint(reference.bp)
    app.register_blueprint(admin_views.bp)
    from examsys.api.webhooks import key_rotated

    app.extensions["examsys.on_key_rotated"] = key_rotated  # `flask keys rotate` (credentials) tells subscribers
