"""Everything is on the record (rule 11): exports of personal data or keys and automatic submissions are
audit entries; public verify look-ups are counted per day and credential and shown to its HR."""
from datetime import timedelta

from examsys import clock
from examsys.audit.models import AuditEntry
from examsys.auth.models import Role
from examsys.exams import grading as exam_grading
from examsys.exams import room
from examsys.exams.models import Attempt
from examsys.reviews import schemes
from examsys.reviews import services as reviews
from examsys.reviews.models import PeriodKind
from tests import test_verify_page
from tests.factories import make_user

issued = test_verify_page.issued  # the fixture: a credential and its token


def _entry(db, action):
    return db.query(AuditEntry).filter_by(action=action).one()


def test_an_attempt_handed_in_at_the_deadline_is_on_the_record_as_done_by_the_system(db, exam):
    attempt = db.query(Attempt).filter_by(person_id=exam["officer"].id).one()
    room.start(db, exam["candidate"], attempt.id)
    db.commit()
    clock.advance(timedelta(hours=2))
    assert exam_grading.close_expired(db) == 1
    entry = _entry(db, "exam.auto_submit")
    assert (entry.actor_id, entry.actor_name, entry.target_id) == (None, "system", str(attempt.id))
    assert entry.after["reason"] == "deadline" and entry.after["status"] == "graded" and "考生甲" in entry.target_label


def test_an_attempt_handed_in_after_too_many_departures_is_on_the_record(db, exam):
    exam["plan"].max_departures = 1
    attempt = db.query(Attempt).filter_by(person_id=exam["officer"].id).one()
    token = room.start(db, exam["candidate"], attempt.id)
    room.record_departure(db, exam["candidate"], attempt.id, token)
    assert _entry(db, "exam.auto_submit").after["reason"] == "departures"


def test_exports_of_results_item_statistics_and_the_bank_with_keys_are_on_the_record(db, exam, client, auth):
    auth.login("examiner")
    plan = exam["plan"]
    assert client.get(f"/exams/plans/{plan.id}/results.csv").status_code == 200
    results = _entry(db, "results.export")
    assert (results.actor_name, results.target_id, results.after) == ("examiner", str(plan.id), {"format": "csv", "rows": 2, "filters": {}})
    assert client.get(f"/exams/plans/{plan.id}/items.xlsx?sort=facility").status_code == 200
    assert _entry(db, "item_stats.export").after["filters"] == {"sort": "facility"}
    assert client.get("/bank/export.yaml").status_code == 200
    bank = _entry(db, "bank.export")
    assert bank.actor_name == "examiner" and bank.after["rows"] == 55 and bank.after["format"] == "yaml"


def test_register_and_review_exports_are_on_the_record_with_their_filters(db, tree, client, auth, frozen_clock):
    hr = make_user(db, "county-hr", tree.county, Role.HR_ADMIN)
    auth.login("county-hr")
    assert client.get("/personnel/export.xlsx?kind=officer&q=张").status_code == 200
    register = _entry(db, "person.export")
    assert register.after == {"format": "xlsx", "rows": 0, "filters": {"kind": "officer", "q": "张"}}
    schemes.save_scheme(db, None, tree.region.id, "自治区平时考核指标", list(schemes.DEFAULT_ROWS), schemes.DEFAULT_BANDS)
    period = reviews.open_period(db, hr, tree.county.id, PeriodKind.QUARTER, 2026, 2)
    db.commit()
    assert client.get(f"/reviews/reports?period={period.id}&format=csv").status_code == 200
    report = _entry(db, "review_report.export")
    assert report.actor_name == "county-hr" and report.target_id == str(period.id) and report.after["format"] == "csv"


def test_public_look_ups_are_counted_per_day_and_credential_and_shown_to_its_hr(app, db, client, auth, issued):
    from examsys.credentials.lookups import VerifyCount

    app.config["VERIFY_COUNT_FLUSH_SECONDS"] = 0  # write every look-up at once
    credential, token, _issuing = issued
    for _ in range(3):
        assert client.get(f"/V/{token}").status_code == 200
    assert client.get(f"/api/verify/{token}").get_json()["verdict"] == "VALID"
    assert client.get("/V/NOTATOKEN").status_code == 200  # a token naming no credential counts nothing
    clock.advance(timedelta(days=40))
    client.get(f"/V/{token}")
    rows = sorted((c.day.isoformat(), c.lookups) for c in db.query(VerifyCount).filter_by(credential_id=credential.id))
    assert rows == [("2026-06-01", 4), ("2026-07-11", 1)] and db.query(VerifyCount).count() == 2
    auth.login("issuer-hr")
    page = client.get(f"/credentials/{credential.id}").get_data(as_text=True)
    assert "1 in the last 30 days, 5 in all" in page


def test_look_ups_wait_in_the_process_until_their_write_is_due(app, db, client, issued):
    from examsys.credentials.lookups import VerifyCount, flush_counts

    app.config["VERIFY_COUNT_FLUSH_SECONDS"] = 3600
    credential, token, _issuing = issued
    client.get(f"/V/{token}")
    client.get(f"/V/{token}")
    assert db.query(VerifyCount).count() == 0
    flush_counts()
    db.rollback()
    assert db.query(VerifyCount).one().lookups == 2


def test_the_bank_exported_from_the_command_line_is_on_the_record(db, exam, runner, tmp_path):
    result = runner.invoke(args=["bank", "export", str(tmp_path / "banks")])
    assert result.exit_code == 0, result.output
    entry = _entry(db, "bank.export")
    assert entry.client_address == "cli" and entry.after["rows"] == 55
    assert entry.after["filters"] == {"status": "active", "path": str(tmp_path / "banks")}  # a long path too (PostgreSQL's target id holds 64)
