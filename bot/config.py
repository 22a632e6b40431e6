"""Every setting, read once at start-up from ``CAUNOI_*`` environment variables (and an optional ``.env``)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime configuration; constructed by the CLI and passed down, never read at import time."""

    model_config = SettingsConfigDict(env_prefix="CAUNOI_", env_file=".env", extra="ignore")

    data_dir: Path = Path("data")
    database_url: str | None = None
    database_pool_size: int = 10
    pgbouncer: bool = False  # the database URL is PgBouncer's, in transaction mode
    log_level: str = "INFO"
    log_format: str = "text"  # or "json": one JSON object per line
    default_language: str = "vi"
    timezone: str = "Asia/Ho_Chi_Minh"

    telegram_bot_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    telegram_bot_username: str | None = None
    telegram_rate_per_second: float = 25.0
    telegram_chat_rate_per_second: float = 1.0
    telegram_chat_burst: int = 3  # a private chat takes about one message a second; a short burst of three passes

    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "127.0.0.1"
    webhook_port: int = 8080
    webhook_path: str = "/telegram/webhook"
    health_server: bool = False  # serve /healthz and /metrics in polling mode too
    delivery: bool = True  # this worker sends the outbox (one per database, or any number with redis_url)
    redis_url: str | None = None  # one platform budget shared by every worker that sends
    redis_prefix: str = "caunoi"  # two bots (two platform accounts) on one Redis need two prefixes
    metrics_token: SecretStr | None = None
    api_rate_per_minute: int = Field(default=120, ge=1)  # data API calls a person's tokens may make, per worker
    api_burst: int = Field(default=60, ge=1)  # … of which this many at once

    data_key: SecretStr | None = None

    zalo_bot_token: SecretStr | None = None
    zalo_api_url: str = "https://bot-api.zaloplatforms.com"
    zalo_webhook_url: str | None = None
    zalo_webhook_secret: SecretStr | None = None
    zalo_webhook_path: str = "/zalo/webhook"
    zalo_rate_per_second: float = 10.0
    zalo_chat_rate_per_second: float = 1.0
    zalo_chat_burst: int = 5

    public_url: str | None = None
    s3_bucket: str | None = None  # set: photos and download files in this S3-compatible bucket (bot.files)
    s3_endpoint_url: str | None = None  # MinIO, Ceph or another S3-compatible server; unset: AWS
    s3_region: str | None = None
    s3_access_key_id: str | None = None
    s3_secret_access_key: SecretStr | None = None
    s3_prefix: str = "caunoi/"
    link_secret: SecretStr | None = None
    link_ttl_hours: int = 24
    notify_every_messenger: bool = False

    invite_ttl_hours: int = 168
    invite_max_failures: int = 5
    invite_lockout_minutes: int = 15

    reminder_hours: tuple[int, int] = (7, 21)
    reminder_sweep_seconds: int = 60

    clock_start: datetime | None = None

    outbox_max_attempts: int = 10
    job_concurrency: int = Field(default=2, ge=1, le=16)  # background jobs (files) one worker makes at once
    job_lease_seconds: int = Field(default=60, ge=2)  # a job whose worker died is made again after this
    processed_update_retention_days: int = 14
    correction_days: int = 7  # a sent activity report may be corrected by its reporter this many days (0: never)

    @field_validator("log_format")
    @classmethod
    def _known_log_format(cls, value: str) -> str:
        if value not in ("text", "json"):
            raise ValueError("CAUNOI_LOG_FORMAT must be 'text' or 'json'")
        return value

    @field_validator("default_language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if value not in ("vi", "en"):
            raise ValueError("CAUNOI_DEFAULT_LANGUAGE must be 'vi' or 'en'")
        return value

    @property
    def effective_database_url(self) -> str:
        """The configured URL, or a SQLite file in the data directory (created on demand)."""
        return self.database_url or self.sqlite_url("caunoi.sqlite3")

    def sqlite_url(self, filename: str) -> str:
        """A SQLite database file in the data directory (created on demand)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite+aiosqlite:///{(self.data_dir / filename).resolve()}"
