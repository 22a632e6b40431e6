"""How handlers plug in: commands, forms with their submit functions, option sources, validators and CLI verbs.

Each area of the product (a package under ``handlers/``) adds what it has here in its ``register()``, so adding an
area touches no central file: the chat, the menus, help and ``caunoi GROUP ACTION`` all read this registry."""

from __future__ import annotations

import argparse
import getpass
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.context import Ctx
from bot.engine.forms import Form
from bot.engine.replies import Option
from bot.engine.runner import OptionsSource, Validator
from bot.file_reading import FileReader
from storage.units import Scope

if TYPE_CHECKING:
    from bot.background import JobKind
    from bot.web.api import ApiEndpoint
    from bot.web.console import WebPage
    from storage.crypto import Cipher
    from storage.db import Database


class Runtime(Protocol):
    """What a CLI verb or a background job is given: the running app's database, settings, cipher and clock
    (``bot.app.App`` is one; the protocol keeps the registry below the composition root)."""

    db: Database
    settings: Settings
    cipher: Cipher
    clock: Callable[[], datetime]
    registry: Registry


CommandHandler = Callable[[Ctx, str], Awaitable[None]]
SubmitHandler = Callable[[Ctx, dict[str, Any], dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class Command:
    """``/name``; ``roles`` None means anyone bound to a unit; ``public`` also allows people not yet bound."""

    name: str
    handler: CommandHandler
    description: str
    roles: frozenset[str] | None = None
    public: bool = False
    menu: str | None = None
    aliases: tuple[str, ...] = ()
    menu_rank: int = 100  # menus list commands by rank (then as registered), whichever area adds them
    listed: bool = True  # in Telegram's command menu; False for commands only buttons send

    def allowed(self, role: str | None) -> bool:
        if role is None:
            return self.public
        return self.roles is None or role in self.roles


@dataclass(frozen=True)
class Flow:
    """A form and what to do with its answers once confirmed."""

    form: Form
    on_submit: SubmitHandler
    roles: frozenset[str] | None = None


@dataclass(frozen=True)
class CliVerb:
    """``caunoi GROUP ACTION``: its arguments and what it does. ``run`` gets the migrated app, or ``None`` for
    verbs that need no database (``database=False``: reading a file and printing it)."""

    group: str
    action: str
    help: str
    run: Callable[[Runtime | None, argparse.Namespace], Awaitable[None]]
    arguments: Callable[[argparse.ArgumentParser], None] | None = None
    database: bool = True


@dataclass(frozen=True)
class Periodic:
    """Work the cluster does every ``every(settings)`` seconds, on one worker each time (``bot.runtime``); ``run``
    returns how many messages it queued (the delivery worker is woken when it is more than zero)."""

    name: str
    every: Callable[[Settings], float]
    run: Callable[[Runtime], Awaitable[int]]


MoreLines = Callable[[Ctx, Scope], Awaitable[tuple[list[str], list[tuple[Option, ...]]]]]  # another area's lines


@dataclass
class Registry:
    commands: dict[str, Command] = field(default_factory=dict)
    flows: dict[str, Flow] = field(default_factory=dict)
    options: dict[str, Callable[[Ctx, Any], Awaitable[Sequence[tuple[str, str]]]]] = field(default_factory=dict)
    validators: dict[str, Validator] = field(default_factory=dict)
    text_fallback: Callable[[Ctx, str], Awaitable[bool]] | None = None
    attachments: dict[str, Callable[[Ctx], Awaitable[None]]] = field(default_factory=dict)  # by file suffix
    readers: dict[str, FileReader] = field(default_factory=dict)  # by suffix: run before the transaction opens
    cli_groups: dict[str, str] = field(default_factory=dict)  # group → help
    cli_verbs: dict[tuple[str, str], CliVerb] = field(default_factory=dict)
    periodic: list[Periodic] = field(default_factory=list)
    job_kinds: dict[str, JobKind] = field(default_factory=dict)  # background jobs (files), by name
    samples: list[Callable[[AsyncSession, datetime], Awaitable[None]]] = field(default_factory=list)  # demo data
    typed: list[Callable[[Ctx, str], Awaitable[bool]]] = field(default_factory=list)  # words outside forms: "xong 2"
    photos: list[Callable[[Ctx, str, str | None], Awaitable[bool]]] = field(default_factory=list)  # (ref, caption)
    web_pages: list[WebPage] = field(default_factory=list)  # the web console's pages, by the area owning the data
    api_endpoints: list[ApiEndpoint] = field(default_factory=list)  # the data API's endpoints, likewise
    more_lines: dict[str, list[MoreLines]] = field(default_factory=dict)  # screen ("progress", "todo") → parts

    def add_command(self, command: Command) -> None:
        for name in (command.name, *command.aliases):
            if name in self.commands:
                raise ValueError(f"command /{name} registered twice")
            self.commands[name] = command

    def add_flow(self, flow: Flow) -> None:
        self.flows[flow.form.name] = flow

    def add_lines(self, screen: str, part: MoreLines) -> None:
        """Lines (and buttons) another area adds to a screen: plan tasks on /tiendo ("progress") and /nhacviec
        ("todo"), without the screen's area importing that one."""
        self.more_lines.setdefault(screen, []).append(part)

    def add_periodic(self, periodic: Periodic) -> None:
        self.periodic.append(periodic)

    def add_job_kind(self, kind: JobKind) -> None:
        if kind.name in self.job_kinds:
            raise ValueError(f"job kind {kind.name} registered twice")
        self.job_kinds[kind.name] = kind

    def add_cli_group(self, name: str, help: str) -> None:
        """A group of verbs (``caunoi export …``); areas may share one, and the first to add it names it."""
        self.cli_groups.setdefault(name, help)

    def add_cli(self, verb: CliVerb) -> None:
        if verb.group not in self.cli_groups:
            raise ValueError(f"caunoi {verb.group}: add the group before its verbs")
        if (verb.group, verb.action) in self.cli_verbs:
            raise ValueError(f"caunoi {verb.group} {verb.action} registered twice")
        self.cli_verbs[verb.group, verb.action] = verb

    def menu(self, role: str | None) -> list[Command]:
        seen: list[Command] = []
        for command in self.commands.values():
            if command.menu and command.allowed(role) and command not in seen:
                seen.append(command)
        return sorted(seen, key=lambda command: command.menu_rank)

    def options_source(self, ctx: Ctx) -> OptionsSource:
        async def source(name: str, i18n: Any) -> Sequence[tuple[str, str]]:
            return await self.options[name](ctx, i18n)

        return source


def cli_actor() -> str:
    """Who ran a command-line verb, as the audit log names them."""
    return f"cli:{getpass.getuser()}"
