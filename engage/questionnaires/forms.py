"""Forms for building questionnaires. The answering form is built from the questions
themselves (see answering.py and templates/questionnaires/_question.html)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from engage.consultations.phases import Phase
from engage.questionnaires.models import QuestionKind

OPEN_PHASES = (Phase.UPCOMING, Phase.PROPOSALS, Phase.VOTING)


class QuestionnaireForm(FlaskForm):
    title_it = StringField(_l("Title (Italian)"),
                           validators=[DataRequired(_l("Enter the Italian title.")), Length(max=200)])
    title_en = StringField(_l("Title (English, optional)"), validators=[Optional(), Length(max=200)])
    intro_it = TextAreaField(_l("Introduction (Italian, Markdown)"), validators=[Length(max=5000)])
    intro_en = TextAreaField(_l("Introduction (English, Markdown, optional)"), validators=[Length(max=5000)])
    open_phase = SelectField(_l("Open for answers during the phase"),
                             choices=lambda: [(p.value, p.label) for p in OPEN_PHASES],
                             default=Phase.PROPOSALS.value)
    anonymous = BooleanField(_l("Anonymous answers: stored without any link to the person"),
                             description=_l("Each person can still answer only once. Cannot be changed once "
                                            "someone has answered."))
    submit = SubmitField(_l("Save questionnaire"))

    def values(self) -> dict:
        return {"title_it": self.title_it.data.strip(), "title_en": (self.title_en.data or "").strip() or None,
                "intro_it": self.intro_it.data or "", "intro_en": self.intro_en.data or None,
                "open_phase": Phase(self.open_phase.data), "anonymous": self.anonymous.data}


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class QuestionForm(FlaskForm):
    kind = SelectField(_l("Type of question"), choices=lambda: [(k.value, k.label) for k in QuestionKind])
    text_it = StringField(_l("Question (Italian)"), validators=[
        DataRequired(_l("Write the question in Italian.")), Length(max=500)])
    text_en = StringField(_l("Question (English, optional)"), validators=[Optional(), Length(max=500)])
    help_it = TextAreaField(_l("Help text (Italian, optional)"), validators=[Length(max=2000)])
    help_en = TextAreaField(_l("Help text (English, optional)"), validators=[Length(max=2000)])
    required = BooleanField(_l("An answer is required"))
    options_it = TextAreaField(_l("Options (Italian), one per line"),
                               description=_l("For single choice, multiple choice and ranking."),
                               validators=[Length(max=9000)])
    options_en = TextAreaField(_l("Options (English, optional), one per line, in the same order"),
                               validators=[Length(max=9000)])
    has_other = BooleanField(_l("Add “Other, please specify”"))
    min_choices = IntegerField(_l("Minimum selections (multiple choice)"), default=0, validators=[
        Optional(), NumberRange(min=0, max=30, message=_l("Enter a whole number from 0 to 30."))])
    max_choices = IntegerField(_l("Maximum selections (multiple choice; empty: no limit)"), validators=[
        Optional(), NumberRange(min=1, max=30, message=_l("Enter a whole number from 1 to 30."))])
    low_label_it = StringField(_l("Label of 1 on the scale (Italian)"), validators=[Length(max=100)])
    low_label_en = StringField(_l("Label of 1 on the scale (English, optional)"), validators=[Length(max=100)])
    high_label_it = StringField(_l("Label of 5 on the scale (Italian)"), validators=[Length(max=100)])
    high_label_en = StringField(_l("Label of 5 on the scale (English, optional)"), validators=[Length(max=100)])
    submit = SubmitField(_l("Save question"))

    FIELDS = ("text_it", "text_en", "help_it", "help_en", "required", "has_other", "min_choices",
              "max_choices", "low_label_it", "low_label_en", "high_label_it", "high_label_en")

    def validate_options_it(self, field) -> None:
        if any(len(line) > 300 for line in _lines(field.data)):
            from wtforms import ValidationError

            raise ValidationError(_l("Each option can be at most 300 characters long."))

    def validate_options_en(self, field) -> None:
        english = _lines(field.data)
        if any(len(line) > 300 for line in english):
            from wtforms import ValidationError

            raise ValidationError(_l("Each option can be at most 300 characters long."))
        if english and len(english) != len(_lines(self.options_it.data)):
            from wtforms import ValidationError

            raise ValidationError(_l("Give the English options in the same number and order as the Italian "
                                     "ones, or none."))

    def options(self) -> list[tuple[str, str | None]]:
        italian, english = _lines(self.options_it.data), _lines(self.options_en.data)
        return [(it, english[i] if i < len(english) else None) for i, it in enumerate(italian)]

    def values(self) -> dict:
        values = {name: getattr(self, name).data for name in self.FIELDS}
        values["text_it"] = values["text_it"].strip()
        for name in ("text_en", "help_en", "low_label_en", "high_label_en"):
            values[name] = (values[name] or "").strip() or None
        for name in ("help_it", "low_label_it", "high_label_it"):
            values[name] = (values[name] or "").strip()
        values["min_choices"] = values["min_choices"] or 0
        return values

    def fill_from(self, question) -> None:
        for name in self.FIELDS:
            getattr(self, name).data = getattr(question, name)
        if getattr(self, "kind", None) is not None:
            self.kind.data = question.kind.value
        self.options_it.data = "\n".join(o.label_it for o in question.options)
        self.options_en.data = "\n".join(o.label_en or "" for o in question.options) \
            if any(o.label_en for o in question.options) else ""
