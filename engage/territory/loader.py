"""Load the 113 comuni (ISTAT code, name, 2021 resident population). Idempotent."""
from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import select

from engage.extensions import db
from engage.territory.models import Comune

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "comuni.csv"


def load_comuni(path: Path = DATA_FILE) -> int:
    known = set(db.session.scalars(select(Comune.istat_code)))
    added = 0
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["istat_code"] in known:
                continue
            db.session.add(Comune(istat_code=row["istat_code"], name=row["name"],
                                  population=int(row["population"]),
                                  population_year=int(row["population_year"])))
            added += 1
    db.session.flush()
    return added
