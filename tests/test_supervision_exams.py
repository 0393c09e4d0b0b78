"""Exam statistics for supervisors on the item analysis's six graded papers (totals 5, 4, 3, 2, 1, 0; pass mark 3)
and a seventh candidate still writing: outcomes, bands, reliability worked out by hand, and the scope."""
from __future__ import annotations

import math
import re
from datetime import timedelta
from decimal import Decimal

import pytest

from examsys.auth.models import Role, User
from examsys.exams.models import Attempt, AttemptStatus
from examsys.orgs.models import OrgKind
from examsys.supervision import exam_stats
from tests.factories import make_user
from tests.test_item_analysis import stats_plan  # noqa: F401  (a fixture)

# Item scores over the six papers: S1 (2 points) 2,2,2,0,0,0; S2 (1) 0,0,1,0,1,0; M1 (2) 2,2,0,2,0,0; T1 (1) 1,0,0,0,0,0.
# Item variances 1 + 2/9 + 1 + 5/36 = 85/36; the totals' variance 35/12; k = 4.
ALPHA = 4 / 3 * (1 - (85 / 36) / (35 / 12))  # = 16/63
SEM = math.sqrt(35 / 12) * math.sqrt(1 - ALPHA)


def test_outcomes_per_plan_year_league_and_county(db, tree, frozen_clock, stats_plan):  # noqa: F811
    """Beside the six papers, the `exam` fixture's region-wide plan has two candidates who have not started,
    one in 新城区 and one in 赛罕区 (both 呼和浩特市)."""
    auditor = make_user(db, "region_auditor", tree.region, Role.AUDITOR)
    stats = (7, 6, 3)  # seven candidates, six handed in, three reached the pass mark
    total = exam_stats.totals(db, auditor)
    assert (total.candidates, total.sat, total.passed, total.pass_rate) == (9, 6, 3, 0.5)
    assert [(plan.name, (o.candidates, o.sat, o.passed)) for plan, o in exam_stats.by_plan(db, auditor)] == [
        ("统计测试", stats), ("资格考试", (2, 0, 0))]
    assert [(year, (o.candidates, o.sat, o.passed)) for year, o in exam_stats.by_year(db, auditor)] == [(2026, (9, 6, 3))]
    assert [(org.name, (o.candidates, o.sat, o.passed)) for org, o in exam_stats.by_org(db, auditor, OrgKind.LEAGUE)] == [
        ("呼和浩特市", (2, 0, 0)), ("包头市", stats)]
    assert [(org.name, (o.candidates, o.sat, o.passed)) for org, o in exam_stats.by_org(db, auditor, OrgKind.COUNTY)] == [
        ("新城区", (1, 0, 0)), ("赛罕区", (1, 0, 0))]
    assert exam_stats.by_plan(db, auditor)[1][1].pass_rate is None  # nobody sat: no rate, not 0 %
    # the candidates outside every county (包头市's own department) get their row: the county table adds up to the total
    assert exam_stats.above(db, auditor, OrgKind.LEAGUE) is None
    above = exam_stats.above(db, auditor, OrgKind.COUNTY)
    assert (above.candidates, above.sat, above.passed) == stats and 1 + 1 + above.candidates == total.candidates


def test_reliability_is_cronbachs_alpha_with_its_standard_error(db, stats_plan):  # noqa: F811
    result = exam_stats.reliability(db, stats_plan.id)
    assert (result.papers, result.items) == (6, 4)
    assert result.alpha == pytest.approx(16 / 63, abs=1e-4) and result.alpha == pytest.approx(ALPHA, abs=1e-4)
    assert result.sem == pytest.approx(SEM, abs=0.01)  # 1.48


