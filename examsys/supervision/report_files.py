"""The annual report as files: an XLSX workbook laid out for the report (a sheet of what it is, then one sheet per
table) and a PDF with the tables and the charts (the CJK font embedded, as the credential PDFs do)."""
from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from examsys import charts, clock
from examsys.imports.tabular import xlsx_text_cell
from examsys.orgs.models import Organisation
from examsys.pdf_fonts import font_name
from examsys.supervision import annual, trends


def table_rows(section: annual.Section, rows: list[list[Any]]) -> list[list[Any]]:
    """A stored table as shown: the header, then each row with its label in the reader's language (and the pass rate
    of an exam row)."""
    out: list[list[Any]] = [[str(c) for c in section.columns]]
    for row in rows:
        if section.text:
            out.append(list(row))
            continue
        shown = [annual.row_label(section.key, row[0]), *row[1:]]
        if section.key == "exams":
            rate = annual.pass_rate(row)
            shown.append(f"{100 * rate:.1f} %" if rate is not None else "—")
        out.append(shown)
    return out


def about(root: Organisation, figures: dict[str, Any], digest: str, computed_at: datetime) -> list[tuple[str, str]]:
    return [(_("Organisations"), root.name), (_("Year"), str(figures["year"])),
            (_("Computed at"), clock.local_text(computed_at)), (_("Digest of the figures"), digest)]


def workbook(root: Organisation, figures: dict[str, Any], digest: str, computed_at: datetime) -> bytes:
    """One sheet saying what the workbook is, then one sheet per table: text cells are never formulas."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("About this workbook"))
    sheet.append([xlsx_text_cell(sheet, _("Annual report of the enforcement force"))])
    for name, value in about(root, figures, digest, computed_at):
        sheet.append([xlsx_text_cell(sheet, name), xlsx_text_cell(sheet, value)])
    for section in annual.SECTIONS:
        sheet = book.create_sheet(str(section.sheet)[:31])
        for row in table_rows(section, figures["tables"][section.key]):
            sheet.append([xlsx_text_cell(sheet, value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def section_chart(section: annual.Section, rows: list[list[Any]]) -> Any | None:
    """The chart of a table, where one helps: a bar per row of the first number (not the total)."""
    if section.text or section.key == "public":
        return None
    body = [row for row in rows if row[0] != "total"]
    if not any(int(row[1]) for row in body):  # a chart of zeros says nothing the table does not
        return None
    return charts.bars([annual.row_label(section.key, row[0]) for row in body], [int(row[1]) for row in body], str(section.title))


def pdf(root: Organisation, figures: dict[str, Any], digest: str, computed_at: datetime, monthly: list[trends.Trend]) -> bytes:
    font = font_name()
    title_style = ParagraphStyle("title", fontName=font, fontSize=16, leading=22)
    heading = ParagraphStyle("heading", fontName=font, fontSize=12, leading=18, spaceBefore=8)
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=13)
    out = io.BytesIO()
    title = _("Annual report of the enforcement force")
    document = SimpleDocTemplate(out, pagesize=A4, title=title, leftMargin=15 * mm, rightMargin=15 * mm)
    story: list[Any] = [Paragraph(f"{title} · {figures['year']} · {root.name}", title_style)]
    story += [Paragraph(f"{name}: {value}", body) for name, value in about(root, figures, digest, computed_at)[2:]]
    style = TableStyle([("FONT", (0, 0), (-1, -1), font, 8), ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee"))])
    for section in annual.SECTIONS:
        rows = figures["tables"][section.key]
        part: list[Any] = [Paragraph(str(section.title), heading)]
        part.append(Table([[str(v) for v in row] for row in table_rows(section, rows)], style=style, hAlign="LEFT")
                    if rows else Paragraph(_("None."), body))
        drawing = section_chart(section, rows)
        if drawing is not None:
            part += [Spacer(1, 4), charts.fit(drawing, document.width)]
        story.append(KeepTogether(part))
    for number, trend in enumerate(monthly):  # drawn at the frame's width; the heading stays with the first chart
        chart = charts.fit(charts.lines(trends.month_labels(), trend.series, str(trend.title), width=int(document.width), size=9), document.width)
        part = [Paragraph(str(trend.title), body), chart]
        story.append(KeepTogether([Paragraph(_("Trends by month"), heading), *part] if number == 0 else part))
    if not monthly:
        story.append(Paragraph(_("Trends by month"), heading))
    document.build(story)
    return out.getvalue()
