"""Routine performance reviews: schemes, periods, entry, the officer's response, disputes, bulk entry,
the annual assessment with its cap, the automatic actions and what they mean for a credential."""
from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from examsys import clock
from examsys.auth.models import Role
from examsys.auth.permissions import SYSTEM
from examsys.errors import NotFound, PermissionDenied, ValidationFailed
from examsys.imports.tabular import write_xlsx
from examsys.personnel.models import EmploymentStatus, PersonnelKind
from examsys.reviews import actions, annual, bulk, schemes, services
from examsys.reviews.models import (
    ActionKind,
    ActionStatus,
    AnnualGrade,
    PeriodKind,
    Review,
    ReviewStatus,
    RoutineGrade,
)
from tests.factories import make_person, make_user


@pytest.fixture
def rv(db, tree):
    """The default scheme on the region; HR of the county; the head of the county department as
    reviewer (an officer there too); three officers there, an auxiliary and a retired one; an officer
    of the other county."""
    schemes.save_scheme(db, SYSTEM, tree.region.id, "自治区平时考核指标", list(schemes.DEFAULT_ROWS), schemes.DEFAULT_BANDS)
    head = make_person(db, tree.county_dept, name="王科长")
    officers = [make_person(db, tree.county_dept, name=n) for n in ("张三", "李四", "赵五")]
    make_person(db, tree.county_dept, name="辅助甲", kind=PersonnelKind.AUXILIARY, duties="协助检查", directed_by="王科长")
    make_person(db, tree.county_dept, name="退休乙", employment_status=EmploymentStatus.RETIRED)
    outsider = make_person(db, tree.other_dept, name="外区丙")
    hr = make_user(db, "hr-county", tree.county, Role.HR_ADMIN)
    reviewer = make_user(db, "head", tree.county_dept, Role.REVIEWER, person=head)
    officer_user = make_user(db, "zhang", tree.county_dept, person=officers[0])
    db.commit()
    return {"hr": hr, "reviewer": reviewer, "head": head, "officers": officers, "outsider": outsider, "officer_user": officer_user}


def entries_for(review: Review, total: float) -> list[services.ScoreEntry]:
    """Scores that add up to `total`, filling the indicators in order."""
    left = Decimal(str(total))
    result = []
    for indicator in review.scheme.leaves:
        score = min(left, indicator.points)
        left -= score
        result.append(services.ScoreEntry(indicator.id, f"{score:g}", "案卷评查记录"))
    return result


def review_of(db, period, person) -> Review:
    return db.scalar(select(Review).where(Review.period_id == period.id, Review.person_id == person.id))


def submit(db, rv, period, person, total: float) -> Review:
    review = review_of(db, period, person)
    services.enter(db, rv["reviewer"], review.id, entries_for(review, total), "本期工作情况", submit=True)
    db.commit()
    return review


# ---- schemes -------------------------------------------------------------------------------------

def test_weights_that_do_not_sum_to_100_are_refused(db, tree, rv):
    rows = [schemes.IndicatorRow("1", "通用标准", "30"), schemes.IndicatorRow("2", "行业标准", "50"), schemes.IndicatorRow("3", "外部评价", "10")]
    with pytest.raises(ValidationFailed) as error:
        schemes.save_scheme(db, rv["hr"], tree.county.id, "新城区指标", rows, schemes.DEFAULT_BANDS)
    assert "must sum to 100; they sum to 90" in " ".join(error.value.field_errors["indicators"])
    rows[2] = schemes.IndicatorRow("3", "外部评价", "20")
    rows.append(schemes.IndicatorRow("3.1", "投诉举报", "15"))
    with pytest.raises(ValidationFailed) as error:
        schemes.save_scheme(db, rv["hr"], tree.county.id, "新城区指标", rows, schemes.DEFAULT_BANDS)
    assert "sub-indicators of 3 must sum to its weight 20; they sum to 15" in " ".join(error.value.field_errors["indicators"])
    assert schemes.own_scheme(db, tree.county.id) is None