def test_without_a_figure_for_alpha_the_page_says_why(db, client, auth, tree, stats_plan):  # noqa: F811
    graded = db.query(Attempt).filter_by(plan_id=stats_plan.id, status=AttemptStatus.GRADED).all()
    for attempt in graded:
        attempt.score = Decimal(4)
    db.commit()
    assert exam_stats.reliability(db, stats_plan.id).why_not == "same score"
    for attempt in graded[1:]:
        attempt.status = AttemptStatus.SUBMITTED
    db.commit()
    assert exam_stats.reliability(db, stats_plan.id).why_not == "papers"
    make_user(db, "baotou_auditor", tree.other_league, Role.AUDITOR)
    auth.login("baotou_auditor")
    zh = client.get(f"/supervision/exams/{stats_plan.id}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert 'data-figure="alpha">—<' in zh and "需要至少两份已评分试卷" in zh


def test_scores_fall_in_bands_of_ten_points(db, tree, stats_plan):  # noqa: F811
    graded = db.query(Attempt).filter_by(plan_id=stats_plan.id, status=AttemptStatus.GRADED).order_by(Attempt.id).all()
    for attempt, score in zip(graded, ("100", "95", "60", "59.99", "10", "0"), strict=True):
        attempt.score = Decimal(score)
    db.commit()
    auditor = make_user(db, "region_auditor", tree.region, Role.AUDITOR)
    assert exam_stats.distribution(db, auditor) == [1, 1, 0, 0, 0, 1, 1, 0, 0, 2]
    svg = str(exam_stats.chart([1, 1, 0, 0, 0, 1, 1, 0, 0, 2]))
    heights = [float(h) for h in re.findall(r'<rect x="[\d.]+" y="24" width="[\d.]+" height="([\d.]+)"', svg)]
    assert heights == [80.0, 80.0, 0.0, 0.0, 0.0, 80.0, 80.0, 0.0, 0.0, 160.0]  # scaled to the top band
    assert "<title>90–99: 0</title>" not in svg and "<title>≥90: 2</title>" in svg and 'style="' not in svg


def test_a_county_auditor_sees_only_its_countys_candidates(db, client, auth, tree, stats_plan):  # noqa: F811
    make_user(db, "county_auditor", tree.county, Role.AUDITOR)
    auth.login("county_auditor")
    page = client.get("/supervision/exams", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "统计测试" not in page and "资格考试" in page
    county = exam_stats.totals(db, db.query(User).filter_by(username="county_auditor").one())
    assert (county.candidates, county.sat, county.passed) == (1, 0, 0)
    assert client.get(f"/supervision/exams/{stats_plan.id}").status_code == 404


def test_the_pages_show_the_tables_chart_and_reliability(db, client, auth, tree, stats_plan):  # noqa: F811
    make_user(db, "baotou_auditor", tree.other_league, Role.AUDITOR)
    auth.login("baotou_auditor")
    page = client.get("/supervision/exams", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "统计测试" in page and "50.0 %" in page and "<svg" in page and "<script" not in page.split("<main")[-1].split("</main>")[0]
    plan_page = client.get(f"/supervision/exams/{stats_plan.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    alpha = re.search(r'data-figure="alpha">([\d.]+)<', plan_page).group(1)
    sem = re.search(r'data-figure="sem">([\d.]+)<', plan_page).group(1)
    assert (alpha, sem) == ("0.254", "1.48")
    assert re.search(r'data-figure="items">([^<]+)<', plan_page).group(1) == "4" and 'data-figure="why-not"' not in plan_page
    page = client.get("/supervision/exams", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    county_table = page.split("按旗县")[1].split("</table>")[0]
    assert "盟市及自治区直属单位" in county_table and "<td>7</td><td>6</td><td>3</td>" in county_table
    zh = client.get(f"/supervision/exams/{stats_plan.id}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "信度" in zh and "测量标准误" in zh


def test_outcomes_per_domain_and_resit_outcomes(db, tree, frozen_clock, stats_plan):  # noqa: F811
    """Of the three who failed, one sits again later and fails again, one sits again and passes; a fourth paper of
    a passed candidate is no re-sit."""
    auditor = make_user(db, "region_auditor", tree.region, Role.AUDITOR)
    assert exam_stats.resits(db, auditor) == exam_stats.Resits(3, 0, 0)
    failed = db.query(Attempt).filter_by(plan_id=stats_plan.id, passed=False).order_by(Attempt.id).all()
    passed = db.query(Attempt).filter_by(plan_id=stats_plan.id, passed=True).first()
    for first, outcome in ((failed[0], False), (failed[1], True), (passed, True)):
        db.add(Attempt(plan_id=stats_plan.id, person_id=first.person_id, number=2, seed="x", items=[], status=AttemptStatus.GRADED,
                       submitted_at=first.submitted_at + timedelta(days=1), score=Decimal(5 if outcome else 1), passed=outcome))
    db.commit()
    assert exam_stats.resits(db, auditor) == exam_stats.Resits(3, 2, 1)
    county = make_user(db, "county_auditor", tree.county, Role.AUDITOR)
    assert exam_stats.resits(db, county) == exam_stats.Resits(0, 0, 0)  # the papers are 包头's
    domains = dict(exam_stats.by_domain(db, auditor))
    common = domains["Common part (all domains)"]
    assert (common.candidates, common.sat, common.passed) == (9, 6, 4)


def test_a_chart_drawn_after_another_library_renamed_the_svg_namespace_is_still_plain_svg():
    """qrcode's SVG module registers the prefix "svg" for the SVG namespace when it is imported (the e-card
    draws through it); a chart drawn after that must still be <svg>/<rect>, which a page draws, not <svg:rect>."""
    import xml.etree.ElementTree as ET

    from examsys import charts

    ET.register_namespace("svg", charts.SVG_NS)
    markup = str(charts.svg(charts.bars(["a", "b"], [1, 2], "t"), "label"))
    assert markup.startswith("<svg") and "<svg:" not in markup and "<rect" in markup


def test_a_candidate_who_moves_later_stays_counted_where_they_sat(db, tree, frozen_clock, stats_plan):  # noqa: F811
    """A passed candidate of 包头 transfers to 新城区 after the exam: the league, county and scope figures do not move
    (a closed year's statistics stay as they were), and 新城区's auditor does not see that paper."""
    from examsys.personnel.models import Person

    auditor = make_user(db, "region_auditor", tree.region, Role.AUDITOR)
    county_auditor = make_user(db, "county_auditor", tree.county, Role.AUDITOR)
    before = [(org.name, o) for org, o in exam_stats.by_org(db, auditor, OrgKind.LEAGUE)]
    moved = db.get(Person, db.query(Attempt).filter_by(plan_id=stats_plan.id, passed=True).first().person_id)
    moved.org_id = tree.county.id
    db.commit()
    assert [(org.name, o) for org, o in exam_stats.by_org(db, auditor, OrgKind.LEAGUE)] == before
    county = exam_stats.totals(db, county_auditor)
    assert (county.candidates, county.sat, county.passed) == (1, 0, 0)
    assert exam_stats.resits(db, county_auditor) == exam_stats.Resits(0, 0, 0)
