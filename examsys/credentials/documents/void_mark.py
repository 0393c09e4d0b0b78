"""The mark of a void copy: 作废 VOID across every page of a card or certificate printed for HR's file
after the credential ended, with a band that says why. Drawn by a canvas that adds it as each page is
finished, so the card and the certificate are drawn by the same code whether void or not."""
from __future__ import annotations

from reportlab.lib.colors import Color, white
from reportlab.pdfgen.canvas import Canvas

VOID_WORDS = "作废 VOID"
FILE_COPY = "作废 仅供存档 VOID - FILE COPY ONLY"  # plain separators: every CJK font has them
MARK_RED = Color(0.8, 0.05, 0.05)


def draw_void_mark(canvas: Canvas, width: float, height: float, note: str) -> None:
    """A large diagonal 作废 VOID, half transparent, and a solid band along the top with the reason."""
    from examsys.credentials.documents.pdf import font_name  # pdf.py draws through canvas_for below

    font = font_name()
    canvas.saveState()
    canvas.setFillColor(MARK_RED)
    canvas.setFillAlpha(0.45)
    size = width / 6.5  # the words are about five ems: across three quarters of the page
    canvas.translate(width / 2, height / 2)
    canvas.rotate(30 if height > width else 20)
    canvas.setFont(font, size)
    canvas.drawCentredString(0, -size / 3, VOID_WORDS)
    canvas.restoreState()

    canvas.saveState()
    band = max(height * 0.075, 9)
    canvas.setFillColor(MARK_RED)
    canvas.rect(0, height - band, width, band, stroke=0, fill=1)
    canvas.setFillColor(white)
    text = f"{FILE_COPY}   {note}"
    size = band * 0.5
    canvas.setFont(font, size)
    while size > 3 and canvas.stringWidth(text, font, size) > width * 0.96:
        size -= 0.5
    canvas.setFont(font, size)
    canvas.drawCentredString(width / 2, height - band + (band - size) / 2 + size * 0.12, text)
    canvas.restoreState()


class VoidCanvas(Canvas):
    """A canvas that puts the void mark on every page as it is finished."""

    def __init__(self, *args, void_note: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.void_note = void_note

    def showPage(self) -> None:  # noqa: N802 (reportlab's name)
        width, height = self._pagesize
        draw_void_mark(self, width, height, self.void_note)
        super().showPage()
