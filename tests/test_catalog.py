"""Every user-facing string goes through the catalog, and the Chinese catalog translates all of them."""
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "examsys/translations/zh_Hans_CN/LC_MESSAGES/messages.po"


def test_every_message_in_the_code_is_translated_into_chinese(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l",
                    "-o", str(pot), "."], check=True, capture_output=True, cwd=ROOT)
    with pot.open("rb") as f:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    with PO.open("rb") as f:
        catalog = read_po(f)
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog
                  if m.id and m.string and (m.string if isinstance(m.string, str) else m.string[0]) and not m.fuzzy}
    assert len(wanted) > 200, "the extraction found too few messages; is babel.cfg right?"
    missing = sorted(wanted - translated)
    assert not missing, f"{len(missing)} messages lack a Chinese translation (run `make extract-messages`, then translate): {missing[:10]}"


def test_placeholders_survive_translation():
    import re

    with PO.open("rb") as f:
        catalog = read_po(f)
    for message in catalog:
        if not message.id or not message.string:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        target = message.string if isinstance(message.string, str) else message.string[0]
        assert sorted(re.findall(r"%\(\w+\)[sd]", source)) == sorted(re.findall(r"%\(\w+\)[sd]", target)), source
