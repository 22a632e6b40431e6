"""Driving the web console from tests: its server on a free port with a cookie kept by hand, and a reporting season
with two communes' periodic reports waiting for review (the ``reporting`` fixture, in conftest.py)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date

import aiohttp
from aiohttp import web

from bot.app import App
from bot.config import Settings
from bot.web.api import DataApi
from bot.web.console import WebConsole
from storage.people import Role
from tests.helpers import DA_NANG, HAI_VAN, Transcript, activity_lines, free_port, member
from tests.test_reminders import Clock, season


class Console:
    """The console's web server (and the data API) on a free port, and a browser-like client that keeps its cookie
    by hand (aiohttp's jar would not send a Secure cookie over plain http; browsers do for localhost)."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.port = free_port()
        self.cookie = ""
        self.site = web.Application()
        WebConsole(app).add_routes(self.site)
        DataApi(app).add_routes(self.site)

    async def __aenter__(self) -> Console:
        self.runner = web.AppRunner(self.site)
        await self.runner.setup()
        await web.TCPSite(self.runner, "localhost", self.port).start()
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.http.close()
        await self.runner.cleanup()

    async def request(self, method: str, path: str, **data: str) -> tuple[int, str, aiohttp.ClientResponse]:
        headers = {"Cookie": f"caunoi_console={self.cookie}"} if self.cookie else {}
        async with self.http.request(method, f"http://127.0.0.1:{self.port}{path}", data=data or None,
                                     headers=headers, allow_redirects=False) as response:  # fmt: skip
            body = await response.read()
            response.body = body  # type: ignore[attr-defined]
            return response.status, body.decode("utf-8", "replace") if b"<" in body[:200] else "", response

    async def upload(self, path: str, filename: str, content: bytes, **fields: str) -> tuple[int, str, str]:
        """A multipart form with one file, as a browser sends ``<input type=file>``: (status, page, Location)."""
        form = aiohttp.FormData()
        for name, value in fields.items():
            form.add_field(name, value)
        form.add_field("tep", content, filename=filename, content_type="application/octet-stream")
        headers = {"Cookie": f"caunoi_console={self.cookie}"} if self.cookie else {}
        async with self.http.post(f"http://127.0.0.1:{self.port}{path}", data=form, headers=headers,
                                  allow_redirects=False) as response:  # fmt: skip
            return response.status, await response.text(), response.headers.get("Location", "")

    async def api(self, path: str, token: str | None) -> tuple[int, aiohttp.ClientResponse]:
        """A data API call with a bearer token (the body is in ``response.body``)."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with self.http.get(f"http://127.0.0.1:{self.port}{path}", headers=headers) as response:
            response.body = await response.read()  # type: ignore[attr-defined]
            return response.status, response

    async def sign_in(self, token: str) -> int:
        status, _, response = await self.request("POST", "/web/login", token=token)
        if status == 303:
            cookie = response.headers["Set-Cookie"]
            self.cookie = re.search(r"caunoi_console=([^;]+)", cookie).group(1)  # type: ignore[union-attr]
        return status

    async def csrf(self, path: str) -> str:
        _, page, _ = await self.request("GET", path)
        return re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


async def reporting_season(
    settings: Settings, database_url: str
) -> AsyncIterator[tuple[App, Clock, dict[str, Transcript]]]:
    """A half-year season on 2 June 2026: Tam Kỳ and Hải Vân have filed; a city supervisor and one of Hải Vân."""
    settings.public_url = "http://localhost:8080"
    app, clock, _schedule = await season(settings, database_url)
    try:
        clock.set(date(2026, 6, 2), 9)
        people = {
            "mai": await member(app, "mai"),
            "van": await member(app, "van", unit_code=HAI_VAN, name="Phan Văn Vân"),
            "tinh": await member(app, "tinh", unit_code=DA_NANG, role=Role.SUPERVISOR, name="Trần Văn Tỉnh"),
            "hv": await member(app, "hv", unit_code=HAI_VAN, role=Role.SUPERVISOR, name="Lê Hải Vân"),
        }
        for who in ("mai", "van"):
            for line in [*activity_lines("tuyen truyen", "1/6", "Tuyên truyền Chỉ thị 12", "Hội trường", "40"),
                         "xác nhận", "/baocaoky", "1", "Tổ chức 1 hoạt động", "bỏ qua", "bỏ qua", "xác nhận"]:  # fmt: skip
                await people[who].say(line)
        yield app, clock, people
    finally:
        await app.close()


def token_in(text: str) -> str:
    found = re.search(r"/web/login/([A-Za-z0-9_-]+)", text)
    assert found is not None, text
    return found.group(1)
