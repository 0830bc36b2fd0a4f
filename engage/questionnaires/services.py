"""Building questionnaires and answering them. Each write is one function; the caller commits.

Once anyone has answered, only wording may change: a new, removed or re-typed question, or a
changed set of options, would make earlier answers mean something else.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, exists, func, select
from sqlalchemy.exc import IntegrityError

from engage.auth.permissions import Refused, can
from engage.core.db import utcnow
from engage.core.tokens import pseudonym
from engage.extensions import db
from engage.questionnaires.models import Answer, Question, QuestionKind, QuestionOption, Questionnaire, Response

OPTIONS_MAX = 30
TEXT_MAX = {QuestionKind.SHORT_TEXT: 300, QuestionKind.LONG_TEXT: 5000}
OTHER_MAX = 300
STRUCTURE_LOCKED = _l("People have already answered this questionnaire: you can fix the wording, but not "
                      "add, remove or change questions and options, or the answers would no longer match.")


# Building.

def has_responses(questionnaire) -> bool:
    """Drafts count: they hold answers too."""
    return bool(db.session.scalar(select(exists().where(Response.questionnaire_id == questionnaire.id))))


def _require_manage(by, target) -> None:
    if not can(by, "questionnaire.manage", target):
        raise Refused(_l("Only the institution's officers can change this questionnaire."))


def _require_open_structure(questionnaire) -> None:
    if has_responses(questionnaire):
        raise Refused(STRUCTURE_LOCKED, status=409)


def create_questionnaire(by, consultation, **fields) -> Questionnaire:
    _require_manage(by, consultation)
    questionnaire = Questionnaire(consultation=consultation, created_by_id=by.id, **fields)
    db.session.add(questionnaire)
    db.session.flush()
    return questionnaire


def update_questionnaire(by, questionnaire, **fields) -> Questionnaire:
    """Title and introduction always; when it opens and whether it is anonymous only before answers."""
    _require_manage(by, questionnaire)
    changes_structure = any(getattr(questionnaire, name) != fields[name]
                            for name in ("open_phase", "anonymous") if name in fields)
    if changes_structure:
        _require_open_structure(questionnaire)
    for name, value in fields.items():
        setattr(questionnaire, name, value)
    db.session.flush()
    return questionnaire


def delete_questionnaire(by, questionnaire) -> None:
    _require_manage(by, questionnaire)
    _require_open_structure(questionnaire)
    db.session.delete(questionnaire)
    db.session.flush()


def publish(by, questionnaire) -> None:
    _require_manage(by, questionnaire)
    if not questionnaire.answerable_questions:
        raise Refused(_l("Add at least one question before publishing."), status=409)
    questionnaire.published_at = questionnaire.published_at or utcnow()
    db.session.flush()


def unpublish(by, questionnaire) -> None:
    _require_manage(by, questionnaire)
    _require_open_structure(questionnaire)
    questionnaire.published_at = None
    db.session.flush()


def question_error(kind: QuestionKind, fields: dict, options: list):
    """A translated reason why this question cannot work as set, else None."""
    if not (fields.get("text_it") or "").strip():
        return _l("Write the question in Italian.")
    if kind.has_options:
        if len(options) < 2:
            return _l("Give at least two options, one per line.")
        if len(options) > OPTIONS_MAX:
            return _l("Give at most %(max)d options.", max=OPTIONS_MAX)
    if kind is QuestionKind.MULTIPLE:
        low, high = fields.get("min_choices") or 0, fields.get("max_choices")
        available = len(options) + (1 if fields.get("has_other") else 0)
        if low > available or (high is not None and not low <= high <= available) or (high == 0):
            return _l("The minimum and maximum selections must be between 1 and the number of options, "
                      "the minimum not above the maximum.")
    return None


def _normalise(kind: QuestionKind, fields: dict) -> dict:
    """Settings that mean nothing for a kind are reset, so nothing stale is ever enforced."""
    fields = dict(fields)
    if kind is not QuestionKind.MULTIPLE:
        fields["min_choices"], fields["max_choices"] = 0, None
    if kind not in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        fields["has_other"] = False
    if kind is QuestionKind.SECTION:
        fields["required"] = False
    if kind is not QuestionKind.SCALE:
        for name in ("low_label_it", "low_label_en", "high_label_it", "high_label_en"):
            fields[name] = "" if name.endswith("_it") else None
    return fields


def add_question(by, questionnaire, kind: QuestionKind, *, options=(), **fields) -> Question:
    """`options`: (Italian, English or None) pairs, in order."""
    _require_manage(by, questionnaire)
    _require_open_structure(questionnaire)
    options = list(options) if kind.has_options else []
    error = question_error(kind, fields, options)
    if error:
        raise Refused(error, status=422)
    last = db.session.scalar(select(func.max(Question.position))
                             .where(Question.questionnaire_id == questionnaire.id))
    question = Question(questionnaire=questionnaire, kind=kind, position=(last or 0) + 1,
                        **_normalise(kind, fields))
    question.options = [QuestionOption(position=i, label_it=it, label_en=en)
                        for i, (it, en) in enumerate(options, start=1)]
    db.session.add(question)
    db.session.flush()
    return question


STRUCTURE = ("required", "min_choices", "max_choices", "has_other")


def update_question(by, question, *, options=(), **fields) -> Question:
    """Before answers: anything but the kind. After: wording only, same number of options."""
    _require_manage(by, question.questionnaire)
    kind = question.kind
    options = list(options) if kind.has_options else []
    fields = _normalise(kind, fields)
    error = question_error(kind, fields, options)
    if error:
        raise Refused(error, status=422)
    if has_responses(question.questionnaire):
        same_shape = len(options) == len(question.options) and all(
            getattr(question, name) == fields.get(name, getattr(question, name)) for name in STRUCTURE)
        if not same_shape or _options_moved(question.options, options):
            raise Refused(STRUCTURE_LOCKED, status=409)
    for name, value in fields.items():
        setattr(question, name, value)
    for i, (it, en) in enumerate(options, start=1):
        if i <= len(question.options):
            option = question.options[i - 1]
            option.label_it, option.label_en, option.position = it, en, i
        else:
            question.options.append(QuestionOption(position=i, label_it=it, label_en=en))
    del question.options[len(options):]
    db.session.flush()
    return question


def _options_moved(current, given) -> bool:
    """A label that now sits on another option's row would turn earlier answers into that
    option: a wording fix keeps each label on its own row."""
    before = {option.label_it.strip().casefold(): index for index, option in enumerate(current)}
    return any(before.get(it.strip().casefold(), index) != index for index, (it, _en) in enumerate(given))


def move_question(by, question, offset: int) -> None:
    """Order is presentation only, so it may change even after answers."""
    _require_manage(by, question.questionnaire)
    questions = list(question.questionnaire.questions)
    index = questions.index(question)
    target = min(max(index + offset, 0), len(questions) - 1)
    questions.insert(target, questions.pop(index))
    for position, item in enumerate(questions, start=1):
        item.position = position
    db.session.flush()


def delete_question(by, question) -> None:
    questionnaire = question.questionnaire
    _require_manage(by, questionnaire)
    _require_open_structure(questionnaire)
    questionnaire.questions.remove(question)
    db.session.flush()


# Answering.

def respondent_token(user, questionnaire) -> str:
    return token_for(user.id, questionnaire.id)


def token_for(user_id: int, questionnaire_id: int) -> str:
    return pseudonym("questionnaire", questionnaire_id, user_id)


def response_of(user, questionnaire) -> Response | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(Response).where(
        Response.questionnaire_id == questionnaire.id,
        Response.respondent_token == respondent_token(user, questionnaire)))


@dataclass
class Given:
    """What one person gave for one question, already checked (see answering.parse)."""

    option_ids: list[int] = field(default_factory=list)  # chosen, or ranked in order
    other: str | None = None
    value: int | None = None
    text: str | None = None

    @property
    def is_empty(self) -> bool:
        return not self.option_ids and self.other is None and self.value is None and not self.text


def save_response(user, questionnaire, given: dict[int, Given], *, submit: bool) -> Response:
    """Store a draft, or the final answers; a submitted response can be changed while open.

    The caller has checked the answers (answering.parse); this checks who may answer and when.
    """
    if not can(user, "questionnaire.answer", questionnaire):
        raise Refused(_l("This questionnaire is not open for answers."), status=409)
    response = response_of(user, questionnaire)
    if response is not None and response.is_submitted and not submit:
        raise Refused(_l("Your answers are already sent: change them and send them again."), status=409)
    if response is None:
        response = Response(questionnaire_id=questionnaire.id,
                            respondent_token=respondent_token(user, questionnaire),
                            respondent_id=None if questionnaire.anonymous else user.id)
        try:
            with db.session.begin_nested():
                db.session.add(response)
                db.session.flush()
        except IntegrityError:  # the same person, twice at once: continue with the row that won
            response = response_of(user, questionnaire)
    response.comune_id, response.age_band = user.comune_id, user.age_band
    response.updated_at = utcnow()
    if submit:
        response.submitted_at = response.submitted_at or utcnow()
    _write_answers(response, questionnaire, given)
    db.session.flush()
    db.session.expire(response, ["answers"])  # rows were rewritten beside the loaded collection
    return response


def _write_answers(response, questionnaire, given: dict[int, Given]) -> None:
    """Choices are rewritten; free text is updated in place so its moderation state stays."""
    existing_text = {a.question_id: a for a in db.session.scalars(
        select(Answer).where(Answer.response_id == response.id, Answer.option_id.is_(None),
                             Answer.text.is_not(None)))}
    db.session.execute(delete(Answer).where(Answer.response_id == response.id,
                                            Answer.text.is_(None)).execution_options(synchronize_session=False))
    for question in questionnaire.answerable_questions:
        answer = given.get(question.id) or Given()
        text = answer.text if question.kind.is_text else answer.other
        kept = existing_text.pop(question.id, None)
        if text:
            if kept is None:
                db.session.add(Answer(response_id=response.id, question_id=question.id, text=text))
            elif kept.text != text:
                kept.text = text
        elif kept is not None:
            _remove_text(kept)
        if question.kind is QuestionKind.RANKING:
            rows = [Answer(response_id=response.id, question_id=question.id, option_id=option_id, value=rank)
                    for rank, option_id in enumerate(answer.option_ids, start=1)]
        elif question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            rows = [Answer(response_id=response.id, question_id=question.id, option_id=option_id)
                    for option_id in answer.option_ids]
        elif question.kind is QuestionKind.SCALE and answer.value is not None:
            rows = [Answer(response_id=response.id, question_id=question.id, value=answer.value)]
        else:
            rows = []
        db.session.add_all(rows)
    for stale in existing_text.values():  # a question that is no longer answerable
        _remove_text(stale)


RETIRED = "retired-"


def _remove_text(answer) -> None:
    """A text the person cleared goes; one under moderation is kept for its case (and the
    audit log pointing at it), moved to an unsent response that no figure or export reads."""
    from engage.moderation.models import ModerationCase

    if not db.session.scalar(select(exists().where(ModerationCase.answer_id == answer.id))):
        db.session.delete(answer)
        return
    retired = Response(questionnaire_id=answer.response.questionnaire_id,
                       respondent_token=f"{RETIRED}{answer.id}", respondent_id=answer.response.respondent_id)
    db.session.add(retired)
    db.session.flush()
    answer.response_id = retired.id
