"""The credential PDFs embed every font they name (the CJK font the project brings with it), on a
machine with no CJK font installed; without the font file, printing fails loudly instead of falling
back to a font that is not embedded."""
import io
import shutil
import subprocess
from datetime import timedelta

import pytest
from pypdf import PdfReader

from examsys import clock
from examsys.credentials import services
from examsys.credentials.keys import KeyStore
from tests.credential_fixtures import issue_request


@pytest.fixture
def credential(app, db, issuing, tmp_path):
    app.config["KEY_DIR"] = str(tmp_path / "keys")
    KeyStore(tmp_path / "keys").init(clock.now() - timedelta(minutes=5))
    issued = services.issue(db, issuing["hr"], issue_request(issuing, issuing["officer"], region="新城区䶮"))
    db.commit()
    return issued


def fonts_of(data: bytes) -> dict[str, bool]:
    """Every font the PDF's pages use, by base name, and whether its program is embedded (FontFile,
    FontFile2 or FontFile3 in its descriptor, or its descendant's for a composite font)."""
    found: dict[str, bool] = {}
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"].get("/Font", {}).values():
            font = font.get_object()
            described = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = described.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            found[str(font["/BaseFont"])] = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
    return found


def _pdfs(client, auth, credential) -> dict[str, bytes]:
    auth.login("candidate")  # the holder
    pdfs = {}
    for name in ("card.pdf", "certificate.pdf"):
        response = client.get(f"/credentials/{credential.id}/{name}")
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        pdfs[name] = response.data
    return pdfs


def test_the_card_and_the_certificate_embed_every_font_they_use(db, client, auth, credential):
    for name, data in _pdfs(client, auth, credential).items():
        fonts = fonts_of(data)
        assert fonts, name
        assert all(fonts.values()), f"{name} names a font it does not embed: {fonts}"
        assert any("WenQuanYiZenHei" in font for font in fonts), fonts  # the project's CJK font, not a viewer's
        assert not any("Helvetica" in font or "STSong" in font for font in fonts), fonts


def test_pdffonts_says_emb_yes_for_every_font(db, client, auth, credential, tmp_path):
    if not shutil.which("pdffonts"):
        pytest.skip("needs pdffonts (Debian poppler-utils; CI installs it)")
    for name, data in _pdfs(client, auth, credential).items():
        (tmp_path / name).write_bytes(data)
        lines = subprocess.run(["pdffonts", str(tmp_path / name)], check=True, capture_output=True, text=True).stdout.splitlines()[2:]
        assert lines, name
        for line in lines:  # name type encoding emb sub uni object ID: emb is the fourth column from the end
            assert line.split()[-5] == "yes", f"{name}: {line}"


def test_without_its_font_file_printing_fails_loudly(app, db, credential, monkeypatch, tmp_path):
    from examsys import pdf_fonts
    from examsys.credentials.documents import pdf
    from examsys.credentials.public.verification import token_for, url_for_token

    url = url_for_token(token_for(credential))
    monkeypatch.setattr(pdf_fonts, "FONT_FILE", tmp_path / "missing.ttf")
    pdf_fonts.font_name.cache_clear()
    try:
        with pytest.raises(pdf_fonts.FontMissing, match="missing.ttf"):
            pdf.card_pdf(credential, url)
    finally:
        monkeypatch.undo()
        pdf_fonts.font_name.cache_clear()
    assert all(fonts_of(pdf.card_pdf(credential, url)).values())  # with the file back, it prints again
