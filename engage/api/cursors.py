"""Opaque keyset cursors: where the last item of a page stood in its list's order.

A cursor is base64url JSON, [order, first key, id]. It is not signed: a forged one can only
move a reader within public data. A cursor that does not decode, or belongs to another order,
is a bad parameter (400), never a server error.
"""
from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime


class BadCursor(ValueError):
    pass


def encode(order: str, key: tuple) -> str:
    first, id_ = key
    if isinstance(first, datetime):
        first = first.isoformat()
    raw = json.dumps([order, first, id_], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(order: str, token: str, *, first_is_time: bool = False) -> tuple:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        cursor_order, first, id_ = json.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        raise BadCursor(token) from None
    if cursor_order != order or not _is_int(id_):
        raise BadCursor(token)
    if first_is_time:
        if not isinstance(first, str):
            raise BadCursor(token)
        try:
            first = datetime.fromisoformat(first)
            if first.tzinfo is None:  # every time the API writes is UTC and says so
                raise BadCursor(token)
            first = first.astimezone(UTC)
        except (ValueError, OverflowError):
            raise BadCursor(token) from None
    elif not _is_int(first):
        raise BadCursor(token)
    return first, id_


def _is_int(value) -> bool:
    """Every key of these lists (ids, counts, the shuffled position) is a 32-bit integer column
    on PostgreSQL: a larger number in a forged cursor would fail in the database."""
    return isinstance(value, int) and not isinstance(value, bool) and -2**31 <= value < 2**31
