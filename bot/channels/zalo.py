"""Zalo Bot Platform: a small client over aiohttp (no Telegram library), inbound translation, sending, long polling.

Zalo has no buttons, callbacks or edits: replies are rendered as plain text with numbered choices and the words
that can be typed (``render_plain``), split at line boundaries within 2,000 characters. Updates carry no update id:
the message id is the de-duplication key. Ids are opaque strings throughout.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from aiohttp import web

from bot.channels.plain import render_plain
from bot.channels.webhooks import checked_secret, json_body, secret_matches
from bot.config import Settings
from bot.delivery import RetryLater, Undeliverable, Unreachable
from bot.engine.events import Attachment, Inbound
from bot.engine.replies import Reply
from bot.i18n import I18n
from bot.pacing import Pace
from bot.pipeline import UpdatePipeline
from storage.text import split_lines

log = logging.getLogger(__name__)

CHANNEL = "zalo"
MAX_TEXT = 2000
IDLE = 408  # getUpdates' answer when a long poll ends with no update
TEXT_EVENTS = {"message.text.received"}
IMAGE_EVENTS = {"message.image.received"}


class ZaloError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(f"{code}: {description}")
        self.code, self.description = code, description


class ZaloClient:
    """``POST <base>/bot<token>/<method>`` with a JSON body; ``{"ok": false}`` answers raise ``ZaloError``."""

    def __init__(self, base_url: str, token: str, session: aiohttp.ClientSession) -> None:
        self.base = f"{base_url.rstrip('/')}/bot{token}"
        self.session = session

    async def call(self, method: str, wait: float = 30, **params: Any) -> Any:
        try:
            async with self.session.post(f"{self.base}/{method}", json=params,
                                         timeout=aiohttp.ClientTimeout(total=wait)) as response:  # fmt: skip
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            raise ZaloError(0, f"network: {error!r}") from error
        if not isinstance(body, dict) or not body.get("ok"):
            body = body if isinstance(body, dict) else {}
            raise ZaloError(int(body.get("error_code") or response.status), str(body.get("description", "")))
        return body.get("result")

    async def get_updates(self, seconds: int) -> list[dict[str, Any]]:
        """The documented sample returns one update object, not a list: both shapes (and nothing) are handled. A poll
        that ends with nothing to deliver is answered ``"ok": false`` with error code 408: that is idle, not a
        failure, so the next poll follows at once (no back-off, no warning)."""
        try:
            result = await self.call("getUpdates", wait=seconds + 10, timeout=str(seconds))
        except ZaloError as error:
            if error.code == IDLE:
                return []
            raise
        if not result:
            return []
        return result if isinstance(result, list) else [result]

    async def send_message(self, chat_id: str, text: str) -> None:
        await self.call("sendMessage", chat_id=chat_id, text=text)

    async def download(self, attachment: Attachment) -> bytes:
        """Zalo gives photos as URLs, which do not last: fetch the bytes (at most 10 MB)."""
        async with self.session.get(attachment.ref, timeout=aiohttp.ClientTimeout(total=30)) as response:
            response.raise_for_status()
            return await response.content.read(10 * 1024 * 1024 + 1)


# ---- inbound -----------------------------------------------------------------------------------------------------


def _object(value: Any) -> dict[str, Any]:
    """A part of an event that should be an object; anything else (a string, a list, null) counts as empty."""
    return value if isinstance(value, dict) else {}


def to_inbound(update: dict[str, Any]) -> Inbound | None:
    """Private messages only; stickers and anything unsupported become "please type"."""
    message = _object(update.get("message"))
    chat, sender = _object(message.get("chat")), _object(message.get("from"))
    if not message.get("message_id") or not chat.get("id") or not sender.get("id"):
        return None
    if str(chat.get("chat_type", "PRIVATE")).upper() != "PRIVATE":
        return None
    common: dict[str, Any] = dict(
        channel=CHANNEL, user_id=str(sender["id"]), chat_id=str(chat["id"]), update_key=str(message["message_id"]),
        display_name=sender["display_name"] if isinstance(sender.get("display_name"), str) else None,
    )  # fmt: skip
    event = update.get("event_name", "")
    if event in TEXT_EVENTS and isinstance(message.get("text"), str) and message["text"].strip():
        return Inbound(text=message["text"], **common)
    if event in IMAGE_EVENTS and message.get("photo"):
        caption = message.get("caption")
        return Inbound(photo=str(message["photo"]), text=caption if isinstance(caption, str) else None, **common)
    return Inbound(unsupported=True, **common)


# ---- outbound ----------------------------------------------------------------------------------------------------


class ZaloSender:
    """Plain text only; a document becomes a short-lived signed link when the bot has a public URL."""

    channel = CHANNEL

    def __init__(
        self, client: ZaloClient, settings: Settings, links: Callable[[Reply], Awaitable[str | None]] | None = None
    ) -> None:
        self.client = client
        self.links = links
        self.language = settings.default_language
        self.link_hours = settings.link_ttl_hours
        self.pace = Pace(settings.zalo_rate_per_second, settings.zalo_chat_rate_per_second, settings.zalo_chat_burst)

    async def send(self, chat_id: str, reply: Reply) -> None:
        if reply.commands is not None:
            return  # Zalo bots have no command menu: every command is typed
        text = render_plain(reply)
        if reply.document is not None:
            url = await self.links(reply) if self.links is not None else None
            i18n = I18n(self.language)
            if url and reply.document.image:  # a chart: Zalo shows photos given by URL
                try:
                    await self.client.call("sendPhoto", chat_id=chat_id, photo=url,
                                           caption=reply.document.caption[:MAX_TEXT])  # fmt: skip
                except ZaloError as error:
                    raise _classify(error) from error
            elif url:
                text += "\n" + i18n.t("Download “{name}” (the link works for {hours} hours): {url}",
                                      name=reply.document.filename, url=url, hours=self.link_hours)  # fmt: skip
            else:
                text += "\n" + i18n.t("Files cannot be sent on Zalo. Please use the bot on Telegram, or ask your "
                                      "administrator for it from the command line.")  # fmt: skip
        for part in split_lines(text, MAX_TEXT):
            try:
                await self.client.send_message(chat_id, part)
            except ZaloError as error:
                raise _classify(error) from error


def _classify(error: ZaloError) -> Exception:
    if error.code == 429:
        return RetryLater(str(error), flood=True)
    if error.code == 0 or error.code >= 500:
        return RetryLater(str(error))
    if error.code == 403:
        return Unreachable(str(error))
    return Undeliverable(str(error))


# ---- long polling ------------------------------------------------------------------------------------------------


async def poll(client: ZaloClient, service: UpdatePipeline, stop: asyncio.Event, poll_seconds: int = 30) -> None:
    """Long polling; each update is handled (and committed) before the next call. Zalo documents no offset, so a
    crash may mean a redelivery, which the message id makes harmless."""
    with contextlib.suppress(ZaloError):
        await client.call("deleteWebhook")
    failures = 0
    while not stop.is_set():
        try:
            updates = await client.get_updates(poll_seconds)
            failures = 0
        except ZaloError as error:
            failures += 1
            log.warning("Zalo getUpdates failed (%s); retrying", error)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=min(30, 2**failures))
            continue
        for update in updates:
            event = to_inbound(update)
            try:
                if event is not None:
                    await service.handle(event)
            except Exception:  # the database is down: this update is lost to polling (no offset to retry with)
                log.exception("a Zalo update could not be stored")


# ---- webhook -----------------------------------------------------------------------------------------------------

ZALO_SECRET_HEADER = "X-Bot-Api-Secret-Token"


def add_zalo_route(app: web.Application, service: UpdatePipeline, settings: Settings) -> str:
    """The webhook endpoint: the secret header compared in constant time, 200 only after the update is stored."""
    secret = checked_secret(settings.zalo_webhook_secret, "CAUNOI_ZALO_WEBHOOK_SECRET")

    async def receive(request: web.Request) -> web.Response:
        if not secret_matches(request, ZALO_SECRET_HEADER, secret):
            return web.Response(status=403, text="forbidden")
        body = await json_body(request)
        if body is None:
            return web.Response(status=400, text="bad update")
        updates = body if isinstance(body, list) else [body.get("result", body)] if isinstance(body, dict) else []
        try:
            for update in updates:
                event = to_inbound(update) if isinstance(update, dict) else None
                if event is not None:
                    await service.handle(event)
        except Exception:
            log.exception("a Zalo update could not be stored; Zalo will retry it")
            return web.Response(status=500, text="retry")
        return web.json_response({"ok": True})

    app.router.add_post(settings.zalo_webhook_path, receive)
    return secret
