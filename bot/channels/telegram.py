"""Telegram through aiogram 3: updates in as ``Inbound``, replies out as HTML messages with inline keyboards.

Chosen over python-telegram-bot because aiogram is asyncio-native end to end (one event loop with SQLAlchemy's
async engine), has typed Bot API models and error classes, and takes a custom Bot API server URL, which is how
a self-hosted server and the tests' fake server are used.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import html
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import (
    AnswerCallbackQuery,
    DeleteWebhook,
    GetFile,
    GetUpdates,
    SendDocument,
    SendMessage,
    SendPhoto,
    SetMyCommands,
    SetWebhook,
)
from aiogram.methods.base import Response
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)

from bot.config import Settings
from bot.delivery import RetryLater, Undeliverable, Unreachable
from bot.engine.events import Attachment, Inbound, callback_data
from bot.engine.replies import Reply
from bot.i18n import I18n
from bot.menus import command_menu
from bot.pacing import Pace
from bot.pipeline import UpdatePipeline
from bot.registry import Registry

log = logging.getLogger(__name__)

CHANNEL = "telegram"
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_BYTES = 64
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]  # the last: a person blocks or unblocks the bot
# aiogram parses every API answer as ``Response[<result type>]``, and pydantic caches such parametrised models only
# weakly: each time the garbage collector frees one, the next call rebuilds it (about 1.6 ms; under load, once every
# 40 messages sent). Holding the ones this bot uses for the life of the process keeps them cached.
RESPONSE_TYPES = tuple(
    Response[method.__returning__]  # type: ignore[name-defined]
    for method in (SendMessage, SendPhoto, SendDocument, AnswerCallbackQuery, GetUpdates, GetFile, SetMyCommands,
                   SetWebhook, DeleteWebhook)
)  # fmt: skip


def make_bot(settings: Settings) -> Bot:
    """An aiogram Bot pointed at the configured Bot API server (public, self-hosted, or a test double)."""
    if settings.telegram_bot_token is None:
        raise SystemExit("CAUNOI_TELEGRAM_BOT_TOKEN is not set; use 'caunoi demo' to try the bot without Telegram.")
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    return Bot(
        settings.telegram_bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


# ---- inbound -----------------------------------------------------------------------------------------------------


def to_inbound(update: Update) -> Inbound | None:
    """Private-chat messages and button presses; everything else is not for this bot."""
    key = str(update.update_id)
    if update.message is not None:
        message = update.message
        if message.chat.type != "private" or message.from_user is None:
            return None
        user = message.from_user
        common = dict(
            channel=CHANNEL, user_id=str(user.id), chat_id=str(message.chat.id), update_key=key,
            display_name=user.full_name, language_code=user.language_code,
        )  # fmt: skip
        if message.text is not None:
            return Inbound(text=message.text, **common)  # type: ignore[arg-type]
        if message.photo:
            return Inbound(photo=message.photo[-1].file_id, text=message.caption, **common)  # type: ignore[arg-type]
        if message.document is not None:
            document = message.document
            attachment = Attachment(document.file_id, document.file_name or "file", document.file_size)
            return Inbound(attachment=attachment, **common)  # type: ignore[arg-type]
        return Inbound(unsupported=True, **common)  # type: ignore[arg-type]
    if update.callback_query is not None:
        query = update.callback_query
        chat_id = str(query.message.chat.id) if query.message is not None else str(query.from_user.id)
        return Inbound(
            channel=CHANNEL, user_id=str(query.from_user.id), chat_id=chat_id, update_key=key,
            callback=query.data or "", display_name=query.from_user.full_name,
            language_code=query.from_user.language_code,
        )  # fmt: skip
    if update.my_chat_member is not None and update.my_chat_member.chat.type == "private":
        change = update.my_chat_member
        status = change.new_chat_member.status
        membership = "left" if status in ("kicked", "left") else "joined" if status == "member" else None
        if membership is not None:
            return Inbound(channel=CHANNEL, user_id=str(change.from_user.id), chat_id=str(change.chat.id),
                           update_key=key, membership=membership)  # fmt: skip
    return None


def fetcher(bot: Bot) -> Callable[[Attachment], Awaitable[bytes]]:
    """Downloads a sent file through the configured Bot API server (getFile, then the file URL)."""

    async def fetch(attachment: Attachment) -> bytes:
        buffer = await bot.download(attachment.ref)
        assert buffer is not None
        return buffer.getvalue()

    return fetch


async def handle_update(bot: Bot, service: UpdatePipeline, update: Update) -> None:
    """Durably handles one update; a button press is always answered, even when handling fails."""
    event = to_inbound(update)
    if event is None:
        return
    notice: str | None = None
    try:
        result = await service.handle(event)
        notice = result.notice
    finally:
        if update.callback_query is not None:
            try:
                await bot.answer_callback_query(update.callback_query.id, text=(notice or "")[:200] or None)
            except TelegramAPIError as error:  # too old to answer, or network: the update itself is handled
                log.info("could not answer callback query %s: %s", update.callback_query.id, error)


# ---- outbound ----------------------------------------------------------------------------------------------------


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Cuts at line breaks (then spaces) so each part stays within ``limit`` characters of visible text."""
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit + 1)
        if cut <= 0:
            cut = rest.rfind(" ", 0, limit + 1)
        if cut <= 0:
            cut = limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    if rest or not parts:
        parts.append(rest)
    return [part for part in parts if part] or [" "]


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.rows or reply.screen is None:
        return None
    rows = []
    for row in reply.rows:
        buttons = []
        for option in row:
            data = callback_data(reply.screen, option.key)
            if len(data.encode()) > MAX_CALLBACK_BYTES:
                raise Undeliverable(f"callback data over {MAX_CALLBACK_BYTES} bytes: {data!r}")
            buttons.append(InlineKeyboardButton(text=option.label[:64], callback_data=data))
        rows.append(buttons)
    return InlineKeyboardMarkup(inline_keyboard=rows)


