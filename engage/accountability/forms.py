from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from engage.accountability.models import AnswerStatus


class AnswerForm(FlaskForm):
    status = SelectField(_l("Answer"), choices=lambda: [(s.value, s.label) for s in AnswerStatus])
    body_it = TextAreaField(_l("Reply (Italian)"), validators=[
        DataRequired(_l("Write the answer in Italian.")), Length(max=10_000)])
    body_en = TextAreaField(_l("Reply (English, optional)"), validators=[Length(max=10_000)])
    cost_estimate = IntegerField(_l("Estimated cost in euros (optional)"), validators=[
        Optional(), NumberRange(min=0, max=10**12, message=_l("Give the cost in whole euros, from 0."))])
    responsible_office = StringField(_l("Responsible office (optional)"), validators=[Length(max=200)])
    submit = SubmitField(_l("Publish the answer"))


class MilestoneForm(FlaskForm):
    reached_on = DateField(_l("Date"), validators=[InputRequired(_l("Enter the date."))])
    progress = IntegerField(_l("Progress after this step (%)"), validators=[
        InputRequired(_l("Enter a percentage.")),
        NumberRange(min=0, max=100, message=_l("Progress is a percentage from 0 to 100."))])
    note_it = TextAreaField(_l("What was done (Italian)"), validators=[
        DataRequired(_l("Say in Italian what was done.")), Length(max=10_000)])
    note_en = TextAreaField(_l("What was done (English, optional)"), validators=[Length(max=10_000)])
    submit = SubmitField(_l("Add the milestone"))
