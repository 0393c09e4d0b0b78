"""`flask credentials reissue-run` and `reissue-print`: a re-issuance campaign from the command line,
for batches too large to follow in a browser. The same services as the pages; commits after each step."""
from __future__ import annotations

from pathlib import Path

import click

from examsys.auth.permissions import SYSTEM
from examsys.db import get_session
from examsys.errors import refused_in_cli


def register(group: click.Group) -> None:
    @group.command("reissue-run")
    @click.argument("campaign_id", type=int)
    @click.option("--seconds", type=float, default=None, help="length of one step (default: REISSUE_CHUNK_SECONDS)")
    def reissue_run(campaign_id: int, seconds: float | None) -> None:
        """Issue the pending officers of a re-issuance campaign, one committed step at a time, printing
        the progress. Running it again issues nobody twice."""
        from examsys.credentials.reissue.services import run

        db = get_session()
        while True:
            with refused_in_cli():
                result = run(db, SYSTEM, campaign_id, seconds)
            db.commit()
            n = result.counts
            click.echo(f"{n.done} of {n.total} done: {n.issued} issued, {n.ineligible} not eligible, {n.pending} pending")
            if n.pending == 0 or not (result.issued or result.ineligible):
                break

    @group.command("reissue-print")
    @click.argument("campaign_id", type=int)
    @click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--zip", "as_zip", is_flag=True, help="a ZIP of one PDF per officer instead of one PDF")
    def reissue_print(campaign_id: int, out: Path, as_zip: bool) -> None:
        """Write the whole print batch of a campaign (the cards in force) to OUT."""
        from examsys.credentials.reissue.services import print_batch

        db = get_session()
        with refused_in_cli():
            data, cards = print_batch(db, SYSTEM, campaign_id, "zip" if as_zip else "pdf")
        out.write_bytes(data)
        db.commit()
        click.echo(f"{cards} cards written to {out} ({len(data) // 1024} KB)")
