"""QR codes for credentials, as a module matrix drawn by the PDF and by the e-card's SVG."""
from __future__ import annotations

import qrcode


def matrix(data: str, border: int = 4) -> list[list[bool]]:
    """The modules, quiet zone included, at error level Q. A fixed mask pattern: any of the eight is
    valid, and scoring all eight (qrcode's default) cost 11 of a card's 23 ms."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_Q, border=border, mask_pattern=2)
    # One segment: an upper-case URL is alphanumeric throughout, so splitting it into segments of
    # different modes gains nothing; and the version is fitted once, not twice.
    code.add_data(data, optimize=0)
    code.make(fit=False)
    return code.get_matrix()


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
    """An inline SVG of the code (no script, no external reference: fits the CSP), named by `label` for
    screen readers (an image needs a text alternative: WCAG 1.1.1)."""
    from markupsafe import escape

    modules = matrix(data)
    size = len(modules)
    path = "".join(f"M{col} {row}h{length}v1h-{length}z" for row, col, length in runs(modules))
    name = escape(label)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" shape-rendering="crispEdges" role="img" '
            f'aria-label="{name}"><title>{name}</title>'
            f'<rect width="{size}" height="{size}" fill="#fff"/><path d="{path}" fill="#000"/></svg>')
