"""How fast the outbox may send: each platform's budget overall and per chat, and the pause a 429 asks for.

One process paces itself with token buckets in memory (``LocalPacer``). Several workers sharing a database must
share one budget, or together they exceed the platform's limit (three workers each keeping 25 messages/s met 4,106
answers 429): with ``CAUNOI_REDIS_URL`` every worker takes from the same budget in Redis (``RedisPacer``), where one
script checks and spends the channel's and the chat's budget at once, on Redis' clock, so the workers' clocks never
disagree. A 429's ``retry_after`` pauses the whole channel for every worker: the platform does not say which of its
limits was crossed, and sending on to other chats would only earn more 429s (python-telegram-bot's rate limiter
does the same).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis


@dataclass(frozen=True)
class Pace:
    """A platform's limits: messages per second overall, and per chat with a small burst."""

    per_second: float
    per_chat_per_second: float
    chat_burst: int


class Pacer(Protocol):
    async def take(self, channel: str, chat_id: str, *, urgent: bool = True) -> None:
        """Waits until one more message to ``chat_id`` fits both the channel's and the chat's budget, and spends it;
        ``urgent`` (a reply to someone in a conversation) goes before messages to many."""
        ...

    async def pause(self, channel: str, seconds: float) -> None:
        """No message on ``channel`` for ``seconds`` (the platform answered 429 with ``retry_after``)."""
        ...

    async def close(self) -> None: ...


class TokenBucket:
    """Classic token bucket; ``take`` waits until a token is there."""

    def __init__(self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.capacity, self.clock = rate, burst, clock
        self.tokens, self.stamp = burst, clock()
        self.paused_until = 0.0

    def delay(self) -> float:
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        wait = max(0.0, self.paused_until - now)
        if self.tokens < 1:
            wait = max(wait, (1 - self.tokens) / self.rate)
        return wait

    async def take(self) -> None:
        wait = self.delay()
        while wait > 0:
            await asyncio.sleep(wait)
            wait = self.delay()
        self.tokens -= 1

    def pause(self, seconds: float) -> None:
        self.paused_until = max(self.paused_until, self.clock() + seconds)

    def try_take(self) -> float:
        """Spends a token if one is there and returns 0; else returns how long until one is, spending nothing."""
        wait = self.delay()
        if wait == 0:
            self.tokens -= 1
        return wait


class LocalPacer:
    """This process's buckets: right for one sender per database (the embedded default)."""

    MAX_CHATS = 50_000  # buckets of chats seen lately; forgetting one only gives that chat its burst again

    def __init__(self, paces: dict[str, Pace]) -> None:
        self.paces = paces
        # No burst overall: a full bucket at start-up would double the rate in the first second, and platforms
        # count per sliding second (Telegram answers 429 above about 30 messages in any one second).
        self._channels = {name: TokenBucket(pace.per_second, 1.0) for name, pace in paces.items()}
        self._chats: dict[tuple[str, str], TokenBucket] = {}

    async def take(self, channel: str, chat_id: str, *, urgent: bool = True) -> None:
        chat = self._chats.get((channel, chat_id))
        if chat is None:
            pace = self.paces[channel]
            if len(self._chats) > self.MAX_CHATS:
                self._chats.clear()
            chat = self._chats[(channel, chat_id)] = TokenBucket(pace.per_chat_per_second, pace.chat_burst)
        await chat.take()
        await self._channels[channel].take()

    async def pause(self, channel: str, seconds: float) -> None:
        self._channels[channel].pause(seconds)

    async def close(self) -> None:
        return None


# GCRA (the generic cell rate algorithm) on Redis' clock. A chat's budget is looked at first and spent once the
# channel's is (one worker at a time sends to a chat, so nobody spends it in between); a message waiting for the
# chat must not hold a slot of the channel's, which every worker is waiting for.
# KEYS: the chat's theoretical arrival time. ARGV: its emission interval and tolerance (µs). Returns µs to wait.
_CHAT_WAIT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local wait = tonumber(redis.call('GET', KEYS[1]) or '0') - tonumber(ARGV[2]) - now
if wait > 0 then return math.ceil(wait) end
return 0
"""

# KEYS: the chat's theoretical arrival time. ARGV: its emission interval (µs).
_CHAT_SPEND = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local chat = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now) + tonumber(ARGV[1])
redis.call('SET', KEYS[1], string.format('%.0f', chat), 'PX', math.ceil((chat - now) / 1000) + 1000)
return 0
"""

# KEYS: the channel's theoretical arrival time, its pause, its "a reply is waiting" flag. ARGV: the channel's
# emission interval (µs), 1 for a reply (0 for a message to many). Returns 0 when spent, else µs to wait. A quarter
# of an interval's tolerance lets a waiter that wakes a little late still take its slot (without it, every
# millisecond of lateness was lost: 10,000 messages took 1.08 times the minimum) and never allows more than one
# message over the rate in any second.
# A reply that must wait raises the flag, and messages to many let every slot go while it is up: replies never
# queue behind a broadcast, whichever worker holds either.
_CHANNEL_TAKE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local interval = tonumber(ARGV[1])
local channel = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now)
local wait = math.max(tonumber(redis.call('GET', KEYS[2]) or '0') - now, channel - interval / 4 - now)
if ARGV[2] == '0' and redis.call('EXISTS', KEYS[3]) == 1 then wait = math.max(wait, interval) end
if wait > 0 then
  if ARGV[2] == '1' then redis.call('SET', KEYS[3], '1', 'PX', math.ceil(wait / 1000) + 50) end
  return math.ceil(wait)
