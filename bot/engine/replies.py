"""What the engine says, as neutral objects: channels decide how buttons, numbering and formatting look."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SCREEN_LIMIT = 300  # characters of a screen as a buttonless channel shows it (title, text, choices, hint)
READING_LIMIT = 700  # a review, a record, a page of a plan or of a progress table


@dataclass(frozen=True)
class Option:
    """A choice on a screen. ``nav`` marks navigation (back, skip, cancel) that buttonless channels list as words."""

    key: str
    label: str
    nav: bool = False


@dataclass(frozen=True)
class Document:
    """A file to hand over; small by design (exports, templates)."""

    filename: str
    content_b64: str
    caption: str = ""
    image: bool = False  # a picture (a chart): shown as a photo where the channel can


@dataclass(frozen=True)
class Reply:
    """One message. ``rows`` are button rows; ``screen`` scopes their callbacks so old buttons are recognised."""

    text: str
    title: str = ""
    rows: tuple[tuple[Option, ...], ...] = ()
    screen: int | None = None
    typed_hint: str = ""
    photo: str | None = None
    document: Document | None = None
    commands: tuple[tuple[str, str], ...] | None = None  # the person's command menu: set where the channel has one
    reading: bool = False  # a review or a page to read: up to READING_LIMIT characters, other screens SCREEN_LIMIT
    progress: int | None = None  # a background job's progress message: sent once, then edited where channels can

    @property
    def choices(self) -> list[Option]:
        """Non-navigation options in display order: the ones a typed number refers to."""
        return [option for row in self.rows for option in row if not option.nav]

    def to_json(self) -> dict[str, Any]:
        """Written out field by field: ``dataclasses.asdict`` deep-copies every value and cost more than the rest of
        queuing a reply."""
        document = self.document
        return {
            "text": self.text, "title": self.title,
            "rows": [[{"key": o.key, "label": o.label, "nav": o.nav} for o in row] for row in self.rows],
            "screen": self.screen, "typed_hint": self.typed_hint, "photo": self.photo,
            "commands": None if self.commands is None else [list(pair) for pair in self.commands],
            "reading": self.reading, "progress": self.progress,
            "document": None if document is None else {"filename": document.filename, "content_b64":
                                                        document.content_b64, "caption": document.caption,
                                                        "image": document.image},
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reply:
        rows = tuple(tuple(Option(**option) for option in row) for row in data.get("rows", ()))
        document = Document(**data["document"]) if data.get("document") else None
        return cls(
            text=data["text"],
            title=data.get("title", ""),
            rows=rows,
            screen=data.get("screen"),
            typed_hint=data.get("typed_hint", ""),
            photo=data.get("photo"),
            document=document,
            commands=None if data.get("commands") is None else tuple((n, d) for n, d in data["commands"]),
            reading=bool(data.get("reading")),
            progress=data.get("progress"),
        )
