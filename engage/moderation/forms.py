from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from engage.moderation.models import ReportReason
from engage.moderation.services import APPEAL_MAX


def reason_choices():
    return [(r.value, r.label) for r in ReportReason]


class ReportForm(FlaskForm):
    reason = RadioField(_l("Why are you reporting it?"), choices=reason_choices, validate_choice=True,
                        validators=[InputRequired(_l("Choose a reason."))])
    details = TextAreaField(_l("Details (optional)"), validators=[Optional(), Length(max=2000)],
                            description=_l("What should the moderators look at? At most 2,000 characters."))
    submit = SubmitField(_l("Send the report"))


class AppealForm(FlaskForm):
    message = TextAreaField(_l("Your appeal"), validators=[
        DataRequired(_l("Tell the moderators why the decision should change.")),
        Length(max=APPEAL_MAX, message=_l("An appeal can be at most %(max)d characters long.", max=APPEAL_MAX))],
        description=_l("You can appeal only once. A moderator will read it and decide."))
    submit = SubmitField(_l("Send the appeal"))


class DecisionForm(FlaskForm):
    reason = SelectField(_l("Reason shown to the public when hiding"), choices=reason_choices,
                         validate_choice=True)
    note = TextAreaField(_l("Note for the log (optional)"), validators=[Optional(), Length(max=1000)])


class BlockForm(FlaskForm):
    # Its own id: the case page shows this form next to the decision form, whose field is "reason" too.
    reason = StringField(_l("Reason (the person will read it)"), id="block-reason", validators=[
        DataRequired(_l("Give the reason for the block: the person will read it.")), Length(max=500)])
    days = IntegerField(_l("Length of the block in days"), default=7, validators=[
        Optional(), NumberRange(min=1, max=3650, message=_l("Enter a number of days from 1 to 3,650."))])
    permanent = BooleanField(_l("Permanent block"))
    submit = SubmitField(_l("Block the account"))


class QueueFilterForm(FlaskForm):
    class Meta:
        csrf = False

    consultazione = SelectField(_l("Consultation"), coerce=str, default="")
    motivo = SelectField(_l("Reason"), coerce=str, default="",
                         choices=lambda: [("", _l("All"))] + reason_choices())
    filtra = SubmitField(_l("Filter"))
