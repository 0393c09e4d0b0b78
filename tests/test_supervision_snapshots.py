"""Monthly snapshots of the dashboard's figures on the dashboard's small data set (tests/test_supervision.py): what a
snapshot holds, one row per organisation and month (the month's last), and the trends page that reads them."""
from __future__ import annotations

import re
from datetime import UTC, datetime

from examsys import clock
from examsys.auth.models import Role
from examsys.credentials.models import Credential, CredentialStatus
from examsys.supervision import trends
from examsys.supervision.models import FigureSnapshot
from examsys.supervision.snapshots import take
from tests.factories import make_user
from tests.test_supervision import COUNTY, REGION, world  # noqa: F401  (a fixture)

ZH = {"Accept-Language": "zh-CN"}


def _snapshot(db, tree, org):
    return db.query(FigureSnapshot).filter_by(org_id=org.id).order_by(FigureSnapshot.month).all()


def test_a_snapshot_holds_each_roots_figures_and_a_later_one_replaces_the_months(db, tree, world):  # noqa: F811
    assert take(db) == 5  # the region, two leagues/cities, two counties: departments have none
    db.commit()
    [region] = _snapshot(db, tree, tree.region)
    assert region.month.isoformat() == "2026-06-01"
    assert region.figures == {**REGION, "officers": 7, "auxiliaries": 4}
    assert _snapshot(db, tree, tree.county)[0].figures == {**COUNTY, "officers": 4, "auxiliaries": 3}
    assert _snapshot(db, tree, tree.county_dept) == []
    clock.freeze(datetime(2026, 6, 20, 8, 0, tzinfo=UTC))  # later in June c2 is suspended
    db.query(Credential).filter_by(number="NO-c2").one().status = CredentialStatus.SUSPENDED
    db.commit()
    take(db)
    db.commit()
    [region] = _snapshot(db, tree, tree.region)  # still one row for June, now with the later state
    assert (region.figures["in_force"], region.figures["suspended"]) == (2, 2)


def test_the_trends_show_each_months_snapshot_and_a_dash_for_a_month_without(db, tree, world, client, auth):  # noqa: F811
    take(db)
    clock.freeze(datetime(2026, 8, 3, 8, 0, tzinfo=UTC))  # August: c1 (ended 1 July) is no longer in force
    take(db)
    db.commit()
    states = {t.key: dict(t.series) for t in trends.state_trends(db, tree.region, 2026)[0]}
    assert states["state-credentials"]["Credentials in force"] == [None] * 5 + [3, None, 2] + [None] * 4
    assert states["state-staff"]["Reports awaiting an answer"][5] == 3 + 1  # c1's three and cq's one
    make_user(db, "county_auditor", tree.county, Role.AUDITOR)
    auth.login("county_auditor")
    page = client.get(f"/supervision/trends/2026/{tree.county.id}", headers=ZH).get_data(as_text=True)
    row = re.search(r"<tr><th>有效证件</th>((?:<td>[^<]*</td>)+)</tr>", page).group(1)
    assert re.findall(r"<td>([^<]*)</td>", row) == ["—"] * 5 + ["2", "—", "1"] + ["—"] * 4  # 新城区: c1, c2 → c2
    assert "按月" in page and page.split("<main")[-1].count("<svg") == 8
    department = client.get(f"/supervision/trends/2026/{tree.county_dept.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Snapshots of the dashboard's figures are kept for the region" in department and ">None<" not in department


def test_the_command_takes_a_snapshot(db, tree, world, app):  # noqa: F811
    result = app.test_cli_runner().invoke(args=["supervision", "snapshot"])
    assert result.exit_code == 0, result.output
    assert "5 organisations" in result.output
    assert db.query(FigureSnapshot).count() == 5
