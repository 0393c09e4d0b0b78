"""The pages of an import flow: the upload form with its preview, and the confirmation.

Each import's views check who may import and choose the target, then hand over to an `ImportPage`; the
page template extends `imports/flow.html` and fills in its intro, its preview table and its messages."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from examsys.db import get_session
from examsys.imports.flow import ImportFlow
from examsys.imports.forms import ConfirmImportForm
from examsys.imports.tabular import UnreadableFile


@dataclass(frozen=True)
class ImportPage:
    flow: ImportFlow
    template: str
    upload_form: Callable[[], FlaskForm]
    upload_endpoint: str
    done_endpoint: str
    done_message: Callable[[Any, Any], str]  # (writer's result, plan) -> the flashed "Import finished" line
    changes: Callable[[Any], bool]  # whether a plan changes anything (else there is nothing to confirm)
    accept: str = ".xlsx,.csv"  # the file input's accept attribute
    error_limit: int = 1000  # errors listed; the rest are counted

    def _render(self, status: int, **context: Any) -> Any:
        plan = context.get("plan")
        context.setdefault("changes", plan is not None and self.changes(plan))
        confirm_endpoint = self.upload_endpoint.replace("import_upload", "import_confirm")
        return render_template(self.template, confirm_endpoint=confirm_endpoint, accept=self.accept, error_limit=self.error_limit,
                               **context), status

    def upload(self, target: Any = None, extra: Callable[[Any], dict[str, Any]] | None = None, **context: Any) -> Any:
        """GET: the form. POST: every error by row and column (422, nothing kept), or the preview with the form
        that confirms it."""
        db = get_session()
        form = self.upload_form()
        if not form.validate_on_submit():
            return self._render(200, form=form, target=target, **context)
        upload = form.file.data
        try:
            preview = self.flow.preview(db, current_user, upload.filename or "upload", upload.read(), target)
        except UnreadableFile as error:
            form.file.errors = [str(error)]
            return self._render(422, form=form, target=target, **context)
        page = dict(form=form, target=target, plan=preview.plan, errors=preview.errors, filename=upload.filename, **context)
        if preview.staged is None:
            return self._render(422, **page)
        confirm = ConfirmImportForm(staged_id=preview.staged.id, org_id=getattr(target, "id", ""))
        return self._render(200, confirm=confirm, **page, **(extra(preview) if extra else {}))

    def confirm(self, scope: Callable[[], tuple[Any, dict[str, Any]]] = lambda: (None, {})) -> Any:
        """Write the staged upload. `scope` (called once the form is valid) checks the actor and returns the
        target and the page's context; an invalid form goes back to the upload page."""
        form = ConfirmImportForm()
        if not form.validate_on_submit():
            return redirect(url_for(self.upload_endpoint))
        target, context = scope()
        db = get_session()
        outcome = self.flow.confirm(db, current_user, form.staged_id.data, target)
        if outcome.errors:  # the database changed since the preview
            return self._render(422, form=self.upload_form(), target=target, plan=outcome.plan, errors=outcome.errors,
                                filename=outcome.filename, **context)
        flash(self.done_message(outcome.result, outcome.plan), "success")
        return redirect(url_for(self.done_endpoint))


def org_scope(orgs: list[Any], refuse: Callable[[], Any]) -> tuple[Any, dict[str, Any]]:
    """For an import into an organisation: `refuse()` (which raises) when the actor may import into none, else
    the one the form names (`org_id`) or the first, and the choices for the page."""
    if not orgs:
        refuse()
    wanted = request.form.get("org_id", type=int)
    return next((o for o in orgs if o.id == wanted), orgs[0]), {"orgs": orgs}
