"""Waiting in the fake platform servers for what the bot does: each server notifies a condition on every change."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar


class HasText(Protocol):
    text: str


T = TypeVar("T")
M = TypeVar("M", bound=HasText)


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
