"""The web console's runtime: sign-in from a one-time link, the session cookie, CSRF on every form, security headers,
and rendering; the pages themselves belong to their areas (``Registry.web_pages``) and are scoped like the chat.

Why these parts: Jinja2 (the most used Python template engine, autoescaping on) renders on the server, and the pages
are plain HTML forms with no script at all, so the Content-Security-Policy can forbid every script and nothing is
fetched from a CDN. The session is a random token in an HttpOnly, Secure, SameSite=Strict cookie; only its hash is
stored (``storage.web_access``).
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import jinja2
from aiohttp import BodyPartReader, web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.file_reading import FileReader, read_sent_file
from bot.files import FileStore
from bot.i18n import N_, I18n, i18n_for
from bot.pipeline import MAX_ATTACHMENT_BYTES
from storage import audit, web_access
from storage.crypto import Cipher
from storage.models import Person, WebSession
from storage.people import SUPERVISING, scope_of
from storage.units import Scope

if TYPE_CHECKING:
    from bot.app import App
    from bot.registry import Registry

COOKIE = "caunoi_console"
IDLE = timedelta(minutes=30)
LIFETIME = timedelta(hours=12)
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # sign-in links carry a token: never pass the address on
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}
LINK_REFUSED = N_("This sign-in link is not valid any more: it works once, for 10 minutes. Type /web in the chat for "
                  "a new one.")  # fmt: skip
HOW_TO_SIGN_IN = N_("To sign in, type /web in the chat with Cầu Nối (Telegram or Zalo): it sends you a link that works "
                    "once, for 10 minutes.")  # fmt: skip
HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


@dataclass
class WebCtx:
    """What a page handler gets: its transaction, the signed-in person and their scope, the form they sent."""

    session: AsyncSession
    person: Person
    i18n: I18n
    scope: Scope
    settings: Settings
    now: datetime
    today: date
    csrf: str
    query: Mapping[str, str]
    form: Mapping[str, str] = field(default_factory=dict)
    registry: Registry | None = None
    web_session_id: int | None = None
    cipher: Cipher | None = None  # the register's notes (opening a record)
    files: FileStore | None = None  # the files background jobs made for the page to offer
    photo: Callable[[str, str], Awaitable[bytes | None]] | None = None  # a report's photo, by channel and reference
    zone: ZoneInfo | None = None
    upload: Upload | None = None  # the file a page's form sent, already read (``WebPage.upload``)

    def t(self, message: str, /, **params: Any) -> str:
        return self.i18n.t(message, **params)


@dataclass(frozen=True)
class Upload:
    """A file sent with a form: its name, its size, and what the page's reader made of it (or the exception it
    raised); ``too_large`` (over 10 MB, as in the chat) is not read at all."""

    filename: str
    size: int
    read: object = None
    too_large: bool = False


@dataclass(frozen=True)
class Page:
    """A page to render: its template, the values for it, its title (a msgid)."""

    template: str
    values: dict[str, Any]
    title: str


PageHandler = Callable[[WebCtx], Awaitable["Page | web.StreamResponse"]]


@dataclass(frozen=True)
class WebPage:
    """``/web/<path>``: ``menu`` (a msgid) puts it in the navigation, in ``rank`` order; POST handlers check CSRF.
    A page with an ``upload`` reader takes a file (multipart form): it is read in a worker thread after the
    session and CSRF are checked and before the page's transaction opens, as the chat reads a sent file."""

    path: str
    handler: PageHandler
    method: str = "GET"
    menu: str | None = None
    rank: int = 100
    roles: frozenset[str] = SUPERVISING
    upload: FileReader | None = None


def see_other(location: str) -> web.Response:
    """The answer to a form: go to this page (303), after the form's transaction has committed."""
    return web.Response(status=303, headers={"Location": location})


class NotFound(Exception):
    """A record outside the person's scope, or none at all: both answer 404, so ids reveal nothing."""


