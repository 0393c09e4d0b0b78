"""Closing the clean-up campaign ends the old series: every credential of the area issued before the
campaign opened and still in force is listed (a dry run), then cancelled with a card-recovery task when
HR confirms; afterwards no credential of the old series verifies VALID."""
from datetime import timedelta

from examsys import clock
from examsys.audit.models import AuditEntry
from examsys.credentials.models import Credential, CredentialStatus, RecoveryTask
from examsys.credentials.public.verification import token_for, verify
from examsys.credentials.reissue import services as reissue
from examsys.personnel import campaigns as cleanup
from examsys.personnel.models import CampaignItem, CampaignStatus, ItemState, StaffingKind
from tests import test_reissue
from tests.test_reissue import _plan, _run_all

setup = test_reissue.setup  # the fixture: the league's clean-up and its old credentials


def _after_reissue(db, s):
    """乙 marked for removal; 丙 confirmed but on a contract now, so not re-issued; the rest re-issued."""
    item = db.query(CampaignItem).filter_by(campaign_id=s["cleanup"].id, person_id=s["people"]["乙"].id).one()
    cleanup.decide(db, s["hr"], item.id, ItemState.REMOVAL, "已调离执法岗位")
    s["people"]["丙"].staffing_kind = StaffingKind.CONTRACT
    clock.advance(timedelta(days=3))
    campaign = reissue.open_campaign(db, s["hr"], _plan(s))
    db.commit()
    _run_all(db, s["hr"], campaign.id)
    return campaign


def test_the_dry_run_lists_the_old_credentials_still_in_force_and_changes_nothing(db, setup, client, auth):
    s = setup
    _after_reissue(db, s)
    auth.login("league-hr")
    page = client.get(f"/credentials/reissue/cleanup/{s['cleanup'].id}/close").get_data(as_text=True)
    assert "2 credentials would be cancelled" in page
    assert s["old"]["乙"].number in page and "marked for removal in the clean-up" in page
    assert s["old"]["丙"].number in page and "confirmed, but not re-issued" in page
    assert s["old"]["甲"].number not in page and s["old"]["庚"].number not in page  # re-issued: superseded already
    db.expire_all()
    # marked for removal, 乙's credential was suspended at once (rule 8); the dry run changed nothing more
    assert db.get(Credential, s["old"]["乙"].id).status is CredentialStatus.SUSPENDED and s["cleanup"].status is CampaignStatus.OPEN


def test_confirming_closes_the_campaign_and_no_old_credential_verifies_valid(db, setup, client, auth):
    s = setup
    _after_reissue(db, s)
    auth.login("league-hr")
    url = f"/credentials/reissue/cleanup/{s['cleanup'].id}/close"
    refused = client.post(url, data={"ground": "", "decision_number": ""})
    assert refused.status_code == 422 and "Give the legal ground." in refused.get_data(as_text=True)
    done = client.post(url, data={"ground": "《行政执法证件管理办法》第二十条", "decision_number": "呼司发〔2026〕9号"}, follow_redirects=True)
    assert "The campaign is closed; 2 credentials of the old series were cancelled." in done.get_data(as_text=True)
    db.expire_all()
    assert db.get(type(s["cleanup"]), s["cleanup"].id).status is CampaignStatus.CLOSED
    for name in ("乙", "丙"):
        assert db.get(Credential, s["old"][name].id).status is CredentialStatus.CANCELLED
    assert db.query(RecoveryTask).count() == 2  # one card each: 乙's suspension already asked for it back
    assert db.query(AuditEntry).filter_by(action="credential.cancel").count() == 2
    old = db.query(Credential).filter(Credential.issued_at <= s["cleanup"].created_at).all()
    assert len(old) == 4 and not any(c.may_enforce() for c in old)
    assert {verify(db, token_for(c)).verdict for c in old} == {"NOT VALID"}
    new = db.query(Credential).filter(Credential.issued_at > s["cleanup"].created_at).all()
    assert new and all(verify(db, token_for(c)).verdict == "VALID" for c in new)


def test_a_reissuance_still_running_holds_the_close_back(db, setup, client, auth):
    s = setup
    clock.advance(timedelta(days=1))
    reissue.open_campaign(db, s["hr"], _plan(s))
    db.commit()
    auth.login("league-hr")
    url = f"/credentials/reissue/cleanup/{s['cleanup'].id}/close"
    page = client.get(url).get_data(as_text=True)
    assert "still has 7 officers to process: run it first" in page and "confirm-close" not in page
    assert client.post(url, data={"ground": "x", "decision_number": "y"}).status_code == 409
    db.expire_all()
    assert db.get(type(s["cleanup"]), s["cleanup"].id).status is CampaignStatus.OPEN


def test_the_old_close_button_leads_to_the_dry_run_and_other_hr_cannot_close(db, setup, client, auth):
    s = setup
    auth.login("league-hr")
    response = client.post(f"/personnel/campaigns/{s['cleanup'].id}/close")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/credentials/reissue/cleanup/{s['cleanup'].id}/close")
    auth.logout()
    auth.login("county-hr")  # reads the league's campaign, but may not close it
    assert client.get(f"/credentials/reissue/cleanup/{s['cleanup'].id}/close").status_code == 404
