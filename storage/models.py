"""Tables. Units form a tree of any depth; everything a person does is tied to a unit and audited."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.types import UTCDateTime, utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Unit(Base):
    """An MTTQ committee or member organisation at any level; ``level`` is a free label (province, commune …)."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    level: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str | None] = mapped_column(String(64))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # Merged into another unit (``storage.unit_merge``): no longer expected to report, invited or chosen; its row
    # stays for what could not move and for the history.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    merged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Person(Base):
    """Someone who uses the bot, bound to one unit with one role."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    language: Mapped[str] = mapped_column(String(8), default="vi")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # left: no longer uses the bot; records stay


class ChannelIdentity(Base):
    """One account on one messenger; many may point at the same person (Telegram and Zalo)."""

    __tablename__ = "channel_identities"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    display_name: Mapped[str | None] = mapped_column(String(255))
    language: Mapped[str | None] = mapped_column(String(8))
    unreachable_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    code_failures: Mapped[int] = mapped_column(Integer, default=0)
    code_window_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Conversation(Base):
    """Where a chat stands: the active flow, its draft answers and the id of the screen last shown."""

    __tablename__ = "conversations"

    identity_id: Mapped[int] = mapped_column(ForeignKey("channel_identities.id"), primary_key=True)
    flow: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    screen: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class ProcessedUpdate(Base):
    """Keys of inbound updates already handled, so a redelivery has no second effect."""

    __tablename__ = "processed_updates"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(96), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class Invite(Base):
    """A single-use code that binds whoever redeems it to a unit and role; only its hash is stored."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    role: Mapped[str] = mapped_column(String(16))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))


