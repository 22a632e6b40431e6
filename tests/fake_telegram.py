"""A fake Telegram Bot API server over real HTTP, as strict as the real one where the bot could get it wrong.

Methods, required fields and field types are checked against ``shared/platforms/telegram-bot-api.json``; text
length is counted after HTML entity parsing; HTML must be well formed with Telegram's tags only; callback_data is
1-64 bytes; flood control answers 429 with retry_after; a user who blocked the bot answers 403. It also plays the
users: they send text, photos and button presses, as updates by long polling or by webhook with the secret header.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import json
import re
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from aiohttp import web

from tests.fake_platform import WAIT, message_containing, push_updates, until

SPEC_PATH = Path(__file__).resolve().parents[2] / "shared" / "platforms" / "telegram-bot-api.json"
ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "tg-spoiler",
                "span", "blockquote", "tg-emoji"}  # fmt: skip
PRIMITIVES = {"Integer", "String", "Boolean", "Float", "True"}


def load_spec() -> dict[str, Any]:
    return json.loads(SPEC_PATH.read_text(encoding="utf-8"))


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after


class _EntityParser(HTMLParser):
    """Telegram's HTML rules: known tags only, properly nested, entities named or numeric."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.visible: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            raise ApiError(400, f'Bad Request: can\'t parse entities: Unsupported start tag "{tag}"')
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise ApiError(400, f'Bad Request: can\'t parse entities: Unexpected end tag "{tag}"')
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.visible.append(data)


_BAD_AMP = re.compile(r"&(?!(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)")


def visible_text(text: str, parse_mode: str | None) -> str:
    """The text as the user sees it: what the length limit applies to."""
    if parse_mode is None:
        return text
    if parse_mode.upper() != "HTML":
        raise ApiError(400, f"Bad Request: unsupported parse_mode {parse_mode}")
    if _BAD_AMP.search(text):
        raise ApiError(400, "Bad Request: can't parse entities: Character '&' is reserved and must be escaped")
    if re.search(r"<(?![a-zA-Z/])", text):
        raise ApiError(400, "Bad Request: can't parse entities: Character '<' is reserved and must be escaped")
    parser = _EntityParser()
    parser.feed(text)
    parser.close()
    if parser.stack:
        raise ApiError(
            400, f"Bad Request: can't parse entities: Can't find end tag corresponding to \"{parser.stack[-1]}\""
        )
    return "".join(parser.visible)


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class SentMessage:
    message_id: int
    chat_id: int
    method: str
    text: str
    html: str
    reply_markup: dict[str, Any] | None = None
    photo: str | None = None
    document: str | None = None
    upload: bytes | None = None
    edits: int = 0  # times editMessageText changed it

    def buttons(self) -> list[dict[str, Any]]:
        if not self.reply_markup:
            return []
        return [button for row in self.reply_markup.get("inline_keyboard", []) for button in row]


@dataclass
class FakeUser:
    id: int
    first_name: str
    language_code: str = "vi"
    blocked: bool = False
    flood: list[int] = field(default_factory=list)
    faults: int = 0


