"""The re-issuance campaign (换发): the clean-up's confirmed officers checked one by one, the eligible
issued a credential that supersedes the old, the others listed with reasons; in steps, idempotent,
scoped, audited, and printed as one PDF or a ZIP of one PDF per officer."""
import io
import zipfile
from datetime import timedelta

import pytest

from examsys import clock
from examsys.audit.models import AuditEntry
from examsys.auth.models import Role
from examsys.credentials import services
from examsys.credentials.keys import KeyStore
from examsys.credentials.models import Credential, CredentialEvent, CredentialStatus, DomainSource, ReissueItem, ReissueState
from examsys.credentials.reissue import services as reissue
from examsys.domains.models import EnforcementDomain
from examsys.errors import NotFound, ValidationFailed
from examsys.personnel import campaigns as cleanup
from examsys.personnel.models import ItemState, StaffingKind
from tests.factories import exempt, make_person, make_user
from tests.qr_reading import the_qr_code

NO_EXAM = "No qualification exam passed in the last 12 months."


@pytest.fixture
def setup(app, db, tree, frozen_clock, tmp_path):
    """In 呼和浩特市, all confirmed by the league's clean-up campaign and exempt from the exam by a legal
    qualification unless said otherwise: three officers of 新城区 with credentials (甲 乙 丙), one
    without (丁), one with neither exam nor exemption (戊), one on a contract (己), and 庚 of 赛罕区
    with a credential."""
    app.config["KEY_DIR"] = str(tmp_path / "keys")
    KeyStore(tmp_path / "keys").init(clock.now() - timedelta(minutes=5))
    tree.county.is_issuer = True
    tree.other_county.is_issuer = True
    market = EnforcementDomain(code="market", name="市场监管")
    db.add(market)
    hr = make_user(db, "league-hr", tree.league, Role.HR_ADMIN)
    make_user(db, "county-hr", tree.county, Role.HR_ADMIN)
    make_user(db, "auditor", tree.league, Role.AUDITOR)
    make_user(db, "baotou-hr", tree.other_league, Role.HR_ADMIN)

    def officer(org, name, **over):
        values = dict(name=name, legal_qualification=f"A{name}", domains=[market])
        values.update(over)
        return make_person(db, org, **values)

    people = {
        "甲": officer(tree.county_dept, "甲"), "乙": officer(tree.county_dept, "乙"), "丙": officer(tree.county_dept, "丙"),
        "丁": officer(tree.county_dept, "丁"),  # no earlier credential
        "戊": officer(tree.county_dept, "戊", legal_qualification=""),  # no exam, no exemption
        "己": officer(tree.county_dept, "己", staffing_kind=StaffingKind.CONTRACT),
        "庚": officer(tree.other_dept, "庚"),
    }
    old = {}
    for name in ("甲", "乙", "丙"):
        old[name] = services.issue(db, hr, services.IssueRequest(people[name].id, tree.county.id, [market.id], "新城区", "旧法定授权"))
    old["庚"] = services.issue(db, hr, services.IssueRequest(people["庚"].id, tree.other_county.id, [market.id], "赛罕区", "旧法定授权"))
    campaign = cleanup.open_campaign(db, hr, tree.league.id, "2026年清理", clock.now().date() + timedelta(days=30))
    for item in campaign.items:
        cleanup.decide(db, hr, item.id, ItemState.CONFIRMED)
    db.commit()
    return {"hr": hr, "market": market, "people": people, "old": old, "cleanup": campaign, "tree": tree}


def _plan(s, **over):
    values = dict(org_id=s["tree"].league.id, cleanup_id=s["cleanup"].id, name="2026年换发", decision_number="呼政发〔2026〕8号")
    values.update(over)
    return reissue.ReissuePlan(**values)


def _run_all(db, actor, campaign_id, seconds=60.0):
    result = reissue.run(db, actor, campaign_id, seconds)
    db.commit()
    return result


def _items(db, campaign):
    return {i.person.name: i for i in db.query(ReissueItem).filter_by(campaign_id=campaign.id)}


