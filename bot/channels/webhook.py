"""Webhooks out, as a channel: the outbox's ``webhook`` messages POSTed as signed JSON to the URLs admins registered
(``caunoi webhook add``). The outbox gives them what every message has — leases, order per URL, back-off, a place
behind every reply. Each request carries ``X-CauNoi-Event``, ``X-CauNoi-Timestamp`` and ``X-CauNoi-Signature:
sha256=<HMAC-SHA256 of "<timestamp>.<body>" with the URL's secret>``; a receiver checks it, and that the timestamp
is recent, before trusting the body. Any 2xx is delivered; 429, 5xx and network errors are retried with back-off;
another 4xx is given up (the receiver refuses that message)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import aiohttp

from bot.delivery import RetryLater, Undeliverable
from bot.engine.replies import Reply
from bot.pacing import Pace
from storage.crypto import Cipher
from storage.db import Database
from storage.models import Webhook
from storage.webhooks import CHANNEL, secret_of

TIMEOUT = aiohttp.ClientTimeout(total=15)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


class WebhookSender:
    channel = CHANNEL

    def __init__(self, db: Database, cipher: Cipher) -> None:
        self.db = db
        self.cipher = cipher
        self.pace = Pace(20, 5, 10)  # per second overall, and per URL with a burst: a receiver is no phone
        self._session: aiohttp.ClientSession | None = None

    async def send(self, chat_id: str, reply: Reply) -> str | None:
        async with self.db.transaction() as session:
            hook = await session.get(Webhook, int(chat_id))
        if hook is None or hook.removed_at is not None:
            return None  # removed since: nothing to deliver to
        body = reply.text.encode()
        timestamp = str(int(time.time()))
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "CauNoi-Webhook/1",
                   "X-CauNoi-Event": json.loads(reply.text).get("event", ""), "X-CauNoi-Timestamp": timestamp,
                   "X-CauNoi-Signature": signature(secret_of(hook, self.cipher), timestamp, body)}  # fmt: skip
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT)
        try:
            async with self._session.post(hook.url, data=body, headers=headers, allow_redirects=False) as answer:
                status = answer.status
                retry_after = answer.headers.get("Retry-After", "")
        except (aiohttp.ClientError, TimeoutError) as error:
            raise RetryLater(f"webhook {hook.id}: {type(error).__name__}") from error
        if 200 <= status < 300:
            return None
        if status == 429:
            raise RetryLater(f"webhook {hook.id}: 429", after=float(retry_after) if retry_after.isdigit() else None,
                             flood=True)  # fmt: skip
        if status >= 500:
            raise RetryLater(f"webhook {hook.id}: {status}")
        raise Undeliverable(f"webhook {hook.id}: {status}")

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
