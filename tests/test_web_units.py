"""*Đơn vị* in the web console: the tree one level at a time, scoped like the chat; imports by admins from
``vietnam-provinces`` and from CSV files as offices save them (UTF-8 with a BOM and semicolons, Excel's Windows-1258),
refused whole and politely when a row cannot be placed; and any bytes at all as a units file never break the reader."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from handlers.people import web_units
from storage.models import AuditEntry, Unit
from storage.people import Role
from storage.unit_sources import csv_units_from
from storage.units import UnitRow, UnitsRefused, by_code
from tests.helpers import DA_NANG, HAI_VAN, TAM_KY, member
from tests.test_data_api import Season
from tests.web_client import Console, token_in

TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # Windows-1258 writes these after their vowel


def windows_1258(text: str) -> bytes:
    """Text as Excel on a Vietnamese Windows saves a CSV: letters it has whole, tones as combining marks after."""
    out = []
    for char in text:
        try:
            out.append(char.encode("cp1258"))
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES))
            out.append((base + "".join(c for c in parts if c in TONES)).encode("cp1258"))
    return b"".join(out)


async def unit_count(app) -> int:  # type: ignore[no-untyped-def]
    async with app.db.transaction() as session:
        return await session.scalar(select(func.count()).select_from(Unit)) or 0


async def test_the_tree_is_scoped_filtered_and_paged(reporting: Season, monkeypatch: pytest.MonkeyPatch) -> None:
    app, _clock, people = reporting
    monkeypatch.setattr(web_units, "PAGE", 40)
    people["qt"] = await member(app, "qt", unit_code=DA_NANG, role=Role.ADMIN, name="Võ Quản Trị")
    async with Console(app) as city, Console(app) as commune, Console(app) as office:
        assert await city.sign_in(token_in(await people["tinh"].say("/web"))) == 303
        assert await commune.sign_in(token_in(await people["hv"].say("/web"))) == 303
        assert await office.sign_in(token_in(await people["qt"].say("/web"))) == 303
        status, page, _ = await city.request("GET", "/web/caydonvi")
        assert status == 200 and "Thành phố Đà Nẵng" in page and f'id="unit-{HAI_VAN}"' in page
        shown = int(re.search(r"Đơn vị trực thuộc: (\d+)", page).group(1))  # type: ignore[union-attr]
        assert shown >= 90 and 'id="import-vn"' not in page and 'id="merge"' not in page
        assert re.search(rf'id="unit-{HAI_VAN}">.*?<td>0</td>\s*<td><a href="/web/canbo\?donvi={HAI_VAN}">2</a>',
                         page, re.S)  # its two people: an officer and a supervisor  # fmt: skip
        listed = set(re.findall(r'id="unit-(\d+)"', page))
        assert len(listed) == 40 and 'id="first-page"' not in page
        _, last, _ = await city.request("GET", "/web/caydonvi?trang=3")
        assert 'id="first-page"' in last and 'id="next-page"' not in last
        assert len(set(re.findall(r'id="unit-(\d+)"', last))) == shown - 80
        _, page, _ = await city.request("GET", "/web/caydonvi?tim=hai+van")  # typed as on a phone, no diacritics
        assert f'id="unit-{HAI_VAN}"' in page and f'id="unit-{TAM_KY}"' not in page
        _, page, _ = await city.request("GET", f"/web/caydonvi?donvi={HAI_VAN}")
        assert "Phường Hải Vân" in page and "Thành phố Đà Nẵng</a>" in page  # the trail leads back up
        _, page, _ = await commune.request("GET", "/web/caydonvi")
        assert "Phường Hải Vân" in page and "Thành phố Đà Nẵng" not in page  # a trail begins at one's own unit
        assert (await commune.request("GET", f"/web/caydonvi?donvi={TAM_KY}"))[0] == 404
        assert (await commune.request("GET", f"/web/caydonvi?donvi={DA_NANG}"))[0] == 404
        assert (await commune.request("GET", "/web/caydonvi?donvi=nope"))[0] == 404

        csrf = await office.csrf("/web/caydonvi")
        _, _, response = await office.request("POST", "/web/caydonvi/nhap", csrf=csrf, province="Thành phố Huế")
        notice = (await office.request("GET", response.headers["Location"]))[1]
        created = int(re.search(r"Đơn vị: (\d+) tạo mới, 0 cập nhật", notice).group(1))  # type: ignore[union-attr]
        assert created > 30
        _, page, _ = await office.request("GET", "/web/caydonvi")
        assert "Thành phố Huế" in page and "Thành phố Đà Nẵng" in page
        hue = re.search(r'id="unit-(\d+)">\s*<td>\d+</td>\s*<td><a href="[^"]+">Thành phố Huế', page)
        assert hue is not None
        assert (await city.request("GET", f"/web/caydonvi?donvi={hue.group(1)}"))[0] == 404  # another province
        status, _, _ = await city.request("POST", "/web/caydonvi/nhap", csrf=await city.csrf("/web/caydonvi"),
                                          province="Thành phố Huế")  # fmt: skip
        assert status == 403  # supervisors do not import units
        _, _, response = await office.request("POST", "/web/caydonvi/nhap", csrf=csrf, province="Atlantis")
        assert "Không có tỉnh nào tên Atlantis" in (await office.request("GET", response.headers["Location"]))[1]
    async with app.db.transaction() as session:
        imports = (await session.scalars(select(AuditEntry).where(AuditEntry.action == "units.imported"))).all()
    assert len(imports) == 1 and imports[0].details["created"] == created


async def test_csv_files_as_offices_save_them_and_refusals_that_write_nothing(reporting: Season) -> None:
    app, _clock, people = reporting
    people["qt"] = await member(app, "qt", unit_code=DA_NANG, role=Role.ADMIN, name="Võ Quản Trị")
    async with Console(app) as office:
        assert await office.sign_in(token_in(await people["qt"].say("/web"))) == 303
        csrf = await office.csrf("/web/caydonvi")

        async def send(name: str, content: bytes) -> str:
            status, _, back = await office.upload("/web/caydonvi/nhapcsv", name, content, csrf=csrf)
            assert status == 303
            return (await office.request("GET", back))[1]

        before = await unit_count(app)
        semicolons = ("\ufeffCode;Name;Level;Parent_code\n"
                      f"X-T1;Thôn Đông Hòa;hamlet;{HAI_VAN}\nX-T2;Thôn Tây   Sơn;hamlet;{HAI_VAN}\n;;;\n")  # fmt: skip
        assert "Đơn vị: 2 tạo mới, 0 cập nhật, 0 không đổi" in await send("don-vi.csv", semicolons.encode())
        excel = f"code,name,level,parent_code\nX-T3,Thôn Bắc Hưng,hamlet,{TAM_KY}\nX-T1,Thôn Đông Hòa Mới,hamlet,{HAI_VAN}\n"
        assert "Đơn vị: 1 tạo mới, 1 cập nhật, 0 không đổi" in await send("excel.csv", windows_1258(excel))
        async with app.db.transaction() as session:
            names = {code: (await by_code(session, code)).name for code in ("X-T1", "X-T2", "X-T3")}  # type: ignore[union-attr]
        assert names == {"X-T1": "Thôn Đông Hòa Mới", "X-T2": "Thôn Tây Sơn", "X-T3": "Thôn Bắc Hưng"}
        assert all(unicodedata.is_normalized("NFC", name) for name in names.values())

        after = await unit_count(app)
        assert after == before + 3
        for content, expected in (
            (b"ma,ten\nX,Y\n", "cần các cột code, name, level và parent_code"),
            (b"code,name,level,parent_code\nX-A,,commune,\n", "Dòng 2: mỗi đơn vị cần mã, tên và cấp"),
            (b"code,name,level,parent_code\nX A;1,Ten,commune,\n", "Dòng 2: mã gồm chữ, số"),
            (b"code,name,level,parent_code\nX-A,Ten,C\xc3\xa2p,\n", "Dòng 2: cấp là một từ viết thường"),
            (b"code,name,level,parent_code\nX-A,A,commune,X-B\nX-B,B,commune,X-A\n", "nằm dưới chính nó"),
            (b"code,name,level,parent_code\nX-A,A,commune,\nX-A,B,commune,\n", "Mã đơn vị X-A xuất hiện hai lần"),
            # the first rows fit, the last has no parent: nothing of the file is written
            (f"code,name,level,parent_code\nX-N1,Mới Một,hamlet,{TAM_KY}\nX-N2,Mới Hai,hamlet,NOWHERE\n".encode(),
             "Đơn vị X-N2: parent_code của nó không có"),
            # Đà Nẵng put under one of its own wards: a cycle through the units already there
            (f"code,name,level,parent_code\nX-N3,Mới Ba,hamlet,{TAM_KY}\n{DA_NANG},Thành phố Đà Nẵng,province,{TAM_KY}\n"
             .encode(), f"Đơn vị {DA_NANG} sẽ nằm dưới chính nó"),
            (b"\x89PNG\r\n\x1a\n\x00\x00", "cần các cột code, name, level và parent_code"),
        ):  # fmt: skip
            page = await send("bad.csv", content)
            assert expected in page, (content, re.search(r'id="notice">([^<]*)', page))
            assert await unit_count(app) == after
        async with app.db.transaction() as session:
            city = await by_code(session, DA_NANG)
            assert city is not None and city.parent_id is None


ROWS = st.lists(st.tuples(st.from_regex(r"[A-Za-z0-9][\w.\-]{0,8}", fullmatch=True),
                          st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
                                  min_size=1, max_size=30).filter(str.strip),
                          st.sampled_from(["commune", "district", "hamlet", "province"])),
                unique_by=lambda row: row[0], max_size=8)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=400))
def test_any_bytes_as_a_units_file_are_read_or_refused(data: bytes) -> None:
    try:
        rows = csv_units_from(data, "upload.csv")
    except UnitsRefused as refused:
        assert refused.reason in {"columns", "required", "code", "value", "too many", "twice", "cycle"}
    else:
        assert all(isinstance(row, UnitRow) and row.code and row.name and row.level for row in rows)


@settings(max_examples=150, deadline=None)
@given(rows=ROWS, delimiter=st.sampled_from([",", ";", "\t"]), bom=st.booleans())
def test_written_units_are_read_back(rows: list[tuple[str, str, str]], delimiter: str, bom: bool) -> None:
    """Rows written by a spreadsheet (quoted where needed) come back as they were, spaces folded, names composed."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(["code", "name", "level", "parent_code"])
    writer.writerows([[code, name, level, ""] for code, name, level in rows])
    data = ("\ufeff" if bom else "") + buffer.getvalue()
    read = csv_units_from(data.encode(), "written.csv")
    folded = [(code, unicodedata.normalize("NFC", " ".join(name.split())), level) for code, name, level in rows]
    assert sorted((row.code, row.name, row.level) for row in read) == sorted(folded)
