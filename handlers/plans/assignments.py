"""Who is asked to do what, by when: a plan's assignments, each an excerpt for its addressee with its deadlines.

Plans assign in two ways, often both. Task blocks in the content sections — a task, then "Cơ quan chủ trì: …"
(or "Đơn vị chủ trì thực hiện", "Cơ quan thực hiện"), then "Thời gian thực hiện: …" — and the items of the organising
section ("Tổ chức thực hiện", "Trách nhiệm"), whose addressee is the item's heading ("2. Bộ Quốc phòng"), its
subject ("Sở Tư pháp chủ trì …", "Các xã, phường xây dựng …") or whom it asks ("Đề nghị …", "Giao …", "Đối với …").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from handlers.plans.dates import Found, in_time_line, time_value
from storage.text import fold

LEVEL_CUES = (  # (unit level, folded words that name addressees of that level)
    ("commune", ("cac xa", "cap xa", "xa, phuong", "xa, thi tran", "phuong, xa", "cac phuong", "thon", "ap",
                 "to dan pho", "ban cong tac mat tran", "dac khu")),
    ("district", ("cac huyen", "huyen, thi xa", "cap huyen", "quan, huyen", "huyen, thanh", "thanh, thi")),
    ("province", ("cap tinh", "cac so", "so, ban, nganh", "so, nganh", "tinh uy", "thanh uy", "ban chi dao cac tinh",
                  "ubnd tinh", "uy ban nhan dan tinh", "cac tinh")),
    ("member", ("to chuc thanh vien", "doan the", "chinh tri - xa hoi", "chinh tri xa hoi", "lien hiep cac to chuc",
                "hoi huu nghi")),
    ("standing", ("ban thuong truc", "thuong truc uy ban", "ban dan chu", "ban tuyen giao", "van phong")),
)  # fmt: skip


@dataclass
class Excerpt:
    addressee: str
    levels: list[str]
    section: str
    text: str
    deadlines: list[Found] = field(default_factory=list)


@dataclass
class Line:
    """One logical line of the body, where it sits, and whether it opens a heading (and of which level)."""

    text: str
    path: str
    level: int | None = None  # None for text and bullets


def levels_of(addressee: str) -> list[str]:
    """The kinds of addressee named: commune, district, province, member (organisations), standing (the committee)."""
    folded = fold(addressee)
    return [level for level, cues in LEVEL_CUES
            if any(re.search(rf"(?<!\w){re.escape(cue)}(?!\w)", folded) for cue in cues)]  # fmt: skip


_ROLE = re.compile(  # "- Cơ quan chủ trì: …", "a) Đơn vị chủ trì tham mưu thực hiện: …", "2. Chủ trì thực hiện"
    r"^(?:[-–+•]\s*)?(?:[a-zđ]\)\s*|\d{1,2}\.\s*)?(?:(?:Cơ quan|Đơn vị)\s+)?(?:chủ trì|thực hiện)"
    r"(?:\s+(?:tham mưu\s+)?(?:thực hiện|triển khai))?\s*(?::\s*(.*)|$)",
    re.IGNORECASE,
)
_HELPER = re.compile(r"\bphối hợp\b", re.IGNORECASE)
_VERB = re.compile(
    r"\s(?:chủ trì|là cơ quan|lãnh đạo|chỉ đạo|phát huy|xây dựng|báo cáo|chịu trách nhiệm|có trách nhiệm|phối hợp|"
    r"triển khai|hướng dẫn|thực hiện|tham mưu|kịp thời|căn cứ|theo dõi|tăng cường|kiện toàn|bố trí|cụ thể hóa|"
    r"tổ chức|tiến hành|chủ động|nghiên cứu|rà soát|đôn đốc|quan tâm|tập trung|giúp|ưu tiên|tiếp tục|bảo đảm|"
    r"đảm bảo|trên cơ sở|tích cực|khẩn trương|nghiêm túc|phụ trách)\b",
    re.IGNORECASE,
)
_CLOSING = re.compile(r"^(?:Trên đây là|Trên đây|Nhận được (?:kế hoạch|văn bản|công văn) này|Trong quá trình)",
                      re.IGNORECASE)  # fmt: skip
_REQUEST = re.compile(r"^(?:Đề nghị|Giao|Yêu cầu|Đối với)\s", re.IGNORECASE)
_NOT_ADDRESSEE = re.compile(
    r"^(?:Kinh phí|Chế độ (?:thông tin,? )?báo cáo|Thời gian|Tiến độ|Hồ sơ|Tài liệu|Lưu ý|Nội dung|Nhiệm vụ|Mục đích|"
    r"Yêu cầu|Phân công|Cơ quan phối hợp|Đơn vị phối hợp|Trong quá trình|Trên đây|Sơ kết|Tổng kết|Khen thưởng|"
    r"Công tác|Chế độ)\b", re.IGNORECASE)  # fmt: skip
_AGENCY = re.compile(  # what an addressee's name starts with
    r"^(?:Các |(?:Thủ trưởng|Lãnh đạo|Người đứng đầu) (?:các )?)?(?:Chuyên viên|Cán bộ|Công chức|Sở|Ủy ban|Uỷ ban|"
    r"UBND|Ban|Bộ|Công an|Văn phòng|Đảng ủy|Hội|Mặt trận|MTTQ|Đoàn|Báo|Đài|Trung tâm|Cơ quan|Đơn vị|Chi bộ|Tỉnh ủy|"
    r"Thành ủy|Huyện ủy|Cấp ủy|Thường trực|Liên hiệp|Tổ chức (?:chính trị|thành viên|xã hội|đoàn thể|hội|Đảng|cơ sở)|"
    r"Phòng|Trường|Bảo hiểm|Ngân hàng|Kho bạc|Cục|Chi cục|Tòa án|Viện|Bộ Chỉ huy|Thôn|Trưởng|địa phương|Chủ tịch|"
    r"Tiểu ban|Hội đồng|Tổ )",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"^(?:[IVXLC]+|[A-DĐ]|\d{1,2}(?:\.\d{1,2})*|[a-zđ])\s*[.)\-–]\s*|^\((?:[ivx]+|[a-zđ])\)\s*")


def unnumbered(sentence: str) -> str:
    """A sentence without the heading number it may start with ("2) …", "1.1 …", "(i) …", "IV. …")."""
    return _NUMBER.sub("", sentence, count=1)


_AFTER = re.compile(
    r"^(?:[-–+•]\s*)?(?:[a-zđ]\)\s*)?(?:(?:Cơ quan|Đơn vị) phối hợp|Phối hợp|Kết quả|Sản phẩm)\b", re.IGNORECASE
)  # what follows a task's role and time, still the task's
_PART = re.compile(
    r"^(?:Nhiệm vụ|Nội dung|Cơ quan|Đơn vị|Thời gian|Thời hạn|Tiến độ|Chủ trì|Phối hợp|Sản phẩm|"
    r"Kết quả|Hình thức|Biện pháp)\b",
    re.IGNORECASE,
)  # a task's parts: "a) Nhiệm vụ", "b) Cơ quan …"


def task_blocks(lines: list[Line], reference: date | None) -> list[Excerpt]:
    """The tasks of the content sections: the section a role line sits in (climbing over the task's own parts,
    "2. Cơ quan chủ trì, phối hợp"), up to its time line, for whoever the role line names."""
    heads = {line.path: line.text for line in lines if line.level is not None}

    def task_of(path: str) -> str:
        parts = path.split(" ")
        while parts and _PART.match(unnumbered(heads.get(" ".join(parts), ""))):
            parts.pop()
        return " ".join(parts)

    segments: list[tuple[str, list[Line]]] = []
    ended = True
    for line in lines:
        key = task_of(line.path)
        if (ended and not _AFTER.match(line.text)) or key != segments[-1][0]:
            segments.append((key, []))
        segments[-1][1].append(line)
        role, time = _roles(segments[-1][1])
        ended = bool(role and time)  # a task is whole with whom and when (in either order), and what follows them
    excerpts: list[Excerpt] = []
    waiting: list[tuple[str, list[Line]]] = []  # role-less segments that may be the start of the next task
    for key, segment in segments:
        role, time = _roles(segment)
        if not role:
            waiting = [*waiting, (key, segment)] if not time else []
            continue
        before = [line for wkey, wseg in waiting if wkey.startswith(key) for line in wseg]
        whole = "; ".join(role)
        times = in_time_line(time_value(time.text) or "", unnumbered(time.text), reference, time.path) if time else []
        deadlines = [found for found in times if found.kind == "deadline"]
        body = "\n".join(line.text for line in [*before, *segment])
        excerpts.append(Excerpt(_short(whole), levels_of(whole), key, body, deadlines))
        waiting = []
    return excerpts


def _roles(segment: list[Line]) -> tuple[list[str], Line | None]:
    """Whom a task's role lines name ("Cơ quan chủ trì: …", or the bullets under "a) Cơ quan chủ trì"), and its
    time line."""
    role: list[str] = []
    time: Line | None = None
    collecting = False
    for line in segment:
        if time_value(line.text):
            time = line
            collecting = False
            continue
        match = _ROLE.match(line.text)
        if match and not _HELPER.search(line.text.split(":", 1)[0]):
            named = (match.group(1) or "").strip(" .;")
            role += [named] if named else []
            collecting = not named
        elif collecting and line.level is None and line.text.startswith(("- ", "+ ", "• ")):
            role.append(line.text[2:].strip(" .;"))
        else:
            collecting = False
    return role, time


def _short(role: str) -> str:
    """The addressee a role line names, without what follows it: "Sở Nội vụ chủ trì tham mưu …" → "Sở Nội vụ"."""
    return subject(re.split(r"\s*;\s*", role, maxsplit=1)[0])


_NAMES = {
    "chỉ đạo": ("ban",),
    "tổ chức": ("các", "những", "và", "cơ", "tổ", "ban"),
    "chủ trì": ("được giao",),
    "thực hiện": ("được giao",),
}  # a verb that is part of a name: "Ban Chỉ đạo", "các tổ chức thành viên"


def subject(text: str) -> str:
    """The words before the sentence's verb: "Sở Tư pháp theo dõi, đôn đốc …" → "Sở Tư pháp"."""
    for match in _VERB.finditer(text):
        before = text[: match.start()].split()
        verb = match.group(0).strip().lower()
        if len(before) < 2 and not text[:1].islower():
            continue
        tail = {" ".join(before[-n:]).lower() for n in (1, 2)}
        if tail & set(_NAMES.get(verb, ())):
            continue
        return text[: match.start()].strip(" ,.:;")[:200]
    return text.strip(" ,.:;")[:200]