def test_the_scheme_page_shows_the_sum_error_at_the_form(db, tree, rv, client, auth):
    auth.login("hr-county")
    data = {"name": "新城区指标", "good_from": "90", "fairly_good_from": "75", "average_from": "60",
            "code": ["1", "2"], "ind_name": ["通用", "行业"], "points": ["40", "50"], "guidance": ["", ""]}
    page = client.post(f"/reviews/schemes?org={tree.county.id}", data=data).get_data(as_text=True)
    assert "must sum to 100; they sum to 90" in page
    data["points"] = ["50", "50"]
    assert client.post(f"/reviews/schemes?org={tree.county.id}", data=data).status_code == 302
    assert [i.code for i in schemes.own_scheme(db, tree.county.id).indicators] == ["1", "2"]


@pytest.mark.parametrize("total, grade", [(100, RoutineGrade.GOOD), (90, RoutineGrade.GOOD), (89.9, RoutineGrade.FAIRLY_GOOD),
                                          (75, RoutineGrade.FAIRLY_GOOD), (74.9, RoutineGrade.AVERAGE), (60, RoutineGrade.AVERAGE),
                                          (59.9, RoutineGrade.POOR), (0, RoutineGrade.POOR)])
def test_the_grade_bands_give_the_documented_grade_at_each_boundary(db, tree, rv, total, grade):
    period = services.open_period(db, rv["hr"], tree.county.id, PeriodKind.QUARTER, 2026, 3)
    review = submit(db, rv, period, rv["officers"][0], total)
    assert review.total == Decimal(str(total)) and review.grade is grade


def test_a_scheme_in_use_is_versioned_not_edited(db, tree, rv):
    county = schemes.save_scheme(db, rv["hr"], tree.county.id, "新城区指标", list(schemes.DEFAULT_ROWS), schemes.DEFAULT_BANDS)
    again = schemes.save_scheme(db, rv["hr"], tree.county.id, "新城区指标（改）", list(schemes.DEFAULT_ROWS), schemes.DEFAULT_BANDS)
    assert again.id == county.id and again.version == 1  # unused: edited in place
    period = services.open_period(db, rv["hr"], tree.county.id, PeriodKind.QUARTER, 2026, 3)
    assert review_of(db, period, rv["officers"][0]).scheme_id == county.id  # the county's own scheme beats the region's
    rows = [schemes.IndicatorRow("1", "综合", "100")]
    newer = schemes.save_scheme(db, rv["hr"], tree.county.id, "新城区指标 2027", rows, ("95", "80", "60"))
    assert newer.version == 2 and newer.id != county.id
    assert len(review_of(db, period, rv["officers"][0]).scheme.leaves) == 8  # the open period keeps version 1


# ---- periods and entry ---------------------------------------------------------------------------

def test_a_period_makes_every_regular_officer_in_post_due_and_refuses_an_overlap(db, tree, rv):
    period = services.open_period(db, rv["hr"], tree.county.id, PeriodKind.QUARTER, 2026, 3)
    names = {r.person.name for r in db.scalars(select(Review).where(Review.period_id == period.id))}
    assert names == {"王科长", "张三", "李四", "赵五"}
    assert (period.starts_on, period.ends_on, period.due_on) == (date(2026, 7, 1), date(2026, 9, 30), date(2026, 10, 15))
    with pytest.raises(ValidationFailed) as error:
        services.open_period(db, rv["hr"], tree.county_dept.id, PeriodKind.MONTH, 2026, 8)
    assert "already covers this time" in error.value.field_errors["number"][0]
    with pytest.raises(NotFound):  # HR of the county cannot open one for the region
        services.open_period(db, rv["hr"], tree.region.id, PeriodKind.QUARTER, 2026, 4)


