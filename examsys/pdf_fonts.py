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
