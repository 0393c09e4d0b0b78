"""Every number of the rules is one setting (examsys/config.py), named in the rules table (docs/rules.md),
and the code follows the setting, not a number of its own."""
import re
from datetime import timedelta
from pathlib import Path

import pytest

from examsys import clock
from examsys.config import DefaultConfig
from examsys.credentials import services
from examsys.errors import ValidationFailed
from tests.credential_fixtures import REVOCATION_CASE, issue_request

RULES = Path(__file__).resolve().parent.parent / "docs" / "rules.md"
RULE_SETTINGS = ("CREDENTIAL_EXAM_MONTHS", "CREDENTIAL_LEGAL_QUALIFICATION_EXEMPTS", "CREDENTIAL_VALIDITY_YEARS", "CREDENTIAL_RENEWAL_MONTHS",
                 "CREDENTIAL_BAR_YEARS_AFTER_REVOCATION", "CREDENTIAL_FOUR_EYES", "EXAM_PASS_MARK", "EXAM_ATTEMPTS_ALLOWED",
                 "EXAM_MAKEUPS_PER_SITTING", "TRAINING_HOURS_PER_YEAR", "REVIEW_TRAINING_DAYS", "REVIEW_CASE_DAYS", "REVIEW_EXCELLENT_CAP")


def test_every_rule_setting_is_a_setting_and_in_the_rules_table():
    table = RULES.read_text(encoding="utf-8")
    named = set(re.findall(r"`([A-Z][A-Z_]+)`", table))
    assert set(RULE_SETTINGS) <= named, sorted(set(RULE_SETTINGS) - named)
    assert all(hasattr(DefaultConfig, name) for name in named), sorted(n for n in named if not hasattr(DefaultConfig, n))
    rows = [line for line in table.splitlines() if re.match(r"^\| \d+ \|", line)]
    assert [int(line.split("|")[1]) for line in rows] == list(range(1, 15))  # rules 1 to 14, each with its row
    assert DefaultConfig.CREDENTIAL_BAR_YEARS_AFTER_REVOCATION > 0  # rule 7: non-zero by default


def test_validity_follows_its_setting(app, db, issuing):
    app.config["CREDENTIAL_VALIDITY_YEARS"] = 3
    credential = services.issue(db, issuing["hr"], issue_request(issuing, issuing["officer"]))
    assert credential.valid_to == credential.valid_from.replace(year=credential.valid_from.year + 3) - timedelta(days=1)


def test_the_exam_window_follows_its_setting(app, db, issuing):
    clock.advance(timedelta(days=200))
    assert services.eligibility(db, issuing["officer"], [issuing["market"].id]) == []
    app.config["CREDENTIAL_EXAM_MONTHS"] = 6
    assert "No qualification exam passed in the last 6 months." in services.eligibility(db, issuing["officer"], [issuing["market"].id])


def test_a_revocation_bars_a_new_credential_for_the_set_period(app, db, issuing):
    credential = services.issue(db, issuing["hr"], issue_request(issuing, issuing["officer"]))
    services.change(db, issuing["hr"], credential.id, "revoke", case=REVOCATION_CASE,
                    ground="办法第二十一条", decision_number="撤〔2026〕2号", reason="违法执法")
    with pytest.raises(ValidationFailed) as refused:
        services.issue(db, issuing["hr"], issue_request(issuing, issuing["officer"]))
    assert any("no new one for 3 years" in m for m in refused.value.field_errors["person_id"])
    app.config["CREDENTIAL_BAR_YEARS_AFTER_REVOCATION"] = 0
    assert not any("no new one" in m for m in services.eligibility(db, issuing["officer"], [issuing["market"].id]))


def test_a_new_exam_plan_starts_from_the_settings(app):
    from examsys.exams.forms import PlanForm

    app.config.update(EXAM_PASS_MARK=70, EXAM_ATTEMPTS_ALLOWED=2)
    with app.test_request_context():
        form = PlanForm()
        assert (form.pass_mark.data, form.attempts_allowed.data) == (70, 2)