class ActivityKind(Base):
    """The editable catalogue of people-to-people diplomacy activity kinds."""

    __tablename__ = "activity_kinds"

    code: Mapped[str] = mapped_column(String(48), primary_key=True)
    name_vi: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str] = mapped_column(String(255))
    short_vi: Mapped[str | None] = mapped_column(String(48))  # on the choice screen of a phone; full names elsewhere
    short_en: Mapped[str | None] = mapped_column(String(48))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ActivityReport(Base):
    """One activity an officer reported; ``draft_key`` makes a double confirm save it once."""

    __tablename__ = "activity_reports"
    __table_args__ = (
        Index("ix_activity_reports_kind_date", "kind_code", "activity_date"),
        Index("ix_activity_reports_participants", "participants"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_key: Mapped[str] = mapped_column(String(36), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    kind_code: Mapped[str] = mapped_column(ForeignKey("activity_kinds.code"))
    activity_date: Mapped[date] = mapped_column(Date, index=True)
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    place: Mapped[str | None] = mapped_column(String(255))
    partner_country: Mapped[str | None] = mapped_column(String(8))
    partner_org: Mapped[str | None] = mapped_column(String(255))
    participants: Mapped[int] = mapped_column(Integer)
    participants_note: Mapped[str | None] = mapped_column(String(8))  # "about", "more", "less": how exact it is
    foreign_participants: Mapped[int | None] = mapped_column(Integer)
    money_vnd: Mapped[int | None] = mapped_column(BigInteger)
    form_name: Mapped[str] = mapped_column(String(64))
    form_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # " tuyen truyen bien dao": the folded words of title, place, partner and description, each after a space, that
    # the word index holds too (``storage.activity_words``); a search matches its other typed words on these
    search_words: Mapped[str | None] = mapped_column(Text)

    photos: Mapped[list[ActivityPhoto]] = relationship(
        order_by="ActivityPhoto.position", cascade="all, delete-orphan", lazy="selectin"
    )


class ActivityMonthTotal(Base):
    """The activities of one unit, one kind and one month, summed: kept by database triggers on
    ``activity_reports`` (migration 0019) in the same transaction as every insert, change and delete of a report,
    whichever code writes it, so that a province's summary adds up thousands of these instead of its reports.
    ``most_participants`` only grows: after a report is changed or deleted it is an upper bound, never less."""

    __tablename__ = "activity_month_totals"
    __table_args__ = (Index("ix_activity_month_totals_unit_month", "unit_id", "month_start"),)

    month_start: Mapped[date] = mapped_column(Date, primary_key=True)
    unit_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # no foreign key: rows outlive nothing they sum
    kind_code: Mapped[str] = mapped_column(String(48), primary_key=True)
    activities: Mapped[int] = mapped_column(Integer)
    participants: Mapped[int] = mapped_column(BigInteger)
    foreign_participants: Mapped[int] = mapped_column(BigInteger)
    money_vnd: Mapped[int] = mapped_column(BigInteger)
    most_participants: Mapped[int] = mapped_column(Integer)


class ActivityChange(Base):
    """One correction of a sent report by its reporter: the fields changed, each as [before, after]."""

    __tablename__ = "activity_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("activity_reports.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ActivityPhoto(Base):
    """A photo sent as evidence, kept as the channel's own file reference."""

    __tablename__ = "activity_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("activity_reports.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    file_ref: Mapped[str] = mapped_column(String(255))
    position: Mapped[int] = mapped_column(Integer)


class AuditEntry(Base):
    """Append-only record of who did or saw what; database triggers refuse updates and deletes, and each row is
    chained to the one before it (``storage.audit``), so a removed or altered row shows."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    actor_label: Mapped[str | None] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))


class OutboxMessage(Base):
    """A reply or notice waiting to reach a person; written in the same transaction as what caused it.
    ``priority`` 0 is a reply to someone in a conversation, 1 is bulk (broadcasts): replies never queue behind bulk."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "not_before"),
        Index("ix_outbox_queue", "status", "priority", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    identity_id: Mapped[int | None] = mapped_column(ForeignKey("channel_identities.id"), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    priority: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)


class BackgroundJob(Base):
    """Work too long for an update's transaction (a province's workbook, a Word draft, charts), asked for in one
    and done by whichever worker claims it: ``args`` say what to make (codes and keys, nothing personal), the
    person is told through the outbox. ``progress_ref`` is the platform's id of the one progress message that later
    updates edit ("-" once sent where messages cannot be edited)."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_queue", "status", "id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    args: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    identity_id: Mapped[int | None] = mapped_column(ForeignKey("channel_identities.id"))
    language: Mapped[str] = mapped_column(String(8), default="vi")
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued | running | done | failed
    progress: Mapped[int] = mapped_column(Integer, default=0)
    progress_ref: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    # asked for in the web console: the files made, kept in the file store for the page to offer (``jobs.WEB``)
    results: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)


class Webhook(Base):
    """A URL of another system (a province's own data system) that receives each new or changed report as signed
    JSON, through the outbox (channel ``webhook``): retried with back-off, in order, never in a reply's way."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    # signs each delivery (HMAC-SHA256); shown once when made, stored encrypted with the data key (``storage.webhooks``)
    secret: Mapped[str] = mapped_column(String(255))
    # the reports of this unit and the units below it only (a province's system); None: every report
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    created_by_label: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ClusterRun(Base):
    """When a periodic job last ran on any worker: each runs once per interval across the cluster."""

    __tablename__ = "cluster_runs"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_run_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OverseasRecord(Base):
    """A person from the commune living abroad (kiều bào) and their relative at home (thân nhân).

    ``name_key``/``relative_key`` hold the folded names that searches compare; ``notes_enc`` is the encrypted JSON
    of the free-text notes. Deleting on request empties every personal field and keeps the row as a tombstone.
    """

    __tablename__ = "overseas_records"
    __table_args__ = (Index("ix_overseas_identity", "unit_id", "name_key", "birth_year", "country"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_key: Mapped[str | None] = mapped_column(String(36), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    full_name: Mapped[str | None] = mapped_column(String(100))
    name_key: Mapped[str | None] = mapped_column(String(100))
    gender: Mapped[str | None] = mapped_column(String(16))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    country: Mapped[str | None] = mapped_column(String(8), index=True)
    city: Mapped[str | None] = mapped_column(String(255))
    abroad_since: Mapped[int | None] = mapped_column(Integer)
    group_code: Mapped[str | None] = mapped_column(String(32))
    association: Mapped[str | None] = mapped_column(String(255))
    contact: Mapped[str | None] = mapped_column(String(255))
    relative_name: Mapped[str | None] = mapped_column(String(100))
    relative_key: Mapped[str | None] = mapped_column(String(100))
    relationship: Mapped[str | None] = mapped_column(String(100))
    relative_address: Mapped[str | None] = mapped_column(String(255))
    relative_phone: Mapped[str | None] = mapped_column(String(16))
    relative_in_association: Mapped[str | None] = mapped_column(String(8))
    notes_enc: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="abroad")
    source: Mapped[str] = mapped_column(String(16), default="chat")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


WORD = String(32).with_variant(String(32, collation="C"), "postgresql")  # code-point order: a prefix is a range


class OverseasWord(Base):
    """One folded word of a live record's name (``part`` "n") or its relative's name ("r"), with what a search
    needs beside it — the record's unit, its sort key and the part's words — so that a search reads index entries
    only: the typed word leads as a prefix range, the others are matched on ``words``, and no record is read
    until the ten shown. Erased records have no words here."""

    __tablename__ = "overseas_words"
    __table_args__ = (
        PrimaryKeyConstraint("word", "part", "unit_id", "sort_key", "record_id", postgresql_include=["words"]),
        {"sqlite_with_rowid": False},  # SQLite: the rows are the key's b-tree; PostgreSQL: index-only scans
    )

    word: Mapped[str] = mapped_column(WORD)
    part: Mapped[str] = mapped_column(String(1))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    sort_key: Mapped[str] = mapped_column(String(100))
    # No index of its own: entries are removed by their whole key (``overseas.index_names``), and records are
    # never deleted (erasure keeps a tombstone), so nothing looks words up by record.
    record_id: Mapped[int] = mapped_column(ForeignKey("overseas_records.id", ondelete="CASCADE"))
    words: Mapped[str] = mapped_column(String(255))  # " nguyen van an": each word after a space


class ActivityWord(Base):
    """One folded word of an activity report's text, with the report's date: a word's entries come newest first, as
    *Hoạt động* lists them (``storage.activity_words``). No index by report: entries are removed by their whole key,
    known from the report's ``search_words`` and date before a change, and reports are never deleted."""

    __tablename__ = "activity_words"
    __table_args__ = (PrimaryKeyConstraint("word", "activity_date", "activity_id"), {"sqlite_with_rowid": False})

    word: Mapped[str] = mapped_column(WORD)
    activity_date: Mapped[date] = mapped_column(Date)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity_reports.id", ondelete="CASCADE"))


class OverseasChange(Base):
    """One field of one record changed: who, when, from what to what (notes: only that they changed)."""

    __tablename__ = "overseas_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("overseas_records.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    actor_label: Mapped[str | None] = mapped_column(String(255))
    field: Mapped[str] = mapped_column(String(32))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)


class OverseasImport(Base):
    """A checked spreadsheet waiting for the officer's confirmation (or being imported); its rows are dropped once
    imported or cancelled."""

    __tablename__ = "overseas_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[list[Any]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="checked")  # checked | importing | imported | …
    # a large import runs as a background job, batch by batch: how far it is, in the same transaction as each batch
    imported_rows: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    added: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ReportSchedule(Base):
    """A recurring report: who must send it (units of ``level`` under ``root_unit_id``), how often, and by when.

    The deadline is ``deadline_days_after`` the period's end, or a day and month (``deadline_day``/``deadline_month``);
    ``only_periods`` limits it to some periods of the year (e.g. [1]: the first half only)."""

    __tablename__ = "report_schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(48), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    period_type: Mapped[str] = mapped_column(String(8))
    level: Mapped[str] = mapped_column(String(32))
    root_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    deadline_days_after: Mapped[int | None] = mapped_column(Integer)
    deadline_day: Mapped[int | None] = mapped_column(Integer)
    deadline_month: Mapped[int | None] = mapped_column(Integer)
    only_periods: Mapped[list[int]] = mapped_column(JSON, default=list)
    remind_before: Mapped[list[int]] = mapped_column(JSON, default=lambda: [7, 3, 1, 0])
    remind_after: Mapped[list[int]] = mapped_column(JSON, default=lambda: [1, 3])
    plan_ref: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PeriodicReport(Base):
    """A unit's report for one period of a schedule: figures (pre-filled, confirmed), narrative, review status."""

    __tablename__ = "periodic_reports"
    __table_args__ = (UniqueConstraint("schedule_id", "period_key", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("report_schedules.id"))
    period_key: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    results: Mapped[str | None] = mapped_column(Text)
    difficulties: Mapped[str | None] = mapped_column(Text)
    proposals: Mapped[str | None] = mapped_column(Text)
    deadline: Mapped[date] = mapped_column(Date)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    first_submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    review_comment: Mapped[str | None] = mapped_column(Text)


class PeriodicReportEvent(Base):
    """Each step of a report's life — submitted, returned (with a comment), resubmitted, approved — who and when."""

    __tablename__ = "periodic_report_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("periodic_reports.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    actor_label: Mapped[str | None] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(Text)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ReminderLog(Base):
    """One reminder (or digest, or nudge) per (schedule, period, unit, kind, deadline), enforced by the database:
    two workers, a restart or a clock jump cannot send it twice. A changed deadline starts a fresh series."""

    __tablename__ = "reminder_log"
    __table_args__ = (UniqueConstraint("schedule_id", "period_key", "unit_id", "kind", "deadline"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("report_schedules.id"))
    period_key: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    kind: Mapped[str] = mapped_column(String(24))
    deadline: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recipients: Mapped[int] = mapped_column(Integer, default=0)


class LinkCode(Base):
    """A one-time code that joins a second messenger account to a person who is already registered."""

    __tablename__ = "link_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Plan(Base):
    """A plan or directive as read by the plan reader: its header, and the whole structure as JSON."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    doc_type: Mapped[str | None] = mapped_column(String(32))
    number: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    issued_on: Mapped[date | None] = mapped_column(Date)
    source_name: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    structure: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Broadcast(Base):
    """A message sent to an audience; each recipient's copy and acknowledgement are in ``broadcast_recipients``."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    sender_label: Mapped[str] = mapped_column(String(255))
    text: Mapped[str] = mapped_column(Text)
    document: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    audience: Mapped[dict[str, Any]] = mapped_column(JSON)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class BroadcastRecipient(Base):
    """One person's copy: the outbox message that carries it, and when they pressed "Đã nhận"."""

    __tablename__ = "broadcast_recipients"
    __table_args__ = (UniqueConstraint("broadcast_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    outbox_id: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PlanTask(Base):
    """Something a published plan asks of one level of units by a deadline (None: when an event happens), followed
    unit by unit in ``plan_task_units``."""

    __tablename__ = "plan_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    level: Mapped[str] = mapped_column(String(16))
    addressee: Mapped[str] = mapped_column(String(255))
    section: Mapped[str] = mapped_column(String(64))
    excerpt: Mapped[str] = mapped_column(Text)
    due: Mapped[date | None] = mapped_column(Date)
    wording: Mapped[str] = mapped_column(String(255))
    root_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PlanTaskUnit(Base):
    """One unit's share of a task: open until an officer of the unit closes it ("Đã hoàn thành"), with an optional
    short result and the activity report that carried it out."""

    __tablename__ = "plan_task_units"
    __table_args__ = (
        UniqueConstraint("task_id", "unit_id"),
        Index("ix_plan_task_units_unit_status", "unit_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("plan_tasks.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | done
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    result: Mapped[str | None] = mapped_column(Text)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activity_reports.id"))
    reminded: Mapped[str | None] = mapped_column(String(16))  # the last reminder sent: "-3", "0", "+1"


class PrivacyRequest(Base):
    """A data subject's request (Law 91/2025/QH15): to see, correct or erase their data, or to object; with the day it
    was received and the days by which it must be answered and done (Decree 356/2025/NĐ-CP)."""

    __tablename__ = "privacy_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(16))  # record | person
    subject_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # access | correct | erase | restrict | object | other
    detail: Mapped[str | None] = mapped_column(Text)
    received_on: Mapped[date] = mapped_column(Date)
    respond_by: Mapped[date] = mapped_column(Date)
    complete_by: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | done | refused
    created_by_label: Mapped[str | None] = mapped_column(String(255))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closing_note: Mapped[str | None] = mapped_column(Text)


class WebLink(Base):
    """A one-time sign-in link to the web console (only its token's hash is kept)."""

    __tablename__ = "web_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class WebSession(Base):
    """A signed-in web console session: its cookie token's hash, its CSRF token, idle and absolute ends."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    agent: Mapped[str] = mapped_column(String(255), default="")


class ApiToken(Base):
    """A person's token for the read-only data API (Power Query, Power BI, scripts): only its hash is kept; it reads
    what its person may read, and ends when revoked, when it expires, or when the person stops supervising."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
