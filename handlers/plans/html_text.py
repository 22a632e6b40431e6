"""The text of an HTML document, as Word saves it ("Web Page, Filtered") or a portal publishes it: one line per
paragraph, heading, list item and table cell, in reading order; styles, scripts and the head left out.

Word keeps automatic list numbers as text inside ``<![if !supportLists]>`` blocks, so "1." and "a)" survive here,
unlike python-docx's ``paragraph.text``. The charset comes from the document's own meta tag (Word writes
windows-1252 with Vietnamese letters as character references), else UTF-8, else the Vietnamese code page.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

BLOCKS = frozenset({"p", "div", "br", "tr", "td", "th", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "title",
                    "blockquote", "section", "article", "header", "footer", "ul", "ol", "dd", "dt"})  # fmt: skip
HIDDEN = frozenset({"style", "script", "head", "xml", "template"})
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_-]+)""", re.I)
MAX_CHARACTERS = 2_000_000  # a plan is tens of thousands; anything far larger is not one


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.hidden = 0

    def _break(self) -> None:
        line = re.sub(r"\s+", " ", "".join(self.current)).strip()
        if line:
            self.lines.append(line)
        self.current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in HIDDEN:
            self.hidden += 1
        elif tag in BLOCKS:
            self._break()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BLOCKS:
            self._break()

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in BLOCKS:
            self._break()

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.current.append(data.replace("\xa0", " "))


def decode(data: bytes) -> str:
    declared = _CHARSET.search(data[:4096])
    names = [declared.group(1).decode("ascii").lower()] if declared else []
    for name in [*names, "utf-8", "cp1258"]:
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("utf-8", errors="replace")


def html_text(data: bytes) -> str:
    parser = _Text()
    parser.feed(decode(data)[:MAX_CHARACTERS])
    parser.close()
    parser._break()
    return "\n".join(parser.lines)
