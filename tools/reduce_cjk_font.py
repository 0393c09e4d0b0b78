"""Make examsys/fonts/wqy-zenhei.ttf, the CJK font the credential PDFs embed, from Debian's
fonts-wqy-zenhei (WenQuanYi Zen Hei 0.9.45, GPL-2 with the font embedding exception).

    apt-get download fonts-wqy-zenhei && dpkg-deb -x fonts-wqy-zenhei_*.deb /tmp/wqy
    .venv/bin/python tools/reduce_cjk_font.py /tmp/wqy/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc

It takes the collection's first face (WenQuanYi Zen Hei, proportional) and keeps every character it
maps (names can use rare characters), with the outlines and metrics reportlab needs; it drops what a
printed PDF never uses: the embedded bitmaps (BDF), hinting, glyph names, OpenType layout and vertical
metrics. Needs fontTools (requirements-dev.txt); the application itself does not."""
from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

OUT = Path(__file__).resolve().parent.parent / "examsys" / "fonts" / "wqy-zenhei.ttf"
DROPPED = ["BDF ", "EBDT", "EBLC", "EBSC", "FFTM", "GDEF", "GPOS", "GSUB", "vhea", "vmtx", "gasp", "hdmx", "VDMX", "LTSH"]


def reduce(ttc: Path, out: Path = OUT) -> Path:
    font = TTCollection(str(ttc)).fonts[0]
    options = subset.Options()
    options.drop_tables += DROPPED
    options.hinting = False  # no cvt/fpgm/prep nor glyph instructions: printing does not use them
    options.glyph_names = False  # post format 3
    options.name_IDs = ["*"]  # keep the copyright and licence notices
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.layout_features = []
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=font.getBestCmap().keys())
    subsetter.subset(font)
    out.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(out))
    return out


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    path = reduce(Path(sys.argv[1]))
    print(f"{path}: {path.stat().st_size:,} bytes")
