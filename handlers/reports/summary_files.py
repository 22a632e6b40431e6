"""The summary as files a district officer sends upward: an Excel workbook, a Word draft in the administrative format
of Decree 30/2020/NĐ-CP, and charts readable on a phone. Vietnamese throughout; dates and numbers through Babel."""

from __future__ import annotations

import asyncio
import csv
import io
import zipfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any

import xlsxwriter
from docx import Document as WordDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from bot.engine.countries import country_name
from bot.i18n import I18n
from handlers.reports.summary_figures import Summary
from storage.text import inert
from storage.types import VIETNAM

VI = I18n("vi")
BATCH = 5000  # activity rows written to the workbook at a time, in a thread
LISTED = 100_000  # activities listed in the workbook; beyond, the whole list comes as a zipped CSV beside it
UNIT_HEADERS = ["Mã đơn vị", "Đơn vị", "Cấp", "Số hoạt động", "Người tham gia", "Người nước ngoài, kiều bào",
                "Tiền, hàng vận động (đồng)", "Kiều bào thêm mới", "Hồ sơ kiều bào cập nhật"]  # fmt: skip
ACTIVITY_HEADERS = ["Ngày", "Mã đơn vị", "Đơn vị", "Loại hoạt động", "Tiêu đề", "Địa điểm", "Nước đối tác",
                    "Người tham gia", "Người nước ngoài, kiều bào", "Tiền, hàng vận động (đồng)"]  # fmt: skip


# ---- Excel -------------------------------------------------------------------------------------------------------


class _Sheet:
    """A sheet written row by row and never held whole (xlsxwriter's constant-memory mode): header row bold, frozen
    and filtered; dates day-first; column widths fitted to the first rows given, or typical widths for a stream."""

    def __init__(self, book: _Book, title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]],
                 widths: Sequence[int] | None = None) -> None:  # fmt: skip
        self.book, self.sheet = book, book.workbook.add_worksheet(title)
        if widths is None:
            widths = [len(header) + 2 for header in headers]
            for row in rows[:500]:
                for index, value in enumerate(row):
                    if value is not None:
                        widths[index] = max(widths[index], len(str(value)) + 2)
        for index, width in enumerate(widths):
            self.sheet.set_column(index, index, min(60, max(10, width)))
        self.sheet.freeze_panes(1, 0)
        self.sheet.write_row(0, 0, list(headers), book.bold)
        self.columns, self.count = len(headers), 0
        self.extend(rows)

    def extend(self, rows: Iterable[Sequence[Any]]) -> None:
        sheet, day, moment = self.sheet, self.book.day, self.book.moment
        write_string, write_number, write_datetime = sheet.write_string, sheet.write_number, sheet.write_datetime
        line = self.count
        for row in rows:
            line += 1
            for column, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, str):
                    write_string(line, column, inert(value))
                elif isinstance(value, date):
                    write_datetime(line, column, value, moment if isinstance(value, datetime) else day)
                else:
                    write_number(line, column, value)
        self.count = line

    def close(self) -> None:
        self.sheet.autofilter(0, 0, self.count, self.columns - 1)


class _Book:
    """The workbook and its few cell formats."""

    def __init__(self, buffer: io.BytesIO) -> None:
        self.workbook = xlsxwriter.Workbook(buffer, {"constant_memory": True})
        self.bold = self.workbook.add_format({"bold": True})
        self.day = self.workbook.add_format({"num_format": "dd/mm/yyyy"})
        self.moment = self.workbook.add_format({"num_format": "dd/mm/yyyy hh:mm"})


