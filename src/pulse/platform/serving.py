"""The options uvicorn serves the product's app with, shared by every `pulse` server."""

from __future__ import annotations

from typing import Any

from pulse.platform.settings import Settings


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments of `uvicorn.run` common to the public server and `pulse-flow`."""
    return {
        "log_level": "warning",
        "access_log": False,
        # Its records go through the product's JSON logging (configure_logging).
        "log_config": None,
        "loop": "uvloop",
        "http": "httptools",
        # An idle kept-alive connection is closed by the client, not by the server: at
        # uvicorn's default (5 s, the same as Node's and httpx's), a client that sends a
        # request on a connection at the moment the server closes it gets a reset, and a
        # POST so cut cannot safely be sent again.
        "timeout_keep_alive": settings.keep_alive_seconds,
    }
