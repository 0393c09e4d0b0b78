"""Rule 8: when a holder's standing ends (left post, reclassified as auxiliary staff, transferred out of the
issuing authority's area, marked for removal in the clean-up) the credential is suspended at once, by the
system, whichever path made the change (form, import, campaign), and the decision goes to the issuing
authority's HR. And (issue 15.3) scope over a credential follows its holder's current organisation and the
issuing authority, never the organisation printed on the card."""
from datetime import timedelta

import pytest

from examsys import clock
from examsys.audit.models import AuditEntry
from examsys.auth.models import Role
from examsys.credentials import services
from examsys.credentials.keys import KeyStore
from examsys.credentials.models import CredentialStatus, RecoveryTask
from examsys.credentials.public.verification import token_for
from examsys.errors import InvalidState, NotFound
from examsys.imports.tabular import read_table
from examsys.orgs.issuers import designate_issuer
from examsys.personnel import campaigns
from examsys.personnel import services as personnel
from examsys.personnel.importer import COLUMNS, apply_import, plan_import
from examsys.personnel.models import EmploymentStatus, ItemState, PersonnelKind, PersonnelTask, TaskStatus
from tests.credential_fixtures import issue_request
from tests.factories import make_user


@pytest.fixture
def held(app, db, tree, issuing, tmp_path, auth):
    """The officer of the issuing fixture holds a credential of the county (新城区); county HR is logged in."""
    app.config["KEY_DIR"] = str(tmp_path / "keys")
    KeyStore(tmp_path / "keys").init(clock.now() - timedelta(minutes=5))
    credential = services.issue(db, issuing["hr"], issue_request(issuing, issuing["officer"]))
    county_hr = make_user(db, "county-hr", tree.county, Role.HR_ADMIN)
    db.commit()
    auth.login("county-hr")
    return {**issuing, "credential": credential, "county_hr": county_hr}


def _verdict(client, credential) -> tuple[str, str]:
    page = client.get(f"/V/{token_for(credential)}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    return page.split('data-verdict="')[1].split('"')[0], page


def _suspended_by_the_system(db, held, client, words: str) -> PersonnelTask:
    """What every path must leave behind: SUSPENDED in public without the reason, a system audit entry, a card
    to recover, and an open decision task of the issuing authority."""
    credential = held["credential"]
    db.expire_all()
    assert credential.status is CredentialStatus.SUSPENDED
    verdict, page = _verdict(client, credential)
    assert verdict == "SUSPENDED" and words not in page
    entry = db.query(AuditEntry).filter_by(action="credential.suspend", target_id=str(credential.id)).one()
    assert entry.actor_id is None and entry.actor_name == "system" and entry.after["automatic"] is True
    assert db.query(RecoveryTask).filter_by(credential_id=credential.id).count() == 1
    task = db.query(PersonnelTask).filter_by(person_id=held["officer"].id, status=TaskStatus.OPEN).one()
    assert task.org_id == held["issuer"].id and words in task.reason
    return task


def test_leaving_post_by_the_form_suspends_and_asks_the_issuer(db, held, client):
    assert _verdict(client, held["credential"])[0] == "VALID"
    response = client.post(f"/personnel/{held['officer'].id}/employment", data={"status": "retired", "reason": "退休审批〔2026〕8号"})
    assert response.status_code == 302
    _suspended_by_the_system(db, held, client, "退休审批〔2026〕8号")
    page = client.get("/personnel/tasks").get_data(as_text=True)
    assert "Credential decisions" in page and "退休审批〔2026〕8号" in page


def test_reclassification_as_auxiliary_by_the_form_suspends(db, held, client):
    officer = held["officer"]
    form = {"name": officer.name, "kind": "auxiliary", "staffing_kind": "contract", "training_hours": 0, "duties": "协助巡查",
            "directed_by": "执法一科", "domain_ids": [held["market"].id], "reason": "转为辅助人员〔2026〕5号"}
    assert client.post(f"/personnel/{officer.id}/edit", data=form).status_code == 302
    _suspended_by_the_system(db, held, client, "转为辅助人员〔2026〕5号")


def test_a_transfer_out_of_the_issuers_area_suspends_and_the_issuer_still_decides(db, tree, held, client):
    response = client.post(f"/personnel/{held['officer'].id}/transfer", data={"org_id": tree.other_dept.id, "reason": "调令〔2026〕9号"})
    assert response.status_code == 302
    _suspended_by_the_system(db, held, client, "调令〔2026〕9号")
    credential = held["credential"]
    # The county is the issuing authority: its HR still opens the credential to decide, but cannot reinstate it
    # while the holder stands outside its area; cancelling is the decision, and closes the task.
    assert client.get(f"/credentials/{credential.id}").status_code == 200
    with pytest.raises(InvalidState, match="outside the area of 新城区"):
        services.change(db, held["county_hr"], credential.id, "reinstate", reason="误操作")
    services.change(db, held["county_hr"], credential.id, "cancel", ground="调离本行政区域", reason="调出注销")
    db.commit()
    assert db.query(PersonnelTask).filter_by(person_id=held["officer"].id, status=TaskStatus.OPEN).count() == 0
    assert _verdict(client, credential)[0] == "NOT VALID"


def test_a_transfer_inside_the_issuers_area_keeps_the_credential(db, tree, held, client):
    personnel.transfer_person(db, held["county_hr"], held["officer"].id, tree.county.id, "内部调整")
    db.commit()
    assert held["credential"].status is CredentialStatus.ACTIVE and _verdict(client, held["credential"])[0] == "VALID"
    task = db.query(PersonnelTask).filter_by(person_id=held["officer"].id).one()
    assert task.status is TaskStatus.DONE  # on the record, with nothing to decide


def test_leaving_post_by_the_register_import_suspends(db, tree, held, client):
    officer = held["officer"]
    csv = ("身份证号码,姓名,单位代码,人员类别,编制类型,在岗状态,执法类别\n"
           f"{officer.id_number},{officer.name},150102-SJJ,执法人员,公务员,死亡,market\n")
    plan = plan_import(db, held["county_hr"], read_table("register.csv", csv.encode("utf-8"), COLUMNS), tree.county)
    assert plan.errors == [] and len(plan.update) == 1
    apply_import(db, held["county_hr"], plan, "register.csv")
    db.commit()
    _suspended_by_the_system(db, held, client, "by the import of the register")


def test_removal_in_the_clean_up_suspends(db, tree, held, client):
    campaign = campaigns.open_campaign(db, held["county_hr"], tree.county.id, "清理", clock.now().date() + timedelta(days=30))
    item = next(i for i in campaign.items if i.person_id == held["officer"].id)
    campaigns.decide(db, held["county_hr"], item.id, ItemState.REMOVAL, "不再从事执法工作")
    db.commit()
    _suspended_by_the_system(db, held, client, "不再从事执法工作")
    with pytest.raises(InvalidState, match="marked for removal"):
        services.change(db, held["county_hr"], held["credential"].id, "reinstate", reason="复核")


def test_reinstating_once_the_standing_is_whole_again_closes_the_decision(db, held, client):
    officer, credential = held["officer"], held["credential"]
    personnel.change_employment(db, held["county_hr"], officer.id, EmploymentStatus.RESIGNED, "辞职")
    db.commit()
    with pytest.raises(InvalidState, match="not in post"):
        services.change(db, held["county_hr"], credential.id, "reinstate", reason="撤回辞职")
    db.rollback()
    personnel.change_employment(db, held["county_hr"], officer.id, EmploymentStatus.EMPLOYED, "撤回辞职申请")
    services.change(db, held["county_hr"], credential.id, "reinstate", reason="撤回辞职")
    db.commit()
    assert _verdict(client, credential)[0] == "VALID"
    assert db.query(PersonnelTask).filter_by(person_id=officer.id, status=TaskStatus.OPEN).count() == 0


def test_the_person_is_not_changed_without_the_credential_following(db, held, monkeypatch):
    """Same transaction: a failure while suspending leaves the person as they were."""
    from examsys.credentials.models import Credential

    def broken(self, until):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Credential, "suspend", broken)
    with pytest.raises(RuntimeError):
        personnel.change_employment(db, held["county_hr"], held["officer"].id, EmploymentStatus.RETIRED, "退休")
    db.rollback()
    assert held["officer"].employment_status is EmploymentStatus.EMPLOYED
    assert db.query(PersonnelTask).count() == 0


