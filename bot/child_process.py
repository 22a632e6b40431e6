"""Work too heavy for the event loop's process: a province's workbook is pure Python under the GIL, and built in a
thread it still held the loop up to half a second at a time. A child process (spawned, so it inherits neither the
loop nor its threads) does it and hands the result back through a pipe; how far it is comes through a number both
processes share. If the parent stops waiting — the job's lease is lost, the worker stops — the child is ended."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import traceback
from collections.abc import Awaitable, Callable
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

POLL = 0.5  # seconds between two looks at the child's progress
Report = Callable[[float], None]  # how the child says how far it is, 0–1


class ChildFailed(Exception):
    """The child raised (its exception's type is the message: nothing it held is logged) or died."""


async def run_in_child(target: Callable[..., Any], *args: Any,
                       progress: Callable[[float], Awaitable[None]] | None = None) -> Any:  # fmt: skip
    """``target(report, *args)`` in a child process; returns what it returns. ``target`` and its arguments and
    result must be picklable (a module-level function; plain values)."""
    context = multiprocessing.get_context("spawn")
    share = context.Value("d", 0.0, lock=False)
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(send, share, target, args), daemon=True)
    child.start()
    send.close()
    shown = 0.0
    try:
        while True:
            ready = await asyncio.to_thread(receive.poll, POLL)
            if progress is not None and share.value > shown:
                shown = share.value
                await progress(shown)
            if ready:
                try:
                    outcome, value = await asyncio.to_thread(receive.recv)
                except EOFError:
                    raise ChildFailed("the child process ended without an answer") from None
                if outcome == "error":
                    raise ChildFailed(value)
                return value
            if not child.is_alive() and not receive.poll():
                raise ChildFailed(f"the child process died (exit code {child.exitcode})")
    finally:
        if child.is_alive():
            child.terminate()
        await asyncio.shield(asyncio.to_thread(child.join, 5))
        receive.close()


def _child(send: Connection, share: Any, target: Callable[..., Any], args: tuple[Any, ...]) -> None:
    def report(fraction: float) -> None:
        share.value = fraction

    threading.Thread(target=_end_with_parent, daemon=True).start()

    try:
        result = target(report, *args)
    except BaseException as error:  # its type and where: an exception's text may hold a person's data
        where = traceback.extract_tb(error.__traceback__)[-1]
        send.send(("error", f"{type(error).__name__} at {Path(where.filename).name}:{where.lineno}"))
    else:
        send.send(("ok", result))
    finally:
        send.close()


def _end_with_parent() -> None:
    """A parent killed outright (SIGKILL) cannot end its child: the child ends itself when its parent is gone,
    rather than working on for nobody beside the parent's successor."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        wait([parent.sentinel])
        os._exit(1)
