"""The engine through the console channel on SQLite and PostgreSQL: transcripts, exactly-once, resume, locking."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.app import App
from bot.config import Settings
from bot.engine.events import Inbound
from storage.models import ActivityReport, Conversation, Person, ProcessedUpdate
from storage.types import VIETNAM, utcnow
from tests.helpers import Transcript, invite, seed_units


async def joined(app: App, name: str = "Đỗ Thị Mai", user: str = "tester") -> Transcript:
    await seed_units(app)
    chat = Transcript(app, user)
    assert "mã mời" in await chat.say("xin chào")
    code = await invite(app)
    assert "Phường Tam Kỳ" in await chat.say(code.lower())
    assert "Cảm ơn" in await chat.say(name)
    return chat


REPORT = ["/baocao", "tuyen truyen", "hôm nay", "Tuyên truyền Chỉ thị 12", "Hội trường UBND phường", "40", "không"]
DETAILS = ["thêm", "bỏ qua", "bỏ qua", "bỏ qua", "bỏ qua"]  # at "add details?": to the photos, skipping the rest


async def test_console_transcript_saves_a_report(app: App) -> None:
    chat = await joined(app)
    answers = [await chat.say(line) for line in REPORT]
    assert "bao nhiêu người tham gia" in answers[4] and "Thêm chi tiết" in answers[5]
    assert "Vui lòng kiểm tra lại" in answers[-1] and "Tuyên truyền Chỉ thị 12" in answers[-1]
    assert "Đã lưu" in await chat.say("xác nhận")
    assert "Menu chính" in await chat.say("xác nhận")  # a second confirm finds nothing to confirm
    async with app.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(ActivityReport)) == 1


async def test_edit_from_review_and_back(app: App) -> None:
    chat = await joined(app)
    for line in REPORT:
        await chat.say(line)
    assert "Tiêu đề" in await chat.say("sửa 3")
    review = await chat.say("Tuyên truyền Kết luận 12")
    assert "• Tiêu đề: Tuyên truyền Kết luận 12" in review
    assert "câu 1" not in await chat.say("quay lại")  # back from the review goes to the last question
    assert "Đã lưu" not in await chat.say("xong")


async def test_wrong_answers_keep_everything(app: App) -> None:
    chat = await joined(app)
    await chat.say("/baocao")
    await chat.say("2")
    tomorrow = utcnow().astimezone(VIETNAM).date() + timedelta(days=1)  # local time, at the pinned instant
    assert "Ngày này chưa đến" in await chat.say(f"{tomorrow.day}/{tomorrow.month}/{tomorrow.year}")
    assert "Tiêu đề ngắn" in await chat.say("hôm qua")
    assert "quá dài" in (await chat.say("x" * 300)).lower()
    await chat.say("Tiêu đề đúng")
    await chat.say("Nơi tổ chức")
    assert "số nguyên" in await chat.say("nhiều lắm")
    review_parts = [await chat.say(x) for x in ("30", "không")]
    assert "Tiêu đề đúng" in review_parts[-1] and "30" in review_parts[-1]


async def test_cancel_asks_first(app: App) -> None:
    chat = await joined(app)
    await chat.say("/baocao")
    assert "Hủy báo cáo hoạt động này" in await chat.say("/huy")
    assert "loại nào" in await chat.say("2")
    await chat.say("hủy")
    assert "Đã hủy" in await chat.say("1")
    assert "Không có gì để hủy" in await chat.say("/huy")


async def test_same_update_twice_has_one_effect(app: App) -> None:
    await joined(app)
    event = Inbound("console", "tester", "tester", "dup-1", text="/baocao")
    first = await app.pipeline.handle(event)
    second = await app.pipeline.handle(event)
    assert (first.duplicate, second.duplicate) == (False, True)
    async with app.db.transaction() as session:
        assert await session.scalar(select(func.count()).where(ProcessedUpdate.key == "dup-1")) == 1


async def test_resume_after_restart(app: App, settings: Settings) -> None:
    chat = await joined(app)
    for line in REPORT[:5]:
        await chat.say(line)
    await app.close()
    restarted = App(settings, database_url=app.db.url)
    try:
        again = Transcript(restarted, "tester")
        assert "bao nhiêu người" in await again.say("/baocao")  # the draft is offered again, not a new form
        assert "Thêm chi tiết" in await again.say("35")
    finally:
        await restarted.close()
    app.db = restarted.db


async def test_stale_button_answers_gracefully(app: App) -> None:
    chat = await joined(app)
    await chat.say("/baocao")
    result = await app.pipeline.handle(Inbound("console", "tester", "tester", "cb-old", callback="1:o3"))
    assert result.notice and "tin nhắn cũ" in result.notice
    result = await app.pipeline.handle(Inbound("console", "tester", "tester", "cb-bad", callback="garbage"))
    assert result.notice


async def test_concurrent_photos_are_all_kept(app: App) -> None:
    """Twelve photos arriving at once are applied one after another, none lost (the per-conversation lock)."""
    chat = await joined(app)
    for line in ["/baocao", "2", "hôm nay", "T", "P", "5", *DETAILS]:
        await chat.say(line)
    photos = [Inbound("console", "tester", "tester", f"p{i}", photo=f"file-{i}") for i in range(12)]
    await asyncio.gather(*(app.pipeline.handle(photo) for photo in photos))
    async with app.db.transaction() as session:
        state = next(c.state for c in (await session.scalars(select(Conversation))).all() if c.state)
    assert sorted(p["ref"] for p in state["answers"]["photos"]) == sorted(f"file-{i}" for i in range(12))


async def test_language_switch_and_help(app: App) -> None:
    chat = await joined(app)
    assert "Language set to English" in await chat.say("/ngonngu")
    assert "What kind of activity" in await chat.say("/baocao")
    assert "Please answer with a number from 1 to 7" in await chat.say("99")  # six kinds and "more options…"
    assert "Đã chuyển sang tiếng Việt" in await chat.say("/ngonngu vi")
    async with app.db.transaction() as session:
        assert (await session.scalars(select(Person))).one().language == "vi"


async def test_strangers_can_only_join(app: App) -> None:
    await seed_units(app)
    chat = Transcript(app, "stranger")
    for line in ("/baocao", "/cuatoi", "hello", "/khongco"):
        assert "mã mời" in await chat.say(line)
    for _ in range(5):
        assert "không đúng" in await chat.say("AAAA-BBBB")
    code = await invite(app)
    assert "quá nhiều lần" in await chat.say(code)  # locked out for a while, even with a good code


async def test_used_and_expired_codes(app: App, settings: Settings) -> None:
    await seed_units(app)
    code = await invite(app)
    first, second = Transcript(app, "a"), Transcript(app, "b")
    assert "họ và tên" in await first.say(f"/start {code}")
    assert "đã được sử dụng" in await second.say(f"/start {code}")
    later = App(settings, database_url=app.db.url, clock=lambda: datetime(2099, 1, 1, tzinfo=UTC))
    try:
        expired = await invite(app)
        assert "hết hạn" in await Transcript(later, "c").say(expired)
    finally:
        await later.close()


async def test_a_disabled_kind_is_not_offered(app: App) -> None:
    from storage.activities import edit_kind, set_kind_active

    chat = await joined(app)
    async with app.db.transaction() as session:
        await set_kind_active(session, "khac", False)
        await edit_kind(
            session, "hoi_thao", create=True, name_vi="Hội thảo, tọa đàm", name_en="Seminar", sort_order=None
        )
    question = await chat.say("/baocao") + await chat.say("xem thêm")  # the second page of kinds
    assert "Hoạt động khác" not in question and "5. Hội thảo, tọa đàm" in question
    assert "ngày nào" in await chat.say("hoi thao")  # typed words reach a kind on any page


async def test_two_workers_share_one_database(app: App, settings: Settings) -> None:
    """A second bot process on the same database: the same person's updates, split between them, all apply once."""
    chat = await joined(app)
    for line in ["/baocao", "2", "hôm nay", "T", "P", "5", *DETAILS]:
        await chat.say(line)
    second = App(settings, database_url=app.db.url)
    try:
        photos = [Inbound("console", "tester", "tester", f"w{i}", photo=f"file-{i}") for i in range(10)]
        results = await asyncio.gather(*(
            (app if i % 2 else second).pipeline.handle(photo) for i, photo in enumerate(photos + photos)
        ))  # fmt: skip
    finally:
        await second.close()
    assert sum(not result.duplicate for result in results) == 10
    async with app.db.transaction() as session:
        state = next(c.state for c in (await session.scalars(select(Conversation))).all() if c.state)
    assert sorted(p["ref"] for p in state["answers"]["photos"]) == sorted(f"file-{i}" for i in range(10))


