"""Form pieces shared across domains."""
from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

ROME = ZoneInfo("Europe/Rome")


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LocalDateTimeField(DateTimeLocalField):
    """People type Italian local time; the database keeps UTC."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("format", "%Y-%m-%dT%H:%M")
        super().__init__(*args, **kwargs)

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.data.astimezone(ROME).strftime("%Y-%m-%dT%H:%M") if self.data else ""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        # Only what was just typed is naive local time; a value kept from the object is UTC already.
        if valuelist and self.data is not None and self.data.tzinfo is None:
            if not 2000 <= self.data.year <= 2200:
                self.data = None
                raise ValueError(_l("Enter a date between the years 2000 and 2200."))
            self.data = self.data.replace(tzinfo=ROME).astimezone(UTC)


class ActionForm(FlaskForm):
    """Just the CSRF token, for buttons that act (support, follow, withdraw, move)."""
