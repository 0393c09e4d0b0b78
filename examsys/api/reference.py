"""The API's reference page (/api/v1/docs): every operation of the OpenAPI document, rendered on the
server from the document itself (no script, nothing from another site)."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template

from examsys.web import cookieless

bp = Blueprint("api_reference", __name__)

METHODS = ("get", "post", "put", "patch", "delete")


def operations(document: dict) -> list[dict]:
    """The document's operations in its order: method, path, summary, description, parameters, body, responses."""
    found = []
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            parameters = [*item.get("parameters", []), *operation.get("parameters", [])]
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if body and "$ref" in body:  # the body's fields, from the component it names
                body = document["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
            found.append({"method": method.upper(), "path": path, "summary": operation.get("summary", ""),
                          "description": operation.get("description", ""), "parameters": parameters, "body": body,
                          "responses": dict(sorted(operation.get("responses", {}).items())), "id": operation.get("operationId", f"{method}{path}")})
    return found


@bp.get("/api/v1/docs")
@cookieless
def docs():
    document = current_app.extensions["examsys.api"].spec.to_dict()
    return render_template("api/reference.html", document=document, operations=operations(document))
