"""Field validators every module's API schemas share."""

from __future__ import annotations

from pydantic import AfterValidator


def no_nul(value: str | None) -> str | None:
    """PostgreSQL cannot store NUL characters, so no backend takes them."""
    if value is not None and "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


NoNul = AfterValidator(no_nul)
