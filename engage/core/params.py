"""Turning what people (or robots) put in URLs and forms into ids and page numbers, safely.

Anything that is not a plain, reasonably sized number becomes None: never a 500.
"""
from __future__ import annotations

from flask import request
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1
MAX_PAGE = 100_000


def int_param(value, *, maximum: int = MAX_ID) -> int | None:
    if value is None:
        return None
    text = str(value).strip()
    if not text or len(text) > 10 or not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if 0 < number <= maximum else None


def page_param(name: str = "pagina") -> int:
    return int_param(request.args.get(name), maximum=MAX_PAGE) or 1


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: a number past the largest id a column can hold names nothing, so
    the route does not match (404) instead of the driver overflowing (a 500)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)
