"""The web console in a real browser (Playwright driving Debian's chromium): a supervisor signs in from a /web link,
filters *Tiến độ*, opens a late unit and reminds it, reminds the late units, returns one report and approves another, downloads the .xlsx, searches
the register and opens a record, uploads a Word plan, corrects a deadline and publishes it — and the officers hear of
it in the chat. ``CAUNOI_SCREENSHOTS=docs`` writes the pages' screenshots there."""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.app import App
from storage.models import Unit
from tests.helpers import HAI_VAN, TAM_KY, Transcript, member
from tests.test_overseas import RECORD, add_record
from tests.test_plan_formats import word_plan
from tests.test_reminders import Clock
from tests.web_client import Console, token_in

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


async def screenshot(page: object, name: str) -> None:
    folder = os.environ.get("CAUNOI_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(Path(folder) / f"web-{name}.png"), full_page=True)  # type: ignore[attr-defined]


async def test_a_supervisor_works_in_the_browser(reporting: tuple[App, Clock, dict[str, Transcript]]) -> None:
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (Debian's package 'chromium'; .ci/run installs it)")
    from playwright.async_api import async_playwright

    app, _clock, people = reporting
    async with app.db.transaction() as session:  # a late commune with an officer who can be reminded
        late = await session.scalar(select(Unit).where(Unit.level == "commune", Unit.code.not_in([TAM_KY, HAI_VAN]))
                                    .order_by(Unit.name))  # fmt: skip
        assert late is not None
    khoa = await member(app, "khoa", unit_code=late.code, name="Vũ Đăng Khoa")
    async with Console(app) as server, async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = await (await browser.new_context(accept_downloads=True, locale="vi-VN",
                                                    viewport={"width": 1100, "height": 800})).new_page()  # fmt: skip
            base = f"http://localhost:{server.port}"
            await page.goto(f"{base}/web/tiendo")
            assert "/web/dangnhap" in page.url and "/web" in await page.inner_text("main")

            await page.goto(f"{base}/web/login/{token_in(await people['tinh'].say('/web'))}")
            await page.click("button[type=submit]")
            await page.wait_for_url("**/web/tiendo")
            assert "Phường Tam Kỳ" in await page.inner_text("#units")
            await page.select_option("#trangthai", "missing")
            await page.click("form.filters button[type=submit]")
            statuses = await page.locator("#units tbody tr td:nth-child(2)").all_inner_texts()
            assert statuses and all(text.startswith("Chưa nộp") for text in statuses)
            await screenshot(page, "tien-do")
            await page.click(f"#units a.unit-link >> text={late.name}")  # open the late unit
            await page.wait_for_selector("#unit-name")
            assert late.name in await page.inner_text("#unit-name") and "Vũ Đăng Khoa" in await page.inner_text(
                "#unit-officers"
            )
            assert "Chưa nộp" in await page.inner_text("table.history")
            await screenshot(page, "don-vi")
            before = len(khoa.out)
            await page.click("button.remind-unit")
            await page.wait_for_selector("#notice")
            assert "Đã nhắc 1 đơn vị" in await page.inner_text("#notice")
            await app.worker.drain()
            assert any("Nhắc việc" in text or "nhắc" in text.lower() for text in khoa.out[before:]), khoa.out[before:]
            await page.go_back()
            await page.go_back()
            await page.click("#remind")
            await page.wait_for_selector(".notice")
            assert "Đã nhắc" in await page.inner_text(".notice")

            await page.click("nav >> text=Duyệt báo cáo")
            await screenshot(page, "duyet")
            reports = page.locator("section.report")
            assert await reports.count() == 2
            first = reports.nth(0)
            await first.locator("textarea[name=comment]").fill("Bổ sung số người tham gia")
            await first.locator("button.secondary").click()
            await page.wait_for_selector("#notice")
            assert "Đã trả lại" in await page.inner_text("#notice")
            await page.locator("section.report").nth(0).locator("form.inline button").click()
            await page.wait_for_selector("#notice")
            assert "Đã duyệt" in await page.inner_text("#notice")
            assert await page.locator("section.report").count() == 0

            await page.click("nav >> text=Hoạt động")  # the list of reported activities
            await page.fill("input[name=q]", "Chỉ thị")
            await page.click("form.filters button[type=submit]")
            assert await page.locator("#activities tbody tr").count() == 2
            await screenshot(page, "hoat-dong")
            async with page.expect_download() as downloading:
                await page.click("#xlsx")
            download = await downloading.value
            sheet = load_workbook(io.BytesIO(Path(await download.path()).read_bytes())).active
            assert sheet is not None and sheet.max_row == 3

            await add_record(people["mai"], RECORD)  # the register: searched without diacritics, one record opened
            await people["mai"].say("xác nhận")
            await page.click("nav >> text=Kiều bào")
            await page.fill("input[name=q]", "nguyen van an")
            await page.click("form.filters button[type=submit]")
            assert await page.locator("#records tbody tr").count() == 1
            await screenshot(page, "kieu-bao")
            await page.click("#records a")
            assert "San Jose" in await page.inner_text("#record")

            await page.click("nav >> text=Kế hoạch")  # a Word plan uploaded, a deadline corrected, published
            await page.set_input_files("#upload input[type=file]", files=[{
                "name": "Kế hoạch đối ngoại 2027.docx", "buffer": word_plan(2027),
                "mimeType": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}])  # fmt: skip
            await page.click("#upload button[type=submit]")
            await page.wait_for_selector("#tasks")
            assert await page.locator("#tasks tbody tr").count() == 3
            await page.locator("#task-2 input[name=ngay]").fill("20/6/2027")  # day first, as in the chat
            await page.locator("#task-2 button").click()
            await page.wait_for_selector("#notice")
            assert "20/6/2027" in await page.inner_text("#notice") and "20/6/2027" in await page.inner_text("#task-2")
            await screenshot(page, "ke-hoach")
            await page.click("#publish")
            await page.wait_for_selector("#followed")
            assert "Đã ban hành kế hoạch" in await page.inner_text("#notice")

            await page.click("nav >> text=Tổng hợp")  # the city's half-year figures
            assert "Thành phố Đà Nẵng" in await page.inner_text("#heading")
            await page.click("#files button[value=xlsx]")  # offered here for download, the default
            assert "Đang tạo" in await page.inner_text("#made")
            assert await app.jobs.drain() == 1
            await page.reload()
            async with page.expect_download() as made:
                await page.click("#made a")
            download = await made.value
            assert download.suggested_filename.endswith(".xlsx")
            assert (Path(await download.path())).read_bytes()[:2] == b"PK"
            await screenshot(page, "tong-hop")
        finally:
            await browser.close()
    await app.worker.drain()
    told = "\n".join(people["mai"].out + people["van"].out)
    assert "Bổ sung số người tham gia" in told and "đã được duyệt" in told
    assert "Gặp mặt kiều bào dịp Tết" in "\n".join(people["mai"].out)  # the plan's task, in the commune's chat


async def test_an_admin_moves_one_officer_and_deactivates_another(
    reporting: tuple[App, Clock, dict[str, Transcript]],
) -> None:
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (Debian's package 'chromium'; .ci/run installs it)")
    from playwright.async_api import async_playwright

    from storage.people import Role
    from tests.helpers import DA_NANG, HAI_VAN, member

    app, _clock, people = reporting
    admin = await member(app, "quan", unit_code=DA_NANG, role=Role.ADMIN, name="Quản Trị")
    async with Console(app) as server, async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = await (await browser.new_context(locale="vi-VN", viewport={"width": 1300, "height": 800})).new_page()
            await page.goto(f"http://localhost:{server.port}/web/login/{token_in(await admin.say('/web'))}")
            await page.click("button[type=submit]")
            await page.click("nav >> text=Cán bộ")
            mai = page.locator("#people tr", has_text="Đỗ Thị Mai")
            await mai.locator("form.move input[name=unit]").fill(HAI_VAN)
            await mai.locator("form.move button").click()
            await page.wait_for_selector("#notice")
            van = page.locator("#people tr", has_text="Phan Văn Vân")
            await van.locator("button", has_text="Ngừng hoạt động").click()
            await page.wait_for_selector("#notice")
            assert "đã ngừng" in await page.locator("#people tr", has_text="Phan Văn Vân").inner_text()
            await screenshot(page, "can-bo")
            await page.click("nav >> text=Cây đơn vị")
            await page.click(f"#unit-{DA_NANG} a")
            await page.fill("input[name=tim]", "hai van")
            await page.click("form.filters button:has-text('Xem')")
            await page.wait_for_selector(f"#unit-{HAI_VAN}")
            sheet = f"code;name;level;parent_code\nX-T1;Thôn Đông Hòa;hamlet;{HAI_VAN}\n".encode()
            await page.set_input_files("#import-csv input[type=file]",
                                       {"name": "don-vi.csv", "mimeType": "text/csv", "buffer": sheet})  # fmt: skip
            await page.click("#import-csv button")
            assert "1 tạo mới" in await page.locator("#notice").inner_text()
            await page.goto(f"http://localhost:{server.port}/web/caydonvi?donvi={DA_NANG}")
            await screenshot(page, "cay-don-vi")
            await page.goto(f"http://localhost:{server.port}/web/caydonvi?donvi={HAI_VAN}")
            assert "Thôn Đông Hòa" in await page.locator("#units").inner_text()
        finally:
            await browser.close()
    await app.worker.drain()
    assert "Từ nay anh/chị báo cáo cho Phường Hải Vân" in "\n".join(people["mai"].out)
    assert "ngừng hoạt động nên Cầu Nối không nhận báo cáo" in await people["van"].say("/baocao")
    assert "loại nào" in await people["mai"].say("/baocao")
