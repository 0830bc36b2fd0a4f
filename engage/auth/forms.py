from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, Regexp

from engage.auth.models import AgeBand

PASSWORD_MIN, PASSWORD_MAX = 10, 128
OUTSIDE_PROVINCE = "outside"

email_validators = [DataRequired(_l("Enter your e-mail address.")),
                    Email(_l("Enter a valid e-mail address, like nome@esempio.it.")),
                    Length(max=254)]
password_rules = [DataRequired(_l("Choose a password.")),
                  Length(min=PASSWORD_MIN, max=PASSWORD_MAX,
                         message=_l("The password must be between %(min)d and %(max)d characters long.",
                                    min=PASSWORD_MIN, max=PASSWORD_MAX))]
display_name_rules = [
    DataRequired(_l("Choose a public name.")),
    Length(min=3, max=40, message=_l("The public name must be between 3 and 40 characters long.")),
    Regexp(r"^[\w .'\-]+$",
           message=_l("Use letters, digits, spaces, dots, apostrophes and hyphens only.")),
]


def age_band_choices():
    return [("", _l("I prefer not to say"))] + [(band.value, band.label) for band in AgeBand]


def language_choices():
    return [("it", "Italiano"), ("en", "English")]


class ProfileFieldsMixin:
    """Fields shared by registration and the profile page; comune choices are set by the view."""

    display_name = StringField(_l("Public name"), validators=display_name_rules,
                               description=_l("Shown next to what you write. A nickname is fine: "
                                              "your real name is never shown."))
    comune = SelectField(_l("Municipality of residence"),
                         validators=[InputRequired(_l("Choose your municipality."))],
                         validate_choice=True)
    age_band = SelectField(_l("Age band (optional)"), choices=age_band_choices,
                           validate_choice=True)


class RegistrationForm(ProfileFieldsMixin, FlaskForm):
    email = EmailField(_l("E-mail address"), validators=email_validators)
    password = PasswordField(_l("Password"), validators=password_rules,
                             description=_l("At least %(min)d characters.", min=PASSWORD_MIN))
    password_again = PasswordField(_l("Repeat the password"), validators=[
        DataRequired(_l("Repeat the password.")),
        EqualTo("password", message=_l("The two passwords do not match."))])
    privacy = BooleanField(_l("I have read and accept the privacy notice."),
                           validators=[DataRequired(_l("You must accept the privacy notice to register."))])
    submit = SubmitField(_l("Create account"))


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=email_validators)
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])
    remember = BooleanField(_l("Keep me signed in on this device"))
    submit = SubmitField(_l("Sign in"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=email_validators)
    submit = SubmitField(_l("Send me a reset link"))


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=password_rules)
    password_again = PasswordField(_l("Repeat the new password"), validators=[
        DataRequired(_l("Repeat the password.")),
        EqualTo("password", message=_l("The two passwords do not match."))])
    submit = SubmitField(_l("Set the new password"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"),
                                     validators=[DataRequired(_l("Enter your current password."))])
    password = PasswordField(_l("New password"), validators=password_rules)
    password_again = PasswordField(_l("Repeat the new password"), validators=[
        DataRequired(_l("Repeat the password.")),
        EqualTo("password", message=_l("The two passwords do not match."))])
    submit = SubmitField(_l("Change password"))


class ProfileForm(ProfileFieldsMixin, FlaskForm):
    locale = SelectField(_l("Language"), choices=language_choices, validate_choice=True)
    submit = SubmitField(_l("Save profile"))


class LanguageForm(FlaskForm):
    """The header switcher: one button per language, no JavaScript needed."""

    lang = SelectField(_l("Language"), choices=language_choices, validate_choice=True)
    next = StringField()


class ResendConfirmationForm(FlaskForm):
    submit = SubmitField(_l("Send the confirmation link again"))


def comune_choices(comuni) -> list[tuple[str, str]]:
    return ([("", _l("Choose…"))] + [(str(c.id), c.name) for c in comuni]
            + [(OUTSIDE_PROVINCE, _l("Outside the province of Cremona"))])


class ChangeEmailForm(FlaskForm):
    email = EmailField(_l("New e-mail address"), validators=email_validators)
    password = PasswordField(_l("Your password"), validators=[DataRequired(_l("Enter your password."))],
                             description=_l("Asked again to protect your account."))
    submit = SubmitField(_l("Send the confirmation link"))


class DeleteAccountForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired(_l("Enter your password."))])
    confirm = BooleanField(_l("I understand that my account is deleted for good and cannot be recovered."),
                           validators=[DataRequired(_l("Tick the box to confirm."))])
    submit = SubmitField(_l("Delete my account"))
