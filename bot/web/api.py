"""The read-only data API, for the tools provinces already use (Excel Power Query, Power BI, scripts): every
endpoint as JSON pages (``/api/v1/<name>``) and as one CSV of every row (``/api/v1/<name>.csv``), described by
``/api/v1/openapi.json``. The endpoints belong to their areas (``Registry.api_endpoints``); this module only
authenticates, parses parameters, pages and writes.

A request carries ``Authorization: Bearer <token>`` (``storage.api_tokens``); it reads what the token's person
may read, looked up on every call, and every call is audited. Pages are keyset pages on ``id`` (``after``), so
a page costs the same at row 10 and row 900,000 and rows added meanwhile are neither skipped nor repeated. A CSV is
written in batches, each read in its own short transaction (never one long read holding the database), so its
memory stays flat whatever its size.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from yarl import URL

from bot.engine.replies import Reply
from bot.i18n import N_, I18n, i18n_for
from bot.notify import to_admins
from bot.pacing import TokenBucket
from storage import api_tokens, audit
from storage.models import Person, Unit
from storage.people import SUPERVISING, scope_of
from storage.text import inert
from storage.units import Scope

if TYPE_CHECKING:
    from bot.app import App

PAGE = 100
MAX_PAGE = 1000
CSV_BATCH = 2000
HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store",
           "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'"}  # fmt: skip
TYPES = {"integer": {"type": "integer"}, "number": {"type": "number"}, "string": {"type": "string"},
         "boolean": {"type": "boolean"}, "date": {"type": "string", "format": "date"},
         "date-time": {"type": "string", "format": "date-time"}}  # fmt: skip


@dataclass(frozen=True)
class ApiField:
    """A column of an endpoint's rows: its name, an OpenAPI type (``TYPES``) and what it holds."""

    name: str
    type: str
    description: str = ""


@dataclass(frozen=True)
class ApiParam:
    """A filter an endpoint takes, parsed before the endpoint sees it: ``date`` (YYYY-MM-DD), ``integer`` or
    ``string``."""

    name: str
    type: str
    description: str


class ApiError(Exception):
    """A request the API refuses, with its status and a message (a msgid) for the person."""

    def __init__(self, status: int, message: str, *, retry_after: float | None = None, **params: Any) -> None:
        super().__init__(message)
        self.status, self.message, self.params, self.retry_after = status, message, params, retry_after


@dataclass
class ApiCtx:
    session: AsyncSession
    person: Person
    scope: Scope
    params: Mapping[str, Any]
    now: datetime
    today: date

    async def within(self) -> Scope:
        """The person's scope, narrowed to the subtree of the ``unit`` parameter (a unit code) when given."""
        code = self.params.get("unit")
        if not code:
            return self.scope
        unit_id = await self.session.scalar(select(Unit.id).where(Unit.code == code, self.scope.clause(Unit.id)))
        if unit_id is None:
            raise ApiError(404, N_("There is no unit {code} among the units you supervise."), code=code)
        return Scope(unit_id, subtree=True)


ApiFetch = Callable[[ApiCtx, int, int], Awaitable[list[dict[str, Any]]]]


@dataclass(frozen=True)
class ApiEndpoint:
    """``/api/v1/<name>``: ``fetch(ctx, after, limit)`` returns up to ``limit`` rows with ``id`` above ``after``, in
    ``id`` order, each a dict of ``fields``; ``params`` are its filters (``unit`` narrows to a subtree). A
    ``personal`` endpoint's CSV (a bulk export of personal data) is also told to the administrators."""

    name: str
    summary: str
    fields: tuple[ApiField, ...]
    fetch: ApiFetch
    params: tuple[ApiParam, ...] = ()
    roles: frozenset[str] = SUPERVISING
    personal: bool = False


UNIT_PARAM = ApiParam("unit", "string", "A unit's code: only that unit and the units under it.")
PAGING = (ApiParam("after", "integer", "Only rows whose id is above this (the last id of the page before)."),
          ApiParam("limit", "integer", f"Rows per page, 1–{MAX_PAGE} (default {PAGE})"))  # fmt: skip


def _parse(endpoint: ApiEndpoint, query: Mapping[str, str]) -> dict[str, Any]:
    known = {param.name: param for param in (*endpoint.params, *PAGING)}
    parsed: dict[str, Any] = {}
    for name, raw in query.items():
        param = known.get(name)
        if param is None:
            raise ApiError(400, N_("Unknown parameter {name}; this endpoint takes: {known}."), name=name[:40],
                           known=", ".join(known))  # fmt: skip
        try:
            if param.type == "date":
                parsed[name] = date.fromisoformat(raw)
            elif param.type == "integer":
                parsed[name] = int(raw)
            else:
                parsed[name] = raw.strip()[:64]
        except ValueError:
            raise ApiError(400, N_("Parameter {name} must be a {type}."), name=name, type=param.type) from None
    limit = parsed.get("limit", PAGE)
    if not 1 <= limit <= MAX_PAGE:
        raise ApiError(400, N_("Parameter {name} must be a {type}."), name="limit", type=f"integer 1–{MAX_PAGE}")
    return parsed


