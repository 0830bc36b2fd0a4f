from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SubmitField
from wtforms.validators import InputRequired

from engage.notifications.kinds import Delivery, Topic


def delivery_choices():
    return [(delivery.value, delivery.label) for delivery in Delivery]


def preferences_form(topics: list[Topic], current: dict[Topic, Delivery]) -> FlaskForm:
    """One group of radio buttons per topic this person can receive (no JavaScript needed)."""

    class PreferencesForm(FlaskForm):
        submit = SubmitField(_l("Save preferences"))

    for topic in topics:
        setattr(PreferencesForm, topic.value,
                RadioField(topic.label, choices=delivery_choices, validate_choice=True, default=current[topic].value,
                           validators=[InputRequired(_l("Choose how you want to hear about this."))]))
    form = PreferencesForm()
    form.topics = topics
    return form
