"""Every chart of the application, drawn on the server with reportlab.graphics: one drawing renders as inline SVG
for a page (no script, no style attribute: the CSP allows neither) and goes as it is into a PDF.

Three kinds: bars (a count per label), stacked shares (one horizontal bar per row, split by category) and lines (a
monthly series or several). Each bar and point carries its value as a tooltip (an SVG <title>)."""
from __future__ import annotations

import itertools
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from markupsafe import Markup
from reportlab.graphics import renderSVG
from reportlab.graphics.shapes import Circle, Drawing, Group, Line, PolyLine, Rect, String
from reportlab.lib.colors import HexColor
from reportlab.pdfbase.pdfmetrics import stringWidth

from examsys.pdf_fonts import font_name

SVG_NS = "http://www.w3.org/2000/svg"
ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
PALETTE = ("#2b6cb0", "#c05621", "#2f855a", "#6b46c1", "#b7791f", "#c53030", "#319795", "#4a5568")
BLUE, GREY, TEXT = PALETTE[0], "#999999", "#222222"
_ids = itertools.count(1)


def _colour(value: str) -> HexColor:
    return HexColor(value)


def _text(x: float, y: float, text: str, size: float = 9, anchor: str = "middle", colour: str = TEXT) -> String:
    return String(x, y, text, fontName=font_name(), fontSize=size, textAnchor=anchor, fillColor=_colour(colour))


def _tip(shape: Rect | Circle, tip: str) -> Rect | Circle:
    shape._svgAttrs = {"data-tip": tip}  # becomes the shape's <title> in svg()
    return shape


def _short(label: str, limit: int = 14) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def bars(labels: Sequence[str], values: Sequence[int], title: str, width: int = 480, height: int = 200) -> Drawing:
    """One vertical bar per label, scaled to the largest value, the value above each bar."""
    drawing = Drawing(width, height)
    bottom, top_margin = 24, 16
    plot = height - bottom - top_margin
    slot = width / max(1, len(values))
    top = max(values, default=0) or 1
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        bar_height = plot * value / top
        x = index * slot + 2
        drawing.add(_tip(Rect(x, bottom, slot - 4, bar_height, fillColor=_colour(BLUE), strokeColor=None), f"{label}: {value}"))
        drawing.add(_text(x + (slot - 4) / 2, bottom + bar_height + 3, str(value), 8))
        drawing.add(_text(x + (slot - 4) / 2, 8, _short(label, 8), 8))
    return drawing


def stacked(rows: Sequence[tuple[str, Sequence[int]]], categories: Sequence[tuple[str, str]], title: str,
            empty: str, none: str, width: int = 640) -> Drawing:
    """One horizontal bar per row: the share of each category (name, colour) in the row's total, the total after it.
    `empty` is written when there is no row, `none` on a row whose total is zero."""
    label_w, bar_w, row_h, legend_h = 190, 400, 26, 30
    height = legend_h + row_h * max(1, len(rows)) + 10
    drawing = Drawing(width, height)
    for index, (name, colour) in enumerate(categories):
        drawing.add(Rect(10 + 110 * index, height - 20, 12, 12, fillColor=_colour(colour), strokeColor=None))
        drawing.add(_text(26 + 110 * index, height - 18, name, 11, "start"))
    if not rows:
        drawing.add(_text(10, height - legend_h - 16, empty, 12, "start"))
    for number, (label, counts) in enumerate(rows):
        y = height - legend_h - (number + 1) * row_h + 6
        drawing.add(_text(label_w - 8, y + 5, _short(label), 11, "end"))
        total = sum(counts)
        if not total:
            drawing.add(_text(label_w, y + 5, none, 11, "start", "#666666"))
            continue
        left = float(label_w)
        for (name, colour), count in zip(categories, counts, strict=True):
            if not count:
                continue
            share = bar_w * count / total
            drawing.add(_tip(Rect(left, y, share, 18, fillColor=_colour(colour), strokeColor=None), f"{label} {name}: {count}"))
            if share > 22:
                drawing.add(_text(left + share / 2, y + 5, str(count), 10, colour="#ffffff"))
            left += share
        drawing.add(_text(label_w + bar_w + 6, y + 5, str(total), 10, "start"))
    return drawing


def _runs(points: Sequence[tuple[float, float] | None]) -> list[list[tuple[float, float]]]:
    """The stretches of consecutive points between the missing ones."""
    runs: list[list[tuple[float, float]]] = [[]]
    for point in points:
        if point is None:
            runs.append([])
        else:
            runs[-1].append(point)
    return [run for run in runs if run]


def legend(names: Sequence[str], left: float, width: float, size: float = 12) -> tuple[list[tuple[float, int, str]], int]:
    """Where each legend entry (a swatch and its full name) goes: entries side by side while they fit in `width`,
    then on the next row. Returns (x, row, name) per entry and the number of rows."""
    swatch, gap = size + 4, size * 1.5
    placed: list[tuple[float, int, str]] = []
    x, row = left, 0
    for name in names:
        entry = swatch + stringWidth(name, font_name(), size)
        if x > left and x + entry > left + width:
            x, row = left, row + 1
        placed.append((x, row, name))
        x += entry + gap
    return placed, row + 1 if names else 0


