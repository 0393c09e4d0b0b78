"""ID photos: accepted only if the bytes really are a JPEG or PNG image of sane size, then cropped to
the ID-photo ratio and re-encoded, so nothing an uploader wrote survives except the pixels."""
from __future__ import annotations

import hashlib
import io

from flask_babel import gettext as _
from PIL import Image, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # decompression bombs are refused before decoding
MIN_SIDE = 120
OUTPUT_SIZE = (390, 480)  # 13:16, the ratio of a Chinese ID photo (26 × 32 mm)


class PhotoRejected(ValueError):
    pass


def process(data: bytes) -> tuple[bytes, str]:
    """The re-encoded JPEG and its SHA-256, or PhotoRejected saying why."""
    if len(data) > MAX_BYTES:
        raise PhotoRejected(_("The photo is larger than %(n)d MB.", n=MAX_BYTES // (1024 * 1024)))
    if not (data.startswith(b"\xff\xd8\xff") or data.startswith(b"\x89PNG\r\n\x1a\n")):
        raise PhotoRejected(_("Only JPEG and PNG photos are accepted."))
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ("JPEG", "PNG"):
                raise PhotoRejected(_("Only JPEG and PNG photos are accepted."))
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise PhotoRejected(_("The photo has too many pixels (at most %(n)d million).", n=MAX_PIXELS // 1_000_000))
            if min(width, height) < MIN_SIDE:
                raise PhotoRejected(_("The photo is too small; it needs at least %(n)d pixels on each side.", n=MIN_SIDE))
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            image = image.convert("RGB")
    except PhotoRejected:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise PhotoRejected(_("The file is not a readable image.")) from exc
    target_ratio = OUTPUT_SIZE[0] / OUTPUT_SIZE[1]
    width, height = image.size
    if width / height > target_ratio:  # too wide: cut the sides
        new_width = round(height * target_ratio)
        left = (width - new_width) // 2
        image = image.crop((left, 0, left + new_width, height))
    else:  # too tall: keep the top (the face), cut the bottom
        new_height = round(width / target_ratio)
        image = image.crop((0, 0, width, new_height))
    image = image.resize(OUTPUT_SIZE, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88, optimize=True)
    jpeg = out.getvalue()
    return jpeg, hashlib.sha256(jpeg).hexdigest()
