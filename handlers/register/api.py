"""The register in the data API, for administrators only (as its bulk export is): who lives where abroad, unit by
unit, for the province's own counts and joins. Contact details, addresses, phone numbers and the encrypted notes
stay out: a tool that counts and links people has no need of them (Law 91/2025/QH15's minimisation). Every page
is audited like any API read, and every CSV of it is also told to the administrators as it happens."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.registry import Registry
from bot.web.api import UNIT_PARAM, ApiCtx, ApiEndpoint, ApiField, ApiParam
from storage.models import OverseasRecord, Unit
from storage.people import Role

RECORD_FIELDS = (
    ApiField("id", "integer"), ApiField("unit_id", "integer"), ApiField("unit_code", "string"),
    ApiField("unit_name", "string"), ApiField("full_name", "string"), ApiField("gender", "string"),
    ApiField("birth_year", "integer"), ApiField("country", "string", "ISO 3166-1 alpha-2"),
    ApiField("city", "string"), ApiField("abroad_since", "integer", "The year they went abroad"),
    ApiField("group_code", "string", "The group the province counts them in"),
    ApiField("association", "string", "The association of Vietnamese abroad they belong to"),
    ApiField("relative_name", "string", "Their relative at home"), ApiField("relationship", "string"),
    ApiField("relative_in_association", "string"),
    ApiField("status", "string", "abroad / returned / deceased / unknown"),
    ApiField("created_at", "date-time"), ApiField("updated_at", "date-time"),
)  # fmt: skip
_COLUMNS = tuple(field.name for field in RECORD_FIELDS if field.name not in ("unit_code", "unit_name"))


async def overseas_records(ctx: ApiCtx, after: int, limit: int) -> list[dict[str, Any]]:
    scope = await ctx.within()
    query = (
        select(OverseasRecord, Unit.code, Unit.name)
        .join(Unit, Unit.id == OverseasRecord.unit_id)
        .where(OverseasRecord.id > after, OverseasRecord.deleted_at.is_(None), scope.clause(OverseasRecord.unit_id))
    )
    if ctx.params.get("country"):
        query = query.where(OverseasRecord.country == ctx.params["country"].upper())
    if ctx.params.get("status"):
        query = query.where(OverseasRecord.status == ctx.params["status"])
    rows = (await ctx.session.execute(query.order_by(OverseasRecord.id).limit(limit))).all()
    return [{**{name: getattr(record, name) for name in _COLUMNS}, "unit_code": code, "unit_name": name}
            for record, code, name in rows]  # fmt: skip


def register(registry: Registry) -> None:
    registry.api_endpoints.append(ApiEndpoint(
        "overseas-records", "The register of overseas Vietnamese (administrators only)", RECORD_FIELDS,
        overseas_records, (ApiParam("country", "string", "Only those living in this country (ISO code)"),
                           ApiParam("status", "string", "abroad, returned, deceased or unknown"), UNIT_PARAM),
        roles=frozenset({Role.ADMIN.value}), personal=True,
    ))  # fmt: skip
