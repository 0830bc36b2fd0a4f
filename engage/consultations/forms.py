from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from engage.consultations.phases import Phase
from engage.core.forms import LocalDateTimeField, MultiCheckboxField

not_negative = NumberRange(min=0, max=100_000, message=_l("Enter a whole number from 0 to 100,000."))


class ConsultationForm(FlaskForm):
    institution = SelectField(_l("Institution"), coerce=int,
                              validators=[InputRequired(_l("Choose the institution."))])
    title_it = StringField(_l("Title (Italian)"),
                           validators=[DataRequired(_l("Enter the Italian title.")), Length(max=200)])
    title_en = StringField(_l("Title (English, optional)"), validators=[Optional(), Length(max=200)])
    summary_it = TextAreaField(_l("Short description (Italian)"), validators=[
        DataRequired(_l("Enter a short description in Italian.")), Length(max=1000)])
    summary_en = TextAreaField(_l("Short description (English, optional)"), validators=[Length(max=1000)])
    body_it = TextAreaField(_l("Full text (Italian, Markdown)"), validators=[Length(max=20_000)])
    body_en = TextAreaField(_l("Full text (English, Markdown, optional)"), validators=[Length(max=20_000)])
    priority_points = MultiCheckboxField(_l("Priority points"), coerce=int, validators=[
        DataRequired(_l("Choose at least one priority point."))])
    announced_at = LocalDateTimeField(_l("Announced on (empty: draft, seen only by staff)"),
                                      validators=[Optional()])
    proposals_from = LocalDateTimeField(_l("Proposals open on"), validators=[
        InputRequired(_l("Enter a date and time."))])
    voting_from = LocalDateTimeField(_l("Voting opens on"), validators=[InputRequired(_l("Enter a date and time."))])
    voting_until = LocalDateTimeField(_l("Voting closes on"), validators=[InputRequired(_l("Enter a date and time."))])
    results_at = LocalDateTimeField(_l("Results published on (optional)"), validators=[Optional()])
    supports_per_participant = IntegerField(_l("Supports each participant can give (0: no limit)"),
                                            default=0, validators=[InputRequired(_l("Enter a number.")), not_negative])
    proposals_per_participant = IntegerField(_l("Proposals each participant can submit (0: no limit)"),
                                             default=0, validators=[InputRequired(_l("Enter a number.")), not_negative])
    support_threshold = IntegerField(_l("Supports that qualify a proposal for an official answer"),
                                     default=50, validators=[InputRequired(_l("Enter a number.")), not_negative])
    premoderate_proposals = BooleanField(_l("New proposals wait for a moderator's approval"))
    comments_enabled = BooleanField(_l("Comments are open"), default=True)
    answer_days = IntegerField(_l("Days after voting closes within which official answers are due"),
                               default=60, description=_l("Empty: 60 days."),
                               validators=[Optional(), NumberRange(min=0, max=3650, message=_l(
                                   "Enter a whole number from 0 to 3,650."))])
    answer_all_proposals = BooleanField(_l("Every proposal gets an official answer, not only qualified ones"))
    submit = SubmitField(_l("Save consultation"))

    TIMELINE = ("announced_at", "proposals_from", "voting_from", "voting_until", "results_at")
    SETTINGS = ("title_it", "title_en", "summary_it", "summary_en", "body_it", "body_en",
                "supports_per_participant", "proposals_per_participant", "support_threshold",
                "premoderate_proposals", "comments_enabled", "answer_days", "answer_all_proposals")

    def values(self) -> dict:
        values = {name: getattr(self, name).data for name in self.SETTINGS + self.TIMELINE}
        for name in ("title_en", "summary_en", "body_en"):
            values[name] = values[name] or None
        if values["answer_days"] is None:
            values["answer_days"] = 60
        return values


class MovePhaseForm(FlaskForm):
    phase = SelectField(_l("Move to phase"), choices=lambda: [(p.value, p.label) for p in Phase],
                        validate_choice=True)
    submit = SubmitField(_l("Move"))


class ConsultationFilterForm(FlaskForm):
    class Meta:
        csrf = False

    # default="": a visit with no filters chooses "All" and is not a wrong choice (it showed
    # "Not a valid choice" under every filter on the plain consultations page).
    stato = SelectField(_l("State"), default="", choices=lambda: [
        ("", _l("All")), ("open", _l("Open now")), ("upcoming", _l("Upcoming")), ("closed", _l("Closed"))])
    punto = SelectField(_l("Priority point"), coerce=str, default="")
    asse = SelectField(_l("Axis"), coerce=str, default="")
    ente = SelectField(_l("Institution"), coerce=str, default="")
    filtra = SubmitField(_l("Filter"))
