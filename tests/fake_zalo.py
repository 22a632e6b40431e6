"""A fake Zalo Bot Platform API over real HTTP, as strict as its documentation: POST with a JSON body only, string
ids, plain text of 1–2,000 characters and no keyboard or formatting parameters, one update object per getUpdates
call, no getUpdates while a webhook is set, and webhook deliveries carrying the secret header (retried until 2xx)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.fake_platform import WAIT, message_containing, push_updates

ALLOWED = {
    "getMe": set(), "getUpdates": {"timeout"}, "setWebhook": {"url", "secret_token"}, "deleteWebhook": set(),
    "getWebhookInfo": set(), "sendMessage": {"chat_id", "text"}, "sendPhoto": {"chat_id", "photo", "caption"},
    "sendSticker": {"chat_id", "sticker"}, "sendChatAction": {"chat_id", "action"},
}  # fmt: skip


PHOTO = b"\xff\xd8\xff\xe0fake-jpeg-"


class ZaloApiError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code, self.description = code, description


@dataclass
class Sent:
    chat_id: str
    method: str
    text: str


class FakeZalo:
    def __init__(self, token: str = "1234567890:fake-zalo-secret") -> None:
        self.token = token
        self.sent: list[Sent] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.errors: list[tuple[str, str]] = []
        self.updates: list[dict[str, Any]] = []
        self.blocked: set[str] = set()
        self.webhook: dict[str, str] | None = None
        self.webhook_statuses: list[int] = []
        self._ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._pusher: asyncio.Task[None] | None = None
        self.url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._endpoint)
        app.router.add_get("/photos/{name}", self._photo)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._pusher:
            self._pusher.cancel()
        if self._runner:
            await self._runner.cleanup()

    # ---- the users' side ---------------------------------------------------------------------------------------

    def _message(self, user_id: str, **content: Any) -> dict[str, Any]:
        return {"message_id": f"{next(self._ids):08x}a1b2c3d4", "date": int(time.time() * 1000),
                "chat": {"id": user_id, "chat_type": "PRIVATE"},
                "from": {"id": user_id, "display_name": f"Người dùng {user_id[:4]}"}, **content}  # fmt: skip

    async def send_text(self, user_id: str, text: str) -> dict[str, Any]:
        return await self._enqueue(
            {"event_name": "message.text.received", "message": self._message(user_id, text=text)}
        )

    async def send_image(self, user_id: str, url: str | None = None) -> dict[str, Any]:
        """A photo as Zalo sends it: a URL (by default one this server answers with a small JPEG)."""
        message = self._message(user_id, photo=url or f"{self.url}/photos/{next(self._ids)}.jpg", caption="")
        return await self._enqueue({"event_name": "message.image.received", "message": message})

    async def send_sticker(self, user_id: str) -> dict[str, Any]:
        message = self._message(user_id, sticker="stk-1", url="https://sticker.zalo.example/1.png")
        return await self._enqueue({"event_name": "message.sticker.received", "message": message})

    async def redeliver(self, update: dict[str, Any]) -> None:
        await self._enqueue(update)

    async def _enqueue(self, update: dict[str, Any]) -> dict[str, Any]:
        async with self._changed:
            self.updates.append(update)
            self._changed.notify_all()
        return update

    async def _photo(self, request: web.Request) -> web.Response:
        return web.Response(body=PHOTO + request.match_info["name"].encode(), content_type="image/jpeg")

    # ---- what the bot sent -------------------------------------------------------------------------------------

    def messages_to(self, user_id: str) -> list[Sent]:
        return [message for message in self.sent if message.chat_id == user_id]

    async def wait_for(self, user_id: str, contains: str, *, after: int = 0, timeout: float = WAIT) -> Sent:
        return await message_containing(
            self._changed, lambda: self.messages_to(user_id)[after:], contains, timeout, "Zalo"
        )

    # ---- the API -----------------------------------------------------------------------------------------------

    async def _endpoint(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        try:
            if request.match_info["token"] != self.token:
                raise ZaloApiError(401, "Unauthorized")
            if request.method != "POST":
                raise ZaloApiError(405, "Method Not Allowed: use POST")
            if request.content_type != "application/json":
                raise ZaloApiError(400, "Bad Request: the body must be JSON")
            params = await request.json()
            if method not in ALLOWED:
                raise ZaloApiError(404, "Not Found")
            unknown = set(params) - ALLOWED[method]
            if unknown:
                raise ZaloApiError(400, f"Bad Request: unsupported parameters {sorted(unknown)}")
            self.calls.append((method, params))
            result = await getattr(self, f"_m_{method}", self._m_ok)(params)
            body: dict[str, Any] = {"ok": True, "result": result}
        except ZaloApiError as error:
            self.errors.append((method, error.description))
            body = {"ok": False, "error_code": error.code, "description": error.description}
        async with self._changed:
            self._changed.notify_all()
        return web.json_response(body)

    async def _m_ok(self, params: dict[str, Any]) -> Any:
        return True

    async def _m_getMe(self, params: dict[str, Any]) -> Any:
        return {"id": self.token.split(":")[0], "account_name": "bot.caunoi", "account_type": "BASIC"}

    async def _m_getUpdates(self, params: dict[str, Any]) -> Any:
        if self.webhook is not None:
            raise ZaloApiError(409, "Conflict: a webhook is set")
        timeout = params.get("timeout", "30")
        if not isinstance(timeout, str) or not timeout.isdigit():
            raise ZaloApiError(400, "Bad Request: timeout is a number of seconds, as a string")
        deadline = time.monotonic() + min(int(timeout), 2)  # the fake answers sooner than a real long poll
        async with self._changed:
            while not self.updates:
                remaining = deadline - time.monotonic()
                if remaining <= 0:  # as the real server: an idle long poll ends in "ok": false, 408
                    raise ZaloApiError(408, "Request timeout")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), remaining)
            return self.updates.pop(0)

    async def _m_setWebhook(self, params: dict[str, Any]) -> Any:
        secret, url = params.get("secret_token"), params.get("url")
        if not isinstance(url, str) or not url.startswith(("https://", "http://127.0.0.1")):
            raise ZaloApiError(400, "Bad Request: url must be HTTPS")
        if not isinstance(secret, str) or not 8 <= len(secret) <= 256:
            raise ZaloApiError(400, "Bad Request: secret_token must be 8-256 characters")
        self.webhook = {"url": url, "secret": secret}
        if self._pusher is None:
            self._pusher = asyncio.create_task(push_updates(self, "X-Bot-Api-Secret-Token"))
        return True

    async def _m_deleteWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = None
        return True

    def _chat(self, params: dict[str, Any]) -> str:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, str) or not chat_id:
            raise ZaloApiError(400, "Bad Request: chat_id must be a string")
        if chat_id in self.blocked:
            raise ZaloApiError(403, "Forbidden: the user has blocked the bot")
        return chat_id

    async def _m_sendMessage(self, params: dict[str, Any]) -> Any:
        chat_id, text = self._chat(params), params.get("text")
        if not isinstance(text, str) or not 1 <= len(text) <= 2000:
            raise ZaloApiError(400, "Bad Request: text must be 1-2000 characters")
        self.sent.append(Sent(chat_id, "sendMessage", text))
        return {"message_id": f"{next(self._ids):08x}ffff", "date": int(time.time() * 1000)}

    async def _m_sendPhoto(self, params: dict[str, Any]) -> Any:
        chat_id, photo = self._chat(params), params.get("photo")
        if not isinstance(photo, str) or not photo.startswith(("http://", "https://")):
            raise ZaloApiError(400, "Bad Request: photo must be a URL")
        self.sent.append(Sent(chat_id, "sendPhoto", str(params.get("caption") or "")))
        return {"message_id": f"{next(self._ids):08x}eeee", "date": int(time.time() * 1000)}