def test_progress_counts_done_in_progress_and_overdue_per_organisation(db, tree, rv):
    period = services.open_period(db, rv["hr"], tree.county.id, PeriodKind.QUARTER, 2026, 3)
    submit(db, rv, period, rv["officers"][0], 95)
    draft = review_of(db, period, rv["officers"][1])
    services.enter(db, rv["reviewer"], draft.id, entries_for(draft, 10)[:1], "", submit=False)
    db.commit()
    clock.freeze(datetime(2026, 10, 10, 8, 0, tzinfo=UTC))
    try:
        [row] = services.progress(db, rv["hr"], period)
        assert dict(row.counts) == {"done": 1, "draft": 1, "due": 2}
        clock.freeze(datetime(2026, 10, 16, 8, 0, tzinfo=UTC))
        [row] = services.progress(db, rv["hr"], period)
        assert dict(row.counts) == {"done": 1, "overdue": 3}
    finally:
        clock.unfreeze()


def test_a_reviewer_reviews_neither_outside_the_department_nor_their_own_record(db, tree, rv):
    hr_league = make_user(db, "hr-league", tree.league, Role.HR_ADMIN)
    period = services.open_period(db, hr_league, tree.league.id, PeriodKind.QUARTER, 2026, 3)
    outside = review_of(db, period, rv["outsider"])
    with pytest.raises(NotFound):
        services.enter(db, rv["reviewer"], outside.id, entries_for(outside, 80), "x", submit=True)
    own = review_of(db, period, rv["head"])
    with pytest.raises(PermissionDenied):
        services.enter(db, rv["reviewer"], own.id, entries_for(own, 100), "x", submit=True)
    assert rv["head"].id not in {r.person_id for r in services.to_enter(db, rv["reviewer"])}


def test_submitting_needs_every_score_in_range_and_a_comment(db, tree, rv):
    period = services.open_period(db, rv["hr"], tree.county.id, PeriodKind.QUARTER, 2026, 3)
    review = review_of(db, period, rv["officers"][0])
    entries = entries_for(review, 100)
    entries[0] = services.ScoreEntry(entries[0].indicator_id, "11")
    with pytest.raises(ValidationFailed) as error:
        services.enter(db, rv["reviewer"], review.id, entries[:-1], "", submit=True)
    fields = error.value.field_errors
    assert fields[f"score-{entries[0].indicator_id}"] == ["Give a score from 0 to 10, with at most one decimal."]
    assert fields[f"score-{entries[-1].indicator_id}"] == ["Give a score."]
    assert fields["comment"] == ["Write a comment for the officer."]
    assert review.status is ReviewStatus.DUE


def test_the_officer_acknowledges_or_disputes_and_hr_sends_back(db, tree, rv, client, auth):
    period = services.open_period(db, rv["hr"], tree.county.id, PeriodKind.QUARTER, 2026, 3)
    review = submit(db, rv, period, rv["officers"][0], 70)
    auth.login("zhang")
    page = client.get(f"/reviews/{review.id}").get_data(as_text=True)
    assert "Average" in page and "Acknowledge" in page
    assert client.post(f"/reviews/{review.id}/respond", data={"agree": "0", "comment": ""}).status_code == 302
    assert review_of(db, period, rv["officers"][0]).status is ReviewStatus.SUBMITTED  # a dispute needs a comment
    client.post(f"/reviews/{review.id}/respond", data={"agree": "0", "comment": "案件数量统计有误"})
    db.expire_all()
    assert review.status is ReviewStatus.DISPUTED
    assert [r.id for r in services.disputes(db, rv["hr"])] == [review.id]
    with pytest.raises(NotFound):  # the reviewer is not HR
        services.resolve_dispute(db, rv["reviewer"], review.id, True, "复核")
    services.resolve_dispute(db, rv["hr"], review.id, True, "请复核案件数量")
    db.commit()
    assert review.status is ReviewStatus.DRAFT
    services.enter(db, rv["reviewer"], review.id, entries_for(review, 78), "已复核", submit=True)
    db.commit()
    assert (review.status, review.grade) == (ReviewStatus.SUBMITTED, RoutineGrade.FAIRLY_GOOD)
    services.respond(db, rv["officer_user"], review.id, True, "")
    assert review.status is ReviewStatus.ACKNOWLEDGED


