"""The fonts every PDF of the project embeds (cards, certificates, reports and their charts): registered once
per process, never a silent fallback to a font that is not embedded."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

# WenQuanYi Zen Hei, brought with the project (examsys/fonts/README.md says where from and how reduced)
FONT_FILE = Path(__file__).resolve().parent / "fonts" / "wqy-zenhei.ttf"
FONT = "WenQuanYiZenHei"


class FontMissing(RuntimeError):
    """The CJK font the PDFs embed is not where the project keeps it: printing stops rather than
    fall back to a font that is not embedded (a print shop's RIP may have no CJK font at all)."""


@lru_cache(maxsize=1)
def font_name() -> str:
    """Register the project's CJK TrueType font once per process; reportlab embeds the subset a PDF
    uses. Raises FontMissing when the font file is absent or unreadable: never a silent fallback."""
    try:
        pdfmetrics.registerFont(TTFont(FONT, str(FONT_FILE)))
    except (OSError, TTFError) as exc:  # reportlab's TTFError: a missing file or not a TrueType font
        raise FontMissing(f"the CJK font for credential PDFs cannot be read: {FONT_FILE} ({exc})") from exc
    return FONT


# Noto Sans Mongolian 2.001 (OFL-1.1, examsys/fonts/OFL.txt), brought with the project: the traditional
# Mongolian script of the card and the certificate (docs/credential-format.md, "Two scripts").
MONGOLIAN_FONT_FILE = Path(__file__).resolve().parent / "fonts" / "NotoSansMongolian-Regular.ttf"
MONGOLIAN_FONT = "NotoSansMongolian"


class ShapingMissing(RuntimeError):
    """Mongolian letters take their form from their place in the word: without a shaper (uharfbuzz)
    they would print as isolated letters, a text no reader writes. Printing stops instead."""


@lru_cache(maxsize=1)
def mongolian_font_name() -> str:
    """Register the project's Mongolian TrueType font once per process (embedded as a subset, like the
    CJK one). Raises FontMissing when the file is absent or unreadable, ShapingMissing when reportlab
    cannot shape with it (uharfbuzz not installed)."""
    try:
        font = TTFont(MONGOLIAN_FONT, str(MONGOLIAN_FONT_FILE), shapable=True)
    except (OSError, TTFError) as exc:
        raise FontMissing(f"the Mongolian font for credential PDFs cannot be read: {MONGOLIAN_FONT_FILE} ({exc})") from exc
    if not font.shapable:
        raise ShapingMissing("Mongolian text needs shaping: install uharfbuzz (requirements.txt pins it)")
    pdfmetrics.registerFont(font)
    return MONGOLIAN_FONT


def shaped(text: str, size: float):
    """`text` shaped by HarfBuzz through reportlab (init/medi/fina forms, ligatures, the variation
    selectors): a string of the font's glyphs with their positions, which a text object draws as
    shaped. Drawn with `canvas.drawString(..., shaping=True)` the shaping would be dropped without a
    word when the optional bidi package is missing (reportlab 5.1), so the card shapes here itself."""
    from reportlab.pdfbase.ttfonts import shapeStr

    return shapeStr(text, mongolian_font_name(), size)


def shaped_width(text: str, size: float) -> float:
    """The advance of `text` once shaped, in points (the length of its vertical line on the page)."""
    return sum(data.x_advance for data in shaped(text, size).__shapeData__) * size / 1000


def mongolian_columns(text: str, size: float, length: float) -> list[str]:
    """`text` broken into vertical lines no longer than `length` points at `size`, at the spaces between
    words (never at the narrow no-break space that joins a suffix to its word); a word longer than a
    line stands alone on its line."""
    columns: list[str] = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if line and shaped_width(candidate, size) > length:
            columns.append(line)
            line = word
        else:
            line = candidate
    if line:
        columns.append(line)
    return columns


def draw_vertical_mongolian(canvas, text: str, left: float, top: float, size: float) -> float:
    """Draw `text` as one vertical line of traditional Mongolian, top to bottom, from `top`, the letters'
    bodies starting at `left`: shaped horizontally, then the line turned 90° clockwise (the font's
    glyphs lie on their side for this, their tops to the right). The letters' bodies take about
    0.76 `size` across; returns the line's length in points."""
    font = mongolian_font_name()
    text_run = shaped(text, size)
    canvas.saveState()
    canvas.translate(left, top)
    canvas.rotate(-90)
    # The shaped glyphs have no character of their own (reportlab gives them private-use codes): the
    # line carries its text as ActualText, so that copying, searching and text extraction read the
    # Mongolian as written, not those codes.
    canvas.addLiteral(f"/Span <</ActualText <FEFF{text.encode('utf-16-be').hex().upper()}>>> BDC")
    obj = canvas.beginText(0, 0)
    obj.setFont(font, size)
    obj.textOut(text_run)
    canvas.drawText(obj)
    canvas.addLiteral("EMC")
    canvas.restoreState()
    return shaped_width(text, size)
