from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from engage.extensions import db


class Comune(db.Model):
    __tablename__ = "comune"

    id: Mapped[int] = mapped_column(primary_key=True)
    istat_code: Mapped[str] = mapped_column(String(6), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    population: Mapped[int]
    population_year: Mapped[int]

    def __repr__(self) -> str:
        return f"<Comune {self.istat_code} {self.name}>"
