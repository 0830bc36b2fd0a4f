"""The PDF report for the institution: the summary's figures laid out for print by WeasyPrint,
generated when a consultation closes (`flask results send-reports`) or on request.

The PDF is made from the same `summary()` as the page and the exports.
"""
from __future__ import annotations

import hashlib

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import exists, select

from engage.auth.models import User
from engage.comments.models import Stance
from engage.consultations.models import Consultation
from engage.consultations.phases import Phase
from engage.core.db import utcnow
from engage.core.urls import path_for
from engage.extensions import db
from engage.institutions.models import InstitutionMembership
from engage.results.models import ReportDelivery
from engage.results.summary import Scope, summary

CLOSED_PHASES = (Phase.CLOSED, Phase.RESULTS)


class ReportUnavailable(Exception):
    """The PDF engine cannot run here (WeasyPrint needs the system's Pango library)."""


def render_pdf(consultation, *, locale: str = "it") -> bytes:
    try:
        from weasyprint import HTML  # heavy: loaded only when a report is made
    except OSError as error:  # pragma: no cover - a machine without Pango
        raise ReportUnavailable(str(error)) from error

    with force_locale(locale):
        html = render_template("results/report.html", consultation=consultation,
                               figures=summary(Scope.of_consultation(consultation)), stances=Stance)
    return HTML(string=html, base_url=current_app.root_path).write_pdf()


def officers_of(consultation) -> list[User]:
    return list(db.session.scalars(
        select(User).join(InstitutionMembership, InstitutionMembership.user_id == User.id)
        .where(InstitutionMembership.institution_id == consultation.institution_id, User.deleted_at.is_(None))
        .order_by(User.id)))


def deliver(consultation, *, by=None) -> ReportDelivery:
    """Generate, keep and announce the report: the officers get a notification with its link
    (and an e-mail, by their preferences). The caller commits."""
    from engage.ledger.services import seal_if_published
    from engage.notifications.services import notify_institution_officers

    seal_if_published(consultation)  # a report after publication carries the frozen head
    pdf = render_pdf(consultation)
    officers = officers_of(consultation)
    delivery = ReportDelivery(consultation_id=consultation.id, generated_by_id=by.id if by else None,
                              phase=consultation.phase.value, pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest(),
                              recipients="\n".join(str(o.id) for o in officers), generated_at=utcnow())
    db.session.add(delivery)
    db.session.flush()
    link = path_for("results.stored_report", consultation_id=consultation.id, delivery_id=delivery.id)
    notify_institution_officers(consultation.institution, "report_ready", link, consultation=consultation)
    return delivery


def consultations_needing_a_report(now=None) -> list[Consultation]:
    """Closed consultations whose report was never generated since they closed."""
    now = now or utcnow()
    candidates = db.session.scalars(select(Consultation).where(
        Consultation.announced_at.is_not(None), Consultation.voting_until <= now,
        ~exists().where(ReportDelivery.consultation_id == Consultation.id,
                        ReportDelivery.generated_at >= Consultation.voting_until)))
    return [c for c in candidates if c.phase_at(now) in CLOSED_PHASES]
