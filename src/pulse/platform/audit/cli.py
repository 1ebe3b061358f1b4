"""`pulse audit …`: verify the chain (in the database or in an exported file), export it,
sign a checkpoint now, print the public key that checks the checkpoints."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Literal

import typer

from pulse.platform.audit import export, service
from pulse.platform.audit.chain import verify_export
from pulse.platform.audit.checkpoints import Checkpointer
from pulse.platform.audit.schemas import ChainStatus
from pulse.platform.audit.signing import signer_for
from pulse.platform.db import Database
from pulse.platform.settings import Settings
from pulse.platform.uow import UnitOfWork, UnitOfWorkFactory

audit_app = typer.Typer(no_args_is_help=True, help="The tamper-evident audit log.")


def _report(status: ChainStatus) -> None:
    if status.ok:
        typer.echo(
            f"OK: {status.records} records, the last {status.last_seq} ({status.last_hash}); "
            f"{status.checkpoints} signed checkpoints, the last at record "
            f"{status.last_checkpoint_seq}"
        )
        return
    typer.echo(f"BROKEN at record {status.first_bad_seq}: {status.problem}", err=True)
    raise typer.Exit(1)


@audit_app.command("verify")
def verify(
    file: Annotated[
        Path | None, typer.Option(help="Verify this export (.jsonl or .csv) instead.")
    ] = None,
    public_key: Annotated[
        Path | None,
        typer.Option(help="PEM public key for --file (default: this installation's key)."),
    ] = None,
) -> None:
    """Walk the chain and its signed checkpoints; report the first broken record."""
    settings = Settings()
    if file is not None:
        pem = public_key.read_bytes() if public_key else signer_for(settings).public_pem.encode()
        walk = verify_export(str(file), pem)
        _report(service.status_of(walk, walk.first_bad))
        return

    async def go() -> ChainStatus:
        db = Database(settings.resolved_database_url, pool_size=0)
        try:
            async with UnitOfWorkFactory(db)(readonly=True) as uow:
                return await service.verify(
                    uow.session, public_key_pem=signer_for(settings).public_pem
                )
        finally:
            await db.dispose()

    _report(asyncio.run(go()))


@audit_app.command("export")
def export_log(
    output: Annotated[Path, typer.Option("--output", "-o", help="The file to write.")],
    fmt: Annotated[str, typer.Option("--format", help="jsonl or csv.")] = "jsonl",
) -> None:
    """Write the whole chain with its signed checkpoints, verifiable offline."""
    if fmt not in ("jsonl", "csv"):
        raise typer.BadParameter("jsonl or csv", param_hint="--format")
    settings = Settings()
    chosen: Literal["jsonl", "csv"] = "csv" if fmt == "csv" else "jsonl"

    async def go() -> None:
        db = Database(settings.resolved_database_url, pool_size=0)
        factory = UnitOfWorkFactory(db)

        def open_uow() -> UnitOfWork:
            return factory(readonly=True)

        try:
            with output.open("w", encoding="utf-8", newline="") as fh:
                async for line in export.lines(open_uow, signer_for(settings), chosen):
                    fh.write(line)
        finally:
            await db.dispose()

    asyncio.run(go())
    typer.echo(f"wrote {output}")


@audit_app.command("checkpoint")
def checkpoint() -> None:
    """Sign a checkpoint of the chain's end now (the server does so periodically)."""
    settings = Settings()

    async def go() -> int | None:
        db = Database(settings.resolved_database_url, pool_size=0)
        try:
            return await Checkpointer(UnitOfWorkFactory(db), settings).run_once()
        finally:
            await db.dispose()

    seq = asyncio.run(go())
    typer.echo("nothing new to sign" if seq is None else f"signed a checkpoint at record {seq}")


@audit_app.command("public-key")
def public_key() -> None:
    """Print the PEM public key that checks the checkpoints (keep a copy off this machine)."""
    typer.echo(signer_for(Settings()).public_pem, nl=False)
