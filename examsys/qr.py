"""QR codes: the module matrix the credential PDF draws, and an inline SVG (the e-card, the two-factor enrolment) from qrcode's own SVG factory."""
from __future__ import annotations

import qrcode
from qrcode.compat.etree import ET
from qrcode.image.svg import SvgPathFillImage


def _code(data: str, border: int = 4) -> qrcode.QRCode:
    """The code at error level Q. A fixed mask pattern: any of the eight is valid, and scoring all eight
    (qrcode's default) cost 11 of a card's 23 ms."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_Q, border=border, mask_pattern=2)
    # One segment: an upper-case URL is alphanumeric throughout, so splitting it into segments of
    # different modes gains nothing; and the version is fitted once, not twice.
    code.add_data(data, optimize=0)
    code.make(fit=False)
    return code


def matrix(data: str, border: int = 4) -> list[list[bool]]:
    """The modules, quiet zone included."""
    return _code(data, border).get_matrix()


def runs(modules: list[list[bool]]) -> list[tuple[int, int, int]]:
    """(row, first column, length) of every horizontal run of dark modules: few shapes to draw."""
    found = []
    for row_index, row in enumerate(modules):
        start = None
        for col, dark in enumerate([*row, False]):
            if dark and start is None:
                start = col
            elif not dark and start is not None:
                found.append((row_index, start, col - start))
                start = None
    return found


def svg(data: str, label: str) -> str:
    """An inline SVG of the code, drawn by qrcode's SVG path factory on a white background: no script,
    no external reference (fits the CSP), edges kept crisp, named by `label` for screen readers (an image
    needs a text alternative: WCAG 1.1.1). The serializer escapes the label."""
    # qrcode's default box size, 10, is its 1 mm: the viewBox counts modules.
    image = _code(data).make_image(image_factory=SvgPathFillImage, **{"role": "img", "aria-label": label, "shape-rendering": "crispEdges"})
    root = image.get_image()
    for size in ("width", "height"):  # sized by the page's CSS, as the e-card and the enrolment page do
        del root.attrib[size]
    title = ET.Element("title")
    title.text = label
    root.insert(0, title)
    return image.to_string(encoding="unicode")
