"""Public, cookie-free documents of the credential keys."""
from __future__ import annotations

from flask import Blueprint, jsonify

bp = Blueprint("credentials_public", __name__)


@bp.get("/.well-known/examsys-keyset.json")
def keyset():
    """The signed key set: every signing key's public key, window and status, signed by the root key."""
    from examsys.credentials.cli import key_store

    store = key_store()
    if not store.initialised:
        return jsonify({"error": "not_found", "message": "no keys have been created yet"}), 404
    response = jsonify(store.document())
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