async def workbook(
    summary: Summary, activities: AsyncIterator[Any], periodic: list[tuple[Any, str, str]],
    register_by_country: list[tuple[str, str, int]], progress: Callable[[float], Awaitable[None]] | None = None,
) -> list[tuple[str, bytes]]:  # fmt: skip
    """The workbook — sheets: summary by unit, activities, periodic reports, completeness, overseas records counted
    — and, when the period has more than ``LISTED`` activities, the whole list as a zipped CSV beside it (a
    workbook of half a million rows is too slow to make and to open on an office PC). Activities are read in
    batches and written in a thread, so the event loop goes on answering others; ``progress`` hears how far it is.
    Returns (suffix, bytes) pairs: ``.xlsx`` first."""
    buffer = io.BytesIO()
    book = _Book(buffer)
    await _in_thread(book, "Tổng hợp theo đơn vị", UNIT_HEADERS, [
        [unit.code, unit.name, unit.level, unit.activities, unit.participants, unit.foreign_participants,
         unit.money_vnd, unit.overseas_added, unit.overseas_updated] for unit in summary.units
    ])  # fmt: skip

    total = summary.total("activities")
    listing = _Sheet(book, "Hoạt động", ACTIVITY_HEADERS, [], widths=[12, 11, 28, 34, 50, 28, 16, 14, 16, 18])
    full = _ZippedCsv("hoat-dong.csv", ACTIVITY_HEADERS) if total > LISTED else None
    names = summary.kind_names

    def write(batch: list[Any]) -> None:
        rows = [[day, code, unit, names.get(kind, kind), title, place,
                 country_name(country, "vi") if country else None, people, foreign, money]
                for day, code, unit, kind, title, place, country, people, foreign, money in batch]  # fmt: skip
        room = LISTED - listing.count
        listing.extend(rows[:room] if room < len(rows) else rows)
        if full is not None:
            full.extend(rows)

    written, batch = 0, []
    async for row in activities:
        batch.append(row)
        if len(batch) == BATCH:
            await asyncio.to_thread(write, batch)
            written, batch = written + len(batch), []
            if progress is not None:
                await progress(0.1 + 0.8 * min(1.0, written / max(1, total)))
    await asyncio.to_thread(write, batch)
    listing.close()
    if full is not None:
        more = total - listing.count
        note = f"… và {VI.number(more)} hoạt động nữa: danh sách đầy đủ ở tệp CSV gửi kèm (hoat-dong.csv, tệp .zip)."
        listing.sheet.write_string(listing.count + 2, 0, note)

    status = {"submitted": "Chờ duyệt", "approved": "Đã duyệt", "returned": "Bị trả lại"}
    await _in_thread(book, "Báo cáo định kỳ", ["Đơn vị", "Báo cáo", "Kỳ", "Trạng thái", "Nộp muộn", "Ngày nộp",
                                     "Số hoạt động", "Người tham gia", "Tiền, hàng vận động (đồng)",
                                     "Kết quả chủ yếu", "Khó khăn, hạn chế", "Đề xuất, kiến nghị"], [
        [unit, schedule, summary.period.label(VI), status.get(report.status, report.status),
         "Có" if report.late else "Không", report.first_submitted_at.astimezone(VIETNAM).replace(tzinfo=None),
         report.figures.get("activities"), report.figures.get("participants"), report.figures.get("money_vnd"),
         report.results, report.difficulties, report.proposals] for report, schedule, unit in periodic
    ])  # fmt: skip
    await _in_thread(book, "Tiến độ báo cáo", ["Báo cáo", "Kỳ", "Hạn nộp", "Phải nộp", "Đã nộp", "Đúng hạn",
                                               "Tỉ lệ nộp (%)", "Chưa nộp"], [
        [c.schedule, summary.period.label(VI), c.deadline, c.expected, c.submitted, c.on_time,
         round(100 * c.submitted / c.expected, 1) if c.expected else None, ", ".join(c.missing[:200])]
        for c in summary.completeness
    ])  # fmt: skip
    await _in_thread(book, "Kiều bào theo nước", ["Mã đơn vị", "Đơn vị", "Quốc gia", "Số kiều bào"], [
        [code, unit, country_name(country, "vi") if country else "", count]
        for code, unit, country, count in register_by_country
    ])  # fmt: skip
    await asyncio.to_thread(book.workbook.close)
    files = [(".xlsx", buffer.getvalue())]
    if full is not None:
        files.append(("-hoat-dong.csv.zip", await asyncio.to_thread(full.close)))
    return files


