"""The overseas register end to end on the fake Bot API server: add with buttons, duplicate warning, search,
delete with a reason, template download and import with errors, and crafted buttons from another commune."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from bot.app import App
from bot.config import Settings
from storage.models import AuditEntry, OverseasRecord
from tests.fake_telegram import FakeTelegram
from tests.helpers import HAI_VAN, BotTask, invite, seed_units
from tests.test_overseas_sheet import MESSY, xlsx
from tests.test_telegram_e2e import Chat, bot_env

OFFICER, STRANGER = 778001, 778002


@pytest.fixture
async def register_bot(
    app: App, settings: Settings, telegram: FakeTelegram, database_url: str, tmp_path: Path
) -> AsyncIterator[BotTask]:
    await seed_units(app)
    assert settings.data_key is not None
    env = bot_env(telegram, database_url, tmp_path, CAUNOI_DATA_KEY=settings.data_key.get_secret_value())
    bot = BotTask(env, tmp_path)
    await bot.start()
    yield bot
    await bot.stop()


async def join(app: App, telegram: FakeTelegram, user_id: int, unit: str, name: str) -> Chat:
    chat = Chat(telegram, user_id)
    await chat.send(f"/start {await invite(app, unit)}", "Họ và tên")
    await chat.send(name, "Cảm ơn")
    return chat


async def records(app: App) -> list[OverseasRecord]:
    async with app.db.transaction() as session:
        return list((await session.scalars(select(OverseasRecord).order_by(OverseasRecord.id))).all())


async def test_register_on_telegram(app: App, telegram: FakeTelegram, register_bot: BotTask) -> None:
    chat = await join(app, telegram, OFFICER, "20341", "Nguyễn Thị Lan")
    await chat.send("/kieubao", "người địa phương và thân nhân")
    await chat.tap("Thêm người", "Họ và tên của người đang ở nước ngoài")
    await chat.send("trần   văn  hùng", "Giới tính")
    await chat.tap("Nam", "Năm sinh")
    await chat.send("1978", "nước nào")
    await chat.send("Han", "Thành phố")
    await chat.send("Seoul", "từ năm nào")
    await chat.tap("Bỏ qua", "Nghề nghiệp")
    await chat.tap("Lao động", "hội đoàn")
    await chat.tap("Bỏ qua", "Cách liên lạc")
    await chat.tap("Bỏ qua", "Họ và tên thân nhân")
    await chat.send("Trần Thị Hoa", "quan hệ")
    await chat.send("vợ", "Thôn")
    await chat.send("Thôn Phú Hòa", "Số di động")
    await chat.send("+84 905 111 222", "hội viên")
    await chat.tap("Có", "Đóng góp")
    await chat.send("Xây nhà tình nghĩa", "Tâm tư")
    await chat.send("Muốn đưa con về học tiếng Việt", "Về thăm quê")
    await chat.tap("Bỏ qua", "Khen thưởng")
    review = await chat.tap("Bỏ qua", "kiểm tra lại")
    assert "Trần Văn Hùng" in review and "Hàn Quốc" in review and "0905 111 222" in review
    await chat.tap("Xác nhận và lưu", "Đã lưu thành hồ sơ #1")

    await chat.send("/kieubao them", "Họ và tên")
    await chat.send("Tran Van Hung", "Giới tính")
    await chat.tap("Bỏ qua", "Năm sinh")
    await chat.send("1979", "nước nào")
    await chat.send("Hàn Quốc", "Thành phố")
    await chat.send("Busan", "từ năm nào")
    for _ in range(4):
        await chat.tap("Bỏ qua", "?")
    for _ in range(4):
        await chat.tap("Bỏ qua", "?")
    await chat.tap("Bỏ qua", "kiểm tra lại")
    warning = await chat.tap("Xác nhận và lưu", "Có thể bị trùng")
    assert "#1 Trần Văn Hùng (1978) · Hàn Quốc" in warning
    await chat.tap("Cập nhật #1", "Đã cập nhật hồ sơ #1")
    (record,) = await records(app)
    assert (record.city, record.birth_year, record.full_name) == ("Busan", 1979, "Trần Văn Hùng")

    found = await chat.send("/kieubao tim tran van hung", "hồ sơ khớp")
    assert "Xây nhà" not in found
    opened = await chat.tap("#1 Trần Văn Hùng", "Tình trạng")
    assert "Muốn đưa con về học tiếng Việt" in opened and "Thân nhân trong nước: Trần Thị Hoa" in opened

    intruder = await join(app, telegram, STRANGER, HAI_VAN, "Lê Văn Khách")
    await intruder.send("/kieubao", "người địa phương và thân nhân")
    menu = telegram.last_with_buttons(STRANGER)
    screen = menu.buttons()[0]["callback_data"].split(":", 1)[0]
    mark = intruder.seen
    await telegram.press_data(STRANGER, f"{screen}:m:kieubao xem 1", menu)
    answer = (await telegram.wait_for(STRANGER, "Không có hồ sơ #1", after=mark)).text
    assert "Trần Văn Hùng" not in answer
    await intruder.send("/kieubao tim hung", "Không tìm thấy")

    await chat.send("/kieubao xem 1", "Tình trạng")
    await chat.tap("Xóa theo yêu cầu", "Vì sao xóa")
    await chat.send("Gia đình đề nghị xóa thông tin", "kiểm tra lại")
    await chat.tap("Xóa dữ liệu cá nhân", "Đã xóa hồ sơ #1")
    (record,) = await records(app)
    assert record.deleted_at is not None and record.full_name is None and record.notes_enc is None

    await chat.send("/kieubao mau", "Mỗi người một dòng")
    await telegram.wait_until(lambda: any(m.method == "sendDocument" for m in telegram.messages_to(OFFICER)))
    document = next(m for m in telegram.messages_to(OFFICER) if m.method == "sendDocument")
    assert document.upload is not None
    assert load_workbook(io.BytesIO(document.upload)).sheetnames == ["Danh sách", "Hướng dẫn"]

    mark = chat.seen
    await telegram.send_document(OFFICER, "danh sach kieu bao.xlsx", xlsx(MESSY))
    checked = (await telegram.wait_for(OFFICER, "Kiểm tra tệp nhập", after=mark)).text
    assert "✅ 3 dòng nhập được" in checked and "Dòng 10, cột “Điện thoại thân nhân”" in checked
    await chat.tap("Nhập 3 hồ sơ", "Đã nhập 3 hồ sơ")
    mark = chat.seen
    await telegram.send_document(OFFICER, "ghi chu.zip", b"hello")
    await telegram.wait_for(OFFICER, "chưa đọc được loại tệp này", after=mark)
    assert len([r for r in await records(app) if r.deleted_at is None]) == 3

    async with app.db.transaction() as session:
        actions = dict(
            (await session.execute(select(AuditEntry.action, func.count()).group_by(AuditEntry.action))).all()
        )
    assert actions["overseas.searched"] == 2 and actions["overseas.viewed"] == 2 and actions["overseas.deleted"] == 1
    assert actions["overseas.created"] == 1 and actions["overseas.updated"] == 1 and actions["overseas.imported"] == 1


async def test_a_large_list_on_telegram_is_imported_by_a_job_with_one_progress_message(
    app: App, telegram: FakeTelegram, register_bot: BotTask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An officer sends a list of 1,250 people (read in a child process, as a large file is), types a wrong number,
    then "1" as on Zalo: one progress message, edited to "done", the records once, and the answer in Vietnamese."""
    from itertools import product

    from bot import file_reading
    from tests.test_register_import_job import GIVEN, MIDDLE, SURNAMES

    monkeypatch.setattr(file_reading, "IN_CHILD_BYTES", 0)  # this list is read as a 10 MB one would be
    chat = await join(app, telegram, OFFICER, "20341", "Nguyễn Thị Lan")
    names = [" ".join(parts) for parts in product(SURNAMES, MIDDLE, GIVEN)][:1250]
    mark = chat.seen
    await telegram.send_document(OFFICER, "danh sách kiều bào phường.xlsx", xlsx(
        [["Họ tên", "Năm sinh", "Nước cư trú"], *([name, 1960 + i % 40, "Nhật Bản"] for i, name in enumerate(names))]
    ))  # fmt: skip
    screen = await telegram.wait_for(OFFICER, "Kiểm tra tệp nhập", after=mark)
    assert "✅ 1250 dòng nhập được" in screen.text
    again = await chat.send("7", "chọn một trong các mục sau")  # no such choice: the same two offered again
    assert (
        "Nhập 1250 hồ sơ"
        in telegram.last_with_buttons(OFFICER).text + str(telegram.last_with_buttons(OFFICER).buttons())
        and "Trợ giúp" not in again
    )
    await chat.send("để sau nhé", "chọn một trong các mục sau")  # neither choice: still waiting, nothing imported
    assert not await records(app)
    await chat.send("1", "Đã nhập 1250 hồ sơ")  # typed, as on Zalo
    await telegram.wait_until(lambda: any("Đã nhập xong danh sách" in m.text for m in telegram.messages_to(OFFICER)))
    shown = [m for m in telegram.messages_to(OFFICER) if "Đang nhập danh sách" in m.text or "nhập xong" in m.text]
    assert len(shown) == 1 and shown[0].text == "Đã nhập xong danh sách."  # one message, edited
    assert len(await records(app)) == 1250
