"""Reading QR codes back from a rendered page or screenshot, as a phone's scanner does: QR codes only.

zxing-cpp looks for every format it knows unless told otherwise, and on a whole A4 page it may take a
stroke pattern (a line of vertical Mongolian, a rule) for a one-dimensional code now and then; a test that
counts "the codes on this page" would then fail on a page that has exactly one QR code. Nothing the app
prints is a linear code, so the tests read QR codes only, through this one place."""
from __future__ import annotations

import zxingcpp
from PIL import Image


def qr_codes(image: Image.Image) -> list[zxingcpp.Barcode]:
    """Every QR code zxing-cpp finds in the image."""
    return zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)


def the_qr_code(image: Image.Image) -> zxingcpp.Barcode:
    """The one QR code in the image; fails the test if there is none or more than one."""
    found = qr_codes(image)
    assert len(found) == 1, f"{len(found)} QR codes: {[code.text for code in found]}"
    return found[0]
