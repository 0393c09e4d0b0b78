"""The card's Mongolian line is shaped (issue 21): the card PDF, rendered by poppler, shows the holder's
Mongolian name as the same font draws it when a shaping engine lays it out (Pillow with libraqm), turned
90° clockwise into a vertical line; and it does not look like the same letters unshaped (isolated forms),
so the test fails if the shaping is lost on the way into the PDF."""
import shutil
import subprocess
from datetime import timedelta

import pytest

from examsys import clock
from examsys.credentials import services
from examsys.credentials.keys import KeyStore
from tests.credential_fixtures import issue_request

NAME_MN = "ᠮᠣᠩᠭᠣᠯᠵᠢᠨ ᠪᠠᠶᠠᠷ"  # a name whose letters change form: initial, medial and final
DPI = 600
CLOSE = 0.06  # the mean difference (0..1 a pixel) that counts as the same drawing
APART = 0.12  # the unshaped drawing must be at least this far from the card's


@pytest.fixture
def card(app, db, issuing, tmp_path):
    app.config["KEY_DIR"] = str(tmp_path / "keys")
    KeyStore(tmp_path / "keys").init(clock.now() - timedelta(minutes=5))
    issuing["officer"].name_mn = NAME_MN
    credential = services.issue(db, issuing["hr"], issue_request(issuing, issuing["officer"]))
    db.commit()
    return credential


def _ink(image):
    """The image cropped to its dark pixels, as 8-bit grey."""
    from PIL import ImageOps

    grey = image.convert("L")
    box = ImageOps.invert(grey).point(lambda v: 255 if v > 96 else 0).getbbox()
    assert box, "nothing drawn"
    return grey.crop(box)


def _difference(drawn, reference) -> float:
    """Mean absolute difference (0..1) once the reference is scaled onto the drawing's bounding box."""
    from PIL import Image, ImageChops, ImageStat

    reference = reference.resize(drawn.size, Image.LANCZOS)
    return ImageStat.Stat(ImageChops.difference(drawn, reference)).mean[0] / 255


def _reference(text: str, size_pt: float, layout):
    """`text` drawn by Pillow from the project's font at the card's size and resolution, turned 90°
    clockwise as the card turns its vertical lines."""
    from PIL import Image, ImageDraw, ImageFont

    from examsys.pdf_fonts import MONGOLIAN_FONT_FILE

    font = ImageFont.truetype(str(MONGOLIAN_FONT_FILE), round(size_pt * DPI / 72), layout_engine=layout)
    left, top, right, bottom = font.getbbox(text)
    image = Image.new("L", (right - left + 40, bottom - top + 40), 255)
    ImageDraw.Draw(image).text((20 - left, 20 - top), text, font=font, fill=0)
    return image.rotate(-90, expand=True, fillcolor=255)


def _compare(card, tmp_path) -> tuple[float, float, float]:
    """Render the card's front and compare its Mongolian name line with the shaped and the unshaped
    reference drawings: (difference from shaped, difference from unshaped, length ratio to shaped)."""
    if not shutil.which("pdftoppm"):
        pytest.skip("needs pdftoppm (Debian poppler-utils; CI installs it)")
    from PIL import Image, ImageFont, features
    if not features.check("raqm"):
        pytest.skip("needs Pillow with libraqm for the reference drawing (Pillow's wheels bring it)")

    from reportlab.lib.units import mm

    from examsys.credentials.documents.pdf import CARD, SIZES, card_pdf, mongolian_side

    pdf = tmp_path / "card.pdf"
    pdf.write_bytes(card_pdf(card, "https://verify.example/V/x"))
    subprocess.run(["pdftoppm", "-r", str(DPI), "-f", "1", "-l", "1", "-png", str(pdf), str(tmp_path / "front")], check=True)
    page = Image.open(next(tmp_path.glob("front*.png")))

    # where the card put the name's line: its left edge and top, and its size (the name's Chinese size)
    placed, _strip, _left = mongolian_side(card, SIZES)
    [(text, size, left, top)] = [line for line in placed if line[0] == NAME_MN]
    scale = DPI / 72
    box = (int((left - 1 * mm) * scale), int((CARD[1] - top - 1 * mm) * scale),
           int((left + size * 1.15) * scale), int((CARD[1] - 2.5 * mm) * scale))
    drawn = _ink(page.crop(box))
    drawn.save(tmp_path / "drawn.png")  # kept with the test's files, to look at when it fails

    shaped = _ink(_reference(text, size, ImageFont.Layout.RAQM))
    unshaped = _ink(_reference(text, size, ImageFont.Layout.BASIC))
    return _difference(drawn, shaped), _difference(drawn, unshaped), drawn.height / shaped.height


def test_the_mongolian_name_on_the_card_is_shaped(db, card, tmp_path):
    near, far, length = _compare(card, tmp_path)
    assert abs(length - 1) < 0.03, length  # the line is as long as the shaped drawing (within 3%)
    assert near < CLOSE, (near, far)  # and looks like it
    assert far > APART and far > 2 * near, (near, far)  # the isolated letters do not pass for it


