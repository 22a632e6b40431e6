"""Short-lived signed download links, for files on a channel that cannot carry them (Zalo): the file is kept in the
bot's file store (``bot.files``: this machine's disk, or the object store every worker shares) and served by the
bot's own web server at ``CAUNOI_PUBLIC_URL/files/<name>?exp=…&sig=…`` — by any worker, when the store is shared."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from pathlib import Path

from aiohttp import web

from bot.config import Settings
from bot.engine.replies import Reply
from bot.files import FileStore

FOLDER = "downloads"


class Downloads:
    def __init__(self, settings: Settings, files: FileStore) -> None:
        self.base = (settings.public_url or "").rstrip("/")
        if self.base and (settings.link_secret is None or len(settings.link_secret.get_secret_value()) < 16):
            raise SystemExit("CAUNOI_LINK_SECRET (16 characters or more) must be set when CAUNOI_PUBLIC_URL is set.")
        self.key = settings.link_secret.get_secret_value().encode() if settings.link_secret else b""
        self.files = files
        self.ttl = settings.link_ttl_hours * 3600

    @property
    def enabled(self) -> bool:
        return bool(self.base)

    def _signature(self, name: str, expires: int) -> str:
        return hmac.new(self.key, f"{name}:{expires}".encode(), hashlib.sha256).hexdigest()

    async def link(self, reply: Reply) -> str | None:
        """Stores the reply's document and returns a link valid for ``link_ttl_hours``; None when not configured."""
        if not self.enabled or reply.document is None:
            return None
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", Path(reply.document.filename).name)[-80:] or "file"
        name = f"{secrets.token_urlsafe(12)}-{safe}"
        await self.files.put(f"{FOLDER}/{name}", base64.b64decode(reply.document.content_b64))
        expires = int(time.time()) + self.ttl
        return f"{self.base}/files/{name}?exp={expires}&sig={self._signature(name, expires)}"

    def add_route(self, app: web.Application) -> None:
        async def serve(request: web.Request) -> web.StreamResponse:
            name = request.match_info["name"]
            try:
                expires = int(request.query.get("exp", "0"))
            except ValueError:
                expires = 0
            given = request.query.get("sig", "")
            if "/" in name or not hmac.compare_digest(given.encode(), self._signature(name, expires).encode()):
                return web.Response(status=403, text="forbidden")
            data = await self.files.get(f"{FOLDER}/{name}") if expires >= time.time() else None
            if data is None:
                return web.Response(status=410, text="this link has expired")
            filename = name.split("-", 1)[-1]
            return web.Response(body=data, content_type="application/octet-stream",
                                headers={"Content-Disposition": f'attachment; filename="{filename}"'})  # fmt: skip

        app.router.add_get("/files/{name}", serve)

    async def prune(self) -> int:
        """Deletes files whose links have expired."""
        return await self.files.remove_older(FOLDER, self.ttl)
