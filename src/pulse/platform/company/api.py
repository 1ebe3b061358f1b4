"""`/settings`: the company, its logo, tax rates and document numbering.

Any signed-in user reads them (the web app formats with them); changing them is
`settings:manage`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status

from pulse.platform.api import ReadUowDep, UowDep
from pulse.platform.auth.tokens import Principal
from pulse.platform.company import series, service
from pulse.platform.company.schemas import (
    CompanyRead,
    CompanyUpdate,
    LogoUpload,
    SeriesRead,
    SeriesUpdate,
    TaxRateCreate,
    TaxRateRead,
    TaxRateUpdate,
)
from pulse.platform.deps import CurrentPrincipal, Requires, get_container
from pulse.platform.openapi import problems

router = APIRouter(prefix="/settings", tags=["settings"])

Manage = Annotated[Principal, Requires("settings:manage")]
Series = Annotated[str, Path(min_length=1, max_length=50, pattern=r"^[a-z_]+$")]
Code = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[a-z0-9][a-z0-9_-]*$")]


@router.get("/company", response_model=CompanyRead)
async def read_company(_: CurrentPrincipal, uow: ReadUowDep, request: Request) -> CompanyRead:
    return await service.read_company(uow, defaults=get_container(request).settings)


@router.patch("/company", response_model=CompanyRead)
async def update_company(
    _: Manage, data: CompanyUpdate, uow: UowDep, request: Request
) -> CompanyRead:
    return await service.update_company(uow, data, defaults=get_container(request).settings)


@router.get(
    "/company/logo",
    response_class=Response,
    responses={200: {"content": {"image/png": {}, "image/jpeg": {}}}, **problems(404)},
)
async def read_logo(_: CurrentPrincipal, uow: ReadUowDep, request: Request) -> Response:
    data, content_type = await service.logo(uow, store=get_container(request).store)
    return Response(data, media_type=content_type, headers={"Cache-Control": "no-cache"})


@router.put("/company/logo", response_model=CompanyRead)
async def upload_logo(_: Manage, data: LogoUpload, uow: UowDep, request: Request) -> CompanyRead:
    container = get_container(request)
    return await service.set_logo(uow, data, store=container.store, defaults=container.settings)


@router.delete("/company/logo", response_model=CompanyRead)
async def remove_logo(_: Manage, uow: UowDep, request: Request) -> CompanyRead:
    return await service.remove_logo(uow, defaults=get_container(request).settings)


@router.get("/tax-rates", response_model=list[TaxRateRead])
async def list_tax_rates(_: CurrentPrincipal, uow: ReadUowDep) -> list[TaxRateRead]:
    return await service.list_tax_rates(uow)


@router.post("/tax-rates", response_model=TaxRateRead, status_code=status.HTTP_201_CREATED)
async def create_tax_rate(_: Manage, data: TaxRateCreate, uow: UowDep) -> TaxRateRead:
    return await service.create_tax_rate(uow, data)


@router.patch("/tax-rates/{code}", response_model=TaxRateRead)
async def update_tax_rate(_: Manage, code: Code, data: TaxRateUpdate, uow: UowDep) -> TaxRateRead:
    return await service.update_tax_rate(uow, code, data)


@router.get("/numbering", response_model=list[SeriesRead])
async def list_series(_: CurrentPrincipal, uow: ReadUowDep) -> list[SeriesRead]:
    return await series.list_series(uow)


@router.patch("/numbering/{series_name}", response_model=SeriesRead)
async def update_series(
    _: Manage, series_name: Series, data: SeriesUpdate, uow: UowDep
) -> SeriesRead:
    return await series.update_series(uow, series_name, data)
