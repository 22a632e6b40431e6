"""The plan reader: golden results on the three seed plans, plans written here in other styles (other numbering, no
year, broken lines, page headers), and any text at all without an exception."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from docx import Document as WordDocument
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.plans.documents import document_text
from handlers.plans.reader import read_plan

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def seed(name: str) -> str:
    return (SEEDS / f"{name}.txt").read_text(encoding="utf-8")


def test_tam_ky_plan() -> None:
    plan = read_plan(seed("ke-hoach-tam-ky-2024"))
    assert (plan.place, plan.issued_on, plan.doc_type, plan.number) == ("Tam Kỳ", date(2024, 3, 22), "KẾ HOẠCH", None)
    assert plan.title.startswith("Triển khai thực hiện một số nhiệm vụ trọng tâm công tác đối ngoại nhân dân")
    assert [line[:10] for line in plan.basis[:2]] == ["Căn cứ Kế ", "Thực hiện "]
    assert [f"{s.number} {s.title}" for s in plan.sections] == [
        "I. MỤC ĐÍCH, YÊU CẦU", "II. NỘI DUNG TRỌNG TÂM", "III. TỔ CHỨC THỰC HIỆN"]  # fmt: skip
    content = plan.sections[1]
    assert [c.title for c in content.children] == ["Công tác đối ngoại nhân dân",
                                                   "Công tác đối với người Việt Nam ở nước ngoài"]  # fmt: skip
    assert [c.number for c in content.children[1].children] == ["2.1", "2.2", "2.3", "2.4", "2.5", "2.6"]
    first = content.children[0].children[0]
    assert "Kết luận số 12-KL/TW, ngày 12/8/2021" in first.title  # a line broken over a page break, joined
    communes = next(e for e in plan.excerpts if "commune" in e.levels)
    assert communes.addressee == "Ban Thường trực Ủy ban MTTQ Việt Nam các xã, phường"
    assert [(d.on, d.rhythm) for d in communes.deadlines] == [(date(2024, 6, 10), "half"), (date(2024, 11, 10), "year")]
    members = next(e for e in plan.excerpts if "member" in e.levels)
    assert [d.on for d in members.deadlines] == [date(2024, 11, 10)]
    kinds = {(d.kind, d.text) for d in plan.dates}
    assert ("citation", "05/01/2022") in kinds and ("citation", "13/3/2024") in kinds
    assert not any(d.kind == "deadline" and d.on and d.on.year < 2024 for d in plan.dates)
    assert any(d.kind == "rhythm" and d.rhythm == "half" for d in plan.dates)
    assert plan.recipients[-1] == "Lưu: VP" and plan.signer[:2] == ["TM. BAN THƯỜNG TRỰC", "PHÓ CHỦ TỊCH"]


def test_nghe_an_plan() -> None:
    plan = read_plan(seed("ke-hoach-nghe-an-chi-thi-12"))
    assert plan.doc_type == "KẾ HOẠCH" and plan.issued_on == date(2022, 8, 18) and plan.number == "3541"
    assert plan.title.startswith("triển khai thực hiện Chỉ thị số 12-CT/TW")
    assert [s.number for s in plan.sections] == ["I.", "II.", "III."]  # "I-" counts as a Roman heading
    assert len(plan.sections[1].children) == 7 and len(plan.sections[1].children[2].bullets) >= 5
    addressees = [e.addressee for e in plan.excerpts]
    assert "Ủy ban Mặt trận Tổ quốc và các tổ chức chính trị - xã hội cấp tỉnh" in addressees[2]
    assert all(d.kind == "citation" for d in plan.dates if d.on and d.on.year < 2022)
    assert any(d.kind == "rhythm" and d.rhythm == "year" for d in plan.dates)  # "định kỳ hằng năm báo cáo"
    assert plan.signer == ["Nguyễn Văn Thông"] and "Lưu Văn phòng Tỉnh ủy" in plan.recipients[-1]


def test_khanh_hoa_plan() -> None:
    plan = read_plan(seed("ke-hoach-khanh-hoa-chi-thi-12"))
    assert plan.doc_type == "KẾ HOẠCH" and plan.issued_on is None
    assert plan.title.startswith("Triển khai Chỉ thị số 12-CT/TW ngày 05/01/2022")
    assert [s.title for s in plan.sections][2] == "TỔ CHỨC THỰC HIỆN" and len(plan.sections[1].children) == 7
    assert "district" in plan.excerpts[1].levels and "member" in plan.excerpts[1].levels
    assert {d.kind for d in plan.dates if d.on} == {"citation"}  # every date here cites another document
    assert plan.signer == ["TM. BAN THƯỜNG TRỰC", "CHỦ TỊCH", "Trần Ngọc Thanh"]


OTHER_STYLE = """UỶ BAN MTTQ VIỆT NAM
PHƯỜNG HẢI CHÂU
Số: 15/KH-MTTQ

Hải Châu, ngày 3 tháng 2 năm 2026

CHỈ THỊ
Về tăng cường công tác vận động kiều bào
dịp Tết Bính Ngọ

Căn cứ Hướng dẫn số 87/HD-MTTW-BTT ngày 14/9/2022;

