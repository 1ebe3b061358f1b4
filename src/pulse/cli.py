"""The `pulse` command: run the product, its workers and its maintenance tasks."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from pathlib import Path
from typing import Annotated

import typer

from pulse.platform.auth.cli import users_app
from pulse.platform.settings import Settings

app = typer.Typer(no_args_is_help=True, help="Pulse ERP: orders, inventory, billing and live BI.")
db_app = typer.Typer(no_args_is_help=True, help="Database schema.")
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")


def _register_subcommands() -> None:
    from pulse.analytics.cli import analytics_app
    from pulse.demo import demo_app

    app.add_typer(demo_app, name="demo")
    app.add_typer(analytics_app, name="analytics")


_register_subcommands()

Host = Annotated[str | None, typer.Option(help="Address to listen on.")]
Port = Annotated[int | None, typer.Option(help="Port to listen on.")]


def _settings(**overrides: object) -> Settings:
    settings = Settings()
    return settings.model_copy(update={k: v for k, v in overrides.items() if v is not None})


def _configure_logging(settings: Settings) -> None:
    from pulse.platform.observability import configure_logging

    configure_logging(settings.log_level, settings.log_json)


@db_app.command("describe")
def db_describe(
    write: Annotated[str | None, typer.Option(help="Update this document in place.")] = None,
) -> None:
    """Print the table reference of docs/DATA_MODEL.md, or update it with --write."""
    from pathlib import Path

    from pulse.datamodel import render, write_into

    if write is None:
        typer.echo(render())
        return
    path = Path(write)
    path.write_text(write_into(path.read_text()))
    typer.echo(f"updated {path}")


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations up to REVISION (default: head)."""
    from pulse.platform.migrate import upgrade

    settings = _settings()
    if settings.resolved_database_url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url, revision)
    typer.echo(f"database at {revision}")


def _serve(settings: Settings, *, host: str, port: int, banner: str | None = None) -> None:
    import uvicorn

    from pulse.app import create_app

    _configure_logging(settings)
    application = create_app(settings=settings)
    if banner:
        typer.echo(banner)
    uvicorn.run(
        application,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        loop="uvloop",
        http="httptools",
        # The client address is the peer's; X-Forwarded-For is believed only from the
        # proxies in PULSE_TRUSTED_PROXIES, by the login limits (uvicorn would otherwise
        # trust it from 127.0.0.1 before the application sees the request).
        proxy_headers=False,
    )


@app.command()
def up(
    host: Host = None,
    port: Port = None,
    demo: Annotated[bool, typer.Option("--demo", help="Load demo data on first start.")] = False,
) -> None:
    """Embedded mode: migrate, create the admin, then serve the API and every consumer."""
    from pulse.platform.migrate import upgrade

    settings = _settings(host=host, port=port)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    from pulse.platform.auth.bootstrap import ensure_admin

    password = asyncio.run(ensure_admin(settings))
    if demo:
        from pulse.demo import load_if_empty

        asyncio.run(load_if_empty(settings))
    url = f"http://{settings.host}:{settings.port}"
    lines = [f"Pulse ERP is running: open {url}/app/", f"  API docs: {url}/docs"]
    if password:
        lines.append(f"  log in as 'admin' with password: {password}  (shown once; change it)")
    else:
        lines.append("  log in as 'admin' with the password in PULSE_ADMIN_PASSWORD or set earlier")
    _serve(settings, host=settings.host, port=settings.port, banner="\n".join(lines))


@app.command()
def serve(
    host: Host = None,
    port: Port = None,
    consumers: Annotated[str, typer.Option(help="Consumers to run in this process too.")] = "none",
    relay: Annotated[bool, typer.Option(help="Relay the outbox from this process.")] = False,
) -> None:
    """The API only (services mode): consumers and relay run as their own processes."""
    settings = _settings(host=host, port=port, consumers=consumers, relay=relay)
    _serve(settings, host=settings.host, port=settings.port)


async def _run_until_signalled(settings: Settings) -> None:
    from pulse.bootstrap import build_container

    container = build_container(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await container.start()
    try:
        await stop.wait()
    finally:
        await container.stop()


@app.command()
def worker(
    consumers: Annotated[
        str, typer.Argument(help="Comma-separated consumer names, or 'all'.")
    ] = "all",
) -> None:
    """Run consumers (and no API)."""
    settings = _settings(consumers=consumers, relay=False)
    _configure_logging(settings)
    asyncio.run(_run_until_signalled(settings))


@app.command()
def relay() -> None:
    """Relay the outbox to the bus (and run no consumer)."""
    settings = _settings(consumers="none", relay=True)
    _configure_logging(settings)
    asyncio.run(_run_until_signalled(settings))


@app.command()
def openapi(
    write: Annotated[
        Path | None, typer.Option(help="Write to this file (the web client is generated from it).")
    ] = None,
) -> None:
    """Print the OpenAPI document of the HTTP API."""
    from pulse.app import openapi_document

    text = openapi_document()
    if write is None:
        typer.echo(text, nl=False)
        return
    write.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {write}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
