"""The credential card as a PDF: 85.6 × 54 mm, front and back, with an embedded CJK font and the
verify QR code drawn as vectors (error level Q, at least 25 mm) so it prints sharp at any size. One
card per file, or many cards in one file for a print batch (the font subset is then embedded once).

The front is in both scripts (docs/credential-format.md, "Two scripts"): traditional Mongolian first, in
vertical lines on the left (the title in a red strip, then the holder's name, unit, enforcement domains and
issuing authority, each where it has a Mongolian form), Chinese on the right, each field at one size in both."""
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
from examsys.pdf_fonts import FONT, FONT_FILE, FontMissing, draw_vertical_mongolian, font_name, mongolian_columns  # noqa: F401 (the card's font, for its importers)

CARD = (85.6 * mm, 54 * mm)
QR_SIZE = 30 * mm  # with its quiet zone: the code itself is about 26 mm
RED = Color(0.61, 0.11, 0.11)
# 行政执法证 in traditional Mongolian (to be read by a native reader before real use: docs/credential-format.md)
TITLE_MN = "ᠵᠠᠰᠠᠭ ᠵᠠᠬᠢᠷᠭ\u180eᠠ\u202fᠶᠢᠨ ᠬᠠᠤᠯᠢ ᠴᠠᠭᠠᠵᠠ\u202fᠶᠢ ᠬᠡᠷᠡᠭᠵᠢᠭᠦᠯᠬᠦ ᠦᠨᠡᠮᠯᠡᠯ"
TITLE_SIZE = 11
BAND = 11 * mm  # the red band: across the top (Chinese), down the left (Mongolian)


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


SIZES = {"name": 7, "org": 6, "domains": 7, "issuer": 5.5}  # each field's size on the front, in both scripts


def mongolian_fields(credential: Credential, sizes: dict[str, float]) -> list[tuple[str, float]]:
    """The front's Mongolian fields, left to right, each with its size (the size of the same field in
    Chinese): only the fields that have a Mongolian form; the card shows the others in Chinese only."""
    fields = [("name", credential.person.name_mn), ("org", credential.org.name_mn),
              ("domains", "\u1802 ".join(d.name_mn for d in credential.domains if d.name_mn)), ("issuer", credential.issuer.name_mn)]
    return [(text, sizes[key]) for key, text in fields if text]


def mongolian_side(credential: Credential, sizes: dict[str, float]) -> tuple[list[tuple[str, float, float, float]], float, float]:
    """Where the front's Mongolian lines go: (text, size, left, top) for the title on the red strip down
    the left edge and then the fields, the strip's width, and where the Chinese side may begin."""
    height = CARD[1]
    top, bottom = height - 2.5 * mm, 2.5 * mm
    placed = []
    x = 1.5 * mm
    for line in mongolian_columns(TITLE_MN, TITLE_SIZE, top - bottom):
        placed.append((line, TITLE_SIZE, x, top))
        x += TITLE_SIZE * 1.2
    strip = x + 0.5 * mm
    x = strip + 1.5 * mm
    field_top = height - BAND - 2 * mm
    for text, size in mongolian_fields(credential, sizes):
        for line in mongolian_columns(text, size, field_top - bottom):
            placed.append((line, size, x, field_top))
            x += size * 1.2
        x += 0.8 * mm
    return placed, strip, x + 1 * mm


def fitted(text: str, font: str, size: float, room: float, smallest: float = 4.5) -> float:
    """`size`, or less (not below `smallest`) so that `text` fits in `room` points."""
    wide = pdfmetrics.stringWidth(text, font, size)
    return size if wide <= room else max(smallest, size * room / wide)


