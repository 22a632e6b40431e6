"""What the fake platform servers share: waiting for what the bot does (each server notifies a condition on every
change), and pushing queued updates to the bot's webhook."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

import aiohttp


class HasText(Protocol):
    text: str


T = TypeVar("T")
M = TypeVar("M", bound=HasText)
# How long a test waits for an event before it fails: generous, so a busy machine (both CPUs taken by another
# suite) is slow rather than red; a passing test never waits for it, it goes on at the event.
WAIT = 60.0


async def until(
    changed: asyncio.Condition, found: Callable[[], T | None], timeout: float, failure: Callable[[], str]
) -> T:
    """What ``found`` returns once it is not None, re-checked on every change; AssertionError after ``timeout``."""
    deadline = time.monotonic() + timeout
    async with changed:
        while (result := found()) is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(failure())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)
        return result


async def message_containing(
    changed: asyncio.Condition, messages: Callable[[], Sequence[M]], contains: str, timeout: float, platform: str
) -> M:
    """The first of ``messages()`` whose text contains ``contains`` (case-insensitive)."""
    wanted = contains.lower()
    return await until(
        changed,
        lambda: next((message for message in messages() if wanted in message.text.lower()), None),
        timeout,
        lambda: f"no {platform} message containing {contains!r}; got {[m.text[:100] for m in messages()]}",
    )


class PushesUpdates(Protocol):
    _changed: asyncio.Condition
    webhook: dict[str, Any] | None
    updates: list[dict[str, Any]]
    webhook_statuses: list[int]


async def push_updates(server: PushesUpdates, secret_header: str) -> None:
    """Delivers queued updates one by one to the webhook, with the secret header; anything but 2xx is retried, as
    the platforms do."""
    async with aiohttp.ClientSession() as session:
        while True:
            async with server._changed:
                while server.webhook is None or not server.updates:
                    await server._changed.wait()
                update, hook = server.updates[0], dict(server.webhook)
            headers = {secret_header: hook["secret"]} if hook["secret"] else {}
            try:
                async with session.post(hook["url"], json=update, headers=headers) as response:
                    status = response.status
            except aiohttp.ClientError:
                status = 0
            server.webhook_statuses.append(status)
            if 200 <= status < 300:
                async with server._changed:
                    if server.updates and server.updates[0] is update:
                        server.updates.pop(0)
                    server._changed.notify_all()
            else:
                await asyncio.sleep(0.2)
