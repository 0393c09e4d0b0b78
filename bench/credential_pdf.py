"""Card PDFs per second (target: at least 100 per second on 2 cores in a re-issuance campaign).

    .venv/bin/python -m bench.credential_pdf [--cards 500]

Draws the card of one credential repeatedly (sign a token, lay out both sides, subset the CJK font,
draw the QR as vectors) in one process; a campaign would run one process per core. Baseline in the
same run: an empty one-page PDF."""
from __future__ import annotations

import argparse
import io
import tempfile
import time
from datetime import date

from reportlab.pdfgen.canvas import Canvas

from bench.common import bench_app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=500)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    single = run(args.cards, report=True)
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(args.processes) as pool:
        t0 = time.perf_counter()
        pool.map(run, [args.cards] * args.processes)
        elapsed = time.perf_counter() - t0
    rate = args.cards * args.processes / elapsed
    print(f"  {args.processes} processes at once: {rate:.0f} cards per second (setup included; one process alone: {1 / single:.0f}/s); "
          f"target >= 100/s: {'met' if rate >= 100 else 'MISSED'}")


def run(cards: int, report: bool = False) -> float:

    from examsys import clock
    from examsys.credentials.keys import KeyStore
    from examsys.credentials.models import Credential
    from examsys.credentials.pdf import card_pdf, font_name
    from examsys.credentials.verification import token_for, url_for_token
    from examsys.db import get_session
    from examsys.orgs.models import OrgKind
    from examsys.orgs.services import create_org
    from examsys.personnel.models import EnforcementDomain, Person, PersonnelKind, StaffingKind

    with tempfile.TemporaryDirectory() as folder, bench_app(KEY_DIR=folder + "/keys"):
        KeyStore(folder + "/keys").init(clock.now())
        db = get_session()
        region = create_org(db, None, parent_id=None, kind=OrgKind.REGION, code="150000", name="内蒙古自治区", division_code="150000")
        person = Person(id_number="11010519491231002X", name="欧阳建国", sex="M", org=region, kind=PersonnelKind.OFFICER,
                        staffing_kind=StaffingKind.CIVIL_SERVANT)
        domain = EnforcementDomain(code="market", name="市场监管")
        credential = Credential(number="150000010000017", public_id="0123456789abcdef", status_index=1, person=person, org=region,
                                issuer=region, region="全区", legal_source="法定", valid_from=date(2026, 1, 1), valid_to=date(2030, 12, 31),
                                domains=[domain])
        db.add(credential)
        db.commit()
        font_name()
        card_pdf(credential, url_for_token(token_for(credential)))  # warm up: the font is parsed once per process
        t0 = time.perf_counter()
        for _ in range(200):
            out = io.BytesIO()
            canvas = Canvas(out)
            canvas.showPage()
            canvas.save()
        empty = (time.perf_counter() - t0) / 200
        t0 = time.perf_counter()
        size = 0
        for _ in range(cards):
            size = len(card_pdf(credential, url_for_token(token_for(credential))))
        per = (time.perf_counter() - t0) / cards
        if report:
            print(f"card PDFs (signed token, {size / 1024:.0f} KB each): {per * 1000:.1f} ms each in one process; "
                  f"an empty PDF {empty * 1000:.2f} ms ({per / empty:.0f} x)")
        return per


if __name__ == "__main__":
    main()
