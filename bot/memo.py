"""Reference data (catalogues) cached per process for a few seconds: edits show up within that time, at no query
cost on the hot path."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any


class Memo:
    def __init__(self) -> None:
        self._values: dict[str, tuple[float, Any]] = {}

    async def get(self, key: str, ttl: float, load: Callable[[], Awaitable[Any]]) -> Any:
        """The value kept under ``key``, loaded again once it is older than ``ttl`` seconds."""
        stamp, value = self._values.get(key, (0.0, None))
        if time.monotonic() - stamp > ttl:
            value = await load()
            self._values[key] = (time.monotonic(), value)
        return value