def fitted_lines(text: str, font: str, size: float, room: float) -> tuple[list[str], float]:
    """`text` on one line of `room` points at `size` if it fits; else on two lines (broken where they come
    out most even), at `size` or less but not below 4.5 pt, so the field keeps a readable size."""
    if pdfmetrics.stringWidth(text, font, size) <= room or len(text) < 2:
        return [text], fitted(text, font, size, room)
    # break after a 、 between domains where there is one; never before a closing mark or after an opening one
    cuts = [i + 1 for i, char in enumerate(text[:-1]) if char == "、"] or [
        i for i in range(1, len(text)) if text[i] not in "，。、；：）》」』〕" and text[i - 1] not in "（《「『〔"] or [len(text) // 2]
    cut = min(cuts, key=lambda i: max(pdfmetrics.stringWidth(text[:i], font, size), pdfmetrics.stringWidth(text[i:], font, size)))
    lines = [text[:cut], text[cut:]]
    longer = max(lines, key=lambda line: pdfmetrics.stringWidth(line, font, size))
    return lines, fitted(longer, font, size, room)


PHOTO = (15 * mm, 18.5 * mm)
LABEL_W = 10 * mm


def draw_card(canvas: Canvas, credential: Credential, verify_url: str) -> None:
    """The card's two pages, front then back, onto `canvas`."""
    font = font_name()
    width, height = CARD
    person = credential.person
    lines = [("姓名", person.name, "name"), ("单位", credential.org.name, "org"), ("证号", credential.number, None),
             ("执法类别", "、".join(d.name for d in credential.domains), "domains"), ("执法区域", credential.region, None),
             ("有效期", f"{credential.valid_from:%Y.%m.%d}—{credential.valid_to:%Y.%m.%d}", None)]
    issuer = f"发证机关：{credential.issuer.name}"

    # The sizes: as designed, or smaller where a Chinese value would not fit beside the Mongolian side at
    # those sizes; the Mongolian line of the field then takes the same smaller size.
    _, _, left = mongolian_side(credential, SIZES)
    room = width - 2 * mm - (left + PHOTO[0] + 2 * mm + LABEL_W)
    sizes = dict(SIZES)
    for _label, value, key in lines:
        if key:
            sizes[key] = fitted_lines(value[:64], font, SIZES[key], room)[1]
    sizes["issuer"] = fitted(issuer, font, SIZES["issuer"], width - 2 * mm - left)
    placed, strip, left = mongolian_side(credential, sizes)

    # front: Mongolian first, on the left; Chinese to its right, each field at one size in both
    canvas.setFillColor(RED)
    canvas.rect(0, 0, strip, height, stroke=0, fill=1)
    canvas.rect(left - 1 * mm, height - BAND, width - left + 1 * mm, BAND, stroke=0, fill=1)
    for text, size, x, top in placed:
        canvas.setFillColor(white if x < strip else black)
        draw_vertical_mongolian(canvas, text, x, top, size)
    canvas.setFillColor(white)
    canvas.setFont(font, TITLE_SIZE)
    canvas.drawCentredString((left + width) / 2, height - 7.5 * mm, "行政执法证")
    photo_w, photo_h = PHOTO
    photo_x, photo_y = left, height - 13 * mm - photo_h
    if person.photo is not None:
        canvas.drawImage(ImageReader(io.BytesIO(person.photo.jpeg)), photo_x, photo_y, photo_w, photo_h)
    else:
        canvas.setStrokeColor(black)
        canvas.rect(photo_x, photo_y, photo_w, photo_h, stroke=1, fill=0)
    canvas.setFillColor(black)
    y = height - 16 * mm
    label_x = photo_x + photo_w + 2 * mm
    value_x = label_x + LABEL_W
    for label, value, key in lines:
        canvas.setFont(font, 6)
        canvas.drawString(label_x, y, label)
        if key:  # at the size its Mongolian line has, on two lines if one is too short for it
            parts, _size = fitted_lines(value[:64], font, SIZES[key], room)
            canvas.setFont(font, sizes[key])
            if len(parts) == 1:
                canvas.drawString(value_x, y, parts[0])
            else:
                canvas.drawString(value_x, y + sizes[key] * 0.55, parts[0])
                canvas.drawString(value_x, y - sizes[key] * 0.6, parts[1])
        else:
            canvas.setFont(font, fitted(value[:32], font, 7, width - 2 * mm - value_x))
            canvas.drawString(value_x, y, value[:32])
        y -= 5.3 * mm
    canvas.setFont(font, sizes["issuer"])
    canvas.drawString(left, 3 * mm, issuer)
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