def html_parts(reply: Reply) -> list[str]:
    """Escaped HTML message texts; the title is bold on the first part only."""
    title_length = len(reply.title) + 1 if reply.title else 0
    parts = split_text(reply.text, MAX_TEXT - title_length)
    rendered = [html.escape(part, quote=False) for part in parts]
    if reply.title:
        rendered[0] = f"<b>{html.escape(reply.title, quote=False)}</b>\n{rendered[0]}"
    return rendered


class TelegramSender:
    """Sends outbox messages with aiogram and maps Bot API errors onto the outbox's retry rules."""

    channel = CHANNEL

    def __init__(self, bot: Bot, settings: Settings) -> None:
        self.bot = bot
        self.pace = Pace(
            settings.telegram_rate_per_second, settings.telegram_chat_rate_per_second, settings.telegram_chat_burst
        )

    async def send(self, chat_id: str, reply: Reply) -> str | None:
        async with self._errors():
            return await self._send(int(chat_id), reply)
        return None  # not reached: the errors are raised as the outbox's

    async def edit(self, chat_id: str, ref: str, reply: Reply) -> None:
        """Changes the text of a message sent before (a background job's progress)."""
        try:
            async with self._errors():
                await self.bot.edit_message_text(html_parts(reply)[0], chat_id=int(chat_id), message_id=int(ref))
        except Undeliverable as error:
            if "not modified" not in str(error):  # the same text again is no failure
                raise

    @contextlib.asynccontextmanager
    async def _errors(self) -> AsyncIterator[None]:
        """Bot API errors as the outbox's retry rules."""
        try:
            yield
        except TelegramRetryAfter as error:
            raise RetryLater(str(error), after=float(error.retry_after)) from error
        except TelegramForbiddenError as error:
            raise Unreachable(str(error)) from error
        except (TelegramNetworkError, TelegramServerError) as error:
            raise RetryLater(str(error)) from error
        except TelegramBadRequest as error:
            raise Undeliverable(str(error)) from error

    async def _send(self, chat_id: int, reply: Reply) -> str | None:
        """Returns the id of the last message sent."""
        if reply.commands is not None:  # this person's menu: their role's commands, in their language
            commands = [BotCommand(command=name, description=text[:256]) for name, text in reply.commands]
            await self.bot.set_my_commands(commands, scope=BotCommandScopeChat(chat_id=chat_id))
            return None
        if reply.photo:
            caption = html.escape(reply.text[:MAX_CAPTION], quote=False)
            return str((await self.bot.send_photo(chat_id, reply.photo, caption=caption)).message_id)
        if reply.document:
            data = base64.b64decode(reply.document.content_b64)
            caption = html.escape(reply.document.caption[:MAX_CAPTION], quote=False) or None
            upload = BufferedInputFile(data, reply.document.filename)
            if reply.document.image:
                sent = await self.bot.send_photo(chat_id, upload, caption=caption)
            else:
                sent = await self.bot.send_document(chat_id, upload, caption=caption)
            if not reply.text:
                return str(sent.message_id)
        parts = html_parts(reply)
        markup = keyboard(reply)
        for number, part in enumerate(parts, start=1):
            sent = await self.bot.send_message(chat_id, part, reply_markup=markup if number == len(parts) else None)
        return str(sent.message_id)