I - NHIỆM VỤ
1) Rà soát danh sách kiều bào về quê ăn Tết
(i) lập danh sách trong tháng 02/2026;
(ii) gặp mặt kiều bào ngày 20 tháng 2.
Trang 2
a) Tổ chức thăm hỏi các gia đình có thân nhân ở nước ngoài, hoàn thành
trước ngày 28/2.
II - TỔ CHỨC THỰC HIỆN
1) Đối với các tổ dân phố: báo cáo hằng tháng, quý về Ban Thường trực trước ngày 25 hằng tháng.
2) Đối với Ban Thường trực Ủy ban MTTQ các xã, phường: tổng hợp báo cáo năm trước ngày 15/12.
Nơi nhận:
- Như trên;
- Lưu VT.
TM. BAN THƯỜNG TRỰC
CHỦ TỊCH
Lê Thị Hoa
"""


def test_a_plan_in_another_style() -> None:
    plan = read_plan(OTHER_STYLE)
    assert plan.doc_type == "CHỈ THỊ" and plan.number == "15/KH-MTTQ" and plan.issued_on == date(2026, 2, 3)
    assert plan.issuer == ["UỶ BAN MTTQ VIỆT NAM", "PHƯỜNG HẢI CHÂU"]
    assert plan.title == "Về tăng cường công tác vận động kiều bào dịp Tết Bính Ngọ"
    duties = plan.sections[0].children[0]
    assert duties.number == "1." and [c.number for c in duties.children] == ["(i)", "(ii)", "(a)"]
    assert "hoàn thành trước ngày 28/2" in duties.children[2].title  # the broken line is one sentence again
    found = {(d.kind, d.on) for d in plan.dates}
    assert ("deadline", date(2026, 2, 28)) in found  # no year written: the document's year
    assert ("event", date(2026, 2, 20)) in found and ("citation", date(2022, 9, 14)) in found
    assert ("deadline", date(2026, 2, 28)) in found  # "lập danh sách trong tháng 02/2026": due by its last day
    assert any(d.period == "2026-02" and d.kind == "deadline" for d in plan.dates)
    hamlets, communes = (e for e in plan.excerpts if "commune" in e.levels)  # tổ dân phố: through their commune
    assert hamlets.addressee == "các tổ dân phố" and [(d.on, d.rhythm) for d in hamlets.deadlines] == [(None, "month")]
    assert [(d.on, d.rhythm) for d in communes.deadlines] == [(date(2026, 12, 15), "year")]
    assert plan.signer[-1] == "Lê Thị Hoa"


def test_a_word_plan_with_a_header_table() -> None:
    document = WordDocument()
    header = document.add_table(rows=1, cols=2)
    header.rows[0].cells[0].text = "ỦY BAN MTTQ VIỆT NAM\nPHƯỜNG HẢI CHÂU\nSố: 15/KH-MTTQ"
    header.rows[0].cells[
        1
    ].text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\nHải Châu, ngày 3 tháng 2 năm 2026"
    for line in ("KẾ HOẠCH", "Gặp mặt kiều bào dịp Tết Bính Ngọ", "I. NỘI DUNG", "1. Rà soát danh sách kiều bào.",
                 "II. TỔ CHỨC THỰC HIỆN", "1. Đối với các xã, phường: báo cáo kết quả năm trước ngày 15/12."):  # fmt: skip
        document.add_paragraph(line)
    table = document.add_table(rows=2, cols=2)  # a table in the body: its cells are read in place
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Nội dung", "Thời gian"
    table.rows[1].cells[0].text, table.rows[1].cells[1].text = "Gặp mặt", "ngày 20/2/2026"
    buffer = io.BytesIO()
    document.save(buffer)
    plan = read_plan(document_text("ke-hoach.docx", buffer.getvalue()))
    assert (plan.number, plan.place, plan.issued_on) == ("15/KH-MTTQ", "Hải Châu", date(2026, 2, 3))
    assert (
        plan.issuer == ["ỦY BAN MTTQ VIỆT NAM", "PHƯỜNG HẢI CHÂU"] and plan.title == "Gặp mặt kiều bào dịp Tết Bính Ngọ"
    )
    communes = next(e for e in plan.excerpts if "commune" in e.levels)
    assert [(d.on, d.rhythm) for d in communes.deadlines] == [(date(2026, 12, 15), "year")]
    assert ("event", date(2026, 2, 20)) in {(d.kind, d.on) for d in plan.dates}


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=3000))
def test_any_text_reads_without_error(text: str) -> None:
    plan = read_plan(text)
    plan.to_json()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["KẾ HOẠCH", "I. MỤC ĐÍCH", "1. Nội dung", "1.1 Việc", "(i) việc", "- gạch đầu dòng",
                                 "III. TỔ CHỨC THỰC HIỆN", "Đối với các xã, phường: báo cáo trước ngày 31/2.",
                                 "ngày 10 tháng 13 năm 2024", "Nơi nhận:", "", "## **II- NỘI DUNG**", "tháng 0/2024"]),
                max_size=40))  # fmt: skip
def test_plan_shaped_text_reads_without_error(lines: list[str]) -> None:
    read_plan("\n".join(lines)).to_json()
