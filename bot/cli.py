"""The ``caunoi`` command: run the bot, the console demo, migrations, and every area's verbs from the registry."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.app import App, build_registry
from bot.config import Settings
from bot.log_format import JsonFormatter
from bot.registry import CliVerb, Registry
from storage.types import start_clock_at, utcnow


def _parser(registry: Registry) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="caunoi", description="Cầu Nối: reporting bot for the Fatherland Front")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the bot on Telegram and/or Zalo (polling, or webhooks when their URLs are set)")
    demo = sub.add_parser("demo", help="chat with the bot in this terminal (no token needed)")
    demo.add_argument("--reset", action="store_true", help="start from an empty demo database")
    db = sub.add_parser("db", help="database schema").add_subparsers(dest="action", required=True)
    db.add_parser("upgrade", help="apply all migrations")
    datakey = sub.add_parser("datakey", help="the key that encrypts notes").add_subparsers(dest="action", required=True)
    datakey.add_parser("new", help="print a new key for CAUNOI_DATA_KEY")
    saved = sub.add_parser("backup", help="copy the SQLite database while the bot runs (PostgreSQL: pg_dump)")
    saved.add_argument("--output", type=Path, help="the backup file (default: DATA_DIR/backups/caunoi-DATE.sqlite3)")
    restored = sub.add_parser("restore", help="copy a SQLite backup into a new database file")
    restored.add_argument("file", type=Path)
    restored.add_argument("--into", type=Path, required=True, help="the new database file (must not exist)")
    audit = sub.add_parser("audit", help="the audit log").add_subparsers(dest="action", required=True)
    audit.add_parser("verify", help="walk the audit log's hash chain; exit 1 if a row was removed or altered")
    groups = {name: sub.add_parser(name, help=text).add_subparsers(dest="action", required=True)
              for name, text in registry.cli_groups.items()}  # fmt: skip
    for verb in registry.cli_verbs.values():  # each area's verbs (handlers/<area>/cli.py)
        verb_parser = groups[verb.group].add_parser(verb.action, help=verb.help)
        if verb.arguments is not None:
            verb.arguments(verb_parser)
        verb_parser.set_defaults(verb=verb)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser(build_registry()).parse_args(argv)
    settings = Settings()
    start_clock_at(settings.clock_start)
    text_format = "%(asctime)s %(levelname)s %(name)s: %(message)s"
    if args.command == "demo":  # the terminal is the chat: logs go to a file, never into the conversation
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(settings.data_dir / "demo.log")
    else:
        handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else logging.Formatter(text_format))
    logging.basicConfig(level=settings.log_level.upper(), handlers=[handler])
    if logging.getLogger().level > logging.DEBUG:  # a line per migration step on every command is noise
        logging.getLogger("alembic").setLevel(logging.WARNING)
    keep_data_out_of_logs()
    try:
        return asyncio.run(_dispatch(args, settings)) or 0
    except ValueError as error:
        print(f"caunoi: {error}", file=sys.stderr)
        return 2


DATA_LOGGERS = ("aiosqlite", "sqlalchemy.engine", "sqlalchemy.pool", "asyncpg", "aiogram.event")


def keep_data_out_of_logs() -> None:
    """Libraries that log SQL parameters or whole updates at DEBUG (names, phone numbers, notes) stay at INFO, even
    when CAUNOI_LOG_LEVEL=DEBUG: nothing personal is written to a log at any level."""
    for name in DATA_LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(max(logger.getEffectiveLevel(), logging.INFO))


async def _dispatch(args: argparse.Namespace, settings: Settings) -> int | None:
    if args.command == "run":
        from bot.runtime import run_bot

        await run_bot(settings)
        return 0
    if args.command == "demo":
        return await _demo(settings, reset=args.reset)
    if args.command in ("backup", "restore"):
        return await _backup_or_restore(args, settings)
    if args.command == "datakey":
        from storage.crypto import new_key

        print(new_key())
        return 0
    verb: CliVerb | None = getattr(args, "verb", None)
    if verb is not None and not verb.database:
        await verb.run(None, args)
        return 0
    app = App(settings)
    try:
        await app.migrate()
        if args.command == "audit":
            return await _verify_audit(app)
        if verb is None:
            print("database is at the latest schema")
        else:
            await verb.run(app, args)
    finally:
        await app.close()
    return 0


async def _backup_or_restore(args: argparse.Namespace, settings: Settings) -> int:
    from storage import backup

    if args.command == "backup":
        database = backup.sqlite_path(settings.effective_database_url)
        target = args.output or settings.data_dir / "backups" / f"caunoi-{utcnow():%Y%m%d-%H%M%S}.sqlite3"
        target.parent.mkdir(parents=True, exist_ok=True)
        size = await asyncio.to_thread(backup.backup, database, target)
        print(f"backup written to {target} ({size / 2**20:.1f} MB); notes stay encrypted: keep CAUNOI_DATA_KEY "
              "apart from it, and safe")  # fmt: skip
        return 0
    await asyncio.to_thread(backup.restore, args.file, args.into)
    url = f"sqlite+aiosqlite:///{args.into.resolve()}"
    app = App(settings, database_url=url)
    try:
        await app.migrate()  # a backup from an older version is brought to the current schema
    finally:
        await app.close()
    print(f"restored into {args.into}; set CAUNOI_DATABASE_URL={url} to use it")
    return 0


async def _verify_audit(app: App) -> int:
    from storage.audit import verify

    async with app.db.transaction() as session:
        found = await verify(session)
    for problem in found.problems[:50]:
        print(f"PROBLEM {problem}")
    print(f"audit log: {found.entries} entries ({found.unchained} from before the chain), "
          f"{len(found.problems)} problem(s); head #{found.head_id}: {found.head or '-'}")  # fmt: skip
    return 1 if found.problems else 0


async def _demo(settings: Settings, *, reset: bool) -> int:
    from bot.channels.console import ConsoleChat, ConsoleSender, interactive
    from bot.demo import DEMO_PEOPLE, prepare_demo

    path = settings.data_dir / "demo.sqlite3"
    if reset:
        _remove_sqlite(path)
    url = settings.database_url or settings.sqlite_url(path.name)
    if settings.data_key is None:  # the demo keeps its own key beside its database, so notes can be tried
        from pydantic import SecretStr

        from storage.crypto import new_key

        key_file = settings.data_dir / "demo.key"
        if reset or not key_file.exists():
            key_file.write_text(new_key() + "\n", encoding="utf-8")
        settings.data_key = SecretStr(key_file.read_text(encoding="utf-8").strip())
    app = App(settings, database_url=url)
    app.add_sender(ConsoleSender(write=lambda _chat, text: print("\n" + text), files=settings.data_dir / "files"))
    try:
        print("Đang chuẩn bị dữ liệu mẫu (tỉnh, xã/phường thật)…", flush=True)
        await prepare_demo(app)
        banner = (
            "Cầu Nối — trò chuyện thử trong cửa sổ dòng lệnh / console demo.\n"
            "Gõ số hoặc chữ để chọn; /baocao báo cáo hoạt động (hoặc viết cả báo cáo trong một tin nhắn); "
            "/kehoach kế hoạch mẫu; /kieubao danh sách kiều bào; '!photo tên.jpg' gửi ảnh; '!file đường/dẫn.xlsx' "
            "gửi tệp; /vai đổi vai (cán bộ xã ↔ cán bộ phụ trách thành phố); /thoat để thoát."
        )
        people = [(ConsoleChat(app, external_id), name) for external_id, name, _role, _unit in DEMO_PEOPLE]
        await interactive(app, people, banner)
    finally:
        await app.close()
    return 0


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
