from __future__ import annotations

import re
import unicodedata

from sqlalchemy import func, select

from engage.extensions import db


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60]


def slug_taken(model, slug: str, *, except_id: int | None = None) -> bool:
    query = select(func.count()).select_from(model).where(model.slug == slug)
    if except_id is not None:
        query = query.where(model.id != except_id)
    return db.session.scalar(query) > 0
