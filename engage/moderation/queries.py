"""Read queries for the moderation queue, the audit log and the transparency page."""
from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from engage.auth.permissions import is_moderator
from engage.consultations.models import Consultation
from engage.core.db import day_in_cremona, utcnow
from engage.extensions import db
from engage.questionnaires.models import Answer
from engage.moderation.models import ModerationAction, ModerationCase, Report, ReportReason


def _scope(query: Select, user) -> Select:
    """Moderators see every case; officers only their institutions' consultations."""
    if is_moderator(user):
        return query
    institution_ids = [m.institution_id for m in user.memberships]
    return query.join(Consultation, Consultation.id == ModerationCase.consultation_id) \
        .where(Consultation.institution_id.in_(institution_ids))


def queue(user, *, consultation_id: int | None = None, reason: ReportReason | None = None) -> Select:
    query = (select(ModerationCase).where(ModerationCase.is_open.is_(True))
             .options(joinedload(ModerationCase.proposal), joinedload(ModerationCase.comment),
                      joinedload(ModerationCase.answer).joinedload(Answer.question),
                      joinedload(ModerationCase.author), joinedload(ModerationCase.consultation))
             .order_by(ModerationCase.opened_at, ModerationCase.id))
    if consultation_id:
        query = query.where(ModerationCase.consultation_id == consultation_id)
    if reason is not None:
        query = query.where(ModerationCase.id.in_(
            select(Report.case_id).where(Report.reason == reason, Report.cleared_at.is_(None))))
    return _scope(query, user)


def open_report_counts(case_ids) -> dict[int, dict[ReportReason, int]]:
    """For a page of cases, in one query: open reports per reason."""
    counts: dict[int, dict[ReportReason, int]] = defaultdict(dict)
    if case_ids:
        rows = db.session.execute(
            select(Report.case_id, Report.reason, func.count())
            .where(Report.case_id.in_(list(case_ids)), Report.cleared_at.is_(None))
            .group_by(Report.case_id, Report.reason))
        for case_id, reason, count in rows:
            counts[case_id][reason] = count
    return counts


def consultations_with_open_cases(user) -> list[Consultation]:
    ids = _scope(select(ModerationCase.consultation_id).where(ModerationCase.is_open.is_(True)), user)
    return list(db.session.scalars(select(Consultation).where(Consultation.id.in_(ids))
                                   .order_by(Consultation.title_it)))


def case_for_page(case_id: int) -> ModerationCase | None:
    return db.session.scalar(
        select(ModerationCase).where(ModerationCase.id == case_id)
        .options(joinedload(ModerationCase.proposal), joinedload(ModerationCase.comment),
                      joinedload(ModerationCase.answer).joinedload(Answer.question),
                 joinedload(ModerationCase.author), joinedload(ModerationCase.consultation)))


def case_history(case_id: int) -> list[ModerationAction]:
    return list(db.session.scalars(select(ModerationAction).where(ModerationAction.case_id == case_id)
                                   .options(joinedload(ModerationAction.actor))
                                   .order_by(ModerationAction.created_at, ModerationAction.id)))


def audit_log() -> Select:
    return (select(ModerationAction).options(joinedload(ModerationAction.actor),
                                             joinedload(ModerationAction.subject_user))
            .order_by(ModerationAction.created_at.desc(), ModerationAction.id.desc()))


def blocked_users():
    from engage.auth.models import User

    return list(db.session.scalars(select(User).where(User.blocked_at.is_not(None))
                                   .order_by(User.blocked_at.desc())))


@dataclass
class MonthTotals:
    month: str
    reports: int = 0
    hidden_by_reason: dict = field(default_factory=dict)
    decision_hours: list = field(default_factory=list)
    appeals: int = 0
    appeals_upheld: int = 0

    @property
    def hidden(self) -> int:
        return sum(self.hidden_by_reason.values())

    @property
    def median_hours_to_decision(self) -> float | None:
        return round(statistics.median(self.decision_hours), 1) if self.decision_hours else None


def transparency(months: int = 12) -> list[MonthTotals]:
    """Monthly totals with no personal data: counts, reasons, time to decision, appeals."""
    since = utcnow() - timedelta(days=31 * months)
    totals: dict[str, MonthTotals] = {}

    def month(moment):
        key = day_in_cremona(moment).strftime("%Y-%m")  # 23:30 UTC on the 31st is the 1st in Cremona
        return totals.setdefault(key, MonthTotals(key))

    for (created_at,) in db.session.execute(select(Report.created_at).where(Report.created_at >= since)):
        month(created_at).reports += 1
    for created_at, action, reason in db.session.execute(
            select(ModerationAction.created_at, ModerationAction.action, ModerationAction.reason)
            .where(ModerationAction.created_at >= since,
                   ModerationAction.action.in_(["hide", "auto_hide", "appeal_upheld", "appeal_rejected"]))):
        entry = month(created_at)
        if action in ("hide", "auto_hide"):
            entry.hidden_by_reason[reason] = entry.hidden_by_reason.get(reason, 0) + 1
        else:
            entry.appeals += 1
            entry.appeals_upheld += action == "appeal_upheld"
    for opened_at, decided_at in db.session.execute(
            select(ModerationCase.opened_at, ModerationCase.decided_at)
            .where(ModerationCase.decided_at >= since)):
        month(decided_at).decision_hours.append((decided_at - opened_at).total_seconds() / 3600)
    return [totals[key] for key in sorted(totals, reverse=True)]
