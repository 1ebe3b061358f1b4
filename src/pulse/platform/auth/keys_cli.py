"""`pulse auth …`: the keys that sign Pulse's access tokens."""

from __future__ import annotations

from typing import Annotated

import typer

from pulse.platform.auth.keys import KeyRingMissing, load_key_ring, ring_path, rotate
from pulse.platform.events import utcnow
from pulse.platform.settings import Settings

auth_app = typer.Typer(no_args_is_help=True, help="Token signing keys.")


@auth_app.command("rotate-key")
def rotate_key(
    drop_previous: Annotated[
        bool,
        typer.Option(
            "--drop-previous",
            help="Stop accepting the previous keys at once (a key leaked): everyone signs in "
            "again.",
        ),
    ] = False,
) -> None:
    """Make a new signing key. Tokens signed with the previous one keep working until they
    expire, so no one is signed out; a running server picks the new key up within a second."""
    settings = Settings()
    try:
        new, kept = rotate(settings, drop_previous=drop_previous)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"signing key {new.kid} is current ({ring_path(settings)})")
    for key in kept:
        until = key.verifies_until.isoformat(timespec="seconds") if key.verifies_until else "-"
        typer.echo(f"  {key.kid} still verifies until {until}")


@auth_app.command("keys")
def list_keys() -> None:
    """List the signing keys by id (never their secrets): the current one and those still
    accepted."""
    settings = Settings()
    try:
        ring = load_key_ring(settings, create=False)
    except KeyRingMissing:
        typer.echo("no signing key yet: the server makes one when it first starts")
        return
    now = utcnow()
    current = ring.current
    for key in ring.accepted(now=now):
        if key.kid == current.kid:
            state = "current (signs)"
        elif key.verifies_until is None:
            state = "accepted"
        else:
            state = f"verifies until {key.verifies_until.isoformat(timespec='seconds')}"
        typer.echo(f"{key.kid:<20} {state}")
