"""The proctor's page of a live sitting, and extra time for a candidate."""
from __future__ import annotations

import re
from collections import Counter

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from examsys import clock
from examsys.db import get_session
from examsys.exams import grading as exam_grading
from examsys.exams import proctoring
from examsys.exams import results as exam_results
from examsys.exams.models import AttemptStatus, IntegrityEvent
from examsys.exams.views import bp
from examsys.pagination import paginate_list


@bp.get("/plans/<int:plan_id>/proctor")
@login_required
def proctor(plan_id: int):
    """The sitting live: how many candidates are where, then one status at a time, a page at a time."""
    db = get_session()
    item, attempts = exam_results.results(db, current_user, plan_id)
    for attempt in attempts:
        exam_grading.touch(db, attempt)
    db.commit()
    tally = Counter(PROCTOR_GROUP[a.status] for a in attempts)
    shown = request.args.get("status", "")
    if shown in PROCTOR_GROUPS:
        attempts = [a for a in attempts if PROCTOR_GROUP[a.status] == shown]
    page = paginate_list(attempts, current_app.config["PAGE_SIZE"] * 2)
    ids = [a.id for a in page.items]
    return render_template("exams/proctor.html", plan=item, page=page, tally=tally, shown=shown, groups=PROCTOR_GROUPS,
                           events=proctoring.integrity_events(db, ids), last_saves=proctoring.last_saves(db, ids),
                           event_text=_event_text, now=clock.now())


PROCTOR_GROUP = {AttemptStatus.NOT_STARTED: "not_started", AttemptStatus.IN_PROGRESS: "in_progress",
                 AttemptStatus.SUBMITTED: "finished", AttemptStatus.AUTO_SUBMITTED: "finished", AttemptStatus.GRADED: "finished"}
PROCTOR_GROUPS = ("not_started", "in_progress", "finished")


EXTENSION_DETAIL = re.compile(r"\+(?P<minutes>\d+) min: (?P<reason>.*)\Z", re.S)


def _event_text(event: IntegrityEvent) -> str:
    """What happened, in the reader's language (events keep a code and the facts)."""
    if event.kind == "focus_lost":
        return _("Left the exam page (%(n)s)", n=event.detail)
    if event.kind == "takeover":
        return _("Continued in another window")
    if event.kind == "auto_submitted":
        return _("Handed in automatically: left the page too often") if event.detail == "departures" \
            else _("Handed in automatically at the deadline")
    if event.kind == "extension":  # detail: "+<minutes> min: <reason>"
        found = EXTENSION_DETAIL.match(event.detail or "")
        if found is None:
            return _("Time extended: %(detail)s", detail=event.detail)
        return _("Time extended by %(n)s minutes: %(reason)s", n=found["minutes"], reason=found["reason"])
    return f"{event.kind} {event.detail}"


@bp.post("/attempts/<int:attempt_id>/extend")
@login_required
def extend(attempt_id: int):
    db = get_session()
    attempt = proctoring.grant_extension(db, current_user, attempt_id, request.form.get("minutes", type=int) or 0, request.form.get("reason", ""))
    db.commit()
    flash(_("%(name)s has %(n)d more minutes.", name=attempt.person.name, n=attempt.extra_minutes), "success")
    return redirect(url_for("exams.proctor", plan_id=attempt.plan_id))
