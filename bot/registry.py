"""How handlers plug in: commands, forms with their submit functions, option sources and validators."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.context import Ctx
from bot.engine.forms import Form
from bot.engine.runner import OptionsSource, Validator

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


@dataclass
class Registry:
    commands: dict[str, Command] = field(default_factory=dict)
    flows: dict[str, Flow] = field(default_factory=dict)
    options: dict[str, Callable[[Ctx, Any], Awaitable[Sequence[tuple[str, str]]]]] = field(default_factory=dict)
    validators: dict[str, Validator] = field(default_factory=dict)
    text_fallback: Callable[[Ctx, str], Awaitable[bool]] | None = None
    attachments: dict[str, Callable[[Ctx], Awaitable[None]]] = field(default_factory=dict)  # by file suffix

    def add_command(self, command: Command) -> None:
        for name in (command.name, *command.aliases):
            if name in self.commands:
                raise ValueError(f"command /{name} registered twice")
            self.commands[name] = command

    def add_flow(self, flow: Flow) -> None:
        self.flows[flow.form.name] = flow

    def menu(self, role: str | None) -> list[Command]:
        seen: list[Command] = []
        for command in self.commands.values():
            if command.menu and command.allowed(role) and command not in seen:
                seen.append(command)
        return seen

    def options_source(self, ctx: Ctx) -> OptionsSource:
        async def source(name: str, i18n: Any) -> Sequence[tuple[str, str]]:
            return await self.options[name](ctx, i18n)

        return source
