"""Column types, mixins and the clock shared by every domain. Times are stored in UTC; days and
months people see are Cremona's."""
from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, Enum, String, event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator


ROME = ZoneInfo("Europe/Rome")


def utcnow() -> datetime:
    return datetime.now(UTC)


def day_in_cremona(moment: datetime) -> date:
    """The calendar day people in Cremona live in: from 22:00 or 23:00 UTC it is already tomorrow."""
    return moment.astimezone(ROME).date()


def today_in_cremona() -> date:
    return day_in_cremona(utcnow())


class utc_hour(FunctionElement):  # noqa: N801 - used like func.date()
    """The UTC hour of a timestamp column, as 'YYYY-MM-DD HH' on both engines. Counting per hour
    lets Python put each hour on Cremona's calendar (summer time included), which SQLite cannot."""

    type = String()
    inherit_cache = True


@compiles(utc_hour, "sqlite")
def _utc_hour_on_sqlite(element, compiler, **kw):
    return f"strftime('%Y-%m-%d %H', {compiler.process(element.clauses, **kw)})"


@compiles(utc_hour, "postgresql")
def _utc_hour_on_postgresql(element, compiler, **kw):
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM-DD HH24')"


def day_in_cremona_of_utc_hour(hour: str) -> date:
    return day_in_cremona(datetime.fromisoformat(f"{hour}:00+00:00"))


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, returns aware UTC: SQLite keeps no zone, and we never want local time."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record):
    """WAL and a busy timeout let several processes share one SQLite file; foreign keys on.

    isolation_level=None plus the explicit BEGIN below gives SQLite real transactions
    (SQLAlchemy's documented recipe), which savepoints and the test fixtures rely on.
    """
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection):
    """Requests that write take SQLite's write lock up front (BEGIN IMMEDIATE), so concurrent
    writers queue on the busy timeout instead of failing when a read snapshot must upgrade."""
    if connection.dialect.name != "sqlite":
        return
    from flask import has_request_context, request

    writes = has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS")
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def str_enum(cls, length: int = 30) -> Enum:
    """Enums stored as their readable values in a VARCHAR: portable and easy to migrate."""
    return Enum(cls, native_enum=False, length=length, validate_strings=True,
                values_callable=lambda members: [m.value for m in members])