def test_an_auxiliary_leaving_post_opens_nothing(db, tree, held):
    aux = held["auxiliary"]
    assert aux.kind is PersonnelKind.AUXILIARY
    personnel.change_employment(db, held["county_hr"], aux.id, EmploymentStatus.RESIGNED, "辞职")
    assert db.query(PersonnelTask).filter_by(person_id=aux.id).count() == 0


# ---- 15.3: scope follows the holder -----------------------------------------------------------------

def test_after_a_transfer_the_old_county_hr_no_longer_reaches_the_credential(app, db, tree, issuing, tmp_path, client, auth):
    """The league issues (as in the demo); the holder moves from 新城区 to 赛罕区, inside the league's area."""
    app.config["KEY_DIR"] = str(tmp_path / "keys")
    KeyStore(tmp_path / "keys").init(clock.now() - timedelta(minutes=5))
    designate_issuer(db, None, tree.league.id)
    credential = services.issue(db, issuing["hr"], issue_request(issuing, issuing["officer"], issuer_id=tree.league.id))
    old_hr = make_user(db, "county-hr", tree.county, Role.HR_ADMIN)
    new_hr = make_user(db, "neighbour-hr", tree.other_county, Role.HR_ADMIN)
    make_user(db, "league-hr", tree.league, Role.HR_ADMIN)
    services.change(db, old_hr, credential.id, "suspend", ground="办法第二十条", decision_number="暂〔2026〕1号", reason="调查")
    personnel.transfer_person(db, old_hr, issuing["officer"].id, tree.other_dept.id, "调令〔2026〕2号")
    db.commit()
    assert credential.status is CredentialStatus.SUSPENDED  # inside the issuer's area: no automatic change
    auth.login("county-hr")
    for url in (f"/credentials/{credential.id}", f"/credentials/{credential.id}/card.pdf", f"/credentials/{credential.id}/certificate.pdf"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/credentials/{credential.id}/change", data={"action": "reinstate", "reason": "复查"}).status_code == 404
    assert credential.number not in client.get("/credentials/").get_data(as_text=True)
    with pytest.raises(NotFound):
        services.change(db, old_hr, credential.id, "reinstate", reason="复查")
    db.expire_all()
    assert credential.status is CredentialStatus.SUSPENDED
    auth.logout()
    for user in ("neighbour-hr", "league-hr"):
        auth.login(user)
        assert client.get(f"/credentials/{credential.id}").status_code == 200, user
        assert credential.number in client.get("/credentials/").get_data(as_text=True)
        auth.logout()
    services.change(db, new_hr, credential.id, "reinstate", reason="调查结束")
    db.commit()
    assert credential.status is CredentialStatus.ACTIVE
