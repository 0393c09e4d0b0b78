"""Pages that read never write (issue 17, item 3): showing an attempt past its deadline hands nothing in
(the job runner, the hand-in or a refused save does); a request commits once, at its end, only when it is a
successful POST; in testing a GET that writes fails loudly; a refused form keeps nothing."""
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from examsys import clock
from examsys.audit.models import AuditEntry
from examsys.db import WriteOnRead, get_session
from examsys.errors import ValidationFailed
from examsys.exams import plans as exam_plans
from examsys.exams.models import Attempt, AttemptStatus, ExamPlan, IntegrityEvent
from tests.factories import PASSWORD
from tests.page_forms import read_form


def _attempt(db, person) -> Attempt:
    return db.query(Attempt).filter_by(person_id=person.id).one()


def _login(app, username):
    client = app.test_client()
    assert client.post("/login", data={"identifier": username, "password": PASSWORD}).status_code == 302
    return client


def _audit_count(db) -> int:
    return db.scalar(select(func.count()).select_from(AuditEntry))


def test_pages_showing_an_expired_attempt_write_nothing_and_close_expired_hands_it_in(db, exam, app, runner):
    candidate, admin = _login(app, "candidate"), _login(app, "examiner")
    attempt = _attempt(db, exam["officer"])
    assert candidate.post(f"/exams/attempt/{attempt.id}/start").status_code == 302
    plan_id = exam["plan"].id
    clock.advance(timedelta(minutes=61))
    entries = _audit_count(db)

    pages = {candidate: ["/", "/exams/", f"/exams/attempt/{attempt.id}", f"/exams/attempt/{attempt.id}/q/1",
                         f"/exams/attempt/{attempt.id}/submit", f"/exams/attempt/{attempt.id}/result"],
             admin: [f"/exams/plans/{plan_id}/proctor", f"/exams/plans/{plan_id}/proctor?status=finished", f"/exams/plans/{plan_id}",
                     f"/exams/plans/{plan_id}/results"]}
    for client, paths in pages.items():
        for path in paths:
            reply = client.get(path)
            assert reply.status_code in (200, 302), (path, reply.status_code)
            db.expire_all()
            assert db.get(Attempt, attempt.id).status is AttemptStatus.IN_PROGRESS, path
    assert _audit_count(db) == entries
    assert db.query(IntegrityEvent).filter_by(attempt_id=attempt.id, kind="auto_submitted").count() == 0

    # What the pages say: time is up (not "in progress", and no way back into the paper).
    mine = candidate.get("/exams/").get_data(as_text=True)
    assert "Time is up" in mine and "Continue" not in mine
    assert candidate.get(f"/exams/attempt/{attempt.id}").headers["Location"].endswith(f"/exams/attempt/{attempt.id}/result")
    assert "Time is up" in candidate.get(f"/exams/attempt/{attempt.id}/result").get_data(as_text=True)
    proctor = admin.get(f"/exams/plans/{plan_id}/proctor?status=finished").get_data(as_text=True)
    assert "Time is up" in proctor and "Extend" not in proctor

    # The job runner hands it in at its deadline and grades it, on the record.
    result = runner.invoke(args=["exams", "close-expired"])
    assert result.exit_code == 0 and "1 attempts submitted at their deadline" in result.output
    db.expire_all()
    handed_in = db.get(Attempt, attempt.id)
    assert handed_in.status is AttemptStatus.GRADED and handed_in.auto_submitted and handed_in.submitted_at == handed_in.deadline
    assert handed_in.score == Decimal(0)
    assert db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "exam.auto_submit")) == 1


def test_handing_in_after_the_deadline_hands_in_as_at_the_deadline(db, exam, app):
    candidate = _login(app, "candidate")
    attempt = _attempt(db, exam["officer"])
    candidate.post(f"/exams/attempt/{attempt.id}/start")
    clock.advance(timedelta(minutes=61))

    reply = candidate.post(f"/exams/attempt/{attempt.id}/submit", follow_redirects=True)
    assert "Time is up: your answers were submitted at the deadline." in reply.get_data(as_text=True)
    db.expire_all()
    handed_in = db.get(Attempt, attempt.id)
    assert handed_in.status is AttemptStatus.GRADED and handed_in.auto_submitted and handed_in.submitted_at == handed_in.deadline


def test_a_get_that_writes_fails_loudly_in_testing(app, exam):
    plan_id = exam["plan"].id

    @app.get("/test-only/rename")
    def rename():
        get_session().get(ExamPlan, plan_id).name = "renamed by a page"
        get_session().flush()
        return "done"

    with pytest.raises(WriteOnRead):
        app.test_client().get("/test-only/rename")


def test_a_refused_form_keeps_nothing_its_use_case_did(db, exam, app, monkeypatch):
    """A use case that changed something and then refused: the form is shown again (200) and nothing is saved."""
    plan_id = exam["plan"].id

    def half_done(session, actor, **fields):
        session.get(ExamPlan, plan_id).name = "half-saved"
        session.flush()
        raise ValidationFailed("refused", {"name": ["refused"]})

    monkeypatch.setattr(exam_plans, "create_plan", half_done)
    admin = _login(app, "examiner")
    form, _options = read_form(admin.get("/exams/plans/new").get_data(as_text=True), action="")
    opens = clock.now() + timedelta(days=1)
    form.update(name="新考试", kind="qualification", opens_at=opens.strftime("%Y-%m-%dT%H:%M"),
                closes_at=(opens + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"))
    reply = admin.post("/exams/plans/new", data=form)
    assert reply.status_code == 200 and "refused" in reply.get_data(as_text=True)
    db.expire_all()
    assert db.get(ExamPlan, plan_id).name == "资格考试"