def test_the_eligible_get_a_credential_that_supersedes_the_old_and_the_others_their_reasons(db, setup):
    s = setup
    campaign = reissue.open_campaign(db, s["hr"], _plan(s))
    db.commit()
    assert reissue.counts(db, s["hr"], campaign) == reissue.Counts(pending=7)
    result = _run_all(db, s["hr"], campaign.id)
    assert (result.issued, result.ineligible) == (4, 3) and result.counts == reissue.Counts(issued=4, ineligible=3)
    items = _items(db, campaign)
    for name in ("甲", "乙", "丙", "庚"):
        item, old = items[name], s["old"][name]
        assert item.state is ReissueState.ISSUED and old.status is CredentialStatus.SUPERSEDED
        new = item.credential
        assert new.status is CredentialStatus.ACTIVE and new.predecessor_id == old.id and item.previous_id == old.id
        assert (new.issuer_id, new.region, new.legal_source, [d.code for d in new.domains]) == (old.issuer_id, old.region, old.legal_source, ["market"])
        event = db.query(CredentialEvent).filter_by(credential_id=new.id, action="issue").one()
        assert event.decision_number == "呼政发〔2026〕8号" and "2026年换发" in event.reason
    assert items["丁"].state is ReissueState.INELIGIBLE
    assert items["丁"].reason_list == [
        "The officer holds no credential to take the issuing authority, region and legal source from: set them for the campaign."]
    assert NO_EXAM in items["戊"].reason_list  # every reason, not only the first
    assert any("does not allow an enforcement credential" in r for r in items["己"].reason_list)


def test_running_again_issues_nobody_twice(db, setup):
    s = setup
    campaign = reissue.open_campaign(db, s["hr"], _plan(s))
    _run_all(db, s["hr"], campaign.id)
    before = db.query(Credential).count()
    again = _run_all(db, s["hr"], campaign.id)
    assert (again.issued, again.ineligible) == (0, 0) and db.query(Credential).count() == before
    with pytest.raises(ValidationFailed) as caught:  # nor does a second campaign over the same officers
        reissue.open_campaign(db, s["hr"], _plan(s, name="再次换发", org_id=s["tree"].county.id))
    assert "already re-issues" in caught.value.field_errors["cleanup_id"][0]


def test_it_runs_in_steps_each_showing_how_far_it_is(db, setup):
    s = setup
    campaign = reissue.open_campaign(db, s["hr"], _plan(s))
    db.commit()
    seen = []
    while True:
        result = _run_all(db, s["hr"], campaign.id, seconds=0)  # one officer per step
        seen.append(result.counts.done)
        if not result.counts.pending:
            break
    assert seen == [1, 2, 3, 4, 5, 6, 7]


def test_settings_chosen_for_the_campaign_replace_the_old_ones(db, setup):
    s = setup
    food = EnforcementDomain(code="food", name="食品安全")
    db.add(food)
    s["people"]["丁"].domains = [s["market"], food]
    db.commit()
    campaign = reissue.open_campaign(db, s["hr"], _plan(s, org_id=s["tree"].county.id, issuer_id=s["tree"].county.id, region="新城区全域",
                                                        legal_source="《行政处罚法》第十八条", domain_source=DomainSource.REGISTER))
    _run_all(db, s["hr"], campaign.id)
    items = _items(db, campaign)
    assert "庚" not in items  # 赛罕区 lies outside this campaign
    new = items["丁"].credential
    assert new is not None and items["丁"].previous_id is None
    assert (new.issuer_id, new.region, new.legal_source) == (s["tree"].county.id, "新城区全域", "《行政处罚法》第十八条")
    assert sorted(d.code for d in new.domains) == ["food", "market"]


def test_the_ineligible_can_be_checked_again_after_hr_corrects_the_record(db, setup):
    s = setup
    campaign = reissue.open_campaign(db, s["hr"], _plan(s, issuer_id=s["tree"].county.id, region="新城区", legal_source="法定授权"))
    _run_all(db, s["hr"], campaign.id)
    assert _items(db, campaign)["戊"].state is ReissueState.INELIGIBLE
    exempt(db, s["people"]["戊"], "A20260001")  # HR records the evidence; a second person approves it
    assert reissue.recheck(db, s["hr"], campaign.id) == 2  # 戊 and 己
    result = _run_all(db, s["hr"], campaign.id)
    assert (result.issued, result.ineligible) == (1, 1)
    assert _items(db, campaign)["戊"].state is ReissueState.ISSUED


def test_an_officer_the_clean_up_no_longer_confirms_is_not_issued(db, setup):
    s = setup
    campaign = reissue.open_campaign(db, s["hr"], _plan(s))
    item = next(i for i in s["cleanup"].items if i.person.name == "甲")
    cleanup.decide(db, s["hr"], item.id, ItemState.REMOVAL, "已调离执法岗位")
    _run_all(db, s["hr"], campaign.id)
    assert "The clean-up campaign no longer confirms this officer." in _items(db, campaign)["甲"].reason_list
    assert s["old"]["甲"].status is CredentialStatus.SUSPENDED  # marked for removal: suspended at once, not re-issued


