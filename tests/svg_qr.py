"""Reading a QR code back from the SVG the app serves: the SVG's straight-edged path filled at a few
pixels a unit (PIL), then decoded (zxing-cpp). No SVG renderer is installed, and the code's SVG is one
path of axis-parallel outlines (M/H/V/L/Z, absolute or relative), which is all this reads."""
from __future__ import annotations

import re
from xml.etree import ElementTree

from PIL import Image, ImageDraw

from tests.qr_reading import the_qr_code

SVG = "{http://www.w3.org/2000/svg}"
_COMMAND = re.compile(r"([MmHhVvLlZz])([^MmHhVvLlZz]*)")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def outlines(d: str) -> list[list[tuple[float, float]]]:
    """The closed outlines of an SVG path made of straight lines."""
    shapes: list[list[tuple[float, float]]] = []
    x = y = 0.0
    current: list[tuple[float, float]] = []
    for command, args in _COMMAND.findall(d):
        numbers = [float(n) for n in _NUMBER.findall(args)]
        relative = command.islower()
        kind = command.upper()
        if kind == "Z":
            if current:
                shapes.append(current)
            x, y = current[0] if current else (x, y)
            current = []
            continue
        step = 1 if kind in "HV" else 2
        for index in range(0, len(numbers), step):
            if kind == "H":
                x = x + numbers[index] if relative else numbers[index]
            elif kind == "V":
                y = y + numbers[index] if relative else numbers[index]
            else:
                dx, dy = numbers[index], numbers[index + 1]
                x, y = (x + dx, y + dy) if relative else (dx, dy)
            if kind == "M" and index == 0:
                if current:
                    shapes.append(current)
                current = []
            current.append((x, y))
    if current:
        shapes.append(current)
    return shapes


def raster(svg: str, scale: int = 8) -> Image.Image:
    """The SVG's dark path on white, `scale` pixels a viewBox unit."""
    root = ElementTree.fromstring(svg)
    _x, _y, width, height = (float(v) for v in root.get("viewBox", "").split())
    image = Image.new("L", (round(width * scale), round(height * scale)), 255)
    draw = ImageDraw.Draw(image)
    for path in root.iter(f"{SVG}path"):
        for shape in outlines(path.get("d", "")):
            draw.polygon([(px * scale, py * scale) for px, py in shape], fill=0)
    return image


def decode(svg: str) -> str:
    """The text of the one QR code the SVG draws."""
    return the_qr_code(raster(svg)).text