def scale(maximum: float, whole: bool) -> tuple[float, float]:
    """A value axis from zero that a reader can read: (top, step), the step 1, 2 or 5 times a power of ten giving
    about four intervals, the top the first step at or above the maximum. `whole`: the values are counts, so the
    step is at least 1 (no tick at 0.5 people)."""
    if maximum <= 0:
        return 1.0, 1.0
    power = 10.0 ** math.floor(math.log10(maximum / 4))
    step = next(power * m for m in (1, 2, 5, 10) if power * m * 4 >= maximum)
    if whole:
        step = max(1.0, float(math.ceil(step)))
    return step * math.ceil(maximum / step - 1e-9), step


def lines(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], title: str,
          width: int = 1000, height: int = 260, size: float = 13) -> Drawing:
    """One line per series (name, values) over the labels (months), on a common scale from zero, with a legend of
    the full names (wrapped into rows as needed); a value None (nothing recorded that month) is left out and breaks
    the line. `height` is the plot's; the legend's rows come on top of it."""
    left, bottom, right, row_h = 12 + size * 3, size * 2, size, size * 1.6
    placed, rows = legend([name for name, _values in series], left, width - left - right, size)
    legend_h = rows * row_h + size * 0.5
    total_h = round(height + legend_h)
    drawing = Drawing(width, total_h)
    plot_w, plot_h = width - left - right, height - bottom - size
    known = [v for _name, values in series for v in values if v is not None]
    top, tick = scale(max(known, default=0), all(float(v).is_integer() for v in known))
    step = plot_w / max(1, len(labels) - 1)
    drawing.add(Line(left, bottom, left + plot_w, bottom, strokeColor=_colour(GREY), strokeWidth=0.5))
    for number in range(1, round(top / tick) + 1):
        y = bottom + plot_h * number * tick / top
        drawing.add(Line(left, y, left + plot_w, y, strokeColor=_colour("#dddddd"), strokeWidth=0.5))
        drawing.add(_text(left - 4, y - size / 3, f"{number * tick:g}", size, "end"))
    drawing.add(_text(left - 4, bottom - size / 3, "0", size, "end"))
    for index, label in enumerate(labels):
        drawing.add(_text(left + index * step, size * 0.5, label, size))
    for number, (name, values) in enumerate(series):
        colour = _colour(PALETTE[number % len(PALETTE)])
        points = [None if value is None else (left + index * step, bottom + plot_h * value / top) for index, value in enumerate(values)]
        for run in _runs(points):  # a month without a value (None) breaks the line
            if len(run) > 1:
                drawing.add(PolyLine([c for point in run for c in point], strokeColor=colour, strokeWidth=2, fillColor=None))
        for point, label, value in zip(points, labels, values, strict=True):
            if point is not None:
                drawing.add(_tip(Circle(*point, 3, fillColor=colour, strokeColor=None), f"{name} {label}: {value:g}"))
        x, row, _name = placed[number]
        y = total_h - (row + 1) * row_h
        drawing.add(Rect(x, y, size, size, fillColor=colour, strokeColor=None))
        drawing.add(_text(x + size + 4, y + size * 0.15, name, size, "start"))
    return drawing


def fit(drawing: Drawing, width: float) -> Drawing:
    """The drawing scaled down (both ways alike) to at most `width` points: a PDF frame's width, say."""
    if drawing.width <= width:
        return drawing
    scale = width / drawing.width
    group = Group(*drawing.contents)
    group.scale(scale, scale)
    fitted = Drawing(width, drawing.height * scale)
    fitted.add(group)
    return fitted


_STYLE_ITEM = re.compile(r"\s*([a-z-]+)\s*:\s*([^;]+)")


def svg(drawing: Drawing, label: str) -> Markup:
    """The drawing as inline SVG for a page: presentation attributes instead of style attributes (the CSP's
    style-src forbids those), ids unique on the page, a tooltip <title> on each shape that has one."""
    root = ET.fromstring(_body(drawing))
    suffix = f"-c{next(_ids)}"
    for element in root.iter():
        style = element.attrib.pop("style", None)
        for name, value in _STYLE_ITEM.findall(style or ""):
            element.set(name, value.strip().replace("url(#clip)", f"url(#clip{suffix})"))
        for paint in ("fill", "stroke"):  # reportlab writes Python's None for "no paint"; SVG spells it none
            if element.get(paint) == "None":
                element.set(paint, "none")
        if element.get("font-family"):
            element.set("font-family", "sans-serif")
        if element.get("id"):
            element.set("id", element.get("id") + suffix)
        tip = element.attrib.pop("data-tip", None)
        if tip is not None:
            ET.SubElement(element, f"{{{SVG_NS}}}title").text = tip
    for child in list(root):
        if child.tag in (f"{{{SVG_NS}}}title", f"{{{SVG_NS}}}desc"):
            root.remove(child)
    title = ET.Element(f"{{{SVG_NS}}}title")
    title.text = label
    root.insert(0, title)
    root.set("role", "img")
    root.set("aria-label", label)
    root.set("class", "chart")
    # SVG as the default namespace, registered at the call: a library imported later (qrcode registers "svg")
    # would otherwise make every element "svg:rect", which an HTML page does not draw
    ET.register_namespace("", SVG_NS)
    return Markup(ET.tostring(root, encoding="unicode"))


def _body(drawing: Drawing) -> str:
    """The SVG document without its XML declaration and DOCTYPE."""
    text = renderSVG.drawToString(drawing)
    return text[text.index("<svg"):]
