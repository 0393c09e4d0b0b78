"""The credential card as a PDF: 85.6 × 54 mm, front and back, with an embedded CJK font and the
verify QR code drawn as vectors (error level Q, at least 25 mm) so it prints sharp at any size. One
card per file, or many cards in one file for a print batch (the font subset is then embedded once)."""
from __future__ import annotations

import io
from collections.abc import Iterable

from reportlab.lib.colors import Color, black, white
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from examsys import qr
from examsys.credentials.documents.void_mark import VoidCanvas
from examsys.credentials.models import Credential
from examsys.pdf_fonts import FONT, FONT_FILE, FontMissing, font_name  # noqa: F401 (the card's font, for its importers)

CARD = (85.6 * mm, 54 * mm)
QR_SIZE = 30 * mm  # with its quiet zone: the code itself is about 26 mm
RED = Color(0.61, 0.11, 0.11)


def new_canvas(out: io.BytesIO, pagesize: tuple[float, float], title: str, void_note: str | None = None) -> Canvas:
    """A canvas whose every font is the embedded CJK one: reportlab's default initial font
    (Helvetica, a base-14 font no PDF embeds) would otherwise be named on every page. With `void_note`,
    every page is marked 作废 VOID as it is finished (a copy for the file, printing.py)."""
    options = {"pagesize": pagesize, "pageCompression": 1, "initialFontName": font_name()}
    canvas = Canvas(out, **options) if void_note is None else VoidCanvas(out, void_note=void_note, **options)
    canvas.setTitle(title)
    return canvas


def missing_glyphs(text: str) -> str:
    """The characters of `text` the embedded font has no glyph for (printed as empty boxes)."""
    face = pdfmetrics.getFont(font_name()).face
    return "".join(sorted({c for c in text if not c.isspace() and ord(c) not in face.charToGlyph}))


def draw_qr(canvas: Canvas, url: str, x: float, y: float, size: float) -> None:
    """The QR code as filled rectangles, one per run of dark modules, written as PDF operators in
    module units under one transformation (reportlab's own QR widget took 97 ms a card; one
    reportlab rect per run 8 ms, most of it formatting coordinates; this about 2 ms)."""
    modules = qr.matrix(url)
    module = size / len(modules)
    canvas.saveState()
    canvas.setFillColor(white)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColor(black)
    # One unit per module, rows counted down from the top edge: every coordinate is a small integer.
    ops = [f"{module:.5f} 0 0 {-module:.5f} {x:.3f} {y + size:.3f} cm"]
    ops.extend(f"{col} {row} {length} 1 re" for row, col, length in qr.runs(modules))
    ops.append("f")
    canvas.addLiteral("\n".join(ops))
    canvas.restoreState()


def card_pdf(credential: Credential, verify_url: str, void_note: str | None = None) -> bytes:
    """One card; with `void_note`, a copy for the file marked 作废 VOID (printing.py)."""
    out = io.BytesIO()
    canvas = new_canvas(out, CARD, f"行政执法证 {credential.number}", void_note)
    draw_card(canvas, credential, verify_url)
    canvas.save()
    return out.getvalue()


def cards_pdf(cards: Iterable[tuple[Credential, str]], title: str = "行政执法证") -> bytes:
    """Many cards in one file, front and back of each in turn: (credential, verify URL) pairs."""
    out = io.BytesIO()
    canvas = new_canvas(out, CARD, title)
    for credential, verify_url in cards:
        draw_card(canvas, credential, verify_url)
    canvas.save()
    return out.getvalue()


def draw_card(canvas: Canvas, credential: Credential, verify_url: str) -> None:
    """The card's two pages, front then back, onto `canvas`."""
    font = font_name()
    width, height = CARD
    person = credential.person

    # front
    canvas.setFillColor(RED)
    canvas.rect(0, height - 11 * mm, width, 11 * mm, stroke=0, fill=1)
    canvas.setFillColor(white)
    canvas.setFont(font, 11)
    canvas.drawCentredString(width / 2, height - 7.5 * mm, "行政执法证")
    photo_w, photo_h = 20 * mm, 24.6 * mm
    photo_x, photo_y = 4 * mm, height - 13 * mm - photo_h
    if person.photo is not None:
        canvas.drawImage(ImageReader(io.BytesIO(person.photo.jpeg)), photo_x, photo_y, photo_w, photo_h)
    else:
        canvas.setStrokeColor(black)
        canvas.rect(photo_x, photo_y, photo_w, photo_h, stroke=1, fill=0)
    canvas.setFillColor(black)
    lines = [("姓名", person.name), ("单位", credential.org.name), ("证号", credential.number),
             ("执法类别", "、".join(d.name for d in credential.domains)), ("执法区域", credential.region),
             ("有效期", f"{credential.valid_from:%Y.%m.%d}—{credential.valid_to:%Y.%m.%d}")]
    y = height - 16 * mm
    for label, value in lines:
        canvas.setFont(font, 6)
        canvas.drawString(27 * mm, y, label)
        canvas.setFont(font, 7 if label != "单位" else 6)
        canvas.drawString(38 * mm, y, value[:32])
        y -= 5.3 * mm
    canvas.setFont(font, 5.5)
    canvas.drawString(4 * mm, 3 * mm, f"发证机关：{credential.issuer.name}")
    canvas.showPage()

    # back: the QR code a phone opens, and how to check
    draw_qr(canvas, verify_url, (width - QR_SIZE) / 2 + 14 * mm, (height - QR_SIZE) / 2, QR_SIZE)
    canvas.setFont(font, 7)
    text = canvas.beginText(5 * mm, height - 10 * mm)
    text.setFont(font, 7)
    for line in ("扫描二维码核验", "持证人可否执法、", "执法类别与有效期。", "", "请核对照片与本人。", "", credential.number):
        text.textLine(line)
    canvas.drawText(text)
    canvas.showPage()
