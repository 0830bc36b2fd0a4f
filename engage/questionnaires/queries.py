"""Read queries for questionnaire pages, shared with the open data API to come."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from engage.auth.permissions import can
from engage.consultations.models import Consultation
from engage.extensions import db
from engage.questionnaires.models import Question, Questionnaire


def questionnaire_for_page(questionnaire_id: int) -> Questionnaire | None:
    return db.session.scalar(
        select(Questionnaire).where(Questionnaire.id == questionnaire_id)
        .options(joinedload(Questionnaire.consultation).joinedload(Consultation.institution),
                 selectinload(Questionnaire.questions).selectinload(Question.options)))


def questionnaires_for(consultation, viewer) -> list[Questionnaire]:
    """Published ones for everybody; drafts too for the consultation's staff."""
    query = select(Questionnaire).where(Questionnaire.consultation_id == consultation.id) \
        .order_by(Questionnaire.created_at, Questionnaire.id)
    if not can(viewer, "questionnaire.manage", consultation):
        query = query.where(Questionnaire.published_at.is_not(None))
    return list(db.session.scalars(query))
