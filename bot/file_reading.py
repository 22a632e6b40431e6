"""Reading a file a person sent, before any transaction opens: an ordinary file in a worker thread; a large one in
a child process (``bot.child_process``), since parsing a PDF or a workbook is pure Python and, in a thread, held the
event loop — every other person's answer — while it competed for the GIL. What a reader raises is passed on as a
value, for the handler to answer in the person's language."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date

from bot.child_process import Report, run_in_child

FileReader = Callable[[str, bytes, date, bool], object]  # (name, bytes, today, can encrypt) → what the file says
IN_CHILD_BYTES = 256 * 1024  # a larger file is read in a child process (starting one costs about a second)


async def read_sent_file(reader: FileReader, filename: str, data: bytes, today: date, can_encrypt: bool) -> object:
    """What ``reader`` makes of the file, or the exception it raised. ``reader`` is a module-level function (a
    child process imports it by name)."""
    try:
        if len(data) > IN_CHILD_BYTES:
            return await run_in_child(_in_child, reader, filename, data, today, can_encrypt)
        return await asyncio.to_thread(reader, filename, data, today, can_encrypt)
    except Exception as error:  # a reader's refusal, or a child that died: the handler answers it
        return error


def _in_child(report: Report, reader: FileReader, filename: str, data: bytes, today: date, can_encrypt: bool) -> object:
    try:
        return reader(filename, data, today, can_encrypt)
    except Exception as error:  # a refusal travels back as a value, with its reason
        return error
