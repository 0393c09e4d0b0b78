"""The annual report on the dashboard's small data set (tests/test_supervision.py), counted by hand: each table, the
scope of a county auditor, a closed year recomputed after later changes, the workbook and the PDF."""
from __future__ import annotations

import io
import re
from datetime import UTC, datetime

from openpyxl import load_workbook

from examsys import clock
from examsys.auth.models import Role, User
from examsys.credentials.models import Credential, CredentialEvent, CredentialStatus, OfficerReport, ReportCategory
from examsys.personnel.models import EmploymentStatus, Person
from examsys.supervision import annual, trends
from examsys.supervision.models import AnnualReport
from tests.factories import make_user
from tests.test_supervision import world  # noqa: F401  (a fixture)

ZH = {"Accept-Language": "zh-CN"}


def test_the_tables_of_the_running_year_count_by_hand(db, tree, world):  # noqa: F811
    """On 1 June 2026: c1 (新城区, ends 1 July), c2, c3 (suspended, not ended) and cr (包头市) are held; cq expired in May."""
    auditor = make_user(db, "region_auditor", tree.region, Role.AUDITOR)
    _root, figures, _digest = annual.report(db, auditor, 2026, None)
    tables = figures["tables"]
    assert tables["force_levels"] == [["region", 0, 0], ["league", 1, 0], ["county", 3, 0], ["total", 4, 0]]
    assert tables["force_domains"] == [["城管执法", 2], ["市场监管", 3], ["total", 5]]
    assert tables["credentials"] == [["issue", 5], ["renewal", 0], ["replacement", 0], ["suspend", 0], ["revoke", 0], ["cancel", 0]]
    assert tables["public"] == [["lookups", 0], ["reports", 5], ["reports_handled", 1]]
    assert tables["routine_grades"][-1] == ["total", 0] and tables["revocations"] == []


def test_a_county_auditor_reports_on_its_county_only(db, tree, world, client, auth):  # noqa: F811
    county = make_user(db, "county_auditor", tree.county, Role.AUDITOR)
    _root, figures, _digest = annual.report(db, county, 2026, None)
    assert figures["tables"]["force_levels"][-1] == ["total", 3, 0]
    assert figures["tables"]["credentials"][0] == ["issue", 3]
    assert figures["tables"]["public"][1] == ["reports", 4]
    auth.login("county_auditor")
    assert client.get(f"/supervision/annual/2026/{tree.other_league.id}").status_code == 404
    assert client.get(f"/supervision/annual/2026/{tree.county.id}").status_code == 200
    assert client.get(f"/supervision/annual/1999/{tree.county.id}").status_code == 404


def test_a_closed_year_recomputed_after_later_changes_gives_the_same_figures(db, tree, world):  # noqa: F811
    clock.freeze(datetime(2027, 2, 1, 8, 0, tzinfo=UTC))
    auditor = make_user(db, "region_auditor", tree.region, Role.AUDITOR)
    stored = annual.record(db, auditor, 2026, None)
    assert stored.figures["tables"]["force_levels"][-1] == ["total", 3, 0]  # c1 ended on 1 July 2026
    # 2027: c2 is revoked, a new credential issued, a report received, p3 retires
    c2 = db.query(Credential).filter_by(number="NO-c2").one()
    c2.status = CredentialStatus.REVOKED
    db.add(CredentialEvent(credential_id=c2.id, action="revoke", ground="法律"))
    db.add(OfficerReport(credential_id=c2.id, org_id=c2.org_id, category=ReportCategory.CONDUCT, text="又一件"))
    db.query(Person).filter_by(name="人员p3").one().employment_status = EmploymentStatus.RETIRED
    db.commit()
    _root, again, hashed = annual.report(db, auditor, 2026, None)
    assert again == stored.figures and hashed == stored.digest
    assert annual.report(db, auditor, 2027, None)[1]["tables"]["credentials"][4] == ["revoke", 1]
    assert db.query(AnnualReport).count() == 1 and stored.computed_at == clock.now()


