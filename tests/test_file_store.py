"""Files off the box: with ``CAUNOI_S3_*`` set, download files and kept photos live in an S3-compatible bucket — here
moto's S3 server over real HTTP — so a link one worker made is served by another, expired files are removed, and a
store that cannot be reached loses no update."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.app import App
from bot.config import Settings
from bot.downloads import Downloads
from bot.engine.events import Attachment, Inbound
from bot.engine.replies import Document, Reply
from bot.files import LocalFiles, ObjectStore, file_store
from tests.helpers import free_port

KEYS = {"s3_access_key_id": "test-key", "s3_region": "us-east-1"}


@pytest.fixture(scope="module")
def s3_url() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def bucket_client(url: str) -> Any:
    return boto3.client("s3", endpoint_url=url, aws_access_key_id="test-key", aws_secret_access_key="test-secret",
                        region_name="us-east-1")  # fmt: skip


@pytest.fixture
def bucket(s3_url: str) -> str:
    name = f"caunoi-{uuid.uuid4().hex[:12]}"
    bucket_client(s3_url).create_bucket(Bucket=name)
    return name


def s3_settings(tmp: Path, url: str, bucket: str, **extra: Any) -> Settings:
    return Settings(_env_file=None, data_dir=tmp, s3_bucket=bucket, s3_endpoint_url=url,  # type: ignore[call-arg]
                    s3_secret_access_key="test-secret", public_url="https://caunoi.example.vn",
                    link_secret="0123456789abcdef0123", **KEYS, **extra)  # fmt: skip


def keys_in(url: str, bucket: str) -> list[str]:
    return [item["Key"] for item in bucket_client(url).list_objects_v2(Bucket=bucket).get("Contents", [])]


async def serving(downloads: Downloads) -> TestClient[Any, Any]:
    site = web.Application()
    downloads.add_route(site)
    client = TestClient(TestServer(site))
    await client.start_server()
    return client


async def test_a_link_one_worker_made_is_served_by_another(tmp_path: Path, s3_url: str, bucket: str) -> None:
    first, second = s3_settings(tmp_path / "a", s3_url, bucket), s3_settings(tmp_path / "b", s3_url, bucket)
    store_a, store_b = file_store(first), file_store(second)
    assert isinstance(store_a, ObjectStore)
    data = b"PK\x03\x04 a workbook" * 1000
    reply = Reply(text="", document=Document("tổng hợp 48.xlsx", base64.b64encode(data).decode(), "Bảng"))
    link = await Downloads(first, store_a).link(reply)
    assert link is not None and link.startswith("https://caunoi.example.vn/files/")
    (key,) = keys_in(s3_url, bucket)
    assert key.startswith("caunoi/downloads/") and key.endswith("-t_ng_h_p_48.xlsx")
    assert not (tmp_path / "a").exists()  # nothing on the worker's disk
    downloads_b = Downloads(second, store_b)
    client = await serving(downloads_b)
    try:
        path = link.removeprefix("https://caunoi.example.vn")
        answer = await client.get(path)
        assert answer.status == 200 and await answer.read() == data
        assert "attachment" in answer.headers["Content-Disposition"]
        assert (await client.get(path.replace("sig=", "sig=0"))).status == 403
        assert await downloads_b.prune() == 0  # the link is still valid
        downloads_b.ttl = -1  # as if its lifetime had passed
        assert await downloads_b.prune() == 1 and keys_in(s3_url, bucket) == []
        assert (await client.get(path)).status == 410
    finally:
        await client.close()
        await store_a.close()
        await store_b.close()


async def test_a_zalo_photo_is_kept_in_the_bucket(tmp_path: Path, s3_url: str, bucket: str) -> None:
    app = App(s3_settings(tmp_path, s3_url, bucket), database_url=f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}")
    photo = b"\xff\xd8\xff\xe0 a photo of the meeting"

    async def fetch(attachment: Attachment) -> bytes:
        return photo

    app.pipeline.photo_fetchers["zalo"] = fetch
    try:
        event = Inbound("zalo", "u1", "u1", "k1", photo="https://zalo.example/expiring-link")
        kept = await app.pipeline._keep_photo(event)
        assert kept.photo is not None and kept.photo.startswith("media:")
        name = kept.photo.removeprefix("media:")
        assert keys_in(s3_url, bucket) == [f"caunoi/media/{name}"]
        assert await app.files.get(f"media/{name}") == photo and not (tmp_path / "media").exists()
    finally:
        await app.close()


async def test_an_unreachable_store_keeps_the_photo_link_and_loses_nothing(tmp_path: Path) -> None:
    settings = s3_settings(tmp_path, f"http://127.0.0.1:{free_port()}", "nowhere")
    app = App(settings, database_url=f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}")

    async def fetch(attachment: Attachment) -> bytes:
        return b"\xff\xd8 photo"

    app.pipeline.photo_fetchers["zalo"] = fetch
    try:
        event = Inbound("zalo", "u1", "u1", "k1", photo="https://zalo.example/expiring-link")
        assert (await app.pipeline._keep_photo(event)).photo == "https://zalo.example/expiring-link"
    finally:
        await app.close()


async def test_the_local_default_keeps_files_under_the_data_folder(tmp_path: Path) -> None:
    store = file_store(Settings(_env_file=None, data_dir=tmp_path))  # type: ignore[call-arg]
    assert isinstance(store, LocalFiles)
    await store.put("downloads/x.xlsx", b"data")
    assert (tmp_path / "downloads" / "x.xlsx").read_bytes() == b"data" and await store.get("downloads/x.xlsx")
    assert await store.get("downloads/missing") is None
    with pytest.raises(ValueError):
        await store.put("../outside", b"no")
    assert await store.remove_older("downloads", -1) == 1
