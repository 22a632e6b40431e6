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
