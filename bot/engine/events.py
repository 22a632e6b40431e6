"""What channels hand to the engine: one neutral inbound event per platform update."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Attachment:
    """A file someone sent: the channel's reference to fetch it by, its name and (if known) its size in bytes."""

    ref: str
    filename: str
    size: int | None = None


@dataclass(frozen=True)
class Inbound:
    """``update_key`` is unique per channel (Telegram update_id, Zalo message_id) and makes redelivery harmless."""

    channel: str
    user_id: str
    chat_id: str
    update_key: str
    text: str | None = None
    callback: str | None = None
    photo: str | None = None
    attachment: Attachment | None = None
    unsupported: bool = False
    display_name: str | None = None
    language_code: str | None = None
    membership: str | None = None  # "left" (the person blocked the bot) or "joined" (unblocked it): no reply

    @property
    def command(self) -> tuple[str, str] | None:
        """("baocao", "args") for "/baocao args" or "/baocao@CauNoiBot args"; None for other text."""
        if not self.text or not self.text.startswith("/"):
            return None
        head, _, args = self.text[1:].strip().partition(" ")
        name = head.split("@", 1)[0].lower()
        return (name, args.strip()) if name else None


def callback_data(screen: int, key: str) -> str:
    """Button payload: the screen it belongs to and the option key; well under Telegram's 64 bytes."""
    return f"{screen}:{key}"


def parse_callback(data: str) -> tuple[int, str] | None:
    screen, sep, key = data.partition(":")
    if not sep or not screen.isdecimal() or not key:
        return None
    return int(screen), key
