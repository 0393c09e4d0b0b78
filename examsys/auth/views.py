"""Login, logout, password change, and the account administration pages."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from markupsafe import Markup

from examsys import clock, qr
from examsys.auth import devices, services, throttle, two_factor
from examsys.auth.forms import AccountCreateForm, AccountFilterForm, LoginForm, PasswordChangeForm, RoleGrantForm, SecondFactorForm, TwoFactorConfirmForm
from examsys.auth.models import Role
from examsys.core.views import safe_next
from examsys.db import get_session
from examsys.errors import ValidationFailed, populate_errors, submit_form
from examsys.extensions import limiter
from examsys.orgs.services import choices
from examsys.pagination import paginate

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_ADDRESS_FAILURE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=lambda response: response.status_code != 302)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        db = get_session()
        client = devices.login_client(request)
        result = services.authenticate(db, form.identifier.data or "", form.password.data or "", client)
        if result.user is not None and result.user.totp_enabled:
            session.clear()  # not logged in yet: the second step names the account and when the password was right
            session["second_factor"] = {"login_id": result.user.login_id, "at": clock.now().timestamp(), "next": form.next.data or ""}
            return redirect(url_for("auth.second_factor"))
        if result.user is not None:
            return _logged_in(result.user, form.next.data or "", client)
        form.password.errors = [result.error or ""]
    return render_template("auth/login.html", form=form)


SECOND_FACTOR_SECONDS = 300  # the code must follow the password within this long


@bp.route("/login/second-factor", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=lambda response: response.status_code != 302)
def second_factor():
    pending = session.get("second_factor")
    user = None
    if isinstance(pending, dict) and isinstance(pending.get("at"), (int, float)) and \
            clock.now().timestamp() - pending["at"] < SECOND_FACTOR_SECONDS and isinstance(pending.get("login_id"), str):
        user = services.signed_in_account(get_session(), pending["login_id"])
    if user is None or not user.totp_enabled:
        session.pop("second_factor", None)
        flash(_("Please log in again."), "info")
        return redirect(url_for("auth.login"))
    form = SecondFactorForm()
    if form.validate_on_submit():
        db = get_session()
        client = devices.login_client(request)
        accepted = two_factor.check_code(db, user, form.code.data or "", client.key(user.id), client.knows(user.id))
        if accepted:
            return _logged_in(user, str(pending.get("next") or ""), client)
        form.code.errors = [_("This code is not right or was used before. After several failed attempts, this device pauses for a while.")]
    return render_template("auth/second_factor.html", form=form)


def _logged_in(user, next_url: str, client: devices.LoginClient):
    """Start the session of an account that passed every step; the browser becomes a known device."""
    session.clear()
    login_user(user)
    session["login_at"] = clock.now().timestamp()
    session.permanent = True
    if user.locale:
        session["lang"] = user.locale
    if user.must_change_password:
        flash(_("Please choose your own password before you go on."), "info")
        response = redirect(url_for("auth.change_password"))
    else:
        response = redirect(safe_next(next_url, url_for("home.index")))
    devices.remember(response, client, user.id)
    return response


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        db = get_session()
        services.log_out(db, current_user)
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        db = get_session()
        try:
            services.change_password(db, current_user, form.current_password.data, form.new_password.data, form.confirm.data)
        except ValidationFailed as error:
            populate_errors(form, error)
        else:
            login_user(current_user._get_current_object())  # the session now remembers the new login id
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("home.index"))
    return render_template("auth/change_password.html", form=form,
                           minimum=current_app.config["PASSWORD_MIN_LENGTH"])


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
def two_factor_page():
    db = get_session()
    user = current_user._get_current_object()
    form = TwoFactorConfirmForm()
    codes = submit_form(form, lambda: two_factor.confirm_enrolment(db, user, form.code.data or ""), conflict_page=True)
    if codes is not None:
        return render_template("auth/recovery_codes.html", codes=codes)
    secret = two_factor.pending_secret(user)
    qr_code = (Markup(qr.svg(two_factor.provisioning_uri(user), _("QR code to scan with the authenticator app")))  # noqa: S704 - our own SVG, label escaped
               if secret else None)
    return render_template("auth/two_factor.html", form=form, secret=secret, qr_code=qr_code, offered=two_factor.offered_to(user),
                           required=two_factor.enrolment_due(user))


@bp.post("/account/two-factor/start")
@login_required
def two_factor_start():
    db = get_session()
    two_factor.begin_enrolment(db, current_user._get_current_object())
    return redirect(url_for("auth.two_factor_page"))


# ---- account administration ---------------------------------------------------------------------

@bp.get("/accounts")
@login_required
def accounts():
    db = get_session()
    filters = AccountFilterForm(request.args)
    role = Role(filters.role.data) if filters.role.data in {r.value for r in Role} else None
    active = {"1": True, "0": False}.get(filters.active.data or "")
    org_id = request.args.get("org", type=int)
    query = services.account_query(db, current_user, q=filters.q.data or "", role=role, org_id=org_id, active=active)
    page = paginate(db, query, current_app.config["PAGE_SIZE"])
    return render_template("auth/accounts.html", page=page, filters=filters)


@bp.route("/accounts/new", methods=["GET", "POST"])
@login_required
def account_new():
    db = get_session()
    form = AccountCreateForm()
    form.org_id.choices = _org_choices(db)
    if not form.org_id.choices:
        services.account_query(db, current_user)  # raises PermissionDenied for non-administrators
    created = submit_form(form, lambda: services.create_account(db, current_user, username=form.username.data or "",
                                                                display_name=form.display_name.data or "", org_id=form.org_id.data))
    if created is not None:
        user, initial = created
        return render_template("auth/password_issued.html", user=user, password=initial, created=True)
    return render_template("auth/account_new.html", form=form)


def _org_choices(db) -> list[tuple[int, str]]:
    """The organisations the administrator may place accounts and grants in."""
    return [(o.id, o.name) for o in choices(db, current_user, Role.SYSADMIN)]


@bp.get("/accounts/<int:user_id>")
@login_required
def account_detail(user_id: int):
    db = get_session()
    user = services.get_account(db, current_user, user_id)
    grant_form = RoleGrantForm()
    grant_form.org_id.choices = _org_choices(db)
    return render_template("auth/account_detail.html", user=user, grant_form=grant_form, now=clock.now(), held_back=throttle.held_back(db, user))


@bp.post("/accounts/<int:user_id>/grants")
@login_required
def account_grant(user_id: int):
    db = get_session()
    user = services.get_account(db, current_user, user_id)
    form = RoleGrantForm()
    form.org_id.choices = _org_choices(db)
    if submit_form(form, lambda: services.grant_role(db, current_user, user.id, Role(form.role.data), form.org_id.data)):
        flash(_("Role granted."), "success")
        return redirect(url_for("auth.account_detail", user_id=user.id))
    return render_template("auth/account_detail.html", user=user, grant_form=form, now=clock.now(), held_back=throttle.held_back(db, user)), 422


@bp.post("/grants/<int:grant_id>/withdraw")
@login_required
def grant_withdraw(grant_id: int):
    db = get_session()
    user = services.withdraw_grant(db, current_user, grant_id)
    flash(_("Role withdrawn."), "success")
    return redirect(url_for("auth.account_detail", user_id=user.id))


@bp.post("/accounts/<int:user_id>/<any(enable, disable, unlock):action>")
@login_required
def account_action(user_id: int, action: str):
    db = get_session()
    if action == "unlock":
        services.unlock_account(db, current_user, user_id)
        message = _("The account is unlocked.")
    else:
        services.set_account_active(db, current_user, user_id, action == "enable")
        message = _("The account is enabled.") if action == "enable" else _("The account is disabled; its sessions have ended.")
    flash(message, "success")
    return redirect(url_for("auth.account_detail", user_id=user_id))


@bp.post("/accounts/<int:user_id>/reset-two-factor")
@login_required
def account_reset_two_factor(user_id: int):
    db = get_session()
    services.reset_two_factor(db, current_user, user_id)
    flash(_("Two-factor sign-in is reset; the account's holder sets it up again at the next login."), "success")
    return redirect(url_for("auth.account_detail", user_id=user_id))


@bp.post("/accounts/<int:user_id>/reset-password")
@login_required
def account_reset(user_id: int):
    db = get_session()
    initial = services.reset_password(db, current_user, user_id)
    user = services.get_account(db, current_user, user_id)
    return render_template("auth/password_issued.html", user=user, password=initial, created=False)