def test_another_officer_cannot_read_a_review(db, tree, rv, client, auth):
    period = services.open_period(db, rv["hr"], tree.county.id, PeriodKind.QUARTER, 2026, 3)
    other = submit(db, rv, period, rv["officers"][1], 88)
    auth.login("zhang")
    assert client.get(f"/reviews/{other.id}").status_code == 404
    assert client.post(f"/reviews/{other.id}/respond", data={"agree": "1"}).status_code == 404


# ---- automatic actions and the credential --------------------------------------------------------

def test_a_poor_routine_grade_opens_a_training_action_once_and_a_better_rereview_withdraws_it(db, tree, rv):
    period = services.open_period(db, rv["hr"], tree.county.id, PeriodKind.QUARTER, 2026, 3)
    review = submit(db, rv, period, rv["officers"][0], 50)
    [action] = actions.actions_of(db, rv["officers"][0].id)
    assert (action.kind, action.status, action.automatic, action.review_id) == (ActionKind.TRAINING, ActionStatus.OPEN, True, review.id)
    services.respond(db, rv["officer_user"], review.id, False, "不服")
    services.resolve_dispute(db, rv["hr"], review.id, True, "复核")
    services.enter(db, rv["reviewer"], review.id, entries_for(review, 55), "复核后", submit=True)
    assert len(actions.actions_of(db, rv["officers"][0].id)) == 1  # still poor: not a second one
    services.respond(db, rv["officer_user"], review.id, False, "仍不服")
    services.resolve_dispute(db, rv["hr"], review.id, True, "再复核")
    services.enter(db, rv["reviewer"], review.id, entries_for(review, 80), "再复核后", submit=True)
    db.commit()
    assert action.status is ActionStatus.CANCELLED


def test_two_consecutive_incompetent_years_open_a_case_and_block_the_credential(db, tree, rv):
    from examsys.credentials.services import eligibility

    officer = rv["officers"][0]
    tree.county.is_issuer = True
    clock.freeze(datetime(2026, 12, 20, 8, 0, tzinfo=UTC))
    try:
        annual.set_grade(db, rv["reviewer"], officer.id, 2025, AnnualGrade.INCOMPETENT)
        db.commit()
        reasons = eligibility(db, officer, [])
        assert "The latest annual assessment (2025) is Incompetent." in reasons
        assert actions.open_disqualification(db, officer.id) is None
        annual.set_grade(db, rv["reviewer"], officer.id, 2026, AnnualGrade.INCOMPETENT)
        db.commit()
        case = actions.open_disqualification(db, officer.id)
        assert case is not None and case.owner_org_id == tree.county.id and case.automatic
        reasons = eligibility(db, officer, [])
        assert any("A disqualification case is open with 新城区" in r for r in reasons)
        annual.set_grade(db, rv["reviewer"], officer.id, 2026, AnnualGrade.COMPETENT, "更正")
        db.commit()
        assert actions.open_disqualification(db, officer.id) is None
        assert case.status is ActionStatus.CANCELLED
        assert not any("annual" in r or "disqualification" in r for r in eligibility(db, officer, []))
    finally:
        clock.unfreeze()


# ---- annual --------------------------------------------------------------------------------------

def test_the_proposal_follows_the_documented_rule():
    good, fair, avg, poor = RoutineGrade.GOOD, RoutineGrade.FAIRLY_GOOD, RoutineGrade.AVERAGE, RoutineGrade.POOR
    assert annual.propose([]) is None
    assert annual.propose([good, good, fair, fair]) is AnnualGrade.EXCELLENT
    assert annual.propose([good, fair, fair, fair]) is AnnualGrade.COMPETENT
    assert annual.propose([good, good, good, avg]) is AnnualGrade.COMPETENT
    assert annual.propose([avg, avg, avg, good]) is AnnualGrade.BASIC
    assert annual.propose([good, good, good, poor]) is AnnualGrade.BASIC
    assert annual.propose([poor, poor, good, good]) is AnnualGrade.INCOMPETENT


