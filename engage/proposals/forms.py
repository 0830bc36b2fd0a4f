from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from engage.accountability.models import AnswerStatus
from engage.core.forms import LongSelect
from engage.proposals.models import BODY_MAX, TITLE_MAX


class ProposalForm(FlaskForm):
    title = StringField(_l("Title"), validators=[
        DataRequired(_l("Give your proposal a title.")),
        Length(max=TITLE_MAX, message=_l("The title can be at most %(max)d characters long.", max=TITLE_MAX))],
        description=_l("At most %(max)d characters.", max=TITLE_MAX))
    body = TextAreaField(_l("Description"), validators=[
        DataRequired(_l("Describe your proposal.")),
        Length(max=BODY_MAX, message=_l("The description can be at most %(max)d characters long.", max=BODY_MAX))],
        description=_l("What you propose, why, and for whom. You can use Markdown: **bold**, *italic*, "
                       "lists and links. At most %(max)d characters.", max=BODY_MAX))
    priority_point = SelectField(_l("Priority point"), coerce=int,
                                 validators=[InputRequired(_l("Choose a priority point."))])
    comune = SelectField(_l("Municipality it concerns (optional)"), coerce=str, validators=[Optional()])
    official = BooleanField(_l("Publish as an official proposal of the institution"))
    # Set once the author has seen the similar proposals: the second step of submission.
    similar_checked = HiddenField()
    check = SubmitField(_l("Continue"))
    publish = SubmitField(_l("Publish my proposal"))
    save = SubmitField(_l("Save changes"))


class ProposalFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search words"), default="", validators=[Optional(), Length(max=200)])
    punto = SelectField(_l("Priority point"), coerce=str, default="", widget=LongSelect())
    comune = SelectField(_l("Municipality"), coerce=str, default="", widget=LongSelect())
    stato = SelectField(_l("Status"), default="", choices=lambda: [
        ("", _l("All")), ("qualified", _l("Qualified for an answer")), ("answered", _l("Answered")),
        ("withdrawn", _l("Withdrawn"))])
    risposta = SelectField(_l("Official answer"), default="", choices=lambda: [
        ("", _l("All"))] + [(status.value, status.label) for status in AnswerStatus])
    ordine = SelectField(_l("Order"), default="random", choices=lambda: [
        ("random", _l("Random (fair to everyone)")), ("supports", _l("Most supported")),
        ("newest", _l("Newest")), ("comments", _l("Most commented"))])
    filtra = SubmitField(_l("Show"))
