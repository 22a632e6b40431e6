"""The catalogue of activity kinds as the chat offers it: full names for summaries, short ones on a phone's choice
screen, the unit's usual kinds first; cached across updates (edits reach running bots within KINDS_TTL_SECONDS)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from bot.context import Ctx
from bot.i18n import I18n
from storage import activities

KINDS_TTL_SECONDS = 30


async def kind_names(ctx: Ctx, i18n: I18n) -> list[tuple[str, str, str]]:
    """(code, full name, short name) in the person's language; the catalogue is cached across updates."""

    async def load() -> list[tuple[str, str, str, str | None, str | None]]:
        return [(kind.code, kind.name_vi, kind.name_en, kind.short_vi, kind.short_en)
                for kind in await activities.active_kinds(ctx.session)]  # fmt: skip

    kinds = await ctx.services.memo("activity_kinds", KINDS_TTL_SECONDS, load)
    vi = i18n.language == "vi"
    return [(code, (name_vi if vi else name_en), ((short_vi if vi else short_en) or (name_vi if vi else name_en)))
            for code, name_vi, name_en, short_vi, short_en in kinds]  # fmt: skip


async def kinds_source(ctx: Ctx, i18n: I18n) -> Sequence[tuple[str, str]]:
    """Kinds by their full names, as summaries and periodic reports print them."""
    return [(code, name) for code, name, _short in await kind_names(ctx, i18n)]


async def kind_choices(ctx: Ctx, i18n: I18n) -> Sequence[tuple[str, ...]]:
    """The form's choice: short names on the screen, the full name's words still typeable ("bảo vệ chủ quyền"), the
    kinds the unit reported most in the last year first (the list is shown a page at a time)."""
    kinds = [(code, short, name) for code, name, short in await kind_names(ctx, i18n)]
    unit_id = ctx.person.unit_id if ctx.person else None
    if unit_id is None:
        return kinds

    async def load() -> dict[str, int]:
        return await activities.kinds_used(ctx.session, unit_id, ctx.today - timedelta(days=365))

    used = await ctx.services.memo(f"kinds_used:{unit_id}", KINDS_TTL_SECONDS, load)
    order = {code: position for position, (code, _, _) in enumerate(kinds)}
    return sorted(kinds, key=lambda kind: (-used.get(kind[0], 0), order[kind[0]]))