async def test_another_form_asks_before_the_draft_is_discarded(app: App) -> None:
    """A command for another form, typed or tapped in the middle of one, never throws the draft away unasked."""
    chat = await joined(app)
    await chat.say("/baocao")
    await chat.say("2")  # the kind
    asked = await chat.say("/kieubao them")
    assert "đang nhập dở báo cáo hoạt động" in asked and "1. Tiếp tục báo cáo hoạt động" in asked
    assert "Hoạt động diễn ra ngày nào?" in await chat.say("1")  # typed, as on Zalo: the draft goes on at its step
    await chat.say("/kieubao them")
    replaced = await chat.say("2")
    assert "Đã bỏ báo cáo hoạt động đang làm dở" in replaced and "Hồ sơ kiều bào" in replaced
    async with app.db.transaction() as session:
        state = next(c.state for c in (await session.scalars(select(Conversation))).all() if c.state)
    assert "pending_start" not in state and state.get("answers", {}) == {}
    assert "đang nhập dở hồ sơ kiều bào" in await chat.say("/baocao")
    assert "Hoạt động thuộc loại nào?" in await chat.say("bỏ bản nháp")  # the words work as well as the number
    await chat.say("2")
    await chat.say("/kieubao them")
    answered = await chat.say("hôm nay")  # and an answer to the open form is a choice to continue it
    assert "câu 3/" in answered  # not a choice between drafts: the answer to the open form's question