async def register_commands(bot: Bot, registry: Registry) -> None:
    """The menu strangers see (what they may use before joining), in Vietnamese (default and ``vi``) and English;
    a person's own menu, by role, is set for their chat when they join or change language (``command_menu``)."""
    for language_code, language in ((None, "vi"), ("vi", "vi"), ("en", "en")):
        commands = [BotCommand(command=name, description=text[:256])
                    for name, text in command_menu(registry, None, I18n(language))]  # fmt: skip
        await bot.set_my_commands(commands, scope=BotCommandScopeDefault(), language_code=language_code)


# ---- long polling ------------------------------------------------------------------------------------------------


def by_chat(updates: Iterable[Update]) -> dict[str, list[Update]]:
    groups: dict[str, list[Update]] = defaultdict(list)
    for update in updates:
        event = to_inbound(update)
        groups[event.user_id if event else f"-{update.update_id}"].append(update)
    return groups


async def poll(bot: Bot, service: UpdatePipeline, stop: asyncio.Event, poll_seconds: int = 25) -> None:
    """Long polling that confirms an offset only after every update of the batch is durably handled.

    Chats are handled in parallel, each chat's updates in order; a crash mid-batch means redelivery, which the
    processed-update keys make harmless.
    """
    await bot.delete_webhook(drop_pending_updates=False)
    offset: int | None = None
    failures = 0
    while not stop.is_set():
        try:
            updates = await bot.get_updates(offset=offset, timeout=poll_seconds, allowed_updates=ALLOWED_UPDATES)
            failures = 0
        except TelegramRetryAfter as error:
            await _sleep_or_stop(stop, error.retry_after)
            continue
        except (TelegramNetworkError, TelegramServerError) as error:
            failures += 1
            log.warning("getUpdates failed (%s); retrying", error)
            await _sleep_or_stop(stop, min(30, 2**failures))
            continue
        if not updates:
            continue

        async def run_chat(chat_updates: list[Update]) -> None:
            for update in chat_updates:
                await handle_update(bot, service, update)

        results = await asyncio.gather(
            *(run_chat(group) for group in by_chat(updates).values()), return_exceptions=True
        )
        errors = [result for result in results if isinstance(result, BaseException)]
        if errors:
            failures += 1
            log.error("handling a batch of updates failed (%r); it will be fetched again", errors[0])
            await _sleep_or_stop(stop, min(30, 2**failures))
            continue
        offset = updates[-1].update_id + 1


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
