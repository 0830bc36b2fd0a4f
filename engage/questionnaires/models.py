"""A questionnaire is an ordered list of questions; section headings are questions too.

Answers are stored one row per chosen option (or value, or text), so every figure on the
results page is a GROUP BY over `questionnaire_answer`, never a loop over responses.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.auth.models import AgeBand
from engage.consultations.phases import Phase
from engage.core.db import TimestampMixin, UTCDateTime, str_enum, utcnow
from engage.core.enums import LabelledEnum
from engage.core.i18n import Bilingual
from engage.extensions import db
from engage.moderation.models import Moderated

if TYPE_CHECKING:
    from engage.auth.models import User
    from engage.consultations.models import Consultation
    from engage.territory.models import Comune

SCALE_POINTS = (1, 2, 3, 4, 5)


class QuestionKind(LabelledEnum):
    SECTION = "section", _l("Section heading")
    SINGLE = "single", _l("Single choice")
    MULTIPLE = "multiple", _l("Multiple choice")
    SCALE = "scale", _l("Scale from 1 to 5")
    RANKING = "ranking", _l("Ranking")
    SHORT_TEXT = "short_text", _l("Short text")
    LONG_TEXT = "long_text", _l("Long text")

    @property
    def has_options(self) -> bool:
        return self in (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.RANKING)

    @property
    def is_text(self) -> bool:
        return self in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT)

    @property
    def is_answerable(self) -> bool:
        return self is not QuestionKind.SECTION


class Questionnaire(Bilingual, TimestampMixin, db.Model):
    __tablename__ = "questionnaire"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    title_it: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(200))
    intro_it: Mapped[str] = mapped_column(Text, default="")  # Markdown
    intro_en: Mapped[str | None] = mapped_column(Text)
    # Open while the consultation is in this phase (and published).
    open_phase: Mapped[Phase] = mapped_column(str_enum(Phase), default=Phase.PROPOSALS)
    anonymous: Mapped[bool] = mapped_column(default=False)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    consultation: Mapped[Consultation] = relationship()
    questions: Mapped[list[Question]] = relationship(
        back_populates="questionnaire", order_by="Question.position", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Questionnaire {self.id} {self.title_it[:30]!r}>"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def is_open(self) -> bool:
        return self.is_published and self.consultation.phase is self.open_phase

    @property
    def is_closed(self) -> bool:
        """Past its phase: answers are final and results are public."""
        order = list(Phase)
        return self.is_published and order.index(self.consultation.phase) > order.index(self.open_phase)

    @property
    def answerable_questions(self) -> list[Question]:
        return [q for q in self.questions if q.kind.is_answerable]


class Question(Bilingual, db.Model):
    __tablename__ = "questionnaire_question"
    __table_args__ = (
        CheckConstraint("min_choices >= 0 AND (max_choices IS NULL OR max_choices >= min_choices)",
                        name="choices_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaire.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[QuestionKind] = mapped_column(str_enum(QuestionKind))
    text_it: Mapped[str] = mapped_column(String(500))
    text_en: Mapped[str | None] = mapped_column(String(500))
    help_it: Mapped[str] = mapped_column(Text, default="")
    help_en: Mapped[str | None] = mapped_column(Text)
    required: Mapped[bool] = mapped_column(default=False)
    min_choices: Mapped[int] = mapped_column(default=0)  # multiple choice only
    max_choices: Mapped[int | None] = mapped_column()  # multiple choice only; None: no limit
    has_other: Mapped[bool] = mapped_column(default=False)  # "other, please specify"
    low_label_it: Mapped[str] = mapped_column(String(100), default="")  # scale ends
    low_label_en: Mapped[str | None] = mapped_column(String(100))
    high_label_it: Mapped[str] = mapped_column(String(100), default="")
    high_label_en: Mapped[str | None] = mapped_column(String(100))

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="questions")
    options: Mapped[list[QuestionOption]] = relationship(
        back_populates="question", order_by="QuestionOption.position", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Question {self.id} {self.kind.value}>"

    @property
    def field_name(self) -> str:
        return f"q{self.id}"


class QuestionOption(Bilingual, db.Model):
    __tablename__ = "questionnaire_option"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_question.id", ondelete="CASCADE"),
                                             index=True)
    position: Mapped[int] = mapped_column(default=0)
    label_it: Mapped[str] = mapped_column(String(300))
    label_en: Mapped[str | None] = mapped_column(String(300))

    question: Mapped[Question] = relationship(back_populates="options")

    def __repr__(self) -> str:
        return f"<QuestionOption {self.id} {self.label_it[:20]!r}>"


class Response(db.Model):
    """One person's answers to one questionnaire: a draft until submitted.

    `respondent_token` is a keyed one-way hash of the person and the questionnaire: the one
    thing that stops a second response. In anonymous questionnaires `respondent_id` stays
    empty, so the database alone cannot tell who answered what.
    """

    __tablename__ = "questionnaire_response"
    __table_args__ = (
        UniqueConstraint("questionnaire_id", "respondent_token"),
        Index("ix_questionnaire_response_submitted", "questionnaire_id", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaire.id", ondelete="CASCADE"))
    respondent_token: Mapped[str] = mapped_column(String(64))
    respondent_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"),
                                                      index=True)
    # Taken from the profile when answering, for breakdowns; never a link to the person.
    comune_id: Mapped[int | None] = mapped_column(ForeignKey("comune.id"))
    age_band: Mapped[AgeBand | None] = mapped_column(str_enum(AgeBand))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None: a draft

    questionnaire: Mapped[Questionnaire] = relationship()
    respondent: Mapped[User | None] = relationship()
    comune: Mapped[Comune | None] = relationship()
    answers: Mapped[list[Answer]] = relationship(back_populates="response", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Response {self.id} q={self.questionnaire_id} {'submitted' if self.submitted_at else 'draft'}>"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class Answer(Moderated, db.Model):
    """One chosen option, scale value, rank or text. Free text can be reported and hidden.

    - single / multiple choice: a row per chosen option; "other" is a row with text and no option
    - scale: one row, `value` 1–5
    - ranking: a row per option, `value` its rank (1 = first)
    - short / long text: one row with `text`
    """

    __tablename__ = "questionnaire_answer"
    __table_args__ = (
        # Covers the results' GROUP BYs: counted from the index alone, never from the rows.
        Index("ix_questionnaire_answer_figures", "question_id", "option_id", "value", "response_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_response.id", ondelete="CASCADE"),
                                             index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_question.id", ondelete="CASCADE"))
    option_id: Mapped[int | None] = mapped_column(ForeignKey("questionnaire_option.id", ondelete="CASCADE"))
    value: Mapped[int | None] = mapped_column()
    text: Mapped[str | None] = mapped_column(Text)

    response: Mapped[Response] = relationship(back_populates="answers")
    question: Mapped[Question] = relationship()
    option: Mapped[QuestionOption | None] = relationship()

    def __repr__(self) -> str:
        return f"<Answer {self.id} q={self.question_id} o={self.option_id} v={self.value}>"

    # What moderation needs of any reportable item.
    @property
    def author_id(self) -> int | None:
        return self.response.respondent_id

    @property
    def author(self) -> User | None:
        return self.response.respondent

    @property
    def questionnaire(self) -> Questionnaire:
        return self.question.questionnaire

    @property
    def consultation(self) -> Consultation:
        return self.question.questionnaire.consultation

    @property
    def consultation_id(self) -> int:
        return self.question.questionnaire.consultation_id

    @property
    def body(self) -> str:
        return self.text or ""

    @property
    def body_html(self) -> Markup:
        """Plain text, never Markdown: shown escaped, line breaks kept."""
        return Markup("<p>") + escape(self.body).replace("\n", Markup("<br>")) + Markup("</p>")

    @property
    def is_text(self) -> bool:
        return self.option_id is None and self.text is not None

    @property
    def is_sent(self) -> bool:
        """Part of a sent response: drafts and retired texts are nobody's business but moderators'."""
        return self.response.submitted_at is not None
