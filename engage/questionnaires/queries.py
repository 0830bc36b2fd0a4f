"""Read queries for questionnaire pages, shared with the open data API to come."""
from __future__ import annotations

from sqlalchemy import or_, select, tuple_
from sqlalchemy.orm import joinedload, selectinload

from engage.auth.permissions import can
from engage.consultations.models import Consultation
from engage.extensions import db
from engage.questionnaires.models import Answer, Question, Questionnaire, QuestionOption, Response
from engage.questionnaires.services import token_for


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



def personal_answers(user) -> list[dict]:
    """Everything this person answered, anonymous questionnaires included (found through the
    token only the server can compute), for their own data download: one row per answer."""
    tokens = [(qid, token_for(user.id, qid)) for qid in db.session.scalars(select(Questionnaire.id))]
    mine = [Response.respondent_id == user.id]
    if tokens:
        mine.append(tuple_(Response.questionnaire_id, Response.respondent_token).in_(tokens))
    rows = db.session.execute(
        select(Response.questionnaire_id, Response.submitted_at, Question.text_it, QuestionOption.label_it,
               Answer.value, Answer.text)
        .join(Answer, Answer.response_id == Response.id).join(Question, Question.id == Answer.question_id)
        .outerjoin(QuestionOption, QuestionOption.id == Answer.option_id)
        .where(or_(*mine)).order_by(Response.id, Question.position, Answer.value, Answer.option_id))
    return [{"questionnaire_id": qid, "sent_at": sent.isoformat() if sent else None, "question": question,
             "option": option, "value": value, "text": text}
            for qid, sent, question, option, value, text in rows]
