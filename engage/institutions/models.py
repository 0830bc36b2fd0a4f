from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.core.db import TimestampMixin, str_enum
from engage.core.i18n import Bilingual
from engage.core.enums import LabelledEnum
from engage.extensions import db

if TYPE_CHECKING:
    from engage.auth.models import User
    from engage.masterplan.models import PriorityPoint


class InstitutionKind(LabelledEnum):
    PUBLIC_BODY = "public_body", _l("Public body")
    MUNICIPALITY = "municipality", _l("Municipality")
    TRADE_ASSOCIATION = "trade_association", _l("Trade association")
    UNION = "union", _l("Trade union")
    UNIVERSITY = "university", _l("University")
    AGENCY = "agency", _l("Development agency")


class Institution(Bilingual, TimestampMixin, db.Model):
    __tablename__ = "institution"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(160))  # a proper name: the same in every language
    kind: Mapped[InstitutionKind] = mapped_column(str_enum(InstitutionKind))
    role_it: Mapped[str] = mapped_column(Text, default="")
    role_en: Mapped[str | None] = mapped_column(Text)
    is_lead: Mapped[bool] = mapped_column(default=False)
    # False where membership of the ATS is reported but not verified in a public source.
    membership_verified: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)

    priority_points: Mapped[list[PriorityPoint]] = relationship(
        secondary="priority_point_institution", back_populates="institutions",
        order_by="PriorityPoint.position",
    )
    memberships: Mapped[list[InstitutionMembership]] = relationship(
        back_populates="institution", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Institution {self.id} {self.slug}>"


class InstitutionMembership(TimestampMixin, db.Model):
    """Makes a user an officer of an institution; one person may act for several."""

    __tablename__ = "institution_membership"
    __table_args__ = (UniqueConstraint("user_id", "institution_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    institution_id: Mapped[int] = mapped_column(
        ForeignKey("institution.id", ondelete="CASCADE"), index=True
    )

    user: Mapped[User] = relationship(back_populates="memberships")
    institution: Mapped[Institution] = relationship(back_populates="memberships")

    def __repr__(self) -> str:
        return f"<InstitutionMembership user={self.user_id} institution={self.institution_id}>"
