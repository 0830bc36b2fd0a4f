"""Form pieces shared across domains."""
from __future__ import annotations

from datetime import UTC
from functools import lru_cache

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import DateTimeLocalField, SelectMultipleField
from wtforms.fields.choices import Choice
from wtforms.widgets import CheckboxInput, ListWidget, Select, html_params

from engage.core.db import ROME


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


@lru_cache(maxsize=512)
def _rendered_options(options: tuple) -> Markup:
    # WTForms' render_option escapes every value, label and attribute: the joined HTML is safe.
    html = "".join(Select.render_option(Choice(value, label, selected=selected, render_kw=dict(render_kw)))
                   for value, label, selected, render_kw in options)
    return Markup(html)  # nosec B704


class LongSelect(Select):
    """wtforms' Select, same HTML, for long lists (the 113 comuni): the options are rendered once
    per list and selection instead of on every request; the profile of the proposal list showed
    that rendering them option by option took about a third of the page's time."""

    def __call__(self, field, **kwargs):
        if field.has_groups():
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        flags = getattr(field, "flags", {})
        for k in dir(flags):
            if k in self.validation_attrs and k not in kwargs:
                kwargs[k] = getattr(flags, k)
        options = tuple((choice.value, str(choice.label or choice.value), bool(choice.selected),
                         tuple(sorted((choice.render_kw or {}).items())))
                        for choice in field._iter_choices_normalized())
        # html_params escapes the attributes, as WTForms' own Select does.
        return Markup(f"<select {html_params(name=field.name, **kwargs)}>{_rendered_options(options)}</select>")  # nosec B704
