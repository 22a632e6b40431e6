"""What every webhook endpoint shares: a secret that must be configured, a constant-time check of its header, and
the body read as JSON only when it is JSON."""

from __future__ import annotations

import hmac
import json
from typing import Any

from aiohttp import web
from pydantic import SecretStr


def checked_secret(value: SecretStr | None, variable: str) -> str:
    """A configured webhook secret; webhook mode does not start without one."""
    if value is None or not value.get_secret_value():
        raise SystemExit(f"{variable} must be set to run in webhook mode.")
    secret = value.get_secret_value()
    if not 8 <= len(secret) <= 256 or not all(ch.isalnum() or ch in "_-" for ch in secret):
        raise SystemExit(f"{variable} must be 8-256 characters of A-Z, a-z, 0-9, _ and -.")
    return secret


def secret_matches(request: web.Request, header: str, secret: str) -> bool:
    return hmac.compare_digest(request.headers.get(header, "").encode(), secret.encode())


async def json_body(request: web.Request) -> Any:
    """The request's JSON, or None when it is not JSON a platform would send: another content type, invalid, or
    nested past Python's recursion limit (RecursionError, not ValueError). Such a request is refused with 400 at
    once; a 500 would make the platform retry it for ever."""
    if request.content_type != "application/json":
        return None
    try:
        return json.loads(await request.read())
    except (ValueError, RecursionError):
        return None