def test_officers_confirmed_later_by_an_open_clean_up_join_the_next_run(db, setup):
    s = setup
    newcomer = make_person(db, s["tree"].county_dept, name="辛", legal_qualification="A辛", domains=[s["market"]])
    campaign = reissue.open_campaign(db, s["hr"], _plan(s, issuer_id=s["tree"].county.id, region="新城区", legal_source="法定授权"))
    assert "辛" not in _items(db, campaign)
    from examsys.personnel.models import CampaignItem

    added = CampaignItem(campaign_id=s["cleanup"].id, person_id=newcomer.id, org_path=s["tree"].county_dept.path, state=ItemState.CONFIRMED)
    db.add(added)
    db.commit()
    result = _run_all(db, s["hr"], campaign.id)
    assert result.added == 1 and _items(db, campaign)["辛"].state is ReissueState.ISSUED


def test_opening_checks_its_input(db, setup):
    s = setup
    with pytest.raises(ValidationFailed) as caught:
        reissue.open_campaign(db, s["hr"], _plan(s, name=" ", decision_number="", domain_source=DomainSource.CHOSEN))
    assert {"name", "decision_number", "domain_ids"} <= set(caught.value.field_errors)
    with pytest.raises(ValidationFailed) as caught:
        reissue.open_campaign(db, s["hr"], _plan(s, issuer_id=s["tree"].league.id))  # not an issuing authority
    assert "issuer_id" in caught.value.field_errors
    assert db.query(ReissueItem).count() == 0


def test_scope_county_hr_sees_its_own_officers_and_cannot_run_others_see_nothing(db, setup):
    s = setup
    from examsys.auth.models import User

    campaign = reissue.open_campaign(db, s["hr"], _plan(s))
    _run_all(db, s["hr"], campaign.id)
    county_hr = db.query(User).filter_by(username="county-hr").one()
    baotou = db.query(User).filter_by(username="baotou-hr").one()
    auditor = db.query(User).filter_by(username="auditor").one()
    assert reissue.counts(db, county_hr, campaign) == reissue.Counts(issued=3, ineligible=3)  # 庚 of 赛罕区 not counted
    assert reissue.counts(db, auditor, campaign).total == 7
    with pytest.raises(NotFound):
        reissue.run(db, county_hr, campaign.id)
    with pytest.raises(NotFound):
        reissue.get_campaign(db, baotou, campaign.id)
    with pytest.raises(NotFound):
        reissue.open_campaign(db, county_hr, _plan(s))  # the league is above the county HR


def test_every_step_is_audited(db, setup):
    s = setup
    campaign = reissue.open_campaign(db, s["hr"], _plan(s))
    _run_all(db, s["hr"], campaign.id)
    actions = [e.action for e in db.query(AuditEntry).filter(AuditEntry.action.like("reissue.%")).order_by(AuditEntry.seq)]
    assert actions == ["reissue.open", "reissue.run"]
    run = db.query(AuditEntry).filter_by(action="reissue.run").one()
    assert run.after["issued"] == 4 and run.after["ineligible"] == 3
    opened = db.query(AuditEntry).filter_by(action="reissue.open").one()
    issued = db.query(AuditEntry).filter_by(action="credential.issue").filter(AuditEntry.seq > opened.seq).all()
    assert len(issued) == 4 and all(e.actor_name == "league-hr" for e in issued)  # on the authority of the campaign's opener


def test_the_print_batch_one_pdf_or_a_zip_of_one_pdf_per_issued_officer(app, db, setup):
    s = setup
    campaign = reissue.open_campaign(db, s["hr"], _plan(s))
    _run_all(db, s["hr"], campaign.id)
    items = _items(db, campaign)
    services.change(db, s["hr"], items["乙"].credential_id, "suspend", ground="办法第二十条", decision_number="暂〔2026〕1号", reason="调查")
    db.commit()
    data, cards = reissue.print_batch(db, s["hr"], campaign.id, "zip", 1)
    assert cards == 3  # 甲, 丙, 庚: never the suspended card of 乙
    names = sorted(zipfile.ZipFile(io.BytesIO(data)).namelist())
    expected = sorted(f"{items[n].credential.number}-{n}.pdf" for n in ("甲", "丙", "庚"))
    assert names == expected
    for name in names:
        assert zipfile.ZipFile(io.BytesIO(data)).read(name).startswith(b"%PDF")
    pdf, cards = reissue.print_batch(db, s["hr"], campaign.id, "pdf", 1)
    assert cards == 3 and pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") >= 6
    app.config["REISSUE_PRINT_PART_SIZE"] = 2
    assert reissue.print_parts(db, s["hr"], campaign) == (3, 2)
    assert reissue.print_batch(db, s["hr"], campaign.id, "zip", 2)[1] == 1
    assert db.query(AuditEntry).filter_by(action="reissue.print").count() == 3


