"""Log lines as JSON objects, one per line (``CAUNOI_LOG_FORMAT=json``), for a log collector that parses fields
rather than text. The fields are the text format's: time (UTC, ISO 8601), level, logger, message, and the
exception's traceback when there is one — nothing personal is logged in either form (``bot.cli``)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)
