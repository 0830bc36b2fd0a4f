from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.core.db import TimestampMixin
from engage.core.i18n import Bilingual
from engage.extensions import db

if TYPE_CHECKING:
    from engage.institutions.models import Institution

priority_point_institution = Table(
    "priority_point_institution",
    db.metadata,
    Column("priority_point_id", ForeignKey("priority_point.id", ondelete="CASCADE"), primary_key=True),
    Column("institution_id", ForeignKey("institution.id", ondelete="CASCADE"), primary_key=True),
)


class Axis(Bilingual, TimestampMixin, db.Model):
    __tablename__ = "axis"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    title_it: Mapped[str] = mapped_column(String(120))
    title_en: Mapped[str | None] = mapped_column(String(120))
    description_it: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str | None] = mapped_column(Text)

    priority_points: Mapped[list[PriorityPoint]] = relationship(
        back_populates="axis", order_by="PriorityPoint.position"
    )

    def __repr__(self) -> str:
        return f"<Axis {self.id} {self.slug}>"


class PriorityPoint(Bilingual, TimestampMixin, db.Model):
    __tablename__ = "priority_point"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    number: Mapped[int]  # the point's number in Masterplan 3C, shown to people
    position: Mapped[int] = mapped_column(default=0)
    axis_id: Mapped[int] = mapped_column(ForeignKey("axis.id"), index=True)
    title_it: Mapped[str] = mapped_column(String(160))
    title_en: Mapped[str | None] = mapped_column(String(160))
    description_it: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str | None] = mapped_column(Text)
    pnrr_missions: Mapped[str] = mapped_column(String(40), default="")
    # Where the text came from: the official list is not public, so admins must see the basis.
    inferred: Mapped[bool] = mapped_column(default=False)
    provenance: Mapped[str] = mapped_column(Text, default="")

    axis: Mapped[Axis] = relationship(back_populates="priority_points")
    institutions: Mapped[list[Institution]] = relationship(
        secondary=priority_point_institution, back_populates="priority_points",
        order_by="Institution.position",
    )

    def __repr__(self) -> str:
        return f"<PriorityPoint {self.id} #{self.number} {self.slug}>"
