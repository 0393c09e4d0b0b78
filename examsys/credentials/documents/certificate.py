"""The A4 certificate (行政执法资格证书) that goes with the card: the same facts at full length (the
legal source of the power too), the issuing authority and date, and the verify QR code (level Q,
40 mm). Chinese text drawn with the embedded CJK font of the card; in both scripts like the card: the title,
the holder's name, unit, domains and issuing authority in traditional Mongolian first, in vertical lines on
the left, each at the size of the same text in Chinese (docs/credential-format.md, "Two scripts")."""
from __future__ import annotations

import io

from reportlab.lib.colors import Color, black
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth

from examsys.credentials.documents.pdf import RED, draw_qr, font_name, new_canvas
from examsys.credentials.models import Credential
from examsys.pdf_fonts import draw_vertical_mongolian, mongolian_columns

QR_SIZE = 40 * mm  # quiet zone included: the code itself is about 35 mm
PHOTO = (35 * mm, 35 * mm * 16 / 13)  # the register keeps photos at 13:16
GREY = Color(0.35, 0.35, 0.35)
TITLE = "行政执法资格证书"
# 行政执法资格证书 in traditional Mongolian (to be read by a native reader before real use)
TITLE_MN = "ᠵᠠᠰᠠᠭ ᠵᠠᠬᠢᠷᠭ\u180eᠠ\u202fᠶᠢᠨ ᠬᠠᠤᠯᠢ ᠴᠠᠭᠠᠵᠠ\u202fᠶᠢ ᠬᠡᠷᠡᠭᠵᠢᠭᠦᠯᠬᠦ ᠡᠷᠬᠡ\u202fᠶᠢᠨ ᠭᠡᠷᠡᠴᠢᠯᠡᠭᠡ"
TITLE_SIZE = 30


def _date(value) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Break `text` into lines no wider than `width`, at any character (Chinese has no spaces to break
    at), keeping an opening bracket off a line's end and a closing mark off a line's start."""
    lines: list[str] = []
    line = ""
    for char in text:
        if line and stringWidth(line + char, font, size) > width:
            if char in "，。、；：）》」』〕" and len(line) > 1:
                lines.append(line[:-1])
                line = line[-1]
            elif line[-1] in "（《「『〔":
                lines.append(line[:-1])
                line = line[-1]
            else:
                lines.append(line)
                line = ""
        line += char
    if line:
        lines.append(line)
    return lines or [""]


def facts(credential: Credential) -> list[tuple[str, str]]:
    """The certificate's fields, in the order printed."""
    return [
        ("姓　　名", credential.person.name),
        ("证书编号", credential.number),
        ("工作单位", credential.org.name),
        ("执法类别", "、".join(d.name for d in credential.domains)),
        ("执法区域", credential.region),
        ("执法权来源", credential.legal_source),
        ("有效期限", f"{_date(credential.valid_from)}至{_date(credential.valid_to)}"),
        ("发证机关", credential.issuer.name),
        ("发证日期", _date(credential.valid_from)),
    ]


def statement(credential: Credential) -> str:
    return (f"兹证明{credential.person.name}同志具备行政执法资格，准予在下列执法类别和执法区域内"
            f"依法从事行政执法工作。")


FOOTNOTE = "本证书与行政执法证配套使用。证件是否有效，以扫描二维码核验的结果为准。"


def printed_text(credential: Credential) -> str:
    """Every character the certificate draws (to check the font has a glyph for each)."""
    parts = [TITLE, statement(credential), FOOTNOTE, "扫描二维码核验", "证件真伪与当前状态", "（盖章）"]
    for label, value in facts(credential):
        parts += [label, value]
    return "".join(parts)


def draw_mongolian_side(canvas, credential: Credential) -> float:
    """The title (red) and the holder's name, unit, domains and issuing authority in vertical lines of
    traditional Mongolian from the left of the frame, each where it has a Mongolian form and at the size
    of the same field in Chinese. Returns where the Chinese side may begin."""
    height = A4[1]
    top, bottom = height - 24 * mm, 26 * mm
    x = 20 * mm
    canvas.setFillColor(RED)
    for line in mongolian_columns(TITLE_MN, TITLE_SIZE, top - bottom):
        draw_vertical_mongolian(canvas, line, x, top, TITLE_SIZE)
        x += TITLE_SIZE * 1.15
    x += 2 * mm
    canvas.setFillColor(black)
    fields = [(credential.person.name_mn, 12), (credential.org.name_mn, 12),
              ("\u1802 ".join(d.name_mn for d in credential.domains if d.name_mn), 12), (credential.issuer.name_mn, 13)]
    for text, size in fields:
        if not text:
            continue
        for line in mongolian_columns(text, size, top - bottom):
            draw_vertical_mongolian(canvas, line, x, top, size)
            x += size * 1.2
        x += 1.5 * mm
    return max(28 * mm, x + 4 * mm)


