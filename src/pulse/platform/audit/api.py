"""The audit log over HTTP: search, one record, the chain's status, the export, the public
key that checks the checkpoints. All of it needs `audit:read`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from pulse.platform.api import DEFAULT_LIMIT, PageLimit, ReadUowDep
from pulse.platform.audit import export, service
from pulse.platform.audit import repository as repo
from pulse.platform.audit.schemas import AuditPage, AuditRecordRead, ChainStatus, SigningKeyRead
from pulse.platform.audit.signing import Signer
from pulse.platform.auth.tokens import Principal
from pulse.platform.deps import Requires, get_container
from pulse.platform.errors import NotFound
from pulse.platform.uow import UnitOfWork
from pulse.platform.validation import IsoDateTime, NoNul

router = APIRouter(prefix="/audit", tags=["audit"])

AuditReader = Annotated[Principal, Requires("audit:read")]
Text = Annotated[str | None, Query(min_length=1, max_length=100), NoNul]
Seq = Annotated[int, Query(ge=1, le=2**62)]


def _signer(request: Request) -> Signer:
    checkpoints = get_container(request).audit
    assert checkpoints is not None
    return checkpoints.signer


@router.get("/records", response_model=AuditPage)
async def search(
    _: AuditReader,
    uow: ReadUowDep,
    actor: Text = None,
    action: Annotated[
        str | None,
        Query(min_length=1, max_length=100, description='a name, or a prefix ending in "."'),
        NoNul,
    ] = None,
    subject_type: Text = None,
    subject_id: Annotated[str | None, Query(min_length=1, max_length=200), NoNul] = None,
    since: Annotated[IsoDateTime | None, Query(alias="from")] = None,
    until: Annotated[IsoDateTime | None, Query(alias="to")] = None,
    before_seq: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> AuditPage:
    filters = repo.Filters(
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        since=_moment(since),
        until=_moment(until),
    )
    rows, total = await repo.search(uow.session, filters, limit=limit, before_seq=before_seq)
    items = [AuditRecordRead.model_validate(row) for row in rows]
    more = len(items) == limit and items[-1].seq > 1
    return AuditPage(items=items, total=total, next_before_seq=items[-1].seq if more else None)


def _moment(value: datetime | None) -> str | None:
    return None if value is None else service.moment(value)


@router.get("/records/{seq}", response_model=AuditRecordRead)
async def get_record(_: AuditReader, uow: ReadUowDep, seq: int) -> AuditRecordRead:
    row = await repo.get(uow.session, seq) if 1 <= seq <= 2**62 else None
    if row is None:
        raise NotFound(f"no audit record {seq}", code="audit_record_not_found")
    return AuditRecordRead.model_validate(row)


@router.get("/verify", response_model=ChainStatus)
async def verify(_: AuditReader, uow: ReadUowDep, request: Request) -> ChainStatus:
    """Walk the whole chain and its signed checkpoints; name the first broken record."""
    return await service.verify(uow.session, public_key_pem=_signer(request).public_pem)


@router.get("/signing-key", response_model=SigningKeyRead)
async def signing_key(_: AuditReader, request: Request) -> SigningKeyRead:
    signer = _signer(request)
    return SigningKeyRead(key_id=signer.key_id, public_key_pem=signer.public_pem)


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The whole chain with its checkpoints (docs/AUDIT.md)",
            "content": {"application/x-ndjson": {}, "text/csv": {}},
        }
    },
)
async def export_log(
    principal: AuditReader,
    request: Request,
    format: Literal["jsonl", "csv"] = "jsonl",  # noqa: A002 - the query parameter's name
) -> StreamingResponse:
    container = get_container(request)
    signer = _signer(request)

    def open_uow() -> UnitOfWork:
        return container.uow(actor=principal.username, readonly=True)

    return StreamingResponse(
        export.lines(open_uow, signer, format),
        media_type=export.MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="audit.{format}"'},
    )
