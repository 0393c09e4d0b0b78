"""The credential's printed and on-screen forms: the card and certificate PDFs, and the officer's own
credential page with its e-card code. Their routes join the `credentials_public` blueprint (public/views.py),
the endpoint names the templates have always used; create_app imports this module before registering it."""
from __future__ import annotations

from flask import Response, jsonify, render_template
from flask_babel import gettext as _

from examsys.credentials.public.views import bp
from examsys.db import get_session
from examsys.errors import NotFound


def _print_job(credential_id: int):
    """The credential and how it prints (printing.py): clean, void for HR's file, or refused."""
    from flask_login import current_user

    from examsys.credentials.documents.printing import print_job

    return print_job(get_session(), current_user, credential_id)


def _pdf_response(pdf: bytes, filename: str) -> Response:
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": f"inline; filename={filename}",
                                                              "Cache-Control": "no-store"})


def _printed(credential_id: int, draw, stem: str) -> Response:
    """A credential's print (card or certificate) for whoever may print it, with its verify code; the
    void copy for the file once it has ended (printing.py), named so."""
    from examsys.credentials.public.verification import token_for, url_for_token

    job = _print_job(credential_id)
    credential = job.credential
    return _pdf_response(draw(credential, url_for_token(token_for(credential)), job.void_note),
                         f"{stem}-{credential.number}{'-void' if job.void_note else ''}.pdf")


@bp.get("/credentials/<int:credential_id>/card.pdf")
def card(credential_id: int):
    """The card PDF: for HR of the credential's organisation, and for its holder; once it has ended, only HR's void copy."""
    from examsys.credentials.documents.pdf import card_pdf

    return _printed(credential_id, card_pdf, "credential")


@bp.get("/credentials/<int:credential_id>/certificate.pdf")
def certificate(credential_id: int):
    """The A4 certificate PDF: the same people as the card."""
    from examsys.credentials.documents.certificate import certificate_pdf

    return _printed(credential_id, certificate_pdf, "certificate")


E_CARD_SECONDS = 90


@bp.get("/me/credential")
def my_credential():
    """The officer's own credential: the card to download, and the e-card code for a phone screen,
    re-signed to expire in 90 seconds so a screenshot cannot be shown later."""
    from flask_login import current_user

    from examsys.credentials.services import current_of

    if not current_user.is_authenticated or current_user.person_id is None:
        raise NotFound(_("No credential."))
    db = get_session()
    credential = current_of(db, current_user.person_id)
    ended = ending = None
    if credential is None:  # an ended credential is shown with what ended it, not as "no credential"
        from examsys.credentials.ended import ending_event, last_of

        ended = last_of(db, current_user.person_id)
        ending = ending_event(db, ended) if ended is not None else None
    return render_template("credentials/mine.html", credential=credential, ended=ended, ending=ending, seconds=E_CARD_SECONDS)


@bp.get("/me/credential/code")
def my_code():
    """JSON: a fresh e-card code (SVG) and when it expires."""
    from datetime import timedelta

    from flask_login import current_user

    from examsys import clock, qr
    from examsys.credentials.public.verification import token_for, url_for_token
    from examsys.credentials.services import current_of

    if not current_user.is_authenticated or current_user.person_id is None:
        raise NotFound(_("No credential."))
    credential = current_of(get_session(), current_user.person_id)
    if credential is None:
        raise NotFound(_("No credential."))
    now = clock.now()
    url = url_for_token(token_for(credential, now, timedelta(seconds=E_CARD_SECONDS)))
    label = _("QR code of credential %(number)s: scan it to check that I may enforce the law (valid for %(n)d seconds)",
              number=credential.number, n=E_CARD_SECONDS)
    response = jsonify({"svg": qr.svg(url, label), "expires_at": (now + timedelta(seconds=E_CARD_SECONDS)).isoformat(), "url": url})
    response.headers["Cache-Control"] = "no-store"
    return response