async def _in_thread(book: _Book, title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A whole small sheet, written in a thread (3,321 units' rows are tens of milliseconds of the loop's time)."""
    await asyncio.to_thread(lambda: _Sheet(book, title, headers, rows).close())


class _ZippedCsv:
    """A CSV (UTF-8 with a byte-order mark, so Excel reads the diacritics) written into a zip as it grows."""

    def __init__(self, name: str, headers: Sequence[str]) -> None:
        self.buffer = io.BytesIO()
        self.archive = zipfile.ZipFile(self.buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=6)
        self.stream = io.TextIOWrapper(self.archive.open(name, "w", force_zip64=True), encoding="utf-8-sig",
                                       newline="")  # fmt: skip
        self.writer = csv.writer(self.stream)
        self.writer.writerow(headers)

    def extend(self, rows: Iterable[Sequence[Any]]) -> None:
        self.writer.writerows(
            [value.isoformat() if isinstance(value, date) else inert(value) for value in row] for row in rows
        )

    def close(self) -> bytes:
        self.stream.close()
        self.archive.close()
        return self.buffer.getvalue()


# ---- Word --------------------------------------------------------------------------------------------------------


def _paragraph(document: Any, text: str, *, bold: bool = False, italic: bool = False, size: int = 14,
               align: Any = WD_ALIGN_PARAGRAPH.JUSTIFY, indent: bool = True) -> Any:  # fmt: skip
    paragraph = document.add_paragraph()
    paragraph.alignment = align
    if indent and align == WD_ALIGN_PARAGRAPH.JUSTIFY:
        paragraph.paragraph_format.first_line_indent = Cm(1.0)
    paragraph.paragraph_format.space_after = Pt(6)
    run = paragraph.add_run(text)
    run.bold, run.italic, run.font.size = bold, italic, Pt(size)
    return paragraph


def _cell(cell: Any, lines: Sequence[tuple[str, bool, bool]], size: int = 13) -> None:
    """Centred lines in a header cell: (text, bold, italic)."""
    cell.paragraphs[0].text = ""
    for index, (text, bold, italic) in enumerate(lines):
        paragraph = cell.paragraphs[0] if index == 0 else cell.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.space_after = Pt(0)
        run = paragraph.add_run(text)
        run.bold, run.italic, run.font.size = bold, italic, Pt(size)


def report_draft(summary: Summary, place: str, today: date) -> bytes:
    """BÁO CÁO in the Decree 30/2020/NĐ-CP layout: issuing body and number, the national motto, place and date,
    title and subject, the body, "Nơi nhận" and the signature block. Placeholders are dotted for the officer."""
    document = WordDocument()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(2)
    style = document.styles["Normal"]
    style.font.name, style.font.size = "Times New Roman", Pt(14)

    header = document.add_table(rows=1, cols=2)
    header.alignment = WD_TABLE_ALIGNMENT.CENTER
    _cell(header.rows[0].cells[0], [("ỦY BAN MTTQ VIỆT NAM", False, False), (summary.root_name.upper(), True, False),
                                    ("———", False, False), ("Số: ……/BC-MTTQ", False, False)])  # fmt: skip
    _cell(header.rows[0].cells[1], [("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", True, False),
                                    ("Độc lập - Tự do - Hạnh phúc", True, False), ("———————", False, False),
                                    (f"{place}, ngày {today.day:02d} tháng {today.month:02d} năm {today.year}",
                                     False, True)])  # fmt: skip
    document.add_paragraph()
    period = summary.period.label(VI)
    _paragraph(document, "BÁO CÁO", bold=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(document, f"Kết quả công tác đối ngoại nhân dân {period}", bold=True,
               align=WD_ALIGN_PARAGRAPH.CENTER)  # fmt: skip
    _paragraph(document, "———", align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(document, f"Thực hiện chương trình công tác, Ban Thường trực Ủy ban MTTQ Việt Nam {summary.root_name} "
                         f"báo cáo kết quả công tác đối ngoại nhân dân {period} (từ ngày {VI.date(summary.start)} "
                         f"đến ngày {VI.date(summary.end)}) như sau:")  # fmt: skip

    _paragraph(document, "I. KẾT QUẢ THỰC HIỆN", bold=True, indent=False)
    _paragraph(document, "1. Hoạt động đối ngoại nhân dân", bold=True)
    _paragraph(document, (f"Các đơn vị đã tổ chức {VI.number(summary.total('activities'))} hoạt động với "
                          f"{VI.number(summary.total('participants'))} lượt người tham gia, trong đó có "
                          f"{VI.number(summary.total('foreign_participants'))} lượt người nước ngoài, kiều bào; "
                          f"vận động được {VI.money(summary.total('money_vnd'))}."))  # fmt: skip
    for kind, count in sorted(summary.by_kind.items(), key=lambda item: -item[1]):
        _paragraph(document, f"- {summary.kind_names.get(kind, kind)}: {VI.number(count)} hoạt động.")
    if summary.notable:
        _paragraph(document, "Một số hoạt động tiêu biểu:", italic=True)
        for item in summary.notable:
            partner = f", với đối tác {country_name(item.partner_country, 'vi')}" if item.partner_country else ""
            _paragraph(document, f"- {item.title} ({item.unit}, ngày {VI.date(item.day)}{partner}; "
                                 f"{VI.number(item.participants)} người tham gia).")  # fmt: skip
    _paragraph(document, "2. Công tác người Việt Nam ở nước ngoài", bold=True)
    _paragraph(document, f"Các đơn vị đã bổ sung {VI.number(summary.total('overseas_added'))} kiều bào vào danh sách "
                         f"và cập nhật thông tin {VI.number(summary.total('overseas_updated'))} hồ sơ.")  # fmt: skip

    _paragraph(document, "II. KHÓ KHĂN, HẠN CHẾ", bold=True, indent=False)
    _narrative(document, [(n.unit, n.difficulties) for n in summary.narratives])
    _paragraph(document, "III. ĐỀ XUẤT, KIẾN NGHỊ", bold=True, indent=False)
    _narrative(document, [(n.unit, n.proposals) for n in summary.narratives])
    _paragraph(document, "IV. TÌNH HÌNH BÁO CÁO CỦA CÁC ĐƠN VỊ", bold=True, indent=False)
    if not summary.completeness:
        _paragraph(document, "Không có báo cáo định kỳ nào đến hạn trong kỳ.")
    for item in summary.completeness:
        missing = (f" Chưa nộp: {', '.join(item.missing[:30])}{' …' if len(item.missing) > 30 else ''}."
                   if item.missing else "")  # fmt: skip
        _paragraph(document, f"{item.schedule} (hạn {VI.date(item.deadline)}): {item.submitted}/{item.expected} "
                             f"đơn vị đã nộp, {item.on_time} đơn vị nộp đúng hạn.{missing}")  # fmt: skip
    _paragraph(document, f"Trên đây là báo cáo kết quả công tác đối ngoại nhân dân {period} của Ban Thường trực "
                         f"Ủy ban MTTQ Việt Nam {summary.root_name}./.")  # fmt: skip

    footer = document.add_table(rows=1, cols=2)
    left = footer.rows[0].cells[0]
    left.paragraphs[0].text = ""
    recipients = [("Nơi nhận:", True, True), ("- Ban Thường trực cấp trên;", False, False),
                  ("- ……;", False, False), ("- Lưu: VT.", False, False)]  # fmt: skip
    for index, (text, bold, italic) in enumerate(recipients):
        paragraph = left.paragraphs[0] if index == 0 else left.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(0)
        run = paragraph.add_run(text)
        run.bold, run.italic, run.font.size = bold, italic, Pt(12)
    _cell(footer.rows[0].cells[1], [("TM. BAN THƯỜNG TRỰC", True, False), ("CHỦ TỊCH", True, False),
                                    ("", False, False), ("", False, False), ("", False, False),
                                    ("……………………", True, False)])  # fmt: skip
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _narrative(document: Any, items: list[tuple[str, str | None]]) -> None:
    written = [(unit, text) for unit, text in items if text]
    if not written:
        _paragraph(document, "Các đơn vị chưa nêu (bổ sung nếu có).", italic=True)
    for unit, text in written:
        _paragraph(document, f"- {unit}: {text}")


# ---- charts ------------------------------------------------------------------------------------------------------

CHART_UNITS = 20


def activity_chart(summary: Summary) -> Any:
    """Horizontal bars, one per unit with activities (the largest 20, then "Các đơn vị khác"); a matplotlib Figure."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    units = sorted((u for u in summary.units if u.activities), key=lambda u: (-u.activities, u.name))
    labels = [u.name for u in units[:CHART_UNITS]]
    values = [u.activities for u in units[:CHART_UNITS]]
    if len(units) > CHART_UNITS:
        labels.append(f"{len(units) - CHART_UNITS} đơn vị khác")
        values.append(sum(u.activities for u in units[CHART_UNITS:]))
    figure = Figure(figsize=(7.2, max(3.0, 0.42 * len(labels) + 1.6)), dpi=150)
    axes = figure.subplots()
    bars = axes.barh(labels[::-1], values[::-1], color="#c0392b")
    axes.bar_label(bars, padding=3, fontsize=10)
    axes.set_title(f"Số hoạt động đối ngoại nhân dân — {summary.period.label(VI)}\n{summary.root_name}", fontsize=12)
    axes.set_xlabel("Số hoạt động")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.tick_params(axis="y", labelsize=10)
    axes.spines[["top", "right"]].set_visible(False)
    if not labels:
        axes.text(0.5, 0.5, "Chưa có hoạt động nào trong kỳ", ha="center", va="center", transform=axes.transAxes)
    figure.tight_layout()
    return figure


def completeness_chart(history: list[tuple[str, float | None]], root_name: str) -> Any:
    """One bar per period of the last year: the share of expected reports that were submitted."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7.2, 4.2), dpi=150)
    axes = figure.subplots()
    labels = [label for label, _ in history]
    values = [value or 0.0 for _, value in history]
    bars = axes.bar(labels, values, color="#2471a3")
    axes.bar_label(bars, labels=[f"{value:.0f}%" if value is not None else "—" for _, value in history], padding=3)
    axes.set_ylim(0, 110)
    axes.set_ylabel("Tỉ lệ đơn vị đã nộp (%)")
    axes.set_title(f"Tiến độ nộp báo cáo định kỳ — {root_name}", fontsize=12)
    axes.tick_params(axis="x", labelsize=9, rotation=15)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    return figure


def png(figure: Any) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
