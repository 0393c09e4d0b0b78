"""Public, cookie-free pages of credentials: the key set, and the verify page a QR code opens."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, render_template
from flask_babel import gettext as _

from examsys.db import get_session
from examsys.errors import NotFound
from examsys.extensions import limiter
from examsys.web import cookieless

bp = Blueprint("credentials_public", __name__)


def _verify_limit() -> str:
    return current_app.config.get("VERIFY_RATE_LIMIT", "120 per minute")


@bp.get("/.well-known/examsys-keyset.json")
@cookieless
def keyset():
    """The signed key set: every signing key's public key, window and status, signed by the root key."""
    from examsys.credentials.verification import key_store

    store = key_store()
    if not store.initialised:
        return jsonify({"error": "not_found", "message": "no keys have been created yet"}), 404
    response = jsonify(store.document())
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _labels() -> dict[str, str]:
    return {"VALID": _("VALID"), "SUSPENDED": _("SUSPENDED"), "NOT VALID": _("NOT VALID"), "CANNOT VERIFY": _("CANNOT VERIFY")}


def _step_labels() -> dict[str, str]:
    return {"readable": _("The code could be read"), "signed by a published key": _("Signed by a published key"),
            "signature": _("The signature is genuine"), "signed inside the key's window": _("Signed while the key was in use"),
            "e-card code still fresh": _("The screen code is fresh"), "within validity": _("Within the period of validity"),
            "current status": _("Current status: may enforce"), "published keys": _("The published keys could be read")}


@bp.get("/V/<token>")
@limiter.limit(_verify_limit)
@cookieless
def verify_page(token: str):
    """What the public sees on scanning: the verdict first, then who this is. Never reasons, ID numbers
    or history; no cookies."""
    from examsys.credentials.verification import verify

    result = verify(get_session(), token)
    response = Response(render_template("credentials/verify.html", result=result, token=token, labels=_labels(), step_labels=_step_labels()))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/api/verify/<token>")
@limiter.limit(_verify_limit)
@cookieless
def verify_json(token: str):
    """The same answer for machines."""
    from examsys.credentials.verification import verify

    result = verify(get_session(), token)
    body = {"verdict": result.verdict, "as_of": result.as_of.isoformat(), "steps": [{"step": s, "passed": ok} for s, ok in result.steps]}
    if result.claims is not None:
        credential = result.credential
        body.update(name=result.claims.name, number=result.claims.number, domains=list(result.claims.domains),
                    valid_to=result.claims.valid_to.isoformat(), expired=result.expired,
                    organisation=credential.org.name if credential else None, region=credential.region if credential else None)
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/V/<token>/photo.jpg")
@limiter.limit(_verify_limit)
@cookieless
def verify_photo(token: str):
    """The holder's photo, only for a validly signed token whose digest matches the photo."""
    from examsys.credentials.token import photo_digest
    from examsys.credentials.verification import verify

    result = verify(get_session(), token)
    credential = result.credential
    photo = credential.person.photo if credential is not None else None
    if not result.signed or photo is None or result.claims is None or photo_digest(photo.jpeg) != result.claims.photo_digest:
        raise NotFound(_("No photo."))
    return Response(photo.jpeg, mimetype="image/jpeg", headers={"Cache-Control": "no-store"})


def _printable(credential_id: int):
    """The credential, for its holder or HR of its organisation; anyone else is told it does not exist."""
    from flask_login import current_user

    from examsys.auth.models import Role
    from examsys.auth.permissions import can
    from examsys.credentials.models import Credential

    credential = get_session().get(Credential, credential_id)
    allowed = current_user.is_authenticated and credential is not None and (
        current_user.person_id == credential.person_id or can(current_user, Role.HR_ADMIN, credential.org))
    if not allowed:
        raise NotFound(_("No such credential."))
    return credential


def _pdf_response(pdf: bytes, filename: str) -> Response:
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": f"inline; filename={filename}",
                                                              "Cache-Control": "no-store"})


@bp.get("/credentials/<int:credential_id>/card.pdf")
def card(credential_id: int):
    """The card PDF: for HR of the credential's organisation, and for its holder."""
    from examsys.credentials.pdf import card_pdf
    from examsys.credentials.verification import token_for, url_for_token

    credential = _printable(credential_id)
    return _pdf_response(card_pdf(credential, url_for_token(token_for(credential))), f"credential-{credential.number}.pdf")


@bp.get("/credentials/<int:credential_id>/certificate.pdf")
def certificate(credential_id: int):
    """The A4 certificate PDF: the same people as the card."""
    from examsys.credentials.certificate import certificate_pdf
    from examsys.credentials.verification import token_for, url_for_token

    credential = _printable(credential_id)
    return _pdf_response(certificate_pdf(credential, url_for_token(token_for(credential))), f"certificate-{credential.number}.pdf")


E_CARD_SECONDS = 90


@bp.get("/me/credential")
def my_credential():
    """The officer's own credential: the card to download, and the e-card code for a phone screen,
    re-signed to expire in 90 seconds so a screenshot cannot be shown later."""
    from flask_login import current_user

    from examsys.credentials.services import current_of

    if not current_user.is_authenticated or current_user.person_id is None:
        raise NotFound(_("No credential."))
    credential = current_of(get_session(), current_user.person_id)
    return render_template("credentials/mine.html", credential=credential, seconds=E_CARD_SECONDS)


@bp.get("/me/credential/code")
def my_code():
    """JSON: a fresh e-card code (SVG) and when it expires."""
    from datetime import timedelta

    from flask_login import current_user

    from examsys import clock
    from examsys.credentials import qr
    from examsys.credentials.services import current_of
    from examsys.credentials.verification import token_for, url_for_token

    if not current_user.is_authenticated or current_user.person_id is None:
        raise NotFound(_("No credential."))
    credential = current_of(get_session(), current_user.person_id)
    if credential is None:
        raise NotFound(_("No credential."))
    now = clock.now()
    url = url_for_token(token_for(credential, now, timedelta(seconds=E_CARD_SECONDS)))
    response = jsonify({"svg": qr.svg(url), "expires_at": (now + timedelta(seconds=E_CARD_SECONDS)).isoformat(), "url": url})
    response.headers["Cache-Control"] = "no-store"
    return response
