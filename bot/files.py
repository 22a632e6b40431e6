"""Where the bot keeps files: photos it had to download (Zalo's links expire) and generated files behind download
links. On this machine's disk under ``CAUNOI_DATA_DIR`` by default; on an S3-compatible object store when
``CAUNOI_S3_BUCKET`` is set, so that every worker of a cluster sees the same files and any of them can serve a link
another made. Keys are paths such as ``media/<sha256>.jpg`` and ``downloads/<name>``."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any, Protocol

from bot.config import Settings


class FileStore(Protocol):
    async def put(self, key: str, data: bytes) -> None: ...

    async def get(self, key: str) -> bytes | None: ...

    async def remove_older(self, prefix: str, seconds: float) -> int:
        """Removes the files under ``prefix`` written more than ``seconds`` ago; returns how many."""
        ...

    async def close(self) -> None: ...


def file_store(settings: Settings) -> FileStore:
    if settings.s3_bucket:
        return ObjectStore(settings)
    return LocalFiles(settings.data_dir)


class LocalFiles:
    """Files under one folder of this machine (the embedded default)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise ValueError("a file key must stay inside the data folder")
        return path

    async def put(self, key: str, data: bytes) -> None:
        path = self._path(key)

        def write() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)

        await asyncio.to_thread(write)

    async def get(self, key: str) -> bytes | None:
        path = self._path(key)
        return await asyncio.to_thread(lambda: path.read_bytes() if path.is_file() else None)

    async def remove_older(self, prefix: str, seconds: float) -> int:
        folder = self._path(prefix)

        def remove() -> int:
            if not folder.is_dir():
                return 0
            cutoff, removed = time.time() - seconds, 0
            for path in folder.iterdir():
                if path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink(missing_ok=True)
                    removed += 1
            return removed

        return await asyncio.to_thread(remove)

    async def close(self) -> None:
        return None


class ObjectStore:
    """An S3-compatible bucket (AWS S3, MinIO, Ceph, a province's own), through aioboto3; one client per process,
    opened on first use. Credentials come from ``CAUNOI_S3_*`` or, when those are unset, botocore's usual chain
    (the environment, an instance role)."""

    def __init__(self, settings: Settings) -> None:
        self.bucket = settings.s3_bucket or ""
        self.prefix = settings.s3_prefix
        secret = settings.s3_secret_access_key
        self.options: dict[str, Any] = {
            "endpoint_url": settings.s3_endpoint_url,
            "region_name": settings.s3_region,
            "aws_access_key_id": settings.s3_access_key_id,
            "aws_secret_access_key": secret.get_secret_value() if secret else None,
        }
        self._stack = AsyncExitStack()
        self._client: Any = None
        self._opening = asyncio.Lock()

    async def _s3(self) -> Any:
        async with self._opening:
            if self._client is None:
                import aioboto3
                from aiobotocore.config import AioConfig

                config = AioConfig(connect_timeout=5, read_timeout=60, retries={"max_attempts": 3, "mode": "standard"})
                client = aioboto3.Session().client("s3", config=config, **self.options)
                self._client = await self._stack.enter_async_context(client)
        return self._client

    async def put(self, key: str, data: bytes) -> None:
        await (await self._s3()).put_object(Bucket=self.bucket, Key=self.prefix + key, Body=data)

    async def get(self, key: str) -> bytes | None:
        s3 = await self._s3()
        try:
            answer = await s3.get_object(Bucket=self.bucket, Key=self.prefix + key)
        except s3.exceptions.NoSuchKey:
            return None
        async with answer["Body"] as body:
            return await body.read()

    async def remove_older(self, prefix: str, seconds: float) -> int:
        s3, cutoff, removed = await self._s3(), time.time() - seconds, 0
        async for keys in self._old_keys(s3, self.prefix + prefix, cutoff):
            await s3.delete_objects(Bucket=self.bucket, Delete={"Objects": [{"Key": key} for key in keys]})
            removed += len(keys)
        return removed

    async def _old_keys(self, s3: Any, prefix: str, cutoff: float) -> AsyncIterator[list[str]]:
        """Keys written before ``cutoff``, a page (at most 1,000, what one delete takes) at a time."""
        async for page in s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            keys = [item["Key"] for item in page.get("Contents", []) if item["LastModified"].timestamp() < cutoff]
            if keys:
                yield keys

    async def close(self) -> None:
        await self._stack.aclose()
        self._client = None
