"""*Thông báo* in the web console: compose an announcement, choose its audience — counted before anything is sent —,
send it through the outbox at bulk priority, follow its receipts and send it again to those who have not
acknowledged. The same ``broadcasts`` functions and audit lines as ``/thongbao`` in the chat; a person sees and
follows only the announcements they sent (admins: all)."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select
from yarl import URL

from bot.i18n import N_
from bot.registry import Registry
from bot.web.console import NotFound, Page, WebCtx, WebPage, see_other
from handlers.announcements import broadcasts
from handlers.announcements.chat import MAX_TEXT
from storage import audit
from storage.models import Broadcast
from storage.people import Role
from storage.text import record_id
from storage.units import level_choices

LISTED = 20


def _choices(ctx: WebCtx) -> dict[str, list[tuple[str, str]]]:
    return {"roles": [(broadcasts.EVERY, ctx.t("Everyone")), (Role.OFFICER.value, ctx.t("Officers")),
                      (Role.SUPERVISOR.value, ctx.t("Supervising officers"))]}  # fmt: skip


def _visible(ctx: WebCtx) -> object:
    return True if ctx.person.role == Role.ADMIN.value else Broadcast.sender_id == ctx.person.id


async def announcements_page(ctx: WebCtx) -> Page:
    """The form; with "Đếm người nhận" the audience counted, and the button that sends; one's latest announcements."""
    text = ctx.query.get("noidung", "").strip()[:MAX_TEXT]
    level, role = ctx.query.get("cap", broadcasts.EVERY)[:32], ctx.query.get("vaitro", broadcasts.EVERY)[:32]
    counted = None
    if ctx.query.get("dem") and text:
        targets = await broadcasts.recipients(ctx.session, broadcasts.audience_of(ctx.person, level, role))
        counted = {"total": len(targets), "reachable": sum(1 for target in targets if target.identity is not None)}
    sent = (await ctx.session.scalars(
        select(Broadcast).where(_visible(ctx)).order_by(Broadcast.id.desc()).limit(LISTED)  # type: ignore[arg-type]
    )).all()  # fmt: skip
    return Page("announcements.html", {
        "text": text, "level": level, "role": role, "counted": counted, "sent": sent,
        "levels": [(broadcasts.EVERY, ctx.t("All units"))] + [(code, label) for code, label, _ in
                                                                await level_choices(ctx.session, ctx.i18n)],
        "notice": ctx.query.get("thongbao", ""), **_choices(ctx),
    }, N_("Notices to officers"))  # fmt: skip


async def send_announcement(ctx: WebCtx) -> web.StreamResponse:
    text = ctx.form.get("noidung", "").strip()
    if not text or len(text) > MAX_TEXT:
        notice = ctx.t("Please write the announcement (up to 3,000 characters).")
        return see_other(str(URL("/web/thongbao").with_query({"thongbao": notice})))
    audience = broadcasts.audience_of(ctx.person, ctx.form.get("cap"), ctx.form.get("vaitro"))
    targets = await broadcasts.recipients(ctx.session, audience)
    sent = await broadcasts.send(ctx.session, audience, targets, text, None, sender_id=ctx.person.id,
                                 sender_label=ctx.person.full_name, now=ctx.now)  # fmt: skip
    audit.record(ctx.session, "broadcast.sent", actor=ctx.person, object_type="broadcast", object_id=sent.id,
                 recipients=len(targets), channel="web")  # fmt: skip
    return see_other(f"/web/thongbao/xem?id={sent.id}")


async def _mine(ctx: WebCtx, raw: str) -> Broadcast:
    found = record_id(raw)
    broadcast = await ctx.session.get(Broadcast, found) if found is not None else None
    if broadcast is None or (broadcast.sender_id != ctx.person.id and ctx.person.role != Role.ADMIN.value):
        raise NotFound
    return broadcast


async def announcement_page(ctx: WebCtx) -> Page:
    broadcast = await _mine(ctx, ctx.query.get("id", ""))
    return Page("announcement.html", {
        "broadcast": broadcast, "status": await broadcasts.status(ctx.session, broadcast.id),
        "notice": ctx.query.get("thongbao", ""),
    }, N_("Notices to officers"))  # fmt: skip


async def resend_announcement(ctx: WebCtx) -> web.StreamResponse:
    broadcast = await _mine(ctx, ctx.form.get("id", ""))
    count = await broadcasts.resend(ctx.session, broadcast.id, ctx.now)
    audit.record(ctx.session, "broadcast.resent", actor=ctx.person, object_type="broadcast", object_id=broadcast.id,
                 recipients=count, channel="web")  # fmt: skip
    notice = ctx.t("Sent again to {count} people.", count=count)
    return see_other(str(URL("/web/thongbao/xem").with_query({"id": broadcast.id, "thongbao": notice})))


def register(registry: Registry) -> None:
    registry.web_pages += [
        WebPage("thongbao", announcements_page, menu=N_("Notices to officers"), rank=38),
        WebPage("thongbao/gui", send_announcement, method="POST"),
        WebPage("thongbao/xem", announcement_page),
        WebPage("thongbao/nhaclai", resend_announcement, method="POST"),
    ]
