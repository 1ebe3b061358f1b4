"""The plumbing every router stands on: paging parameters and the page they answer, the
`Idempotency-Key` header, and the units of work an endpoint takes — a write one that
commits when the endpoint returns and rolls back when it raises."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Header, Query, Request
from pydantic import BaseModel

from pulse.platform.auth.addresses import client_ip
from pulse.platform.deps import CurrentPrincipal, get_container
from pulse.platform.uow import UnitOfWork
from pulse.platform.validation import PRINTABLE_HEADER_PATTERN

MAX_LIMIT = 500
MAX_OFFSET = 10_000_000
DEFAULT_LIMIT = 50

PageLimit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="at most this many items")]
PageOffset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="skip this many items")]

IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", min_length=1, max_length=200, pattern=PRINTABLE_HEADER_PATTERN),
]


# -- paging ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PaginationParams:
    limit: int
    offset: int


def paging(default_limit: int = DEFAULT_LIMIT) -> Any:
    """The `limit` and `offset` query parameters as one dependency, `limit` defaulting to
    `default_limit`: `Annotated[PaginationParams, paging(100)]`."""

    async def pagination_params(
        limit: PageLimit = default_limit, offset: PageOffset = 0
    ) -> PaginationParams:
        return PaginationParams(limit=limit, offset=offset)

    return Depends(pagination_params)


Paging = Annotated[PaginationParams, paging()]
# For lists a screen shows whole (sessions, products to reorder).
LongPaging = Annotated[PaginationParams, paging(100)]

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list. Each list names its own subclass (`class OrderPage(Page[
    OrderSummary])`) so the API document and the web app's generated types keep that name."""

    items: list[T]
    total: int
    limit: int
    offset: int


# -- units of work ---------------------------------------------------------------------------
def request_id(request: Request) -> str | None:
    """The id the request-logging middleware gave this request (None outside it)."""
    return getattr(request.state, "request_id", None)


@asynccontextmanager
async def _committed_on_return(request: Request, actor: str | None) -> AsyncIterator[UnitOfWork]:
    container = get_container(request)
    async with container.uow(
        actor=actor,
        correlation_id=request_id(request),
        address=client_ip(request, container.settings.trusted_proxies),
    ) as uow:
        yield uow
        # Reached only when the endpoint returned: an exception it raised is thrown in at the
        # `yield`, and leaving the `async with` rolls back.
        await uow.commit()


async def write_uow(request: Request, principal: CurrentPrincipal) -> AsyncIterator[UnitOfWork]:
    async with _committed_on_return(request, principal.username) as uow:
        yield uow


async def public_write_uow(request: Request) -> AsyncIterator[UnitOfWork]:
    async with _committed_on_return(request, None) as uow:
        yield uow


async def read_uow(request: Request, principal: CurrentPrincipal) -> AsyncIterator[UnitOfWork]:
    factory = get_container(request).uow
    async with factory(actor=principal.username, readonly=True) as uow:
        yield uow


# scope="function": FastAPI runs the exit of a `yield` dependency of the default ("request")
# scope after the response is sent (since 0.118); "function" runs it once the endpoint's
# answer is built and before a byte of it is sent. So the commit precedes the answer, and a
# commit that fails becomes the answer (a problem+json through the error handlers), never a
# 2xx for work that was not kept. tests/integration/test_commit_on_success.py holds both.
UowDep = Annotated[UnitOfWork, Depends(write_uow, scope="function")]
# The same for the few endpoints open without a token (signing out, enrolling at sign-in).
PublicUowDep = Annotated[UnitOfWork, Depends(public_write_uow, scope="function")]
ReadUowDep = Annotated[UnitOfWork, Depends(read_uow)]