async def test_an_edit_that_breaks_another_answer_is_caught_at_confirm(app: App) -> None:
    """Participants lowered to 10 after 20 foreigners were entered: confirming asks the foreigners again."""
    chat = await joined(app)
    for line in [
        "/baocao",
        "2",
        "hôm nay",
        "Giao lưu",
        "Nhà văn hóa",
        "40",
        "thêm",
        "bỏ qua",
        "bỏ qua",
        "20",
        "bỏ qua",
    ]:
        await chat.say(line)
    assert "• Người nước ngoài / kiều bào: 20" in await chat.say("xong")
    await chat.say("sửa số người tham gia")
    assert "Vui lòng kiểm tra" in await chat.say("10")
    asked = await chat.say("xác nhận")
    assert "⚠️ Con số này lớn hơn tổng số 10 người tham gia." in asked
    assert "Vui lòng kiểm tra" in await chat.say("5")
    assert "Đã lưu" in await chat.say("xác nhận")
    async with app.db.transaction() as session:
        report = (await session.scalars(select(ActivityReport))).one()
    assert (report.participants, report.foreign_participants) == (10, 5)


async def test_each_role_has_its_own_command_menu(app: App) -> None:
    """What Telegram shows by the text box: a stranger can only join; an officer reports; a supervisor also reviews and
    reminds; an admin also publishes — and every command a role is refused is absent from its menu."""
    from bot.i18n import I18n
    from bot.menus import command_menu

    menus = {role: {name for name, _ in command_menu(app.registry, role, I18n("vi"))}
             for role in (None, "officer", "supervisor", "admin")}  # fmt: skip
    assert "start" in menus[None] and "baocao" not in menus[None]
    assert {"baocao", "cuatoi", "baocaoky"} <= menus["officer"] and not {"duyet", "nhactre", "thongbao"} & menus[
        "officer"
    ]
    assert {"duyet", "nhactre", "tiendo"} <= menus["supervisor"] and "lichbaocao" not in menus["supervisor"]
    assert {"lichbaocao", "thongbao", "duyet"} <= menus["admin"]
    for role, names in menus.items():
        assert all(app.registry.commands[name].allowed(role) for name in names)
    english = dict(command_menu(app.registry, "officer", I18n("en")))
    assert english["baocao"] == "Report an activity"
