"""Invites for a whole subtree at once: one spreadsheet with a single-use code (and its Telegram link) for every unit
of a level under a unit — what a province hands its communes on the day it starts. The codes are secrets: they exist
only in the file (their hashes in the database), and making the file is audited."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.i18n import I18n
from handlers.people.onboarding import ROLE_NAMES
from storage import audit
from storage.models import Person, Unit
from storage.people import Role, create_invite, display_code
from storage.text import inert
from storage.types import VIETNAM
from storage.units import Scope, live

MAX_PER_UNIT = 5
MAX_UNITS = 5000  # a province has 3,321 units


def telegram_link(settings: Settings, code: str) -> str:
    """The t.me link that starts the bot with the code filled in ("" without a bot username: Zalo users type it)."""
    return f"https://t.me/{settings.telegram_bot_username}?start={code}" if settings.telegram_bot_username else ""


async def bulk_invites(
    session: AsyncSession, settings: Settings, i18n: I18n, root: Unit, level: str, per_unit: int, role: Role,
    now: datetime, *, actor: Person | None = None, actor_label: str | None = None,
) -> tuple[bytes, int]:  # fmt: skip
    """The workbook and how many codes it holds: ``per_unit`` codes for every unit of ``level`` in ``root``'s
    subtree (``root`` itself when it is of that level)."""
    units = (await session.scalars(
        select(Unit).where(Unit.level == level, Scope(root.id, subtree=True).clause(Unit.id), live())
        .order_by(Unit.parent_id, Unit.name).limit(MAX_UNITS)
    )).all()  # fmt: skip
    ttl = timedelta(hours=settings.invite_ttl_hours)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(i18n.t("Invites")[:31])
    sheet.append([i18n.t("Unit code"), i18n.t("Unit"), i18n.t("Role"), i18n.t("Invite code"), i18n.t("Telegram link"),
                  i18n.t("Valid until")])  # fmt: skip
    count = 0
    for unit in units:
        for _ in range(max(1, min(per_unit, MAX_PER_UNIT))):
            new = await create_invite(session, unit, role, now, ttl, created_by=actor)
            sheet.append([unit.code, inert(unit.name), i18n.t(ROLE_NAMES[role.value]), display_code(new.code),
                          telegram_link(settings, new.code),
                          new.invite.expires_at.astimezone(VIETNAM).replace(tzinfo=None)])  # fmt: skip
            count += 1
    audit.record(session, "invite.bulk", actor=actor, actor_label=actor_label, object_type="unit",
                 object_id=root.code, level=level, role=role.value, codes=count)  # fmt: skip
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), count
