"""Charts fit their room: the annual report's PDF keeps every chart within the A4 page (December included) and its
heading with the first trend chart; a page's trend chart carries each series' full name in its legend, wrapped into
rows, in text large enough to read, and is drawn as wide as its card."""
from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from reportlab.graphics.shapes import String

from examsys import charts
from examsys.auth.models import Role
from tests.factories import make_user
from tests.test_supervision import world  # noqa: F401  (a fixture)

ZH = {"Accept-Language": "zh-CN"}


def _placed_text(page) -> list[tuple[float, str]]:
    found: list[tuple[float, str]] = []

    def visit(text, cm, tm, _font, _size):
        if text.strip():
            found.append((cm[0] * tm[4] + cm[2] * tm[5] + cm[4], text.strip()))
    page.extract_text(visitor_text=visit)
    return found


def test_the_annual_pdf_keeps_its_charts_on_the_page_and_the_trend_heading_with_a_chart(db, tree, world, client, auth):  # noqa: F811
    make_user(db, "county_auditor", tree.county, Role.AUDITOR)
    auth.login("county_auditor")
    reader = PdfReader(io.BytesIO(client.get(f"/supervision/annual/2026/{tree.county.id}/pdf", headers=ZH).data))
    for page in reader.pages:
        width = float(page.mediabox.width)
        assert all(0 <= x <= width - 20 for x, _text in _placed_text(page)), [t for t in _placed_text(page) if t[0] > width - 20]
    heading = next(page for page in reader.pages if "按月趋势" in page.extract_text())
    text = heading.extract_text()
    assert text.rstrip().endswith("按月趋势") is False and "证件发放与变动" in text.split("按月趋势", 1)[1]


def test_a_wide_drawing_is_scaled_to_the_frame():
    drawing = charts.lines([str(m) for m in range(1, 13)], [("a", [1] * 12)], "t", width=1000)
    fitted = charts.fit(drawing, 510)
    assert fitted.width == 510 and abs(fitted.height - drawing.height * 0.51) < 0.01
    assert charts.fit(fitted, 600) is fitted


def test_the_trend_legends_show_full_names_in_rows_in_readable_text(db, tree, world, client, auth):  # noqa: F811
    make_user(db, "county_auditor", tree.county, Role.AUDITOR)
    auth.login("county_auditor")
    for headers in (ZH, {"Accept-Language": "en"}):
        page = client.get(f"/supervision/trends/2026/{tree.county.id}", headers=headers).get_data(as_text=True)
        main = page.split("<main")[-1]
        assert "…" not in main and 'style="' not in main
        names = re.findall(r"<tr><th>([^<]+)</th><td>", main)
        legend = re.findall(r'<text[^>]*font-size="13px"[^>]*>([^<]+)</text>', main)
        assert names and set(names) <= set(legend)
        assert all(int(w) >= 1000 for w in re.findall(r'<svg[^>]* width="(\d+)', main))
    long_names = [("Credentials in force at the month's snapshot", [1] * 12), ("Credentials suspended at the month's snapshot", [0] * 12),
                  ("Credentials expiring within 90 days at the snapshot", [0] * 12)]
    placed, rows = charts.legend([n for n, _v in long_names], 50, 600, 13)
    assert rows == 2 and [row for _x, row, _n in placed] == [0, 0, 1]


@pytest.mark.parametrize(("maximum", "whole", "ticks"), [
    (27, True, [10, 20, 30]), (1, True, [1]), (3, True, [1, 2, 3]), (13.5, False, [5, 10, 15]),
    (0.6, False, [0.2, 0.4, 0.6]), (0, True, [1]), (100, True, [50, 100]),
])
def test_a_line_chart_axis_reads_in_round_steps_and_counts_in_whole_numbers(maximum, whole, ticks):
    labels = [str(m) for m in range(1, 13)]
    values = [maximum] + [0] * 11
    drawing = charts.lines(labels, [("a", values)], "t")
    axis = [s.text for s in drawing.contents if isinstance(s, String) and s.textAnchor == "end"]
    assert axis[-1] == "0" and [float(text) for text in axis[:-1]] == ticks