def test_the_qr_code_of_a_card_in_the_batch_opens_a_page_that_says_valid(db, setup, client, tmp_path):
    import shutil
    import subprocess

    if not shutil.which("pdftoppm"):
        pytest.skip("needs pdftoppm (Debian poppler-utils)")
    from PIL import Image

    s = setup
    campaign = reissue.open_campaign(db, s["hr"], _plan(s, org_id=s["tree"].county.id))
    _run_all(db, s["hr"], campaign.id)
    pdf, _cards = reissue.print_batch(db, s["hr"], campaign.id, "pdf", 1)
    (tmp_path / "batch.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "300", "-f", "2", "-l", "2", "-png", str(tmp_path / "batch.pdf"), str(tmp_path / "back")], check=True)
    found = the_qr_code(Image.open(next(tmp_path.glob("back*.png"))))
    assert found.ec_level == "Q"
    url = found.text
    page = client.get(url[url.index("/V/"):], headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'data-verdict="VALID"' in page


def test_the_command_line_runs_and_prints_the_whole_campaign(db, setup, runner, tmp_path):
    s = setup
    campaign = reissue.open_campaign(db, s["hr"], _plan(s))
    db.commit()
    result = runner.invoke(args=["credentials", "reissue-run", str(campaign.id), "--seconds", "0"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("1 of 7 done") and lines[-1] == "7 of 7 done: 4 issued, 3 not eligible, 0 pending"
    before = db.query(Credential).count()
    again = runner.invoke(args=["credentials", "reissue-run", str(campaign.id)])
    assert again.output.strip() == "7 of 7 done: 4 issued, 3 not eligible, 0 pending" and db.query(Credential).count() == before
    out = tmp_path / "batch.zip"
    printed = runner.invoke(args=["credentials", "reissue-print", str(campaign.id), str(out), "--zip"])
    assert printed.exit_code == 0 and len(zipfile.ZipFile(out).namelist()) == 4
    assert runner.invoke(args=["credentials", "reissue-run", "999"]).exit_code != 0


# ---- the pages ---------------------------------------------------------------------------------------

def test_open_run_and_download_through_the_pages(db, setup, client, auth):
    s = setup
    auth.login("league-hr")
    form = client.get("/credentials/reissue/new").get_data(as_text=True)
    assert "2026年清理" in form
    bad = client.post("/credentials/reissue/new", data={"name": "2026年换发", "org_id": s["tree"].league.id, "cleanup_id": s["cleanup"].id,
                                                        "decision_number": "", "issuer_id": "", "domain_source": "previous"})
    assert bad.status_code == 200 and "This field is required." in bad.get_data(as_text=True)
    assert db.query(ReissueItem).count() == 0
    response = client.post("/credentials/reissue/new", data={"name": "2026年换发", "org_id": s["tree"].league.id, "cleanup_id": s["cleanup"].id,
                                                             "decision_number": "呼政发〔2026〕8号", "issuer_id": "", "domain_source": "previous"})
    assert response.status_code == 302
    detail = response.headers["Location"]
    page = client.get(detail).get_data(as_text=True)
    assert "0 of 7 done" in page and "Start the run" in page and "Nothing to print yet." in page
    run = client.post(f"{detail}/run", headers={"Accept": "application/json"})
    body = run.get_json()
    assert body["done"] == 7 and body["issued"] == 4 and body["pending"] == 0 and body["message"] == "7 of 7 done"
    page = client.get(detail).get_data(as_text=True)  # the ineligible list is the first tab
    assert NO_EXAM in page and "戊" in page and "Start the run" not in page and "Check the ineligible again" in page
    issued = client.get(f"{detail}?state=issued").get_data(as_text=True)
    new = db.query(ReissueItem).join(ReissueItem.person).filter_by(name="甲").one().credential
    assert s["old"]["甲"].number in issued and new.number in issued  # the previous number beside the new
    zipped = client.get(f"{detail}/print/1.zip")
    assert zipped.status_code == 200 and zipped.mimetype == "application/zip"
    assert len(zipfile.ZipFile(io.BytesIO(zipped.data)).namelist()) == 4
    assert client.get(f"{detail}/print/1.pdf").mimetype == "application/pdf"
    listing = client.get("/credentials/reissue/").get_data(as_text=True)
    assert "2026年换发" in listing and "呼政发〔2026〕8号" in listing


def test_without_script_each_press_does_one_step(db, setup, client, auth, app):
    s = setup
    campaign = reissue.open_campaign(db, s["hr"], _plan(s))
    db.commit()
    app.config["REISSUE_CHUNK_SECONDS"] = 0
    auth.login("league-hr")
    response = client.post(f"/credentials/reissue/{campaign.id}/run", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "1 of 7 done. Continue to issue the rest." in page and "Continue the run" in page
    assert '<meta http-equiv="refresh"' in page  # a run is under way: the page follows it


def test_pages_are_scoped(db, setup, client, auth):
    s = setup
    campaign = reissue.open_campaign(db, s["hr"], _plan(s))
    _run_all(db, s["hr"], campaign.id)
    auth.login("county-hr")
    page = client.get(f"/credentials/reissue/{campaign.id}?state=issued").get_data(as_text=True)
    assert "甲" in page and "庚" not in page and "Start the run" not in page
    assert client.post(f"/credentials/reissue/{campaign.id}/run").status_code == 404
    zipped = client.get(f"/credentials/reissue/{campaign.id}/print/1.zip")
    assert len(zipfile.ZipFile(io.BytesIO(zipped.data)).namelist()) == 3  # the county's own officers only
    auth.logout()
    auth.login("auditor")
    page = client.get(f"/credentials/reissue/{campaign.id}").get_data(as_text=True)
    assert "7 of 7 done" in page and "Print batch" not in page
    assert client.get(f"/credentials/reissue/{campaign.id}/print/1.zip").status_code == 403
    assert client.post(f"/credentials/reissue/{campaign.id}/recheck").status_code == 404
    auth.logout()
    auth.login("baotou-hr")
    assert client.get(f"/credentials/reissue/{campaign.id}").status_code == 404
    assert "2026年换发" not in client.get("/credentials/reissue/").get_data(as_text=True)


def test_an_empty_campaign_says_so(db, setup, client, auth):
    s = setup
    cleanup.close_campaign(db, s["hr"], s["cleanup"].id)
    undecided = cleanup.open_campaign(db, s["hr"], s["tree"].league.id, "2027年清理", clock.now().date() + timedelta(days=30))
    campaign = reissue.open_campaign(db, s["hr"], _plan(s, cleanup_id=undecided.id))
    db.commit()
    auth.login("league-hr")
    page = client.get(f"/credentials/reissue/{campaign.id}").get_data(as_text=True)
    assert "The clean-up campaign has confirmed no officer in this subtree yet." in page and "Nothing to print yet." in page
    assert "Start the run" not in page and "Nobody here." in page


def test_an_issuer_above_the_openers_authority_is_not_borrowed_from_the_old_credential(db, setup):
    s = setup
    tree = s["tree"]
    tree.region.is_issuer = True
    region_hr = make_user(db, "region-hr", tree.region, Role.HR_ADMIN)
    person = s["people"]["丁"]
    services.issue(db, region_hr, services.IssueRequest(person.id, tree.region.id, [s["market"].id], "全区", "法定授权"))
    campaign = reissue.open_campaign(db, s["hr"], _plan(s, org_id=tree.county.id))  # the league's HR opens it
    _run_all(db, s["hr"], campaign.id)
    assert _items(db, campaign)["丁"].reason_list == [
        "内蒙古自治区 lies outside the authority of the campaign's opener; choose an issuing authority for the campaign."]


def test_a_suspended_officer_is_not_given_a_fresh_credential(db, setup):
    s = setup
    old = s["old"]["乙"]
    services.change(db, s["hr"], old.id, "suspend", ground="办法第二十条", decision_number="暂〔2026〕1号", reason="调查")
    campaign = reissue.open_campaign(db, s["hr"], _plan(s))
    _run_all(db, s["hr"], campaign.id)
    item = _items(db, campaign)["乙"]
    assert item.state is ReissueState.INELIGIBLE and old.status is CredentialStatus.SUSPENDED
    assert item.reason_list == [f"The present credential {old.number} is suspended: re-issue it once it is reinstated."]


def test_only_hr_opens_a_campaign(db, setup, client, auth):
    auth.login("auditor")
    assert client.get("/credentials/reissue/new").status_code == 403
    assert client.get("/credentials/reissue/").status_code == 200  # reading is allowed
