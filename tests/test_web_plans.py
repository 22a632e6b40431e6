"""*Kế hoạch* in the web console over real HTTP, on both databases: a supervisor uploads a real plan and a Word
plan, reads each preview (what the chat's reader made of the file, task by task), corrects a deadline read wrongly,
publishes — the commune's officer then has the task in the chat and closes it, and the plan's page counts it —,
and discards another. Refused without a CSRF token (the file is not even read), a file over 10 MB, a file that is
not a plan or is damaged, another person's draft (404), a decision on a plan no longer a draft (404)."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import func, select

from handlers.plans.drafts import followed_tasks
from handlers.plans.reader import read_plan
from storage.models import AuditEntry, Plan
from tests.test_data_api import Season
from tests.test_plan_formats import word_plan
from tests.web_client import Console, token_in

CORPUS = Path(__file__).resolve().parents[1] / "bench" / "corpus" / "plans"
REAL = CORPUS / "18-11-kh-thuc-hien-cong-tac-bau-cu-luong-minh.txt"  # a commune Front's plan, as found (SOURCES.md)


async def _plans(app) -> int:  # type: ignore[no-untyped-def]
    async with app.db.transaction() as session:
        return await session.scalar(select(func.count()).select_from(Plan)) or 0


async def test_upload_preview_correct_publish_and_follow(reporting: Season) -> None:
    app, _clock, people = reporting
    async with Console(app) as city, Console(app) as other:
        assert await city.sign_in(token_in(await people["tinh"].say("/web"))) == 303
        assert await other.sign_in(token_in(await people["hv"].say("/web"))) == 303
        csrf = await city.csrf("/web/kehoach")

        status, page, _ = await city.upload("/web/kehoach/tai", "plan.txt", REAL.read_bytes())  # no CSRF token
        assert status == 403 and "hết hạn" in page and await _plans(app) == 0
        _, _, back = await city.upload("/web/kehoach/tai", "big.docx", b"x" * (10 * 1024 * 1024 + 1), csrf=csrf)
        assert "lớn hơn 10 MB" in (await city.request("GET", back))[1]
        _, _, back = await city.upload("/web/kehoach/tai", "plan.docx", b"PK\x03\x04 not really a zip", csrf=csrf)
        assert "bị hỏng" in (await city.request("GET", back))[1]
        _, _, back = await city.upload("/web/kehoach/tai", "photo.png", b"\x89PNG\r\n", csrf=csrf)
        assert "không đọc được tệp" in (await city.request("GET", back))[1] and await _plans(app) == 0

        status, _, back = await city.upload("/web/kehoach/tai", REAL.name, REAL.read_bytes(), csrf=csrf)
        assert status == 303 and back.startswith("/web/kehoach/xem?id=")
        _, preview, _ = await city.request("GET", back)
        read = read_plan(REAL.read_text())
        assert f'id="task-{len(followed_tasks(read.to_json()))}"' in preview or not followed_tasks(read.to_json())
        assert read.number and read.number in preview
        assert (await other.request("GET", back))[0] == 404  # a draft is its author's until published

        _, _, back = await city.upload("/web/kehoach/tai", "Kế hoạch đối ngoại.docx", word_plan(2027), csrf=csrf)
        plan_id = back.split("=")[1]
        _, preview, _ = await city.request("GET", back)
        assert "Việc sẽ theo dõi (3):" in preview and "30/6/2027" in preview
        for number, when, expected in (("2", "ba mươi tháng sáu", "ngày/tháng/năm"), ("99", "2027-06-20", "không có việc số 99"),
                                       ("2", "2027-06-20", "nay có hạn 20/6/2027")):  # fmt: skip
            _, _, back = await city.request("POST", "/web/kehoach/han", csrf=csrf, id=plan_id, so=number, ngay=when)
            assert expected in (await city.request("GET", back.headers["Location"]))[1]
        _, preview, _ = await city.request("GET", f"/web/kehoach/xem?id={plan_id}")
        assert re.search(r'id="task-2">.*?20/6/2027', preview, re.S)

        assert (await other.request("POST", "/web/kehoach/quyetdinh", csrf=await other.csrf("/web/kehoach"),
                                    id=plan_id, action="dang"))[0] == 404  # fmt: skip
        _, _, response = await city.request("POST", "/web/kehoach/quyetdinh", csrf=csrf, id=plan_id, action="dang")
        _, published, _ = await city.request("GET", response.headers["Location"])
        assert "Đã ban hành kế hoạch" in published and "việc cần theo dõi" in published
        assert (await city.request("POST", "/web/kehoach/quyetdinh", csrf=csrf, id=plan_id, action="dang"))[0] == 404
        assert "0/" in re.search(r'id="followed">.*?</table>', published, re.S).group(0)  # type: ignore[union-attr]

        assert "Gặp mặt kiều bào dịp Tết" in await people["mai"].say("/viec")
        assert "Đã ghi nhận hoàn thành" in await people["mai"].say("xong 1")
        _, followed, _ = await city.request("GET", f"/web/kehoach/xem?id={plan_id}")
        assert re.search(r"<td>1/\d+</td>", followed)
        _, listing, _ = await other.request("GET", "/web/kehoach")  # another supervisor reads it, in their units
        assert "Tổ chức các hoạt động đối ngoại nhân dân năm 2027" in listing

        _, _, back = await city.upload("/web/kehoach/tai", "again.docx", word_plan(2028), csrf=csrf)
        again = back.split("=")[1]
        _, _, response = await city.request("POST", "/web/kehoach/quyetdinh", csrf=csrf, id=again, action="bo")
        assert "Đã bỏ" in (await city.request("GET", response.headers["Location"]))[1]
        assert (await city.request("GET", f"/web/kehoach/xem?id={again}"))[0] == 404
    async with app.db.transaction() as session:
        actions = list((await session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "plan"))).all())
    assert actions.count("plan.uploaded") == 3 and "plan.deadline_corrected" in actions and "plan.discarded" in actions
