"""The `pulse` command: run the product, its workers and its maintenance tasks."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import signal
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from pulse.platform.audit.cli import audit_app
from pulse.platform.auth.cli import users_app
from pulse.platform.auth.keys_cli import auth_app
from pulse.platform.settings import Settings

# How long uvicorn's supervisor waits for a new `--workers` process to answer its ping.
WORKER_START_SECONDS = 120

app = typer.Typer(no_args_is_help=True, help="Pulse ERP: orders, inventory, billing and live BI.")
db_app = typer.Typer(no_args_is_help=True, help="Database schema.")
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(audit_app, name="audit")
app.add_typer(auth_app, name="auth")


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


def _serve(
    settings: Settings,
    *,
    host: str,
    port: int,
    banner: str | None = None,
    workers: int = 1,
    env: dict[str, str] | None = None,
) -> None:
    import uvicorn

    from pulse.app import create_app
    from pulse.platform.serving import uvicorn_options

    _configure_logging(settings)
    options: dict[str, Any] = {
        **uvicorn_options(settings),
        "host": host,
        "port": port,
        # The client address is the peer's; X-Forwarded-For is believed only from the
        # proxies in PULSE_TRUSTED_PROXIES, by the login limits (uvicorn would otherwise
        # trust it from 127.0.0.1 before the application sees the request).
        "proxy_headers": False,
    }
    if workers > 1:
        from pulse.platform.auth.keys import load_key_ring

        # Each process builds its own app from the environment; the options given on the
        # command line travel there, and a generated secret is made once, before them.
        os.environ.update(env or {})
        load_key_ring(settings)
        if banner:
            typer.echo(banner)
        uvicorn.run(
            "pulse.app:create_served_app",
            factory=True,
            workers=workers,
            # A worker imports the whole product before it answers the supervisor's ping:
            # seconds on a small or busy machine, where uvicorn's 5 s default had it killed
            # and restarted for ever.
            timeout_worker_healthcheck=WORKER_START_SECONDS,
            **options,
        )
        return
    from pulse.flow_process import FlowProcess, split, stop_with

    settings, flow = split(settings)
    application = create_app(settings=settings, freeze_heap=True)
    flow_process = FlowProcess(flow, settings.analytics_socket or None) if flow else None
    if flow_process is not None:
        flow_process.start()
        stop_with(application, flow_process.stop)
    if banner:
        typer.echo(banner)
    try:
        uvicorn.run(application, **options)
    finally:
        if flow_process is not None:
            flow_process.stop()


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
    lines = ["", f"Pulse ERP is running: open {url}/app/", f"  API docs: {url}/docs"]
    if password:
        lines.append(f"  log in as 'admin' with password: {password}  (shown once; change it)")
    else:
        lines.append("  log in as 'admin' with the password in PULSE_ADMIN_PASSWORD or set earlier")
    _serve(settings, host=settings.host, port=settings.port, banner="\n".join([*lines, ""]))


def first_admin(settings: Settings) -> None:
    """Services mode: the first start of any serving process (`pulse serve`, `worker`,
    `relay`) creates the user 'admin' when there is no user at all, as `pulse up` does.
    Processes starting together race on the unique user name: one creates it and prints
    the generated password, once; the others find it there."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from pulse.platform.auth.bootstrap import ensure_admin

    try:
        password = asyncio.run(ensure_admin(settings))
    except (OperationalError, ProgrammingError) as exc:
        typer.echo(
            f"could not look for the first user: {exc.orig}\n"
            "is the database reachable, and has `pulse db upgrade` run?",
            err=True,
        )
        raise typer.Exit(1) from None
    if password:
        typer.echo(
            f"first start: created the user 'admin' with password: {password}  "
            "(shown once; change it, or set PULSE_ADMIN_PASSWORD before the first start)"
        )


@app.command()
def init() -> None:
    """Services mode, at every deployment: apply the migrations, then create 'admin' (with
    PULSE_ADMIN_PASSWORD) when there is no user yet. Safe to run again."""
    from pulse.platform.auth.bootstrap import ensure_admin
    from pulse.platform.migrate import upgrade

    settings = _settings()
    if settings.resolved_database_url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    typer.echo("database at head")
    password = asyncio.run(ensure_admin(settings))
    if password:
        typer.echo(f"created 'admin' with password: {password}  (shown once; change it)")


