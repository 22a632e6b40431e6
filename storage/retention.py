"""How long what is temporary is kept, enforced: every housekeeping pass removes what has outlived its schedule.

| what | kept | then |
|---|---|---|
| an unfinished form (draft) | 30 days after its last answer | emptied |
| a checked workbook waiting to be imported | 2 days | its rows removed, marked expired |
| a workbook's rows once imported or cancelled | until the next pass | removed (the counts stay in the audit log) |
| a plan draft not published | 30 days | its text and reading removed, marked discarded |
| a messenger link code | until used or expired | removed |
| a web console sign-in link | until used or expired | removed |
| a web console session | until it ends (signed out, revoked, 30 minutes idle or 12 hours) and 30 days more | removed |
| a data API token | until revoked or expired (365 days), or its person leaves, and 30 days more | removed |
| a message's text | until delivered, given up, or its person unreachable | emptied (``storage.outbox``) |
| processed-update keys | ``CAUNOI_PROCESSED_UPDATE_RETENTION_DAYS`` (14) | removed (``storage.conversations``) |
| generated files behind download links | their link's lifetime | removed (``bot.downloads``) |
| a finished background job (what was made, for whom; no file) | 30 days | removed (``storage.jobs``) |
| a file made for the web console's download (a summary) | 24 hours | removed (``bot.runtime`` housekeeping) |

A message's row stays, without its text (ids, status and timing: receipts and metrics). Records of the register,
reports and the audit log are not temporary: they are kept until erased on request
(``/kieubao xoa``) or by the unit's own decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ApiToken, Conversation, LinkCode, OverseasImport, Plan, WebLink, WebSession

DRAFT_DAYS = 30
STAGED_IMPORT_DAYS = 2
PLAN_DRAFT_DAYS = 30
WEB_SESSION_DAYS = 30  # an ended session is kept this long, for "who was signed in" questions


@dataclass
class Swept:
    drafts: int = 0
    imports: int = 0
    plans: int = 0
    link_codes: int = 0

    def total(self) -> int:
        return self.drafts + self.imports + self.plans + self.link_codes


async def sweep(session: AsyncSession, now: datetime) -> Swept:
    """One pass of every schedule above; cheap when there is nothing to remove."""
    swept = Swept()
    stale = now - timedelta(days=DRAFT_DAYS)
    swept.drafts = (await session.execute(
        update(Conversation).where(Conversation.flow.is_not(None), Conversation.updated_at < stale)
        .values(flow=None, state={}, updated_at=now)
    )).rowcount  # fmt: skip
    expired = await session.execute(
        update(OverseasImport)
        .where(
            OverseasImport.status.in_(("checked", "importing")),
            OverseasImport.created_at < now - timedelta(days=STAGED_IMPORT_DAYS),
        )
        .values(status="expired", rows=[])
    )
    finished = await session.execute(
        update(OverseasImport)
        .where(OverseasImport.status.not_in(("checked", "importing")), func.json_array_length(OverseasImport.rows) > 0)
        .values(rows=[])
    )
    swept.imports = expired.rowcount + finished.rowcount
    swept.plans = (await session.execute(
        update(Plan).where(Plan.status == "draft", Plan.created_at < now - timedelta(days=PLAN_DRAFT_DAYS))
        .values(status="discarded", body="", structure={})
    )).rowcount  # fmt: skip
    discarded = await session.execute(
        update(Plan).where(Plan.status == "discarded", Plan.body != "").values(body="", structure={})
    )
    swept.plans += discarded.rowcount
    swept.link_codes = (await session.execute(
        delete(LinkCode).where(or_(LinkCode.used_at.is_not(None), LinkCode.expires_at < now))
    )).rowcount  # fmt: skip
    swept.link_codes += (await session.execute(
        delete(WebLink).where(or_(WebLink.used_at.is_not(None), WebLink.expires_at < now))
    )).rowcount  # fmt: skip
    ended = now - timedelta(days=WEB_SESSION_DAYS)
    swept.link_codes += (await session.execute(
        delete(WebSession).where(or_(WebSession.revoked_at < ended, WebSession.expires_at < ended,
                                     WebSession.last_seen_at < ended))
    )).rowcount  # fmt: skip
    swept.link_codes += (await session.execute(
        delete(ApiToken).where(or_(ApiToken.revoked_at < ended, ApiToken.expires_at < ended))
    )).rowcount  # fmt: skip
    return swept
