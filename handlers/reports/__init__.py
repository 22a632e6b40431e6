"""Reports: activity reports, periodic reports and their schedules, progress, review, reminders and summaries."""

from __future__ import annotations

from bot.registry import Registry
from handlers.reports import (
    activity,
    api,
    cli,
    my_reports,
    periodic,
    progress,
    reminders,
    review,
    schedule_admin,
    summary,
    web_activity,
    web_pages,
    web_summary,
    web_unit,
)


def register(registry: Registry) -> None:
    for module in (
        activity,
        my_reports,
        periodic,
        progress,
        review,
        summary,
        schedule_admin,
        reminders,
        cli,
        web_pages,
        web_activity,
        web_unit,
        web_summary,
        api,
    ):
        module.register(registry)
