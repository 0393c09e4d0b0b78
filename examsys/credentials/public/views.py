"""Public, cookie-free pages of credentials: the key set, the status lists, and the verify page a QR code opens."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, current_app, jsonify, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from examsys import clock
from examsys.db import get_session
from examsys.errors import NotFound
from examsys.extensions import csrf
from examsys.web import MONGOLIAN, address_limit, cookieless, public_lang, select_locale

bp = Blueprint("credentials_public", __name__)


@bp.get("/.well-known/examsys-keyset.json")
@cookieless
def keyset():
    """The signed key set: every signing key's public key, window and status, signed by the root key."""
    from examsys.credentials.public.verification import key_store

    store = key_store()
    if not store.initialised:
        return jsonify({"error": "not_found", "message": "no keys have been created yet"}), 404
    response = jsonify(store.document())
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/.well-known/examsys-status.json")
@cookieless
def status_list():
    """The signed status lists (revoked, suspended) for offline verifiers. Built from the database and
    kept at most a minute, or until a status changes; caches may keep it until its next update."""
    from examsys import clock
    from examsys.credentials.keys import KeyError_
    from examsys.credentials.public.verification import key_store, keyset_stamp
    from examsys.credentials.status import published_status_list

    store = key_store()
    if not store.initialised:
        return jsonify({"error": "not_found", "message": "no keys have been created yet"}), 404
    now = clock.now()
    try:
        document = published_status_list(get_session(), store, now, keyset_stamp(store))
    except KeyError_:
        return jsonify({"error": "not_found", "message": "no active signing key"}), 404
    next_update = datetime.fromisoformat(document["status_list"]["next_update"])
    response = jsonify(document)
    response.headers["Cache-Control"] = f"public, max-age={max(0, int((next_update - now).total_seconds()))}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


_LABELS: dict[str, tuple[dict[str, str], dict[str, str]]] = {}


def _labels(locale: str) -> tuple[dict[str, str], dict[str, str]]:
    """The verdict words and the step names in `locale`, translated once per process."""
    labels = _LABELS.get(locale)
    if labels is None:
        verdicts = {"VALID": _("VALID"), "SUSPENDED": _("SUSPENDED"), "NOT VALID": _("NOT VALID"), "CANNOT VERIFY": _("CANNOT VERIFY"),
                    "CODE EXPIRED": _("CODE EXPIRED")}
        steps = {"readable": _("The code could be read"), "signed by a published key": _("Signed by a published key"),
                 "signature": _("The signature is genuine"), "signed inside the key's window": _("Signed while the key was in use"),
                 "e-card code still fresh": _("The screen code is fresh"), "within validity": _("Within the period of validity"),
                 "current status": _("Current status: may enforce"), "published keys": _("The published keys could be read")}
        for verdict in ("SUSPENDED", "NOT VALID", "CANNOT VERIFY"):  # a failed status step names the status found
            steps[f"current status {verdict}"] = _("Current status: %(status)s", status=verdicts[verdict])
        labels = _LABELS[locale] = (verdicts, steps)
    return labels


def _second_labels(locale: str) -> dict[str, str] | None:
    """On a Mongolian page, the verdict words in Chinese as well: the region writes both scripts on what
    the public reads, Mongolian first (None in the other languages)."""
    if locale != MONGOLIAN:
        return None
    with force_locale("zh_Hans_CN"):
        return _labels("zh_Hans_CN")[0]


AS_OF_MARK = "\ue000"  # stands for the "as of" time in a cached page (a private-use character: never escaped, never in text)


def _as_of(moment: datetime) -> str:
    """The page's "as of" time, as the localtime filter writes yyyy-MM-dd HH:mm:ss, without Babel's cost."""
    return clock.local_text(moment, "%Y-%m-%d %H:%M:%S")


def _answer(token: str):
    """The (cached) answer for `token`, its look-up counted for a credential we hold (rule 11). Counting is
    never in the way of the answer: a failure to count is logged, and the page is served."""
    from sqlalchemy.exc import SQLAlchemyError

    from examsys.credentials.public.lookups import count_lookup
    from examsys.credentials.public.verification import answer

    entry = answer(token)
    holder = entry.verdict.holder
    if holder is not None:
        try:
            count_lookup(holder.credential_id)
        except SQLAlchemyError:
            current_app.logger.exception("could not write the verify look-up counts")
    return entry


