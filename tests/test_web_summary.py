"""*Tổng hợp* in the web console over real HTTP, on both databases: a city supervisor reads the figures of the
half-year for the city (what the two communes reported), another period and a commune of the city; asks for the
Word draft, which the background job makes and the outbox sends to the supervisor's chat, after one progress
message. Refused: a unit outside one's scope (404), a period not begun or not a period (a notice), a format that is
not one (404), and a person with no messenger the bot can reach (a notice, no job)."""

from __future__ import annotations

import re

from sqlalchemy import func, select, update

from storage.models import BackgroundJob, ChannelIdentity
from tests.helpers import DA_NANG, TAM_KY
from tests.test_background_jobs import files_in_outbox, outbox_rows
from tests.test_data_api import Season
from tests.web_client import Console, token_in


async def test_figures_and_files_for_a_subtree_and_period(reporting: Season) -> None:
    app, _clock, people = reporting
    async with Console(app) as city, Console(app) as commune:
        assert await city.sign_in(token_in(await people["tinh"].say("/web"))) == 303
        assert await commune.sign_in(token_in(await people["hv"].say("/web"))) == 303
        _, page, _ = await city.request("GET", "/web/tonghop")
        assert "Thành phố Đà Nẵng — 6 tháng đầu năm 2026" in page
        assert re.search(r"<th>Số hoạt động</th><td>2</td>", page) and "Phường Tam Kỳ" in page
        _, page, _ = await city.request("GET", f"/web/tonghop?donvi={TAM_KY}&ky=2026-06")
        assert re.search(r"<th>Số hoạt động</th><td>1</td>", page) and "Phường Hải Vân" not in page
        for period in ("2027", "H1", "'; drop table units"):
            _, page, _ = await city.request("GET", f"/web/tonghop?ky={period}")
            assert "Vui lòng ghi kỳ" in page
        assert (await commune.request("GET", f"/web/tonghop?donvi={DA_NANG}"))[0] == 404

        csrf = await city.csrf("/web/tonghop")
        assert (await city.request("POST", "/web/tonghop/tep", csrf=csrf, ky="2026-H1", format="exe"))[0] == 404
        _, _, response = await city.request("POST", "/web/tonghop/tep", csrf=csrf, ky="2026-H1", format="docx")
        assert "sẽ được gửi vào cuộc trò chuyện Console" in (await city.request("GET", response.headers["Location"]))[1]
    await app.worker.drain()
    assert "Đang tạo tệp… 0 %" in "\n".join(people["tinh"].out)
    assert await app.jobs.drain() == 1
    assert any(name.endswith(".docx") for name in files_in_outbox(await outbox_rows(app)))
    await app.worker.drain()
    assert "Đã tạo xong tệp" in "\n".join(people["tinh"].out)

    async with Console(app) as city:
        assert await city.sign_in(token_in(await people["tinh"].say("/web"))) == 303
        async with app.db.transaction() as session:  # no messenger the bot can reach: nothing is queued
            await session.execute(update(ChannelIdentity).values(unreachable_at=app.clock()))
        _, _, response = await city.request("POST", "/web/tonghop/tep", csrf=await city.csrf("/web/tonghop"),
                                            ky="2026-H1", format="png")  # fmt: skip
        assert "mở bot trên Telegram hoặc Zalo" in (await city.request("GET", response.headers["Location"]))[1]
    async with app.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(BackgroundJob)) == 1


async def test_files_offered_on_the_page_for_their_person_only(reporting: Season) -> None:
    """ "Tải về tại đây": the job makes the workbook into the file store, sends nothing to the chat, and the page
    offers it (looking again by itself until it is ready) to the person who asked — to nobody else — with each
    download audited; a file past its day, or removed from the store, is 404."""
    from datetime import timedelta

    from storage.models import AuditEntry

    app, clock, people = reporting
    async with Console(app) as city, Console(app) as other:
        assert await city.sign_in(token_in(await people["tinh"].say("/web"))) == 303
        assert await other.sign_in(token_in(await people["hv"].say("/web"))) == 303
        csrf = await city.csrf("/web/tonghop")
        before = len(await outbox_rows(app))
        _, _, response = await city.request("POST", "/web/tonghop/tep", csrf=csrf, ky="2026-H1", format="xlsx",
                                            to="web")  # fmt: skip
        _, page, _ = await city.request("GET", response.headers["Location"])
        assert "hiện ở dưới để tải về" in page and "Đang tạo… 0 %" in page
        assert '<meta http-equiv="refresh" content="5">' in page
        assert await app.jobs.drain() == 1
        assert len(await outbox_rows(app)) == before  # no progress message, no file: nothing for the chat
        _, page, _ = await city.request("GET", "/web/tonghop?ky=2026-H1")
        assert 'http-equiv="refresh"' not in page
        link = re.search(r'href="(/web/tonghop/tai\?job=(\d+)&amp;tep=0)">(tong-hop-48-2026-H1\.xlsx)</a>', page)
        assert link is not None
        path = link.group(1).replace("&amp;", "&")
        status, _, response = await city.request("GET", path)
        assert status == 200 and response.body[:2] == b"PK"  # type: ignore[attr-defined]
        assert 'filename="tong-hop-48-2026-H1.xlsx"' in response.headers["Content-Disposition"]
        assert (await other.request("GET", path))[0] == 404  # another supervisor's download: not theirs
        assert (await city.request("GET", path.replace("tep=0", "tep=1")))[0] == 404
        async with app.db.transaction() as session:  # asked for 25 hours ago
            await session.execute(update(BackgroundJob).values(created_at=clock() - timedelta(hours=25)))
        assert (await city.request("GET", path))[0] == 404  # past its day
    async with app.db.transaction() as session:
        audited = (await session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("export.%")))).all()
    assert sorted(audited) == ["export.downloaded", "export.summary"]