@app.command()
def serve(
    host: Host = None,
    port: Port = None,
    consumers: Annotated[str, typer.Option(help="Consumers to run in this process too.")] = "none",
    relay: Annotated[bool, typer.Option(help="Relay the outbox from this process.")] = False,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="API processes sharing the port (services mode).")
    ] = 1,
) -> None:
    """The API only (services mode): consumers and relay run as their own processes."""
    settings = _settings(host=host, port=port, consumers=consumers, relay=relay)
    if workers > 1:
        if settings.resolved_database_url.startswith("sqlite"):
            raise typer.BadParameter(
                "several API processes need PostgreSQL or MariaDB (PULSE_DATABASE_URL): "
                "SQLite takes one writer at a time, so the embedded mode runs one process",
                param_hint="--workers",
            )
        if consumers != "none" or relay:
            raise typer.BadParameter(
                "with several API processes, run consumers and the relay as their own "
                "processes (`pulse worker`, `pulse relay`)",
                param_hint="--workers",
            )
    first_admin(settings)
    env = {
        "PULSE_HOST": settings.host,
        "PULSE_PORT": str(settings.port),
        "PULSE_CONSUMERS": "none",
        "PULSE_RELAY": "false",
    }
    _serve(settings, host=settings.host, port=settings.port, workers=workers, env=env)


async def _run_until_signalled(settings: Settings, *, metrics_port_offset: int = 0) -> None:
    from pulse.bootstrap import build_container
    from pulse.platform.metrics_server import MetricsServer

    container = build_container(settings)
    metrics = None
    if settings.metrics_port:
        port = settings.metrics_port + metrics_port_offset
        metrics = MetricsServer(settings.host, port).start()
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
        if metrics is not None:
            metrics.stop()


def run_worker(consumers: str, index: int = 0, **overrides: object) -> None:
    settings = _settings(consumers=consumers, relay=False, **overrides)
    _configure_logging(settings)
    asyncio.run(_run_until_signalled(settings, metrics_port_offset=index))


@app.command()
def worker(
    consumers: Annotated[
        str, typer.Argument(help="Comma-separated consumer names, or 'all'.")
    ] = "all",
    processes: Annotated[
        int,
        typer.Option(
            min=1, max=64, help="Split the consumers over this many processes, one or more each."
        ),
    ] = 1,
) -> None:
    """Run consumers (and no API)."""
    first_admin(_settings())
    if processes == 1:
        run_worker(consumers)
        return
    _run_processes(split_consumers(consumers, processes))


def split_consumers(consumers: str, processes: int) -> list[str]:
    """The consumers named (or all) dealt over at most `processes` groups."""
    from pulse.bootstrap import CONSUMER_NAMES

    wanted = consumers.strip().lower()
    names = (
        list(CONSUMER_NAMES)
        if wanted in ("all", "*")
        else list(dict.fromkeys(part.strip() for part in wanted.split(",") if part.strip()))
    )
    if unknown := sorted(set(names) - set(CONSUMER_NAMES)):
        raise typer.BadParameter(f"no consumer {', '.join(unknown)}", param_hint="consumers")
    if not names:
        raise typer.BadParameter("no consumer named", param_hint="consumers")
    return [",".join(names[i::processes]) for i in range(min(processes, len(names)))]


def _run_processes(groups: list[str]) -> None:
    """One child process per group of consumers; SIGINT/SIGTERM stop them all, and the
    first to end stops the others (a supervisor restarts the whole worker)."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    children = [
        context.Process(target=run_worker, args=(group, index), name=f"pulse-worker[{group}]")
        for index, group in enumerate(groups)
    ]
    for child in children:
        child.start()

    def stop(*_: object) -> None:
        for child in children:
            if child.is_alive() and child.pid is not None:
                os.kill(child.pid, signal.SIGTERM)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, stop)
    from multiprocessing.connection import wait

    wait([child.sentinel for child in children])
    stop()
    for child in children:
        child.join()
    failed = [child.exitcode for child in children if child.exitcode not in (0, -signal.SIGTERM)]
    if failed:
        raise typer.Exit(1)


@app.command()
def relay() -> None:
    """Relay the outbox to the bus (and run no consumer)."""
    settings = _settings(consumers="none", relay=True)
    first_admin(settings)
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


def spawn_lightly() -> None:
    """Run as the `pulse` script, the main module is that script, and every process started
    with "spawn" (the PDF render pool, the analysts' SQL worker, `worker --processes`)
    would run it again first: importing this module, so every command and module, about
    110 MiB, into a PDF renderer that needs fpdf2 alone. Named as `python -m pulse`'s main
    module instead (which a spawned process does not run again), a spawned process imports
    only what it runs."""
    script = sys.modules["__main__"]
    if getattr(script, "__spec__", None) is None:
        script.__spec__ = importlib.util.find_spec("pulse.__main__")


def main() -> None:
    """The `pulse` command."""
    spawn_lightly()
    app()


if __name__ == "__main__":
    main()