def organising_items(items: list[tuple[str, str, str]], dates: list[Found]) -> list[Excerpt]:
    """Excerpts of the organising section: (section path, heading or first line, body) each, for its addressee."""
    excerpts = []
    for section, head, body in items:
        head = unnumbered(head).strip()
        head = re.sub(r"^Trách nhiệm (?:của )?|^(?:Căn cứ|Trên cơ sở)\s[^,]{0,120},\s*", "", head, flags=re.IGNORECASE)
        if not head or _NOT_ADDRESSEE.match(head) or _CLOSING.match(head):
            continue
        match = re.match(
            r"^(?:Đối với|Giao cho|Giao)\s+(.+?)(?::|$|;|\s(?=chủ trì|theo dõi|thực hiện|xây dựng))",
            head,
            re.IGNORECASE,
        ) or re.match(r"^(?:Đề nghị|Yêu cầu)\s+(.+?)(?=[:;]|$)", head, re.IGNORECASE)
        addressee = match.group(1) if match else head
        if match and (then := re.search(r"\sthì\s+(.+)$", head)):  # "Đối với vụ việc … thì cơ quan … xử lý"
            addressee = then.group(1)
        if not match and not _AGENCY.match(addressee):
            continue  # a paragraph that asks no one ("Bố trí kinh phí …", "Tập trung triển khai …")
        addressee = subject(addressee)
        if not addressee:
            continue
        levels = levels_of(addressee) or levels_of(head)
        deadlines = [found for found in dates if found.kind == "deadline" and unnumbered(found.sentence) in body]
        excerpts.append(Excerpt(addressee, levels, section, body, deadlines))
    return excerpts


def split_requests(text: list[str]) -> tuple[list[str], list[str]]:
    """A section's own paragraphs, and those that ask someone else ("Đề nghị …", "Giao …"): each of these is an
    excerpt of its own. The closing formula ("Trên đây là kế hoạch …") and what follows it belong to nobody."""
    own: list[str] = []
    requests: list[str] = []
    for paragraph in text:
        if _CLOSING.match(paragraph):
            break
        (requests if _REQUEST.match(paragraph) else own).append(paragraph)
    return own, requests