def test_the_comparison_notices_lost_shaping(db, card, tmp_path, monkeypatch):
    """The same card with the shaping taken out (each letter in its isolated form): the test above
    would fail on it."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from examsys import pdf_fonts

    monkeypatch.setattr(pdf_fonts, "shaped", lambda text, size: text)
    monkeypatch.setattr(pdf_fonts, "shaped_width", lambda text, size: stringWidth(text, pdf_fonts.mongolian_font_name(), size))
    near, far, length = _compare(card, tmp_path)
    assert near > CLOSE or abs(length - 1) >= 0.03, (near, far, length)
    assert far < CLOSE, (near, far)  # what the card now shows is the unshaped drawing


# Column order. Traditional Mongolian lines run top to bottom and follow each other from left to right: a
# field broken over two lines has its first line on the left, and the title's first half is the strip's
# left column. Checked twice: in the PDF's drawing instructions (where each line is put, with the text
# it carries) and on the rendered page (which drawing stands in the strip's left column).

def _vertical_lines(pdf: bytes, page: int = 0) -> list[tuple[float, str]]:
    """(x, text) of each vertical Mongolian line on the page, in drawing order: the x the line is moved
    to as it is turned a quarter clockwise (its matrix 0 -1 1 0 x y), and the text it carries as ActualText."""
    from io import BytesIO

    from pypdf import PdfReader
    from pypdf.generic import ContentStream

    reader = PdfReader(BytesIO(pdf))
    stream = ContentStream(reader.pages[page].get_contents(), reader)
    lines, x = [], None
    for operands, operator in stream.operations:
        if operator == b"cm":
            x = float(operands[4]) if [float(v) for v in operands[:4]] == [0, -1, 1, 0] else None
        elif operator == b"Q":
            x = None
        elif operator == b"BDC" and "/ActualText" in operands[1]:
            assert x is not None, "a Mongolian line that is not turned into a vertical one"
            lines.append((x, str(operands[1]["/ActualText"])))
    return lines


def _assert_left_to_right(lines, texts):
    """Each of `texts` is drawn as one vertical line, in that order from left to right."""
    by_text = {text: x for x, text in lines}
    xs = [by_text[text] for text in texts]
    assert xs == sorted(xs) and len(set(xs)) == len(xs), list(zip(texts, xs, strict=True))


ORG_MN = "ᠰᠢᠨ\u180eᠡ ᠬᠣᠲᠠ ᠲᠣᠭᠣᠷᠢᠭ ᠤᠨ ᠵᠠᠬ ᠵᠡᠭᠡᠯ ᠢ ᠬᠢᠨᠠᠨ ᠬᠢᠨᠠᠯᠲᠠ ᠶᠢᠨ ᠲᠣᠪᠴᠢᠶ\u180eᠠ"  # long: two lines on the card


def test_the_cards_mongolian_lines_run_left_to_right(db, card):
    from examsys.credentials.documents.pdf import SIZES, card_pdf, mongolian_side

    card.org.name_mn = ORG_MN
    lines = _vertical_lines(card_pdf(card, "https://verify.example/V/x"))
    placed, strip, _left = mongolian_side(card, SIZES)
    title = [text for text, _size, x, _top in placed if x < strip]
    assert len(title) == 2 and title[0].startswith("ᠵᠠᠰᠠᠭ") and title[1].startswith("ᠴᠠᠭᠠᠵᠠ")
    org = [text for text, *_ in placed if text in ORG_MN]
    assert len(org) == 2 and ORG_MN.startswith(org[0]) and ORG_MN.endswith(org[1])
    _assert_left_to_right(lines, [*title, NAME_MN, *org])
    assert min(lines)[1] == title[0]  # the strip's left column is the title's first half


def test_the_certificates_mongolian_lines_run_left_to_right(db, card):
    from examsys.credentials.documents.certificate import TITLE_MN, certificate_pdf

    card.org.name_mn = ORG_MN
    lines = _vertical_lines(certificate_pdf(card, "https://verify.example/V/x"))
    texts = [text for _x, text in lines]
    assert TITLE_MN.startswith(texts[0]) and texts[0] != TITLE_MN  # the title over more than one line
    assert texts.index(NAME_MN) < texts.index(ORG_MN)
    _assert_left_to_right(lines, texts)  # drawn in reading order, each further right than the one before


def test_the_cards_strip_shows_the_titles_first_half_on_the_left(db, card, tmp_path):
    """On the rendered page: the strip's left column looks like the title's first half drawn by Pillow,
    the right one like its second half (and not the other way round)."""
    if not shutil.which("pdftoppm"):
        pytest.skip("needs pdftoppm (Debian poppler-utils; CI installs it)")
    from PIL import Image, ImageFont, features
    if not features.check("raqm"):
        pytest.skip("needs Pillow with libraqm for the reference drawing (Pillow's wheels bring it)")

    from examsys.credentials.documents.pdf import CARD, TITLE_SIZE, card_pdf, mongolian_side

    pdf = tmp_path / "card.pdf"
    pdf.write_bytes(card_pdf(card, "https://verify.example/V/x"))
    subprocess.run(["pdftoppm", "-r", str(DPI), "-f", "1", "-l", "1", "-png", str(pdf), str(tmp_path / "front")], check=True)
    page = Image.open(next(tmp_path.glob("front*.png"))).convert("L")
    placed, strip, _left = mongolian_side(card, {"name": 7, "org": 6, "domains": 7, "issuer": 5.5})
    halves = [line for line in placed if line[2] < strip]
    assert len(halves) == 2
    scale = DPI / 72
    columns = []
    for _text, size, left, _top in sorted(halves, key=lambda line: line[2]):  # left to right on the page
        crop = page.crop((int((left - 0.5) * scale), 0, int((left + size * 1.05) * scale), int(CARD[1] * scale)))
        columns.append(_ink(crop.point(lambda v: 0 if v > 200 else 255)))  # white letters on red, as black on white
    first, second = (_ink(_reference(text, TITLE_SIZE, ImageFont.Layout.RAQM)) for text, *_ in halves)
    assert _difference(columns[0], first) < _difference(columns[0], second)
    assert _difference(columns[1], second) < _difference(columns[1], first)
    assert abs(columns[0].height / first.height - 1) < 0.03 and abs(columns[1].height / second.height - 1) < 0.03
