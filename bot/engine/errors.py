"""The one exception a parser or validator may raise: a polite, translatable reason."""

from __future__ import annotations

from typing import Any


class InvalidInput(ValueError):
    """Input that cannot be accepted; ``message`` is a gettext msgid formatted with ``params`` after translation."""

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.params = params