class FakeTelegram:
    """Start with ``await server.start()``; point the bot at ``server.url``."""

    def __init__(
        self, token: str = "123456:TEST-token_abcdefghijklmnopqrstuvwxyz", *, limits: tuple[float, float] | None = None
    ) -> None:
        """``limits`` = (messages per second overall, per chat): exceeding either answers 429, as Telegram does."""
        self.token = token
        self.limits = limits
        self._sent_at: collections.deque[float] = collections.deque()
        self._chat_sent_at: dict[int, float] = {}
        self.throttled = 0
        self.spec = load_spec()
        self.methods = {name.lower(): method for name, method in self.spec["methods"].items()}
        self.users: dict[int, FakeUser] = {}
        self.sent: list[SentMessage] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.errors: list[tuple[str, str]] = []
        self.commands: dict[str | None, list[dict[str, Any]]] = {}  # the default scope, by language
        self.chat_commands: dict[int, list[dict[str, Any]]] = {}  # BotCommandScopeChat
        self.updates: list[dict[str, Any]] = []
        self.history: dict[int, dict[str, Any]] = {}
        self.callbacks: dict[str, dict[str, Any]] = {}
        self.webhook: dict[str, Any] | None = None
        self.webhook_statuses: list[int] = []
        self.files: dict[str, tuple[str, bytes]] = {}
        self._next_update = itertools.count(1000)
        self._next_message = itertools.count(1)
        self._next_callback = itertools.count(1)
        self._changed = asyncio.Condition()
        self._wakers: set[asyncio.Task[None]] = set()  # kept so they are not collected before they run
        self.allowed_updates: set[str] = set()  # empty: every kind
        self._runner: web.AppRunner | None = None
        self._pusher: asyncio.Task[None] | None = None
        self._delivered = 0
        self.url = ""

    # ---- lifecycle ---------------------------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._endpoint)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._pusher:
            self._pusher.cancel()
        if self._runner:
            await self._runner.cleanup()

    # ---- the users' side ---------------------------------------------------------------------------------------

    def user(self, user_id: int, first_name: str = "Lan", language_code: str = "vi") -> FakeUser:
        return self.users.setdefault(user_id, FakeUser(user_id, first_name, language_code))

    def _from(self, user: FakeUser) -> dict[str, Any]:
        return {"id": user.id, "is_bot": False, "first_name": user.first_name, "language_code": user.language_code}

    def _chat(self, user: FakeUser) -> dict[str, Any]:
        return {"id": user.id, "type": "private", "first_name": user.first_name}

    async def send_text(self, user_id: int, text: str) -> int:
        user = self.user(user_id)
        message = {"message_id": next(self._next_message), "date": int(time.time()), "chat": self._chat(user),
                   "from": self._from(user), "text": text}  # fmt: skip
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return await self._enqueue({"message": message})

    async def send_photo(self, user_id: int, file_id: str = "PHOTO-1") -> int:
        user = self.user(user_id)
        sizes = [{"file_id": f"{file_id}-small", "file_unique_id": f"{file_id}s", "width": 90, "height": 90},
                 {"file_id": file_id, "file_unique_id": f"{file_id}u", "width": 1280, "height": 960}]  # fmt: skip
        message = {"message_id": next(self._next_message), "date": int(time.time()), "chat": self._chat(user),
                   "from": self._from(user), "photo": sizes}  # fmt: skip
        return await self._enqueue({"message": message})

    async def send_document(self, user_id: int, filename: str, content: bytes, mime_type: str | None = None) -> int:
        """The user sends a file; the bot can fetch it with getFile and the file URL, as on Telegram."""
        user = self.user(user_id)
        file_id = f"DOC-{len(self.files) + 1}"
        self.files[file_id] = (f"documents/file_{len(self.files)}_{filename}", content)
        document = {"file_id": file_id, "file_unique_id": f"{file_id}u", "file_name": filename,
                    "mime_type": mime_type or "application/octet-stream", "file_size": len(content)}  # fmt: skip
        message = {"message_id": next(self._next_message), "date": int(time.time()), "chat": self._chat(user),
                   "from": self._from(user), "document": document}  # fmt: skip
        return await self._enqueue({"message": message})

    async def send_sticker(self, user_id: int) -> int:
        user = self.user(user_id)
        sticker = {"file_id": "STK", "file_unique_id": "STKu", "type": "regular", "width": 512, "height": 512,
                   "is_animated": False, "is_video": False}  # fmt: skip
        message = {"message_id": next(self._next_message), "date": int(time.time()), "chat": self._chat(user),
                   "from": self._from(user), "sticker": sticker}  # fmt: skip
        return await self._enqueue({"message": message})

    async def press(self, user_id: int, label: str, message: SentMessage | None = None) -> str:
        """Taps the button whose label contains ``label`` on ``message`` (default: the latest with buttons)."""
        message = message or self.last_with_buttons(user_id)
        button = next((b for b in message.buttons() if label.lower() in b["text"].lower()), None)
        if button is None:
            raise AssertionError(f"no button {label!r} in {[b['text'] for b in message.buttons()]}")
        return await self.press_data(user_id, button["callback_data"], message)

    async def press_data(self, user_id: int, data: str, message: SentMessage) -> str:
        """A callback query with any ``data``: what a modified client could send."""
        user = self.user(user_id)
        query_id = f"cq{next(self._next_callback)}"
        self.callbacks[query_id] = {"answered": False, "text": None}
        query = {"id": query_id, "from": self._from(user), "chat_instance": "ci", "data": data,
                 "message": {"message_id": message.message_id, "date": int(time.time()), "chat": self._chat(user),
                             "from": {"id": 123456, "is_bot": True, "first_name": "CauNoi"}, "text": message.text}}  # fmt: skip
        await self._enqueue({"callback_query": query})
        return query_id

    async def redeliver(self, update_id: int) -> None:
        """The same update again, as Telegram does when a webhook answer was lost."""
        async with self._changed:
            self.updates.append(dict(self.history[update_id]))
            self._changed.notify_all()

    def _queue(self, payload: dict[str, Any]) -> int:
        update_id = next(self._next_update)
        self.history[update_id] = {"update_id": update_id, **payload}
        self.updates.append(dict(self.history[update_id]))
        return update_id

    async def _enqueue(self, payload: dict[str, Any]) -> int:
        async with self._changed:
            update_id = self._queue(payload)
            self._changed.notify_all()
        return update_id

    def block(self, user_id: int) -> None:
        """The person blocks the bot: sends to them get 403, and the bot is told at once (``my_chat_member``)."""
        self.user(user_id).blocked = True
        self._membership(user_id, "member", "kicked")

    def unblock(self, user_id: int) -> None:
        self.user(user_id).blocked = False
        self._membership(user_id, "kicked", "member")

    def _membership(self, user_id: int, old: str, new: str) -> None:
        user = self.user(user_id)
        me = {"id": 123456, "is_bot": True, "first_name": "CauNoi", "username": "CauNoiBot"}
        member = {
            "kicked": {"status": "kicked", "user": me, "until_date": 0},
            "member": {"status": "member", "user": me},
        }
        change = {"chat": self._chat(user), "from": self._from(user), "date": int(time.time()),
                  "old_chat_member": member[old], "new_chat_member": member[new]}  # fmt: skip
        self._queue({"my_chat_member": change})  # block() is called outside the loop's await: wake the readers
        waker = asyncio.get_running_loop().create_task(self._wake())
        self._wakers.add(waker)
        waker.add_done_callback(self._wakers.discard)

    async def _wake(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def flood(self, user_id: int, retry_after: int = 1, times: int = 1) -> None:
        self.user(user_id).flood.extend([retry_after] * times)

    # ---- what the bot sent -------------------------------------------------------------------------------------

    def messages_to(self, user_id: int) -> list[SentMessage]:
        return [m for m in self.sent if m.chat_id == user_id]

    def last_with_buttons(self, user_id: int) -> SentMessage:
        with_buttons = [m for m in self.messages_to(user_id) if m.buttons()]
        if not with_buttons:
            raise AssertionError("the bot sent no message with buttons")
        return with_buttons[-1]

    async def wait_for(self, user_id: int, contains: str, *, after: int = 0, timeout: float = WAIT) -> SentMessage:
        """The first message to the user, from index ``after`` on, whose text contains ``contains``."""
        return await message_containing(
            self._changed, lambda: self.messages_to(user_id)[after:], contains, timeout, "Telegram"
        )

    async def wait_until(self, predicate: Any, timeout: float = WAIT) -> None:
        await until(self._changed, lambda: True if predicate() else None, timeout, lambda: "condition not met in time")

    # ---- the Bot API -------------------------------------------------------------------------------------------

    async def _endpoint(self, request: web.Request) -> web.Response:
        method_name = request.match_info["method"]
        try:
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            spec = self.methods.get(method_name.lower())
            if spec is None:
                raise ApiError(404, "Not Found")
            params = await self._params(request)
            self._check_fields(spec, params)
            self.calls.append((spec["name"], params))
            result = await getattr(self, f"_m_{spec['name']}", self._m_default)(params)
            body: dict[str, Any] = {"ok": True, "result": result}
            status = 200
        except ApiError as error:
            self.errors.append((method_name, error.description))
            body = {"ok": False, "error_code": error.code, "description": error.description}
            if error.retry_after is not None:
                body["parameters"] = {"retry_after": error.retry_after}
            status = error.code
        async with self._changed:
            self._changed.notify_all()
        return web.json_response(body, status=status)

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            return await request.json()
        if request.content_type.startswith("multipart/"):
            params: dict[str, Any] = {}
            reader = await request.multipart()
            async for part in reader:
                if part.filename:  # type: ignore[union-attr]
                    params[f"@file:{part.name}"] = await part.read()  # type: ignore[union-attr]
                else:
                    params[part.name] = await part.text()  # type: ignore[union-attr]
            return params
        return dict(await request.post()) if request.can_read_body else dict(request.query)

    # field checking against the published API description

    def _check_fields(self, spec: dict[str, Any], params: dict[str, Any]) -> None:
        for name_field in spec.get("fields", []):
            name = name_field["name"]
            if f"@file:{name}" in params and "InputFile" in name_field["types"]:
                continue  # uploaded as a multipart file
            if name not in params:
                if name_field["required"]:
                    raise ApiError(400, f'Bad Request: parameter "{name}" is required')
                continue
            value = params[name]
            if not any(self._conforms(value, kind, encoded=True) for kind in name_field["types"]):
                raise ApiError(400, f'Bad Request: field "{name}" must be of type {" or ".join(name_field["types"])}')

    def _conforms(self, value: Any, kind: str, *, encoded: bool) -> bool:
        if kind.startswith("Array of "):
            if encoded and isinstance(value, str):
                try:
                    value = json.loads(value)
                except ValueError:
                    return False
            inner = kind[len("Array of ") :]
            return isinstance(value, list) and all(self._conforms(item, inner, encoded=False) for item in value)
        if kind == "Integer":
            return (isinstance(value, int) and not isinstance(value, bool)) or (
                isinstance(value, str) and re.fullmatch(r"-?\d+", value) is not None
            )
        if kind == "Float":
            return isinstance(value, (int, float)) or (
                isinstance(value, str) and re.fullmatch(r"-?\d+(\.\d+)?", value) is not None
            )
        if kind in ("Boolean", "True"):
            return isinstance(value, bool) or value in ("true", "false", "True", "False")
        if kind == "String":
            return isinstance(value, str)
        if kind == "InputFile":
            return isinstance(value, str) and value.startswith("attach://")
        type_spec = self.spec["types"].get(kind)
        if type_spec is None:
            return True
        if encoded and isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                return False
        if not isinstance(value, dict):
            return False
        subtypes = type_spec.get("subtypes")
        if subtypes:
            return any(self._conforms(value, sub, encoded=False) for sub in subtypes)
        for sub_field in type_spec.get("fields", []):
            if sub_field["name"] not in value:
                if sub_field["required"]:
                    return False
                continue
            if not any(self._conforms(value[sub_field["name"]], k, encoded=False) for k in sub_field["types"]):
                return False
        return True

    # ---- methods -----------------------------------------------------------------------------------------------

    async def _m_default(self, params: dict[str, Any]) -> Any:
        return True

    async def _m_getMe(self, params: dict[str, Any]) -> Any:
        return {"id": 123456, "is_bot": True, "first_name": "CauNoi", "username": "CauNoiTestBot",
                "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}  # fmt: skip

    async def _m_getUpdates(self, params: dict[str, Any]) -> Any:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset", 0) or 0)
        timeout = float(params.get("timeout", 0) or 0)
        if "allowed_updates" in params:  # as Telegram: a kind of update not asked for is never delivered
            allowed = params["allowed_updates"]
            self.allowed_updates = set(json.loads(allowed) if isinstance(allowed, str) else allowed)
        if offset:
            self._delivered = max(self._delivered, offset)
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        deadline = time.monotonic() + min(timeout, 2.0)
        async with self._changed:
            while True:
                self.updates = [u for u in self.updates if self._asked_for(u)]
                pending = [u for u in self.updates if u["update_id"] >= offset]
                if pending or time.monotonic() >= deadline:
                    break
                try:
                    await asyncio.wait_for(self._changed.wait(), max(0.01, deadline - time.monotonic()))
                except TimeoutError:
                    break
        return [u for u in self.updates if u["update_id"] >= offset and self._asked_for(u)][:100]

    def _asked_for(self, update: dict[str, Any]) -> bool:
        return not self.allowed_updates or set(update) - {"update_id"} <= self.allowed_updates

    async def _m_setWebhook(self, params: dict[str, Any]) -> Any:
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        self.webhook = {"url": params["url"], "secret": secret}
        if self._pusher is None:
            self._pusher = asyncio.create_task(push_updates(self, "X-Telegram-Bot-Api-Secret-Token"))
        return True

    async def _m_deleteWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = None
        return True

    async def _m_setMyCommands(self, params: dict[str, Any]) -> Any:
        """Menus by scope as Telegram keeps them: the default one per language, and one per private chat."""
        commands = json.loads(params["commands"]) if isinstance(params["commands"], str) else params["commands"]
        if len(commands) > 100:
            raise ApiError(400, "Bad Request: too many commands")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command["command"]) or not 1 <= len(command["description"]) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        scope = params.get("scope") or {"type": "default"}
        scope = json.loads(scope) if isinstance(scope, str) else scope
        if scope.get("type") == "chat":
            if int(scope.get("chat_id", 0)) not in self.users:
                raise ApiError(400, "Bad Request: chat not found")
            self.chat_commands[int(scope["chat_id"])] = commands
        elif scope.get("type") == "default" and set(scope) == {"type"}:
            self.commands[params.get("language_code") or None] = commands
        else:
            raise ApiError(400, "Bad Request: unsupported scope in this fake: " + str(scope.get("type")))
        return True

    async def _m_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        query = self.callbacks.get(params["callback_query_id"])
        if query is None or query["answered"]:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        if len(params.get("text") or "") > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        query["answered"], query["text"] = True, params.get("text")
        return True

    def _target(self, params: dict[str, Any]) -> FakeUser:
        chat_id = int(params["chat_id"])
        user = self.users.get(chat_id)
        if user is None:
            raise ApiError(400, "Bad Request: chat not found")
        if user.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if user.flood:
            raise ApiError(429, f"Too Many Requests: retry after {user.flood[0]}", retry_after=user.flood.pop(0))
        if user.faults:
            user.faults -= 1
            raise ApiError(500, "Internal Server Error")
        if self.limits is not None:
            self._within_limits(chat_id)
        return user

    def _within_limits(self, chat_id: int) -> None:
        """A sliding one-second window overall, and a minimum spacing per chat."""
        overall, per_chat = self.limits or (0.0, 0.0)
        now = time.monotonic()
        while self._sent_at and now - self._sent_at[0] >= 1.0:
            self._sent_at.popleft()
        if len(self._sent_at) >= overall or now - self._chat_sent_at.get(chat_id, -1e9) < 1.0 / per_chat:
            self.throttled += 1
            raise ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
        self._sent_at.append(now)
        self._chat_sent_at[chat_id] = now

    def _markup(self, params: dict[str, Any]) -> dict[str, Any] | None:
        raw = params.get("reply_markup")
        if raw is None:
            return None
        markup = json.loads(raw) if isinstance(raw, str) else raw
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                if not button.get("text"):
                    raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
        return markup

    def _message(self, user: FakeUser, method: str, text: str, html: str, params: dict[str, Any], **extra: Any) -> Any:
        message = SentMessage(next(self._next_message), user.id, method, text, html, self._markup(params), **extra)
        self.sent.append(message)
        return {"message_id": message.message_id, "date": int(time.time()), "chat": self._chat(user),
                "from": {"id": 123456, "is_bot": True, "first_name": "CauNoi"}, "text": text}  # fmt: skip

    async def _m_sendMessage(self, params: dict[str, Any]) -> Any:
        user = self._target(params)
        text = visible_text(params["text"], params.get("parse_mode"))
        if not 1 <= utf16_length(text.strip()) <= 4096:
            raise ApiError(
                400, "Bad Request: message is too long" if text.strip() else "Bad Request: message text is empty"
            )
        return self._message(user, "sendMessage", text, params["text"], params)

    def _captioned(self, params: dict[str, Any], method: str, **media: str) -> Any:
        user = self._target(params)
        caption = visible_text(params.get("caption") or "", params.get("parse_mode"))
        if utf16_length(caption) > 1024:
            raise ApiError(400, "Bad Request: message caption is too long")
        return self._message(user, method, caption, params.get("caption") or "", params, **media)

    async def _m_sendPhoto(self, params: dict[str, Any]) -> Any:
        photo = str(params["photo"])
        upload = params.get("@file:" + photo.removeprefix("attach://")) if photo.startswith("attach://") else None
        return self._captioned(params, "sendPhoto", photo=photo, upload=upload)

    async def _m_sendDocument(self, params: dict[str, Any]) -> Any:
        document = str(params.get("document", "attach://document"))
        upload = params.get("@file:" + document.removeprefix("attach://")) if document.startswith("attach://") else None
        if document.startswith("attach://") and upload is None:
            raise ApiError(400, "Bad Request: file to attach not found")
        return self._captioned(params, "sendDocument", document=document, upload=upload)

    async def _m_editMessageText(self, params: dict[str, Any]) -> Any:
        """Only a text message this bot sent to that chat; the new text must differ (as on Telegram)."""
        if "inline_message_id" in params:
            raise ApiError(400, "Bad Request: inline messages are not used by this bot")
        user = self._target(params)
        message_id = int(params.get("message_id") or 0)
        message = next((m for m in self.sent if m.message_id == message_id and m.chat_id == user.id), None)
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if message.method != "sendMessage":
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        text = visible_text(params["text"], params.get("parse_mode"))
        if not 1 <= utf16_length(text.strip()) <= 4096:
            raise ApiError(400, "Bad Request: message text is empty" if not text.strip() else
                           "Bad Request: message is too long")  # fmt: skip
        if params["text"] == message.html and self._markup(params) == message.reply_markup:
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message",
            )
        message.text, message.html, message.edits = text, params["text"], message.edits + 1
        message.reply_markup = self._markup(params)
        return {"message_id": message.message_id, "date": int(time.time()), "chat": self._chat(user),
                "edit_date": int(time.time()), "from": {"id": 123456, "is_bot": True, "first_name": "CauNoi"},
                "text": text}  # fmt: skip

    async def _m_getFile(self, params: dict[str, Any]) -> Any:
        file_id = str(params["file_id"])
        if file_id not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        path, content = self.files[file_id]
        return {"file_id": file_id, "file_unique_id": f"{file_id}u", "file_size": len(content), "file_path": path}

    async def _download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        for path, content in self.files.values():
            if path == request.match_info["path"]:
                return web.Response(body=content)
        return web.Response(status=404)