class Refused(Exception):
    """A form refused part-way through what it asked (an import whose tenth row cannot be placed): the page's
    transaction is rolled back, and the person sent to ``location`` (which says why)."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


FIELD_LIMIT = 64 * 1024  # a form field beside a file: more is cut


async def _multipart(request: web.Request) -> tuple[dict[str, str], tuple[str, bytes | None, int] | None]:
    """A multipart form's fields and its one file as (name, bytes, size), read in pieces: a file over 10 MB is
    counted, not kept (bytes None), so the server's 1 MB limit on other bodies stays as it is."""
    fields: dict[str, str] = {}
    sent = None
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            continue
        limit = FIELD_LIMIT if part.filename is None else MAX_ATTACHMENT_BYTES
        data, size = bytearray(), 0
        while chunk := await part.read_chunk(256 * 1024):
            size += len(chunk)
            if size <= limit:
                data += chunk
        if part.filename is None:
            fields[part.name or ""] = data.decode("utf-8", "replace")
        elif sent is None and size:
            sent = (part.filename[:255], bytes(data) if size <= limit else None, size)
    return fields, sent


def _templates() -> list[str]:
    return [str(HERE / "templates"), *(str(path) for path in sorted((ROOT / "handlers").glob("*/templates")))]


class WebConsole:
    def __init__(self, app: App) -> None:
        self.app = app
        self.pages = sorted(app.registry.web_pages, key=lambda page: page.rank)
        self.env = jinja2.Environment(loader=jinja2.FileSystemLoader(_templates()), autoescape=True,
                                      undefined=jinja2.StrictUndefined)  # fmt: skip

    def add_routes(self, site: web.Application) -> None:
        router = site.router
        router.add_get("/web", self.home)
        router.add_get("/web/dangnhap", self.signed_out)
        router.add_get("/web/login/{token}", self.confirm_login)
        router.add_post("/web/login", self.login)
        router.add_post("/web/dangxuat", self.logout)
        router.add_get("/web/static/console.css", self.css)
        for page in self.pages:
            router.add_route(page.method, f"/web/{page.path}", self._serve(page))

    # ---- signing in and out ---------------------------------------------------------------------------------------

    def _i18n(self, request: web.Request) -> I18n:
        wanted = request.headers.get("Accept-Language", "")
        return i18n_for("en" if wanted.lower().startswith("en") else self.app.settings.default_language)

    async def confirm_login(self, request: web.Request) -> web.StreamResponse:
        """A GET only shows a button: link previews (Telegram fetches links it is sent) must not use up the link."""
        i18n = self._i18n(request)
        return self._html(self._render("login.html", i18n, N_("Sign in"), token=request.match_info["token"]))

    async def login(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        token = str(form.get("token", ""))
        now = self.app.clock()
        i18n = self._i18n(request)
        async with self.app.db.transaction() as session:
            person = await web_access.redeem_link(session, token, now)
            if person is None:
                audit.record(session, "web.link_refused", actor_label="web")
                return self._message(i18n, LINK_REFUSED, status=403)
            if person.role not in SUPERVISING:
                return self._message(i18n_for(person.language), N_("The web console is for supervising officers and "
                                                                   "administrators."), status=403)  # fmt: skip
            cookie, _csrf = await web_access.open_session(session, person, now, LIFETIME,
                                                          request.headers.get("User-Agent", ""))  # fmt: skip
            audit.record(session, "web.signed_in", actor=person, object_type="person", object_id=person.id)
        response = see_other(f"/web/{self.pages[0].path}" if self.pages else "/web")
        response.set_cookie(COOKIE, cookie, httponly=True, secure=True, samesite="Strict", path="/web",
                            max_age=int(LIFETIME.total_seconds()))  # fmt: skip
        self._secure(response)
        return response

    async def logout(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        async with self.app.db.transaction() as session:
            found = await web_access.find_session(session, request.cookies.get(COOKIE, ""), self.app.clock(), IDLE)
            if found is not None and hmac.compare_digest(str(form.get("csrf", "")), found[0].csrf):
                await web_access.revoke(session, found[1].id, self.app.clock(), found[0].id)
        response = see_other("/web/dangnhap")
        response.del_cookie(COOKIE, path="/web")
        self._secure(response)
        return response

    async def signed_out(self, request: web.Request) -> web.StreamResponse:
        return self._message(self._i18n(request), HOW_TO_SIGN_IN)

    async def home(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPSeeOther(f"/web/{self.pages[0].path}" if self.pages else "/web/dangnhap")

    async def css(self, request: web.Request) -> web.StreamResponse:
        response = web.Response(body=(HERE / "static" / "console.css").read_bytes(), content_type="text/css")
        self._secure(response)
        return response

    # ---- pages ------------------------------------------------------------------------------------------------------

    def _serve(self, page: WebPage) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def serve(request: web.Request) -> web.StreamResponse:
            upload = None
            if page.upload is not None and request.content_type == "multipart/form-data":
                form, sent = await _multipart(request)
                if sent is not None:
                    async with self.app.db.transaction() as session:  # a stranger's file is not parsed
                        admitted = await self._admit(session, request, page, form, self.app.clock())
                    if isinstance(admitted, web.Response):
                        return admitted
                    upload = await self._read(page.upload, *sent)
            else:
                form = dict((await request.post()).items()) if request.method == "POST" else {}
            now = self.app.clock()
            try:
                async with self.app.db.transaction() as session:
                    admitted = await self._admit(session, request, page, form, now)
                    if isinstance(admitted, web.Response):
                        return admitted
                    web_session, person, i18n = admitted
                    ctx = WebCtx(session=session, person=person, i18n=i18n, scope=scope_of(person),
                                 settings=self.app.settings, now=now,
                                 today=now.astimezone(self.app.pipeline.zone).date(), csrf=web_session.csrf,
                                 query={k: v for k, v in request.query.items()},
                                 form={k: str(v) for k, v in form.items()}, registry=self.app.registry,
                                 web_session_id=web_session.id, cipher=self.app.cipher,
                                 zone=self.app.pipeline.zone, upload=upload, files=self.app.files,
                                 photo=self.app.pipeline.photo)  # fmt: skip
                    try:
                        result = await page.handler(ctx)
                    except NotFound:
                        return self._message(i18n, N_("There is no such record among the units you supervise."),
                                             status=404)  # fmt: skip
            except Refused as refused:  # rolled back whole: nothing of what the form asked stays
                response = see_other(refused.location)
                self._secure(response)
                return response
            self.app.worker.wake()  # what the page queued (reminders, notices) goes out now
            if isinstance(result, web.StreamResponse):
                self._secure(result)
                return result
            return self._html(self._render(result.template, i18n, result.title, ctx=ctx, **result.values))

        return serve

    async def _admit(
        self, session: AsyncSession, request: web.Request, page: WebPage, form: Mapping[str, Any], now: datetime
    ) -> tuple[WebSession, Person, I18n] | web.Response:
        """A signed-in person of the page's roles, with the form's CSRF token when it posts: their session, themselves
        and their language; otherwise the refusal (no session: to the sign-in page). Checked in the page's
        transaction, and once before it too when a file would be read."""
        found = await web_access.find_session(session, request.cookies.get(COOKIE, ""), now, IDLE)
        if found is None:
            raise web.HTTPSeeOther("/web/dangnhap")
        web_session, person = found
        i18n = i18n_for(person.language or self.app.settings.default_language)
        if person.role not in page.roles:
            return self._message(i18n, N_("This page is not for your role."), status=403)
        if request.method == "POST" and not hmac.compare_digest(str(form.get("csrf", "")), web_session.csrf):
            return self._message(i18n, N_("This form has expired; please open the page again."), status=403)
        return web_session, person, i18n

    async def _read(self, reader: FileReader, filename: str, data: bytes | None, size: int) -> Upload:
        if data is None:
            return Upload(filename, size, too_large=True)
        today = self.app.clock().astimezone(self.app.pipeline.zone).date()
        return Upload(filename, size, await read_sent_file(reader, filename, data, today, self.app.cipher.available))

    # ---- rendering --------------------------------------------------------------------------------------------------

    def _render(self, template: str, i18n: I18n, title: str, *, ctx: WebCtx | None = None, **values: Any) -> str:
        menu = [(f"/web/{p.path}", i18n.t(p.menu)) for p in self.pages
                if p.menu and p.method == "GET" and (ctx is None or ctx.person.role in p.roles)]  # fmt: skip
        return self.env.get_template(template).render(
            t=i18n.t, date=i18n.date, number=i18n.number, money=i18n.money, title=i18n.t(title), menu=menu,
            person=ctx.person if ctx else None, csrf=ctx.csrf if ctx else "", lang=i18n.language, **values,
        )  # fmt: skip

    def _message(self, i18n: I18n, text: str, *, status: int = 200) -> web.Response:
        return self._html(self._render("message.html", i18n, N_("Cầu Nối"), text=i18n.t(text)), status=status)

    def _html(self, body: str, status: int = 200) -> web.Response:
        response = web.Response(text=body, content_type="text/html", charset="utf-8", status=status)
        self._secure(response)
        return response

    @staticmethod
    def _secure(response: web.StreamResponse) -> None:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