end
channel = channel + interval
redis.call('SET', KEYS[1], string.format('%.0f', channel), 'PX', math.ceil((channel - now) / 1000) + 1000)
return 0
"""

# KEYS: the channel's pause. ARGV: seconds, in microseconds. Keeps the later of the old and the new end.
_PAUSE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local until_ = now + tonumber(ARGV[1])
if tonumber(redis.call('GET', KEYS[1]) or '0') < until_ then
  redis.call('SET', KEYS[1], string.format('%.0f', until_), 'PX', math.ceil(tonumber(ARGV[1]) / 1000) + 1000)
end
return 0
"""


class RedisPacer:
    """One budget per platform and per chat for every worker, kept in Redis.

    Keys carry the channel as a hash tag, so one channel's keys share a Redis Cluster slot; each expires soon after
    it stops mattering, so Redis keeps only the chats of the last second or so."""

    def __init__(self, redis: Redis, paces: dict[str, Pace], prefix: str = "caunoi") -> None:
        self.redis = redis
        self.paces = paces
        self.prefix = prefix
        self._chat_wait = redis.register_script(_CHAT_WAIT)
        self._chat_spend = redis.register_script(_CHAT_SPEND)
        self._channel_take = redis.register_script(_CHANNEL_TAKE)
        self._pause = redis.register_script(_PAUSE)
        # This process's replies ask Redis one at a time: fifty waiting at once would all wake for the same slot.
        self._turns: dict[str, asyncio.Lock] = {}

    @classmethod
    def from_url(cls, url: str, paces: dict[str, Pace], prefix: str = "caunoi") -> RedisPacer:
        return cls(Redis.from_url(url), paces, prefix)

    def _key(self, channel: str, what: str) -> str:
        return f"{self.prefix}:pace:{{{channel}}}:{what}"

    def _chat_args(self, channel: str) -> list[str]:
        pace = self.paces[channel]
        interval = 1e6 / pace.per_chat_per_second
        return [f"{interval:.0f}", f"{interval * (max(1, pace.chat_burst) - 1):.0f}"]

    async def chat_wait(self, channel: str, chat_id: str) -> float:
        """Seconds until ``chat_id`` may have one more message (nothing spent)."""
        key = self._key(channel, f"chat:{chat_id}")
        return int(await self._chat_wait(keys=[key], args=self._chat_args(channel))) / 1e6

    async def try_channel(self, channel: str, *, urgent: bool) -> float:
        """Spends one slot of the channel and returns 0, or returns the seconds to wait and spends nothing."""
        keys = [self._key(channel, what) for what in ("all", "paused", "urgent")]
        interval = f"{1e6 / self.paces[channel].per_second:.0f}"
        return int(await self._channel_take(keys=keys, args=[interval, "1" if urgent else "0"])) / 1e6

    async def take(self, channel: str, chat_id: str, *, urgent: bool = True) -> None:
        wait = await self.chat_wait(channel, chat_id)
        while wait > 0:
            await asyncio.sleep(wait)
            wait = await self.chat_wait(channel, chat_id)
        turn = self._turns.setdefault(channel, asyncio.Lock()) if urgent else contextlib.nullcontext()
        async with turn:
            wait = await self.try_channel(channel, urgent=urgent)
            while wait > 0:  # another worker may take the slot first: then ask again
                await asyncio.sleep(wait)
                wait = await self.try_channel(channel, urgent=urgent)
        await self._chat_spend(keys=[self._key(channel, f"chat:{chat_id}")], args=self._chat_args(channel)[:1])

    async def pause(self, channel: str, seconds: float) -> None:
        await self._pause(keys=[self._key(channel, "paused")], args=[str(math.ceil(seconds * 1e6))])

    async def close(self) -> None:
        await self.redis.aclose()
