from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from engage.auth.models import Role
from engage.core.forms import MultiCheckboxField
from engage.institutions.models import InstitutionKind

slug_rules = [Optional(), Length(max=60),
              Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$",
                     message=_l("Use lower-case letters, digits and single hyphens only."))]


class AxisForm(FlaskForm):
    title_it = StringField(_l("Title (Italian)"),
                           validators=[DataRequired(_l("Enter the Italian title.")), Length(max=120)])
    title_en = StringField(_l("Title (English, optional)"), validators=[Optional(), Length(max=120)])
    description_it = TextAreaField(_l("Description (Italian)"), validators=[Length(max=5000)])
    description_en = TextAreaField(_l("Description (English, optional)"), validators=[Length(max=5000)])
    slug = StringField(_l("Address name (slug)"), validators=slug_rules,
                       description=_l("Left empty, it is made from the Italian title."))
    submit = SubmitField(_l("Save"))


class PriorityPointForm(FlaskForm):
    number = IntegerField(_l("Number in Masterplan 3C"), validators=[
        InputRequired(_l("Enter the point's number.")),
        NumberRange(min=1, max=999, message=_l("Enter a number between 1 and 999."))])
    axis = SelectField(_l("Axis"), validators=[InputRequired(_l("Choose an axis."))])
    title_it = StringField(_l("Title (Italian)"),
                           validators=[DataRequired(_l("Enter the Italian title.")), Length(max=160)])
    title_en = StringField(_l("Title (English, optional)"), validators=[Optional(), Length(max=160)])
    description_it = TextAreaField(_l("Description (Italian)"), validators=[
        DataRequired(_l("Enter the Italian description.")), Length(max=5000)])
    description_en = TextAreaField(_l("Description (English, optional)"), validators=[Length(max=5000)])
    pnrr_missions = StringField(_l("PNRR missions"), validators=[Optional(), Length(max=40)],
                                description=_l("For example: M1, M5"))
    institutions = MultiCheckboxField(_l("Institutions involved"), coerce=int)
    inferred = BooleanField(_l("Inferred: not taken from the official Masterplan 3C text"))
    provenance = TextAreaField(_l("Where this text comes from"), validators=[Length(max=5000)])
    slug = StringField(_l("Address name (slug)"), validators=slug_rules,
                       description=_l("Left empty, it is made from the Italian title."))
    submit = SubmitField(_l("Save"))


class InstitutionForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter the name.")), Length(max=160)])
    kind = SelectField(_l("Kind"), choices=lambda: [(k.value, k.label) for k in InstitutionKind],
                       validate_choice=True)
    role_it = TextAreaField(_l("Role in the ATS (Italian)"), validators=[Length(max=2000)])
    role_en = TextAreaField(_l("Role in the ATS (English, optional)"), validators=[Length(max=2000)])
    is_lead = BooleanField(_l("Lead body of the ATS"))
    membership_verified = BooleanField(_l("Membership of the ATS verified"))
    slug = StringField(_l("Address name (slug)"), validators=slug_rules,
                       description=_l("Left empty, it is made from the name."))
    submit = SubmitField(_l("Save"))


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=lambda: [(r.value, r.label) for r in Role],
                       validate_choice=True)
    submit = SubmitField(_l("Change role"))


class OfficerForm(FlaskForm):
    institution = SelectField(_l("Institution"), coerce=int,
                              validators=[InputRequired(_l("Choose an institution."))])
    submit = SubmitField(_l("Make officer"))


class ConfirmForm(FlaskForm):
    """An empty form: just the CSRF token for buttons that act (move, remove)."""


class UserSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search by name or e-mail"), validators=[Optional(), Length(max=100)])
