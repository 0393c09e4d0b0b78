"""`flask keys ...`: the credential signing keys (kept in EXAMSYS_KEY_DIR, default instance/keys)."""
from __future__ import annotations

import click
from flask import Flask

from examsys import clock
from examsys.credentials.verification import key_store


def register(app: Flask) -> None:
    @app.cli.group("keys")
    def keys_group() -> None:
        """Credential signing keys."""

    @keys_group.command("init")
    def init_cmd() -> None:
        """Create the root key and the first signing key, and publish the key set."""
        from examsys.credentials.keys import KeyError_

        store = key_store()
        try:
            kid = store.init(clock.now())
        except KeyError_ as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"keys created in {store.folder} (signing key {kid}); root public key, to pin in verifiers:\n{store.root_public()}")

    @keys_group.command("rotate")
    def rotate_cmd() -> None:
        """Close the current signing key's window and start a new key. Earlier credentials stay valid."""
        from examsys.credentials.keys import KeyError_

        try:
            kid = key_store().rotate(clock.now())
        except KeyError_ as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"signing key {kid} is now active")


    @app.cli.group("credentials")
    def credentials_group() -> None:
        """Credentials."""

    from examsys.credentials.reissue_cli import register as register_reissue

    register_reissue(credentials_group)

    @credentials_group.command("verify")
    @click.argument("token")
    def verify_cmd(token: str) -> None:
        """Verify a token (or the whole verify URL) as the public page does; exit 0 only when VALID."""
        from examsys.credentials.verification import verify
        from examsys.db import get_session

        result = verify(get_session(), token.rsplit("/", 1)[-1])
        for step, passed in result.steps:
            click.echo(f"{'ok ' if passed else 'NO '} {step}")
        if result.claims is not None:
            click.echo(f"{result.claims.name} {result.claims.number} valid to {result.claims.valid_to}")
        click.echo(result.verdict)
        raise SystemExit(0 if result.verdict == "VALID" else 1)
