"""`flask keys ...`: the credential signing keys (kept in EXAMSYS_KEY_DIR, default instance/keys);
`flask credentials ...`: verifying a token, online or offline, and writing the signed status list."""
from __future__ import annotations

import click
from flask import Flask

from examsys import clock
from examsys.credentials.public.verification import key_store


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
        from flask import current_app

        from examsys.db import get_session

        tell = current_app.extensions.get("examsys.on_key_rotated")  # the API's webhooks (registered by api.init_app)
        if tell is not None:
            session = get_session()
            tell(session, kid)
            session.commit()


    @app.cli.group("credentials")
    def credentials_group() -> None:
        """Credentials."""

    from examsys.credentials.reissue.cli import register as register_reissue

    register_reissue(credentials_group)

    @credentials_group.command("verify")
    @click.argument("token")
    @click.option("--offline", is_flag=True, help="Verify as an offline verifier would: with the published key set and status list only.")
    @click.option("--keyset", "keyset_file", type=click.Path(exists=True, dir_okay=False), help="With --offline: a saved key set document.")
    @click.option("--status", "status_file", type=click.Path(exists=True, dir_okay=False), help="With --offline: a saved status list document.")
    def verify_cmd(token: str, offline: bool, keyset_file: str | None, status_file: str | None) -> None:
        """Verify a token (or the whole verify URL) as the public page does; exit 0 only when VALID."""
        from examsys.db import get_session

        token = token.rsplit("/", 1)[-1]
        if offline or keyset_file or status_file:
            import json
            from pathlib import Path

            from examsys.credentials import offline as standalone
            from examsys.credentials.status import build_status_list

            store = key_store()
            if not store.initialised:
                raise click.ClickException("no keys: run `flask keys init`")
            now = clock.now()
            keyset = json.loads(Path(keyset_file).read_text(encoding="utf-8")) if keyset_file else store.document()
            status = json.loads(Path(status_file).read_text(encoding="utf-8")) if status_file else build_status_list(get_session(), store, now)
            result = standalone.verify_documents(token, keyset, status, now, root_public_key=store.root_public())
            steps, claims, verdict, reason = result.steps, result.claims, result.verdict, result.reason
        else:
            from examsys.credentials.public.verification import verify

            checked = verify(get_session(), token)
            steps, claims, verdict, reason = checked.steps, checked.claims, checked.verdict, ""
        for step, passed in steps:
            click.echo(f"{'ok ' if passed else 'NO '} {step}")
        if claims is not None:
            click.echo(f"{claims.name} {claims.number} valid to {claims.valid_to}")
        if reason:
            click.echo(f"({reason})")
        click.echo(verdict)
        raise SystemExit(0 if verdict == "VALID" else 1)

    @credentials_group.command("status-list")
    @click.option("--out", type=click.Path(dir_okay=False, writable=True), help="Write the document to this file (default: print it).")
    def status_list_cmd(out: str | None) -> None:
        """Build and sign the status lists (revoked, suspended) now, as /.well-known/examsys-status.json serves them."""
        import json
        from pathlib import Path

        from examsys.credentials.keys import KeyError_
        from examsys.credentials.status import build_status_list
        from examsys.db import get_session

        try:
            document = build_status_list(get_session(), key_store(), clock.now())
        except KeyError_ as error:
            raise click.ClickException(str(error)) from None
        text = json.dumps(document, ensure_ascii=False, indent=1)
        if out:
            Path(out).write_text(text + "\n", encoding="utf-8")
            body = document["status_list"]
            click.echo(f"status list written to {out} (key {body['kid']}, {body['size']} indices, next update {body['next_update']})")
        else:
            click.echo(text)
