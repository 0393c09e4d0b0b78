"""The clean-up campaign: every officer in post confirmed or marked for removal; the unconfirmed flagged after the cutoff."""
from datetime import date, timedelta

import pytest

from examsys import clock
from examsys.auth.models import Role
from examsys.errors import ValidationFailed
from examsys.personnel import campaigns
from examsys.personnel.models import CampaignItem, EmploymentStatus, ItemState, PersonnelKind
from tests.factories import make_person, make_user


@pytest.fixture
def setup(db, tree, frozen_clock):
    hr = make_user(db, "hr", tree.league, Role.HR_ADMIN)
    county_hr = make_user(db, "county-hr", tree.county, Role.HR_ADMIN)
    officers = [make_person(db, tree.county_dept, name=f"甲{n}") for n in range(3)] + [make_person(db, tree.other_dept, name="乙")]
    make_person(db, tree.county_dept, name="辅助", kind=PersonnelKind.AUXILIARY)
    make_person(db, tree.county_dept, name="已退休", employment_status=EmploymentStatus.RETIRED)
    campaign = campaigns.open_campaign(db, hr, tree.league.id, "2026年执法人员清理", clock.now().date() + timedelta(days=30))
    db.commit()
    return hr, county_hr, officers, campaign


def test_the_campaign_lists_every_regular_officer_in_post(db, setup):
    _hr, _county_hr, officers, campaign = setup
    assert sorted(i.person.name for i in campaign.items) == ["乙", "甲0", "甲1", "甲2"]


def test_progress_per_organisation_and_flags_after_the_cutoff(db, tree, setup):
    hr, county_hr, officers, campaign = setup
    items = {i.person.name: i for i in campaign.items}
    campaigns.decide(db, county_hr, items["甲0"].id, ItemState.CONFIRMED)
    campaigns.decide(db, county_hr, items["甲1"].id, ItemState.REMOVAL, "已调离执法岗位")
    rows = {r.org.name: (r.confirmed, r.pending, r.removal) for r in campaigns.progress(db, hr, campaign)}
    assert rows == {"新城区市场监督管理局": (1, 1, 1), "赛罕区市场监督管理局": (0, 1, 0)}
    assert not campaigns.is_flagged(campaign, items["甲2"])
    clock.advance(timedelta(days=31))
    assert campaigns.is_flagged(campaign, items["甲2"]) and not campaigns.is_flagged(campaign, items["甲0"])


def test_removal_needs_a_reason_and_county_hr_decides_only_its_own(db, tree, setup):
    _hr, county_hr, _officers, campaign = setup
    items = {i.person.name: i for i in campaign.items}
    with pytest.raises(ValidationFailed):
        campaigns.decide(db, county_hr, items["甲0"].id, ItemState.REMOVAL, "")
    from examsys.errors import NotFound

    with pytest.raises(NotFound):
        campaigns.decide(db, county_hr, items["乙"].id, ItemState.CONFIRMED)


def test_the_campaign_page_shows_progress_and_pending(db, tree, setup, client, auth):
    _hr, _county_hr, _officers, campaign = setup
    auth.login("county-hr")
    page = client.get(f"/personnel/campaigns/{campaign.id}").get_data(as_text=True)
    assert "新城区市场监督管理局" in page and "赛罕区" not in page and "甲2" in page
    item = db.query(CampaignItem).join(CampaignItem.person).filter_by(name="甲2").one()
    client.post(f"/personnel/campaigns/items/{item.id}", data={"state": "confirmed"})
    page = client.get(f"/personnel/campaigns/{campaign.id}?state=confirmed").get_data(as_text=True)
    assert "甲2" in page


def test_overlapping_campaigns_are_refused(db, tree, setup):
    hr, *_ = setup
    with pytest.raises(ValidationFailed, match="not opened"):
        campaigns.open_campaign(db, hr, tree.county.id, "重复", date(2027, 1, 1))


def test_a_decision_without_a_state_is_refused_with_a_message(db, tree, setup, client, auth):
    """The form's state missing or forged: the page says what to choose (it was a 500), nothing is decided."""
    _hr, _county_hr, _officers, campaign = setup
    auth.login("county-hr")
    item = db.query(CampaignItem).join(CampaignItem.person).filter_by(name="甲0").one()
    for data in ({}, {"state": "pending"}, {"state": "bogus"}):
        answer = client.post(f"/personnel/campaigns/items/{item.id}", data=data, follow_redirects=True)
        assert answer.status_code == 200 and "Confirm the officer or mark them for removal." in answer.get_data(as_text=True)
    db.expire_all()
    assert db.get(CampaignItem, item.id).state is ItemState.PENDING
