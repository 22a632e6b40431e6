"""One activity on the web console with its photos: the supervisor of its unit reads every field and sees each
photo through the console (kept in the file store as Zalo's are, or fetched through its channel as Telegram's are);
a supervisor of another unit gets 404 for the page and the photos; a photo that cannot be had, or is not an image,
is 404 too."""

from __future__ import annotations

import io
import re
from pathlib import Path

from PIL import Image
from sqlalchemy import select

from storage.models import ActivityPhoto, ActivityReport, Unit
from tests.helpers import TAM_KY
from tests.test_data_api import Season
from tests.web_client import Console, token_in


def picture(kind: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, kind)
    return buffer.getvalue()


async def test_an_activity_with_its_photos_for_its_supervisors_only(reporting: Season, tmp_path: Path) -> None:
    app, _clock, people = reporting
    jpeg, png = picture("JPEG"), picture("PNG")
    sent = tmp_path / "anh.jpg"
    sent.write_bytes(jpeg)
    text = tmp_path / "ghi-chu.jpg"
    text.write_text("not a picture")
    await app.files.put("media/" + "a" * 64 + ".jpg", png)
    async with app.db.transaction() as session:
        report = await session.scalar(select(ActivityReport).join(Unit, Unit.id == ActivityReport.unit_id)
                                      .where(Unit.code == TAM_KY))  # fmt: skip
        assert report is not None
        for position, (channel, ref) in enumerate((("console", str(sent)), ("zalo", "media:" + "a" * 64 + ".jpg"),
                                                   ("telegram", "AgACAgUAAxkBAAI"), ("console", str(text)))):  # fmt: skip
            session.add(ActivityPhoto(report_id=report.id, channel=channel, file_ref=ref, position=position))
        report_id = report.id
    async with Console(app) as city, Console(app) as commune:
        assert await city.sign_in(token_in(await people["tinh"].say("/web"))) == 303
        assert await commune.sign_in(token_in(await people["hv"].say("/web"))) == 303
        _, listing, _ = await city.request("GET", "/web/hoatdong")
        assert f'href="/web/hoatdong/xem?id={report_id}"' in listing and "📷 4" in listing
        status, page, _ = await city.request("GET", f"/web/hoatdong/xem?id={report_id}")
        assert status == 200 and "Tuyên truyền Chỉ thị 12" in page and "Phường Tam Kỳ" in page
        assert "Đỗ Thị Mai" in page and "Hội trường" in page and "40" in page
        shown = re.findall(r'<img src="([^"]+)"', page)
        assert len(shown) == 4
        answers = [await city.request("GET", path.replace("&amp;", "&")) for path in shown]
        assert [status for status, _, _ in answers] == [200, 200, 404, 404]  # no Telegram here; text is no image
        assert answers[0][2].body == jpeg and answers[0][2].headers["Content-Type"] == "image/jpeg"  # type: ignore[attr-defined]
        assert answers[1][2].body == png and answers[1][2].headers["Content-Type"] == "image/png"  # type: ignore[attr-defined]
        assert (await commune.request("GET", f"/web/hoatdong/xem?id={report_id}"))[0] == 404
        assert (await commune.request("GET", shown[0].replace("&amp;", "&")))[0] == 404
        assert (await city.request("GET", f"/web/hoatdong/anh?id={report_id}&so=9"))[0] == 404
