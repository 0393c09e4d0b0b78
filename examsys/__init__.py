"""examsys: the qualification-exam and credential system for administrative law-enforcement officers."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints. No I/O happens here."""
    # Imported here, not at the top: `examsys.credentials.offline` runs without Flask installed.
    from flask import Flask

    from examsys.config import DefaultConfig, check_config

    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(DefaultConfig)
    if test_config is None:
        app.config.from_prefixed_env("EXAMSYS")
    else:
        app.config.from_mapping(test_config)
    check_config(app.config)

    from examsys import db, input_guard, web
    from examsys.errors import register_error_handlers
    from examsys.extensions import babel, csrf, limiter, login_manager

    db.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=web.select_locale, default_translation_directories="translations")
    web.init_app(app)
    input_guard.init_app(app)  # before the blueprints: their routes use its `int` converter
    register_error_handlers(app)

    from examsys.audit import checkpoints

    checkpoints.init_app(app)

    from examsys.audit.views import bp as audit_bp
    from examsys.auth.views import bp as auth_bp
    from examsys.bank.views import bp as bank_bp
    from examsys.core.views import bp as core_bp
    from examsys.credentials.documents import views as card_views  # noqa: F401 - adds the card pages to credentials_public
    from examsys.credentials.exemptions.views import bp as exemptions_bp
    from examsys.credentials.hr_views import bp as credentials_bp
    from examsys.credentials.public.register_views import bp as register_bp
    from examsys.credentials.public.views import bp as credentials_public_bp
    from examsys.credentials.reissue.views import bp as reissue_bp
    from examsys.credentials.reports.views import bp as reports_bp
    from examsys.credentials.requests.views import bp as credential_requests_bp
    from examsys.exams.views import bp as exams_bp
    from examsys.exams.views import practice_bp
    from examsys.home.views import bp as home_bp
    from examsys.orgs.views import bp as orgs_bp
    from examsys.personnel.training_views import bp as training_bp
    from examsys.personnel.views import bp as personnel_bp
    from examsys.personnel.views import me_bp
    from examsys.reviews.views import bp as reviews_bp
    from examsys.supervision.views import bp as supervision_bp

    for blueprint in (core_bp, home_bp, auth_bp, orgs_bp, personnel_bp, me_bp, bank_bp, exams_bp, practice_bp, audit_bp, credentials_public_bp, credentials_bp,
                      credential_requests_bp, reviews_bp, register_bp, reissue_bp, reports_bp, training_bp,
                      supervision_bp, exemptions_bp):
        app.register_blueprint(blueprint)

    from examsys import api

    api.init_app(app)

    # The job queue (procrastinate): a worker on PostgreSQL, this process on SQLite; its tasks reach every layer.
    from examsys.jobs import queue

    queue.init_app(app)
    import examsys.jobs.tasks  # noqa: F401 - registers the tasks and the periodic ones

    # Personnel records a decision task when an officer's standing ends; the credentials domain acts on it in
    # the same transaction (suspends the credential), through a handler registered here, not an import.
    from examsys.credentials import standing

    standing.init_app(app)

    # The bank's pages show how often a version was drawn; the exams domain counts it (the papers are its own).
    from examsys.exams import exposure

    exposure.init_app(app)

    from examsys.cli import register_cli

    register_cli(app)

    from examsys.exams import lean_save

    lean_save.install(app)
    if app.config["PROXY_HOPS"]:  # outermost, so that every layer sees the client's address and scheme
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["PROXY_HOPS"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    return app
