"""The laws a question may rest on. The starter banks under question_bank/ name one law per file; a bank
also holds the laws its imports brought in. The editor offers exactly these, so that a question's law is
one of a fixed list (blueprints and practice select questions by law, letter for letter)."""
from __future__ import annotations

import functools
import re
from pathlib import Path

STARTER_BANKS = Path(__file__).resolve().parent.parent.parent / "question_bank"
LAW_LINE = re.compile(r"""^law:\s*["']?(?P<law>[^"'#\n]+?)["']?\s*(?:#.*)?$""", re.M)


@functools.cache
def starter_laws(folder: Path = STARTER_BANKS) -> tuple[str, ...]:
    """The law named at the top of every starter bank file (read once: the files ship with the code)."""
    found = {match["law"].strip() for path in sorted(folder.rglob("*.yaml")) for match in LAW_LINE.finditer(path.read_text("utf-8"))}
    return tuple(sorted(found))
