"""`pulse analytics …`: rebuild the analytics store, catch it up, show where it stands."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pulse.analytics.store import AnalyticsStoreBusy
from pulse.platform.settings import Settings

if TYPE_CHECKING:
    from rich.progress import Progress

    from pulse.analytics.rebuild import Replay

analytics_app = typer.Typer(no_args_is_help=True, help="The analytics store (DuckDB).")


def _settings() -> Settings:
    from pulse.platform.observability import configure_logging

    settings = Settings()
    configure_logging(settings.log_level, settings.log_json)
    return settings


BatchSize = Annotated[
    int, typer.Option(min=1, max=200_000, help="Events applied per DuckDB transaction at most.")
]


def _bar(description: str) -> tuple[Progress, Callable[[int, int], None]]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    task = bar.add_task(description, total=None)

    def update(position: int, head: int) -> None:
        bar.update(task, completed=position, total=head)

    return bar, update


def _replay(
    description: str,
    work: Callable[[Callable[[int, int], None]], Coroutine[Any, Any, Replay]],
) -> str:
    """Run a replay of events under a progress bar and say what it applied; exit 1 when
    another process holds the analytics store."""
    bar, update = _bar(description)
    try:
        with bar:
            replay = asyncio.run(work(update))
    except AnalyticsStoreBusy as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    return (
        f"{replay.events} events up to position {replay.position} "
        f"in {replay.seconds:.1f} s ({replay.rate:,.0f} events/s)"
    )


@analytics_app.command("rebuild")
def rebuild_command(batch_size: BatchSize = 20_000) -> None:
    """Replay every event from the outbox (embedded) or the stream (NATS) into a fresh
    file, then swap it in. Stop the process that serves analytics first."""
    from pulse.analytics.rebuild import rebuild

    settings = _settings()
    done = _replay(
        "replaying events",
        lambda progress: rebuild(settings, batch_size=batch_size, progress=progress),
    )
    typer.echo(f"rebuilt {settings.resolved_olap_path}: {done}")


@analytics_app.command("project")
def project_command(
    batch_size: BatchSize = 20_000,
    follow: Annotated[
        bool, typer.Option(help="Keep following new events instead of stopping when caught up.")
    ] = False,
    path: Annotated[Path | None, typer.Option(help="Another DuckDB file to project into.")] = None,
) -> None:
    """Apply the events the analytics store has not seen yet (without serving the API)."""
    from pulse.analytics.rebuild import project

    settings = _settings()
    target = path or settings.resolved_olap_path
    done = _replay(
        "applying events",
        lambda progress: project(
            settings, target, batch_size=batch_size, until_caught_up=not follow, progress=progress
        ),
    )
    typer.echo(f"{target}: applied {done}")
