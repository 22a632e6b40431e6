"""The people area's data API: the units of the token's scope (the tree other rows point into)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.registry import Registry
from bot.web.api import UNIT_PARAM, ApiCtx, ApiEndpoint, ApiField, ApiParam
from storage.models import Unit

UNIT_FIELDS = (
    ApiField("id", "integer"), ApiField("code", "string", "The official code (vietnam-provinces) or the unit's own"),
    ApiField("name", "string"), ApiField("level", "string", "province, commune, … (older data: district)"),
    ApiField("kind", "string"), ApiField("parent_id", "integer", "The unit above"),
)  # fmt: skip


async def units(ctx: ApiCtx, after: int, limit: int) -> list[dict[str, Any]]:
    scope = await ctx.within()
    query = select(Unit).where(Unit.id > after, scope.clause(Unit.id))
    if ctx.params.get("level"):
        query = query.where(Unit.level == ctx.params["level"])
    found = (await ctx.session.scalars(query.order_by(Unit.id).limit(limit))).all()
    return [{"id": unit.id, "code": unit.code, "name": unit.name, "level": unit.level, "kind": unit.kind,
             "parent_id": unit.parent_id} for unit in found]  # fmt: skip


def register(registry: Registry) -> None:
    registry.api_endpoints.append(ApiEndpoint("units", "Units", UNIT_FIELDS, units, (
        ApiParam("level", "string", "Only units of this level"), UNIT_PARAM)))  # fmt: skip