def test_the_page_records_a_report_and_offers_the_workbook_and_the_pdf(db, tree, world, client, auth):  # noqa: F811
    make_user(db, "county_auditor", tree.county, Role.AUDITOR)
    auth.login("county_auditor")
    page = client.get(f"/supervision/annual/2026/{tree.county.id}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "年度报告" in page and "<svg" in page and 'style="' not in page.split("<main")[-1]
    record = re.search(r'<form method="post" class="inline" action="[^"]*/record">.*?</form>', page, re.S).group(0)
    assert 'class="button primary"' in record and page.index('class="actions report-actions"') < page.index(record) < page.index("</div>", page.index(record))
    assert "年末持证人数（含暂扣）" in page and "年末持有的证件（按执法类别，含暂扣）" in page and "“有效证件”只计当前可以使用的证件" in page
    assert "年末有效证件" not in page
    answer = client.post(f"/supervision/annual/2026/{tree.county.id}/record")
    assert answer.status_code == 302
    stored = db.query(AnnualReport).one()
    assert stored.org_id == tree.county.id and stored.computed_by_id == db.query(User).filter_by(username="county_auditor").one().id
    page = client.get(f"/supervision/annual/2026/{tree.county.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert stored.digest[:12] in page and "Same figures as now" in page
    book = load_workbook(io.BytesIO(client.get(f"/supervision/annual/2026/{tree.county.id}/xlsx", headers=ZH).data))
    assert book.sheetnames[0] == "说明" and len(book.sheetnames) == 1 + len(annual.SECTIONS)
    levels = [list(r) for r in book["执法人员（按层级）"].iter_rows(values_only=True)]
    assert levels[-1] == ["合计", 3, 0]
    credentials = {r[0]: r[1] for r in book["证件"].iter_rows(min_row=2, values_only=True)}
    assert credentials["首次发证"] == 3
    pdf = client.get(f"/supervision/annual/2026/{tree.county.id}/pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")


def test_text_in_the_workbook_is_never_a_formula(db, tree, world):  # noqa: F811
    from examsys.supervision import report_files

    world["p1"].name = "=HYPERLINK(\"http://x\")"
    auditor = make_user(db, "region_auditor", tree.region, Role.AUDITOR)
    root, figures, hashed = annual.report(db, auditor, 2026, None)
    figures["tables"]["revocations"] = [["=1+1", "决定", "2026-01-01", "=cmd|x", "NO", "依据"]]
    book = load_workbook(io.BytesIO(report_files.workbook(root, figures, hashed, clock.now())))
    sheet = book.worksheets[1 + [s.key for s in annual.SECTIONS].index("revocations")]
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row]
    assert [c.value for c in cells][:4:3] == ["=1+1", "=cmd|x"] and all(c.data_type == "s" for c in cells)


def test_trends_count_by_local_month_and_show_a_chart_with_its_table(db, tree, world, client, auth):  # noqa: F811
    """Five credentials issued on 1 June; the reports 2, 3, 10, 20 and 40 days before it: four in May, one in April."""
    monthly = {t.key: dict(t.series) for t in trends.trends(db, tree.region, 2026)}
    assert monthly["credentials"]["Issued (first issuance)"] == [0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0]
    assert monthly["public"]["Reports from the public received"] == [0, 0, 0, 1, 4, 0, 0, 0, 0, 0, 0, 0]
    assert monthly["exams"]["Sat"] == [0] * 12
    make_user(db, "county_auditor", tree.county, Role.AUDITOR)
    auth.login("county_auditor")
    page = client.get(f"/supervision/trends/2026/{tree.county.id}", headers=ZH).get_data(as_text=True)
    main = page.split("<main")[-1]
    assert "按月趋势" in page and main.count("<svg") == 8 and 'style="' not in main and "<script" not in main
    row = re.search(r"<tr><th>收到的群众举报</th>((?:<td>\d+</td>)+)</tr>", page).group(1)
    assert re.findall(r"\d+", row) == ["0", "0", "0", "1", "3", "0", "0", "0", "0", "0", "0", "0"]  # 新城区's: c1's four
    assert client.get(f"/supervision/trends/2026/{tree.other_league.id}").status_code == 404


def test_a_table_of_zeros_gets_no_chart_and_the_public_table_counts_in_words():
    """A year without figures shows its tables of zeros, not empty chart frames; the public's table says how many
    (数量), not a number in the sense of an identifier (编号)."""
    from examsys.supervision import annual, report_files

    section = next(s for s in annual.SECTIONS if s.key == "credentials")
    assert report_files.section_chart(section, [["issued", 0], ["renewed", 0], ["total", 0]]) is None
    assert report_files.section_chart(section, [["issued", 2], ["renewed", 0], ["total", 2]]) is not None
    public = next(s for s in annual.SECTIONS if s.key == "public")
    assert [str(c) for c in public.columns] == ["What", "How many"]
