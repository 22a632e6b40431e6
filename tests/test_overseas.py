"""The overseas register through the console channel, on SQLite and PostgreSQL: entry with mistakes, duplicates,
search, edit with history, status, deletion on request, need-to-know scoping and the audit trail, encryption."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from bot.app import App
from bot.config import Settings
from bot.engine.events import Inbound
from storage.crypto import DataKeyError, new_key
from storage.models import AuditEntry, Conversation, OverseasChange, OverseasRecord
from storage.people import Role
from tests.helpers import DA_NANG, HAI_VAN, Transcript, member, seed_units

RECORD = [
    "/kieubao them", "  nguyễn   văn  AN ", "nam", "1980", "hoa ky", "San Jose", "1995", "doanh nhan", "bỏ qua",
    "bỏ qua", "nguyễn văn bình", "bố", "Thôn 3", "0912.345.678", "có", "Ủng hộ Quỹ Vì người nghèo 50 triệu",
    "Mong được hỗ trợ thủ tục đầu tư", "Về quê mỗi dịp Tết", "bỏ qua",
]  # fmt: skip


async def add_record(chat: Transcript, lines: list[str] = RECORD) -> str:
    for line in lines[:-1]:
        await chat.say(line)
    return await chat.say(lines[-1])


async def count(app: App, model: type, *where: object) -> int:
    async with app.db.transaction() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where)) or 0


async def audits(app: App, action: str) -> list[AuditEntry]:
    async with app.db.transaction() as session:
        return list((await session.scalars(select(AuditEntry).where(AuditEntry.action == action))).all())


async def test_entry_with_mistakes_is_normalised_and_saved(app: App) -> None:
    await seed_units(app)
    chat = await member(app, "mai")
    await chat.say("/kieubao them")
    assert "chỉ gồm chữ cái" in await chat.say("Nguyễn Văn 3")
    await chat.say("  nguyễn   văn  AN ")
    await chat.say("nam")
    assert "chưa đến" in await chat.say("2090")
    assert "trước 1900" in await chat.say("1850")
    await chat.say("1980")
    assert "không nhận ra quốc gia" in await chat.say("Atlantis")
    await chat.say("hoa ky")
    await chat.say("San Jose")
    assert "trước năm sinh (1980)" in await chat.say("1975")
    for line in ("1995", "doanh nhan", "bỏ qua", "bỏ qua", "nguyễn văn bình", "bố", "Thôn 3"):
        await chat.say(line)
    assert "không phải số di động Việt Nam" in await chat.say("0236 3821 111")
    for line in ("0912.345.678", "có", "Ủng hộ Quỹ Vì người nghèo 50 triệu", "bỏ qua", "bỏ qua"):
        await chat.say(line)
    review = await chat.say("bỏ qua")
    assert "• Họ và tên: Nguyễn Văn An" in review
    assert "Quốc gia cư trú: Hoa Kỳ" in review and "0912 345 678" in review
    assert "Đã lưu thành hồ sơ #1" in await chat.say("xác nhận")
    async with app.db.transaction() as session:
        record = await session.get(OverseasRecord, 1)
        assert record is not None
        assert (record.full_name, record.name_key, record.country) == ("Nguyễn Văn An", "nguyen van an", "US")
        assert (record.relative_phone, record.relative_key, record.birth_year) == (
            "+84912345678",
            "nguyen van binh",
            1980,
        )
        assert record.notes_enc and "Ủng hộ" not in record.notes_enc
        assert app.cipher.decrypt(record.notes_enc) == {"contributions": "Ủng hộ Quỹ Vì người nghèo 50 triệu"}
    assert len(await audits(app, "overseas.created")) == 1


async def test_notes_are_never_stored_in_clear(app: App, database_url: str) -> None:
    await seed_units(app)
    chat = await member(app, "mai")
    for line in RECORD[:17]:  # the draft now holds two notes, not yet saved
        await chat.say(line)
    async with app.db.transaction() as session:
        draft = (await session.scalars(select(Conversation.state).where(Conversation.flow == "overseas"))).one()
    assert "Quỹ Vì người nghèo" not in str(draft) and "thủ tục đầu tư" not in str(draft)
    for line in RECORD[17:]:
        await chat.say(line)
    review = await chat.say("xác nhận")  # the review showed the decrypted draft; confirm saves it
    assert "Đã lưu" in review
    if database_url.startswith("sqlite"):
        await app.db.checkpoint()
        raw = Path(database_url.split("///", 1)[1]).read_bytes()
        assert "Nguyễn Văn An".encode() in raw  # the name is not a note: stored in clear, searchable
        assert "thủ tục đầu tư".encode() not in raw and "Quỹ Vì người nghèo".encode() not in raw
    else:
        async with app.db.transaction() as session:
            dump = str((await session.execute(text("SELECT * FROM overseas_records"))).all())
            dump += str((await session.execute(text("SELECT * FROM conversations"))).all())
        assert "thủ tục đầu tư" not in dump and "Quỹ Vì người nghèo" not in dump


async def test_duplicate_is_shown_and_can_update_the_existing_record(app: App) -> None:
    await seed_units(app)
    chat = await member(app, "mai")
    await add_record(chat)
    await chat.say("xác nhận")
    again = ["/kieubao them", "Nguyen Van An", "bỏ qua", "1981", "My", "Los Angeles", *["bỏ qua"] * 4,
             "bỏ qua", *["bỏ qua"] * 4]  # fmt: skip
    review = await add_record(chat, again)
    assert "Vui lòng kiểm tra" in review
    warning = await chat.say("xác nhận")
    assert "có thể đã có trong danh sách" in warning and "#1 Nguyễn Văn An (1980)" in warning
    assert "Đã cập nhật hồ sơ #1 (2 thay đổi)" in await chat.say("1")
    assert await count(app, OverseasRecord) == 1
    async with app.db.transaction() as session:
        record = await session.get(OverseasRecord, 1)
        assert record is not None and record.full_name == "Nguyễn Văn An"  # the diacritics are kept
        assert (record.city, record.birth_year, record.relative_name) == ("Los Angeles", 1981, "Nguyễn Văn Bình")
        changes = (await session.scalars(select(OverseasChange).order_by(OverseasChange.field))).all()
        assert [(c.field, c.old_value, c.new_value) for c in changes] == [
            ("birth_year", "1980", "1981"), ("city", "San Jose", "Los Angeles")]  # fmt: skip
    assert "không còn gì chờ lưu" in (await chat.say("/kieubao capnhat 1")).lower()


async def test_duplicate_can_still_be_added_as_a_new_person(app: App) -> None:
    await seed_units(app)
    chat = await member(app, "mai")
    await add_record(chat)
    await chat.say("xác nhận")
    again = ["/kieubao them", "Nguyễn Văn Ân", "bỏ qua", "bỏ qua", "Hoa Kỳ", *["bỏ qua"] * 5, "bỏ qua", *["bỏ qua"] * 4]
    await add_record(chat, again)
    assert "Có thể bị trùng" in await chat.say("xác nhận")
    assert "Đã lưu thành hồ sơ #2" in await chat.say("thêm thành người mới")
    assert await count(app, OverseasRecord) == 2


async def test_search_open_edit_status_and_delete(app: App) -> None:
    await seed_units(app)
    chat = await member(app, "mai")
    await add_record(chat)
    await chat.say("xác nhận")
    found = await chat.say("/kieubao tim NGUYEN van a")
    assert "Có 1 hồ sơ" in found and "#1 Nguyễn Văn An (1980) · Hoa Kỳ · thân nhân: Nguyễn Văn Bình" in found
    assert "Ủng hộ" not in found  # lists show names and ids, not whole records
    assert "Có 1 hồ sơ" in await chat.say("/kieubao tim binh")  # the relative's name, without diacritics
    assert "Có 1 hồ sơ" in await chat.say("/kieubao tim Mỹ")  # a country
    assert "Không tìm thấy" in await chat.say("/kieubao tim Trần")
    await chat.say("/kieubao tim an")
    opened = await chat.say("1")  # typed number picks the first result
    assert "Đóng góp: Ủng hộ Quỹ Vì người nghèo 50 triệu" in opened and "Điện thoại thân nhân: 0912 345 678" in opened
    assert len(await audits(app, "overseas.searched")) == 5 and len(await audits(app, "overseas.viewed")) == 1

    review = await chat.say("sửa")  # the record's "Edit" button, typed
    assert "Vui lòng kiểm tra" in review and "Nguyễn Văn An" in review
    await chat.say("sửa 5")
    assert "Đã cập nhật hồ sơ #1 (1 thay đổi)" in (await chat.say("Houston") and await chat.say("xác nhận"))
    await chat.say("/kieubao tinhtrang 1")
    assert "Đã cập nhật hồ sơ #1" in await chat.say("đã về nước")
    opened = await chat.say("/kieubao xem 1")
    assert "Tình trạng: Đã về nước" in opened and "Thay đổi gần đây" in opened and "Đỗ Thị Mai" in opened

    await chat.say("/kieubao xoa 1")
    review = await chat.say("Người này đề nghị xóa thông tin")
    assert "Xóa dữ liệu cá nhân" in review
    assert "Đã xóa hồ sơ #1" in await chat.say("xác nhận")
    async with app.db.transaction() as session:
        record = await session.get(OverseasRecord, 1)
        assert record is not None and record.deleted_at is not None
        assert [record.full_name, record.relative_name, record.relative_phone, record.notes_enc] == [None] * 4
        assert await session.scalar(select(func.count()).select_from(OverseasChange)) == 0
    (deleted,) = await audits(app, "overseas.deleted")
    assert deleted.details["reason"] == "Người này đề nghị xóa thông tin" and deleted.actor_label == "Đỗ Thị Mai"
    assert "Không có hồ sơ #1" in await chat.say("/kieubao xem 1")
    assert "Không tìm thấy" in await chat.say("/kieubao tim an")


async def screen_of(app: App, user: str) -> int:
    async with app.db.transaction() as session:
        return (
            await session.scalars(
                text("SELECT c.screen FROM conversations c JOIN channel_identities i ON i.id = c.identity_id "
                     "WHERE i.external_id = :user"), {"user": user},
            )
        ).one()  # fmt: skip


async def test_an_officer_cannot_reach_another_communes_records(app: App) -> None:
    await seed_units(app)
    owner = await member(app, "mai")
    await add_record(owner)
    await owner.say("xác nhận")
    other = await member(app, "lan", unit_code=HAI_VAN, name="Lê Thị Lan")
    for line in ("/kieubao xem 1", "/kieubao sua 1", "/kieubao tinhtrang 1", "/kieubao xoa 1", "/kieubao 1"):
        assert "Không có hồ sơ #1" in await other.say(line)
    assert "Không tìm thấy" in await other.say("/kieubao tim nguyen van an")
    assert "0 người" in await other.say("/kieubao thongke")
    for key in ("xem 1", "sua 1", "xoa 1", "capnhat 1", "nhapxn 1"):  # crafted buttons with the live screen number
        screen = await screen_of(app, "lan")
        event = Inbound("console", "lan", "lan", f"crafted-{key}", callback=f"{screen}:m:kieubao {key}")
        await app.pipeline.handle(event)
        await app.worker.drain()
        assert "Nguyễn Văn An" not in other.out[-1] and "Ủng hộ" not in other.out[-1]
    assert len(await audits(app, "overseas.viewed")) == 0
    async with app.db.transaction() as session:
        record = await session.get(OverseasRecord, 1)
        assert record is not None and record.deleted_at is None and record.full_name == "Nguyễn Văn An"

    supervisor = await member(app, "tinh", unit_code=DA_NANG, role=Role.SUPERVISOR, name="Trần Văn Tỉnh")
    assert "Có 1 hồ sơ" in await supervisor.say("/kieubao tim an")
    counts = await supervisor.say("/kieubao thongke")
    assert "1 người" in counts and "Hoa Kỳ: 1" in counts and "Phường Tam Kỳ: 1" in counts


async def test_notes_need_a_key_and_the_bot_refuses_to_start_without_it(
    settings: Settings, database_url: str, tmp_path: Path
) -> None:
    keyless = Settings(data_dir=tmp_path / "keyless", _env_file=None)  # type: ignore[call-arg]
    app = App(keyless, database_url=database_url)
    await app.migrate()
    try:
        await seed_units(app)
        chat = await member(app, "mai")
        for line in RECORD[:15]:
            await chat.say(line)
        assert "chưa cài đặt mã hóa" in await chat.say("Ủng hộ Quỹ")
        assert "Tâm tư" in await chat.say("bỏ qua")  # nothing lost: the form goes on
    finally:
        await app.close()

    keyed = App(settings, database_url=database_url)
    await keyed.migrate()
    chat = await member(keyed, "lan")
    await add_record(chat)
    await chat.say("xác nhận")
    await keyed.close()
    for broken in (keyless, Settings(data_dir=tmp_path / "other", data_key=new_key(), _env_file=None)):  # type: ignore[call-arg]
        app = App(broken, database_url=database_url)
        with pytest.raises(DataKeyError):
            await app.migrate()
        await app.close()