def test_the_excellent_cap_warns_and_refuses_beyond_it(db, tree, rv, client, auth):
    for n in range(6):  # 10 officers in post in the department: 2 places at 20 %
        make_person(db, tree.county_dept, name=f"加员{n}")
    people = rv["officers"]
    annual.set_grade(db, rv["reviewer"], people[0].id, 2026, AnnualGrade.EXCELLENT)
    annual.set_grade(db, rv["reviewer"], people[1].id, 2026, AnnualGrade.EXCELLENT)
    db.commit()
    assert annual.cap_of(db, tree.county_dept, 2026).left == 0
    with pytest.raises(ValidationFailed) as error:
        annual.set_grade(db, rv["reviewer"], people[2].id, 2026, AnnualGrade.EXCELLENT)
    assert error.value.field_errors["grade"] == [
        "Excellent is capped at 20% of the 10 officers assessed in 新城区市场监督管理局: 2 places, all taken."]
    annual.set_grade(db, rv["reviewer"], people[0].id, 2026, AnnualGrade.EXCELLENT, "再次确认")  # keeping a place is fine
    db.commit()
    auth.login("head")
    page = client.get(f"/reviews/annual?org={tree.county_dept.id}&year=2026").get_data(as_text=True)
    assert "No place left: another Excellent will be refused." in page
    response = client.post(f"/reviews/annual/{people[2].id}/2026?org={tree.county_dept.id}", data={"grade": "excellent"}, follow_redirects=True)
    assert "all taken" in response.get_data(as_text=True)


def test_only_the_reviewer_of_the_organisation_sets_annual_grades(db, tree, rv):
    with pytest.raises(NotFound):
        annual.set_grade(db, rv["hr"], rv["officers"][0].id, 2026, AnnualGrade.COMPETENT)
    with pytest.raises(NotFound):
        annual.set_grade(db, rv["reviewer"], rv["outsider"].id, 2026, AnnualGrade.COMPETENT)
    with pytest.raises(PermissionDenied):
        annual.set_grade(db, rv["reviewer"], rv["head"].id, 2026, AnnualGrade.EXCELLENT)


# ---- bulk entry ----------------------------------------------------------------------------------