@bp.get("/V/<token>")
@cookieless  # first, so that even a refusal (429) sets no cookie
@address_limit("VERIFY_RATE_LIMIT", "120 per minute")
def verify_page(token: str):
    """What the public sees on scanning: the verdict first, then who this is. Never reasons, ID numbers
    or history; no cookies. The page is rendered once per answer and locale, with a mark where the
    "as of" time goes; each request writes in its own time."""
    entry = _answer(token)
    locale = select_locale()  # the string Flask-Babel would parse: the cache key, without the parse
    key = f"{locale}?lang" if public_lang() else locale  # chosen by the switch: its links carry ?lang= on
    parts = entry.pages.get(key)
    if parts is None:
        labels, step_labels = _labels(locale)
        page = render_template("credentials/verify.html", result=entry.verdict, token=token, labels=labels,
                               step_labels=step_labels, as_of_text=AS_OF_MARK, second_labels=_second_labels(locale))
        if page.count(AS_OF_MARK) != 1:
            raise RuntimeError("credentials/verify.html must show as_of_text exactly once")
        head, _mark, tail = page.partition(AS_OF_MARK)
        parts = entry.pages[key] = (head, tail)
    response = Response(parts[0] + _as_of(clock.now()) + parts[1], mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/api/verify/<token>")
@cookieless  # first, so that even a refusal (429) sets no cookie
@address_limit("VERIFY_RATE_LIMIT", "120 per minute")
def verify_json(token: str):
    """The same answer for machines."""
    entry = _answer(token)
    if entry.json is None:
        result = entry.verdict
        body: dict = {"verdict": result.verdict, "steps": [{"step": s, "passed": ok} for s, ok in result.steps]}
        if result.claims is not None:
            holder = result.holder
            body.update(name=result.claims.name, number=result.claims.number, domains=list(result.claims.domains),
                        valid_to=result.claims.valid_to.isoformat(), expired=result.expired,
                        organisation=holder.organisation if holder else None, region=holder.region if holder else None)
        entry.json = body
    body = dict(entry.json, as_of=clock.now().isoformat())
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/V/<token>/photo.jpg")
@cookieless  # first, so that even a refusal (429) sets no cookie
@address_limit("VERIFY_RATE_LIMIT", "120 per minute")
def verify_photo(token: str):
    """The holder's photo, only for a validly signed token whose digest matches the photo."""
    from sqlalchemy import select

    from examsys.credentials.models import Credential
    from examsys.credentials.public.verification import answer
    from examsys.credentials.token import photo_digest
    from examsys.personnel.models import PersonPhoto

    db = get_session()
    result = answer(token).verdict
    holder = result.holder
    if not result.signed or holder is None or result.claims is None or not holder.photo_matches:
        raise NotFound(_("No photo."))
    jpeg = db.scalar(select(PersonPhoto.jpeg).join(Credential, Credential.person_id == PersonPhoto.person_id)
                     .where(Credential.id == holder.credential_id))
    if jpeg is None or photo_digest(jpeg) != result.claims.photo_digest:  # replaced since the answer was cached
        raise NotFound(_("No photo."))
    return Response(jpeg, mimetype="image/jpeg", headers={"Cache-Control": "no-store"})


def _cross_site() -> bool:
    """A post that a browser says came from another site. Browsers send Origin on every form POST (the
    report page keeps the same-origin referrer policy so it is not "null") and, lately, Sec-Fetch-Site."""
    from urllib.parse import urlsplit

    from flask import request

    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        return True
    origin = request.headers.get("Origin")
    if origin is None:
        return False  # an old browser or a script: the form token still binds the post to this address
    from examsys.credentials.public.verification import public_base_url

    ours = {request.host, urlsplit(public_base_url()).netloc}
    return urlsplit(origin).netloc not in ours


@bp.route("/V/<token>/report", methods=["GET", "POST"])
@csrf.exempt  # no session here: the form token and the Origin check guard it (see reports/services.py)
@cookieless
@address_limit("VERIFY_RATE_LIMIT", "120 per minute", methods=("GET", "HEAD"))
@address_limit("REPORT_RATE_LIMIT", "5 per hour", methods=("POST",))
def report(token: str):
    """Report a problem with this officer: anonymous, for the supervisors of the credential's
    organisation. Only for a genuine token of a credential on file."""
    from flask import request

    from examsys import clock
    from examsys.credentials.public.verification import answer
    from examsys.credentials.reports import services as reports
    from examsys.credentials.reports.forms import ReportForm
    from examsys.errors import ValidationFailed, populate_errors

    db = get_session()
    result = answer(token).verdict
    if result.holder is None or result.claims is None:
        raise NotFound(_("No such credential."))
    public_id, address, secret, now = result.claims.credential_id.hex(), request.remote_addr or "", current_app.config["SECRET_KEY"], clock.now()
    form = ReportForm()
    status = 200
    if request.method == "POST":
        if _cross_site() or not reports.check_form_token(secret, form.form_token.data or "", public_id, address, now):
            form.form_errors = [_("This form has expired or was not sent from this site. Check your text and send it again.")]
            status = 400
        elif form.validate():
            try:
                reports.file_report(db, result.holder.credential_id, form.category.data or "", form.text.data or "")
            except ValidationFailed as error:
                populate_errors(form, error)
                status = 422
            else:
                return render_template("credentials/report_sent.html", result=result, token=token)
        else:
            status = 422
    form.form_token.data = reports.form_token(secret, public_id, address, now)
    response = Response(render_template("credentials/report.html", form=form, result=result, token=token), status=status)
    response.headers["Cache-Control"] = "no-store"
    return response