def certificate_pdf(credential: Credential, verify_url: str, void_note: str | None = None) -> bytes:
    """The certificate; with `void_note`, a copy for the file marked 作废 VOID (printing.py)."""
    font = font_name()
    out = io.BytesIO()
    canvas = new_canvas(out, A4, f"{TITLE} {credential.number}", void_note)
    width, height = A4
    person = credential.person

    # a double frame, as on printed certificates
    canvas.setStrokeColor(RED)
    canvas.setLineWidth(2.4)
    canvas.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm, stroke=1, fill=0)
    canvas.setLineWidth(0.6)
    canvas.rect(15 * mm, 15 * mm, width - 30 * mm, height - 30 * mm, stroke=1, fill=0)

    left, right = draw_mongolian_side(canvas, credential), width - 24 * mm
    centre = (left + right) / 2
    canvas.setFillColor(RED)
    canvas.setFont(font, TITLE_SIZE)
    canvas.drawCentredString(centre, height - 45 * mm, TITLE)
    canvas.setFillColor(GREY)
    canvas.setFont(font, 10)
    canvas.drawCentredString(centre, height - 54 * mm, f"编号：{credential.number}")

    photo_w, photo_h = PHOTO
    photo_x, photo_y = right - photo_w, height - 70 * mm - photo_h
    if person.photo is not None:
        canvas.drawImage(ImageReader(io.BytesIO(person.photo.jpeg)), photo_x, photo_y, photo_w, photo_h)
    else:
        canvas.setStrokeColor(GREY)
        canvas.setLineWidth(0.5)
        canvas.rect(photo_x, photo_y, photo_w, photo_h, stroke=1, fill=0)

    # the statement beside the photo, the facts below both
    canvas.setFillColor(black)
    canvas.setFont(font, 13)
    y = height - 74 * mm
    for line in wrap(statement(credential), font, 13, photo_x - 8 * mm - left):
        canvas.drawString(left, y, line)
        y -= 8 * mm
    y = min(y, photo_y) - 10 * mm

    label_w = 30 * mm
    for label, value in facts(credential):
        canvas.setFont(font, 12)
        canvas.setFillColor(GREY)
        canvas.drawString(left, y, label)
        canvas.setFillColor(black)
        lines = wrap(value, font, 12, right - left - label_w)
        for line in lines:
            canvas.drawString(left + label_w, y, line)
            y -= 6.5 * mm
        y -= 2.5 * mm

    # bottom: the QR code on the left, the issuing authority and date on the right
    qr_x, qr_y = left - 4 * mm, 30 * mm
    draw_qr(canvas, verify_url, qr_x, qr_y, QR_SIZE)
    canvas.setFont(font, 9)
    canvas.setFillColor(GREY)
    canvas.drawString(qr_x + QR_SIZE + 2 * mm, qr_y + QR_SIZE / 2 + 2 * mm, "扫描二维码核验")
    canvas.drawString(qr_x + QR_SIZE + 2 * mm, qr_y + QR_SIZE / 2 - 4 * mm, "证件真伪与当前状态")
    canvas.setFillColor(black)
    canvas.setFont(font, 13)
    issuer_lines = wrap(credential.issuer.name, font, 13, 70 * mm)
    y = qr_y + QR_SIZE - 4 * mm
    for line in issuer_lines:
        canvas.drawRightString(right, y, line)
        y -= 7 * mm
    canvas.setFont(font, 10)
    canvas.setFillColor(GREY)
    canvas.drawRightString(right, y, "（盖章）")
    canvas.setFillColor(black)
    canvas.setFont(font, 13)
    canvas.drawRightString(right, y - 9 * mm, _date(credential.valid_from))
    canvas.setFont(font, 8)
    canvas.setFillColor(GREY)
    canvas.drawCentredString(width / 2, 19 * mm, FOOTNOTE)
    canvas.showPage()
    canvas.save()
    return out.getvalue()
