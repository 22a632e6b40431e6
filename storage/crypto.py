"""Encryption at rest for free-text notes that may hold opinions or beliefs (sensitive personal data under Law
91/2025/QH15 and Decree 356/2025/NĐ-CP).

The key comes from ``CAUNOI_DATA_KEY``: one or more Fernet keys separated by commas. The first encrypts; all are
tried for decryption, so a key can be rotated by putting the new one first and re-saving.
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class DataKeyError(ValueError):
    """Encrypted data cannot be read or written: no key, or not the key it was written with."""


class Cipher:
    def __init__(self, keys: str | None) -> None:
        parts = [part.strip() for part in (keys or "").split(",") if part.strip()]
        try:
            self._fernet = MultiFernet([Fernet(part.encode()) for part in parts]) if parts else None
        except ValueError as error:
            raise DataKeyError("CAUNOI_DATA_KEY is not a valid key (generate one: caunoi datakey new)") from error

    @property
    def available(self) -> bool:
        return self._fernet is not None

    def encrypt(self, value: dict[str, Any]) -> str:
        if self._fernet is None:
            raise DataKeyError("CAUNOI_DATA_KEY is not set: encrypted notes cannot be stored")
        return self._fernet.encrypt(json.dumps(value, ensure_ascii=False).encode()).decode()

    def decrypt(self, token: str) -> dict[str, Any]:
        if self._fernet is None:
            raise DataKeyError("CAUNOI_DATA_KEY is not set: encrypted notes cannot be read")
        try:
            return json.loads(self._fernet.decrypt(token.encode()))
        except InvalidToken as error:
            raise DataKeyError("CAUNOI_DATA_KEY does not open the stored notes (wrong key?)") from error


def new_key() -> str:
    return Fernet.generate_key().decode()