def _filters(params: Mapping[str, Any]) -> dict[str, str]:
    return {name: str(value) for name, value in params.items() if name not in ("after", "limit")}


async def _tell_admins(session: AsyncSession, endpoint: ApiEndpoint, rows: int, by: str, now: datetime) -> None:
    def build(i18n: I18n) -> Reply:
        return Reply(text=i18n.t("{rows} row(s) of personal data ({endpoint}) were exported through the data API by "
                                 "{actor}.", rows=rows, endpoint=endpoint.name, actor=by),
                     title=i18n.t("Personal data"))  # fmt: skip

    await to_admins(session, build, now)


def _cell(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


class DataApi:
    def __init__(self, app: App) -> None:
        self.app = app
        self.endpoints = {endpoint.name: endpoint for endpoint in app.registry.api_endpoints}
        self.buckets: dict[int, TokenBucket] = {}  # per person: a runaway script must not hold the database

    def add_routes(self, site: web.Application) -> None:
        site.router.add_get("/api/v1/openapi.json", self.openapi)
        for name in self.endpoints:
            site.router.add_get(f"/api/v1/{name}", self._serve(name, csv_file=False))
            site.router.add_get(f"/api/v1/{name}.csv", self._serve(name, csv_file=True))

    def _serve(self, name: str, *, csv_file: bool) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        endpoint = self.endpoints[name]

        async def serve(request: web.Request) -> web.StreamResponse:
            language = self.app.settings.default_language
            try:
                async with self.app.db.transaction() as session:
                    person = await self._authenticated(request, session, endpoint)
                    if person is not None:  # a refusal commits its audit line; anything else below rolls back
                        language = person.language or language
                        self._within_rate(person.id)
                        if person.role not in endpoint.roles:
                            raise ApiError(403, N_("This data is not for your role."))
                        params = _parse(endpoint, request.query)
                        rows = await endpoint.fetch(self._ctx(session, person, params), params.get("after", 0),
                                                    CSV_BATCH if csv_file else params.get("limit", PAGE))  # fmt: skip
                        if not csv_file:
                            audit.record(session, "api.read", actor=person, object_type=endpoint.name,
                                         rows=len(rows), via="api", filters=_filters(params))  # fmt: skip
                if person is None:
                    raise ApiError(401, N_("Send a valid API token: Authorization: Bearer <token> (made on the "
                                           "console's “Access” page)."))  # fmt: skip
                if csv_file:
                    return await self._csv(request, endpoint, params, person.id, rows)
                return self._page(request, params, rows)
            except ApiError as error:
                return self._error(i18n_for(language), error)

        return serve

    async def _authenticated(self, request: web.Request, session: AsyncSession, endpoint: ApiEndpoint) -> Person | None:
        header = request.headers.get("Authorization", "")
        secret = header[7:].strip() if header[:7].lower() == "bearer " else ""
        found = await api_tokens.find(session, secret, self.app.clock())
        if found is None:
            audit.record(session, "api.refused", actor_label="api", endpoint=endpoint.name)
            return None
        return found[1]

    def _within_rate(self, person_id: int) -> None:
        """``CAUNOI_API_RATE_PER_MINUTE`` calls per person (all their tokens), ``CAUNOI_API_BURST`` at once, in this
        worker; beyond, 429 with Retry-After (Power Query and scripts wait and retry)."""
        settings = self.app.settings
        bucket = self.buckets.get(person_id)
        if bucket is None:
            bucket = self.buckets[person_id] = TokenBucket(settings.api_rate_per_minute / 60, settings.api_burst)
        wait = bucket.try_take()
        if wait > 0:
            raise ApiError(429, N_("Too many requests; please wait {seconds} seconds and try again."),
                           retry_after=wait, seconds=math.ceil(wait))  # fmt: skip

    def _ctx(self, session: AsyncSession, person: Person, params: Mapping[str, Any]) -> ApiCtx:
        now = self.app.clock()
        return ApiCtx(session, person, scope_of(person), params, now, now.astimezone(self.app.pipeline.zone).date())

    @staticmethod
    def _page(request: web.Request, params: dict[str, Any], rows: list[dict[str, Any]]) -> web.Response:
        following = None
        if len(rows) == params.get("limit", PAGE):
            following = str(request.rel_url.update_query({"after": str(rows[-1]["id"])}))
        body = {"items": [{key: _cell(value) for key, value in row.items()} for row in rows], "next": following}
        response = web.json_response(body, dumps=lambda value: json.dumps(value, ensure_ascii=False))
        response.headers.update(HEADERS)
        return response

    async def _csv(
        self, request: web.Request, endpoint: ApiEndpoint, params: dict[str, Any], person_id: int,
        rows: list[dict[str, Any]],
    ) -> web.StreamResponse:  # fmt: skip
        """Every row, batch after batch, each batch read in its own transaction as the previous one is sent."""
        response = web.StreamResponse(headers={
            **HEADERS, "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{endpoint.name}-{self.app.clock().date().isoformat()}.csv"',
        })  # fmt: skip
        await response.prepare(request)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([column.name for column in endpoint.fields])
        await response.write(("\ufeff" + buffer.getvalue()).encode())  # the mark tells Excel the file is UTF-8
        total = 0
        try:
            while rows:
                buffer.seek(0)
                buffer.truncate()
                writer.writerows([[inert(_cell(row[column.name])) for column in endpoint.fields] for row in rows])
                await response.write(buffer.getvalue().encode())
                total += len(rows)
                if len(rows) < CSV_BATCH:
                    break
                async with self.app.db.transaction() as session:
                    person = await session.get(Person, person_id)
                    if person is None or person.deactivated_at is not None:
                        break
                    rows = await endpoint.fetch(self._ctx(session, person, params), rows[-1]["id"], CSV_BATCH)
        finally:
            async with self.app.db.transaction() as session:  # audited even when the reader hangs up half-way
                person = await session.get(Person, person_id)
                audit.record(session, f"export.{endpoint.name}", actor=person, object_type=endpoint.name, rows=total,
                             via="api", filters=_filters(params))  # fmt: skip
                if endpoint.personal:
                    await _tell_admins(session, endpoint, total, person.full_name if person else "?", self.app.clock())
        await response.write_eof()
        return response

    def _error(self, i18n: I18n, error: ApiError) -> web.Response:
        response = web.json_response({"error": i18n.t(error.message, **error.params)}, status=error.status,
                                     dumps=lambda value: json.dumps(value, ensure_ascii=False))  # fmt: skip
        response.headers.update(HEADERS)
        if error.retry_after is not None:
            response.headers["Retry-After"] = str(math.ceil(error.retry_after))
        return response

    async def openapi(self, request: web.Request) -> web.Response:
        response = web.json_response(self.description(str(URL(self.app.settings.public_url or "/").with_path("/"))))
        response.headers.update(HEADERS)
        return response

    def description(self, server: str) -> dict[str, Any]:
        """The OpenAPI 3.1 description, built from the registered endpoints (so it cannot drift from them)."""
        paths: dict[str, Any] = {}
        schemas: dict[str, Any] = {}
        errors = {str(code): {"description": text, "content": {"application/json": {"schema": {
            "$ref": "#/components/schemas/Error"}}}} for code, text in (
            (400, "A parameter is unknown or malformed"), (401, "No valid token"), (403, "Not for this role"),
            (404, "The unit is not among those the token's person supervises"))}  # fmt: skip
        for endpoint in self.endpoints.values():
            schema = f"{endpoint.name.replace('-', '_').title().replace('_', '')}Row"
            schemas[schema] = {
                "type": "object",
                "properties": {
                    column.name: {**TYPES[column.type], "description": column.description} for column in endpoint.fields
                },
            }
            parameters = [{"name": param.name, "in": "query", "required": False, "description": param.description,
                           "schema": TYPES[param.type]} for param in (*endpoint.params, *PAGING)]  # fmt: skip
            roles = "Readable by: " + ", ".join(sorted(endpoint.roles)) + "."
            paths[f"/api/v1/{endpoint.name}"] = {"get": {
                "summary": endpoint.summary, "description": roles,
                "operationId": f"list_{endpoint.name.replace('-', '_')}",
                "parameters": parameters, "responses": {"200": {"description": "A page of rows", "content": {
                    "application/json": {"schema": {"type": "object", "properties": {
                        "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{schema}"}},
                        "next": {"type": ["string", "null"], "description": "The next page's address, or null"}}}}}},
                    **errors}}}  # fmt: skip
            paths[f"/api/v1/{endpoint.name}.csv"] = {"get": {
                "summary": endpoint.summary + " — every row as CSV (UTF-8, header row)", "description": roles,
                "operationId": f"csv_{endpoint.name.replace('-', '_')}",
                "parameters": [p for p in parameters if p["name"] not in ("limit",)],
                "responses": {"200": {"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}},
                              **errors}}}  # fmt: skip
        schemas["Error"] = {"type": "object", "properties": {"error": {"type": "string"}}}
        return {
            "openapi": "3.1.0",
            "info": {
                "title": "Cầu Nối data API",
                "version": "1",
                "description": "Read-only data of the units the token's person supervises.",
            },
            "servers": [{"url": server.rstrip("/")}],
            "security": [{"token": []}],
            "components": {"securitySchemes": {"token": {"type": "http", "scheme": "bearer"}}, "schemas": schemas},
            "paths": paths,
        }