def _sheet(rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_bulk_file_with_one_bad_row_is_rejected_whole(db, tree, rv):
    period = services.open_period(db, rv["hr"], tree.county.id, PeriodKind.QUARTER, 2026, 3)
    db.commit()
    [scheme] = bulk.schemes_in(db, rv["reviewer"], period.id)
    template = load_workbook(io.BytesIO(write_xlsx(*bulk.template(db, rv["reviewer"], period.id, scheme.id))))
    header, *people = [list(r) for r in template.active.iter_rows(values_only=True)]
    assert header[0] == "身份证号" and header[2] == "1.1 依法履职（满分10）" and header[-1] == "评语"
    assert {p[1] for p in people} == {"张三", "李四", "赵五"}  # not the reviewer's own record
    rows = [header]
    for person in people:
        rows.append([person[0], person[1], 9, 8, 10, 12, 18, 14, 8, 9, "按期完成"])
    rows[2][4] = 12  # 1.3 is out of 10
    result = bulk.bulk_enter(db, rv["reviewer"], period.id, scheme.id, "reviews.xlsx", _sheet(rows))
    assert [(e.row, e.column) for e in result.errors] == [(3, "1.3 纪律作风（满分10）")]
    db.rollback()
    assert {r.status for r in db.scalars(select(Review).where(Review.period_id == period.id))} == {ReviewStatus.DUE}
    rows[2][4] = 10
    result = bulk.bulk_enter(db, rv["reviewer"], period.id, scheme.id, "reviews.xlsx", _sheet(rows))
    db.commit()
    assert result.errors == [] and result.submitted == 3
    assert review_of(db, period, rv["officers"][0]).total == Decimal(88)


def test_bulk_entry_names_unknown_people_duplicates_and_wrong_names(db, tree, rv):
    period = services.open_period(db, rv["hr"], tree.county.id, PeriodKind.QUARTER, 2026, 3)
    [scheme] = bulk.schemes_in(db, rv["reviewer"], period.id)
    header = [c.header for c in bulk.columns(scheme)]
    first = rv["officers"][0]
    scores = [9, 8, 10, 12, 18, 14, 8, 9, "好"]
    rows = [header, [first.id_number, "张三", *scores], [first.id_number, "张三", *scores],
            [rv["outsider"].id_number, "外区丙", *scores], [rv["officers"][1].id_number, "别人", *scores]]
    result = bulk.bulk_enter(db, rv["reviewer"], period.id, scheme.id, "r.xlsx", _sheet(rows))
    messages = {(e.row, e.message) for e in result.errors}
    assert (3, "Also on row 2.") in messages
    assert any(row == 4 and "Nobody with this ID number" in m for row, m in messages)
    assert (5, "The register has 李四 for this ID number.") in messages


# ---- pages ---------------------------------------------------------------------------------------

def test_reports_draw_the_distribution_and_export_it(db, tree, rv, client, auth):
    period = services.open_period(db, rv["hr"], tree.county.id, PeriodKind.QUARTER, 2026, 3)
    submit(db, rv, period, rv["officers"][0], 95)
    submit(db, rv, period, rv["officers"][1], 50)
    auth.login("hr-county")
    page = client.get(f"/reviews/reports?period={period.id}").get_data(as_text=True)
    assert "<svg" in page and "新城区市场监督管理局 Good: 1" in page and "新城区市场监督管理局 Poor: 1" in page
    export = client.get(f"/reviews/reports?period={period.id}&format=xlsx")
    sheet = load_workbook(io.BytesIO(export.data)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[1][:5] == ["新城区市场监督管理局", "1", "0", "0", "1"] and rows[1][5] == "2"  # two not yet done
    assert rows[1][7] == "1"  # the training action the Poor grade opened


def test_the_officer_sees_their_history_and_open_actions(db, tree, rv, client, auth):
    period = services.open_period(db, rv["hr"], tree.county.id, PeriodKind.QUARTER, 2026, 3)
    submit(db, rv, period, rv["officers"][0], 40)
    auth.login("zhang")
    page = client.get("/reviews/mine").get_data(as_text=True)
    assert "2026, quarter 3" in page and "Poor" in page and "Please respond" in page and "Training" in page


def test_the_reviewer_enters_a_review_through_the_page(db, tree, rv, client, auth):
    period = services.open_period(db, rv["hr"], tree.county.id, PeriodKind.QUARTER, 2026, 3)
    db.commit()
    review = review_of(db, period, rv["officers"][0])
    auth.login("head")
    assert "张三" in client.get("/reviews/").get_data(as_text=True)
    data = {f"score-{e.indicator_id}": e.score for e in entries_for(review, 92)}
    data.update(comment="表现突出", submit="1")
    data[f"score-{review.scheme.leaves[0].id}"] = "abc"
    page = client.post(f"/reviews/{review.id}", data=data).get_data(as_text=True)
    assert "Give a score from 0 to 10, with at most one decimal." in page and 'value="abc"' in page
    data[f"score-{review.scheme.leaves[0].id}"] = "10"
    assert client.post(f"/reviews/{review.id}", data=data).status_code == 302
    db.expire_all()
    assert (review.status, review.total, review.grade) == (ReviewStatus.SUBMITTED, Decimal(92), RoutineGrade.GOOD)


def test_overdue_is_read_from_the_clock(db, tree, rv):
    period = services.open_period(db, rv["hr"], tree.county.id, PeriodKind.QUARTER, 2026, 3, due_on=date(2026, 10, 5))
    review = review_of(db, period, rv["officers"][0])
    assert not review.overdue(date(2026, 10, 5)) and review.overdue(date(2026, 10, 6))
