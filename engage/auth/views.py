from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from engage.auth import services
from engage.core import limits
from engage.auth import privacy
from engage.auth.forms import (OUTSIDE_PROVINCE, ChangeEmailForm, ChangePasswordForm, DeleteAccountForm,
                               ForgotPasswordForm,
                               LanguageForm, LoginForm, ProfileForm, RegistrationForm,
                               ResendConfirmationForm, ResetPasswordForm, comune_choices)
from engage.auth.models import AgeBand
from engage.core.i18n import LANG_COOKIE, current_language
from engage.core.urls import safe_next
from engage.extensions import db
from engage.territory.models import Comune
from engage.territory.queries import all_comuni

bp = Blueprint("auth", __name__)


def _with_comuni(form):
    form.comune.choices = comune_choices(all_comuni())
    return form


def _profile_values(form) -> dict:
    comune = None if form.comune.data == OUTSIDE_PROVINCE else db.session.get(Comune, int(form.comune.data))
    return {"display_name": form.display_name.data, "comune": comune,
            "age_band": AgeBand(form.age_band.data) if form.age_band.data else None}


@bp.route("/registrati", methods=["GET", "POST"])
@limits.on_post(limits.REGISTER)
def register():
    if current_user.is_authenticated:
        return redirect(url_for("masterplan.home"))
    form = _with_comuni(RegistrationForm())
    if form.validate_on_submit():
        try:
            services.register_user(email=form.email.data, password=form.password.data,
                                   locale=current_language(), **_profile_values(form))
        except services.AccountError as error:
            getattr(form, error.field).errors.append(error.message)
        else:
            db.session.commit()
            return render_template("auth/check_inbox.html", email=form.email.data)
    return render_template("auth/register.html", form=form), 200 if not form.errors else 422


@bp.get("/conferma/<token>")
def confirm_email(token):
    user = services.confirm_email(token)
    if user is None:
        return render_template("auth/confirm_failed.html"), 400
    db.session.commit()
    flash(_("Thank you: your e-mail address is confirmed."), "success")
    return redirect(url_for("auth.login") if not current_user.is_authenticated
                    else url_for("masterplan.home"))


@bp.post("/conferma/invia-di-nuovo")
@login_required
def resend_confirmation():
    if ResendConfirmationForm().validate_on_submit() and not current_user.is_confirmed:
        services.send_confirmation(current_user)
        flash(_("We sent a new confirmation link to %(email)s.", email=current_user.email), "info")
    return redirect(safe_next(request.form.get("next"), url_for("auth.profile")))


@bp.route("/accedi", methods=["GET", "POST"])
@limits.on_post(limits.SIGN_IN_PER_ADDRESS)
@limits.on_post(limits.SIGN_IN_PER_ACCOUNT, key_func=limits.account_key)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("masterplan.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            form.form_errors.append(_("The e-mail address or the password is not correct."))
        elif user.is_blocked:  # said only after the right password: no account enumeration
            form.form_errors.append(services.block_message(user))
        else:
            db.session.commit()
            login_user(user, remember=form.remember.data)
            response = redirect(safe_next(request.args.get("next"), url_for("masterplan.home")))
            response.set_cookie(LANG_COOKIE, user.locale, max_age=365 * 86400, samesite="Lax")
            return response
    return render_template("auth/login.html", form=form), 200 if not form.errors else 422


@bp.post("/esci")
def logout():
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("masterplan.home"))


@bp.route("/password-dimenticata", methods=["GET", "POST"])
@limits.on_post(limits.PASSWORD_RESET)
@limits.on_post(limits.PASSWORD_RESET, key_func=limits.account_key)
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        return render_template("auth/reset_requested.html", email=form.email.data)
    return render_template("auth/forgot_password.html", form=form), 200 if not form.errors else 422


@bp.route("/nuova-password/<token>", methods=["GET", "POST"])
def reset_password(token):
    user = services.user_for_reset_token(token)
    if user is None:
        return render_template("auth/reset_failed.html"), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        services.reset_password(user, form.password.data)
        db.session.commit()
        logout_user()
        flash(_("Your password has been changed. You can now sign in."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form), 200 if not form.errors else 422


@bp.route("/profilo", methods=["GET", "POST"])
@login_required
def profile():
    form = _with_comuni(ProfileForm(obj=None))
    if request.method == "GET":
        form.display_name.data = current_user.display_name
        form.comune.data = str(current_user.comune_id) if current_user.comune_id else OUTSIDE_PROVINCE
        form.age_band.data = current_user.age_band.value if current_user.age_band else ""
        form.locale.data = current_user.locale
    if form.validate_on_submit():
        try:
            services.update_profile(current_user, locale=form.locale.data, **_profile_values(form))
        except services.AccountError as error:
            getattr(form, error.field).errors.append(error.message)
        else:
            db.session.commit()
            flash(_("Your profile has been saved.", ), "success")
            response = redirect(url_for("auth.profile"))
            response.set_cookie(LANG_COOKIE, current_user.locale, max_age=365 * 86400, samesite="Lax")
            return response
    return render_template("auth/profile.html", form=form,
                           resend_form=ResendConfirmationForm()), 200 if not form.errors else 422


@bp.route("/profilo/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.password.data)
        except services.AccountError as error:
            getattr(form, error.field).errors.append(error.message)
        else:
            db.session.commit()
            login_user(current_user._get_current_object())  # this session goes on; others end
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("auth.profile"))
    return render_template("auth/change_password.html", form=form), 200 if not form.errors else 422


@bp.post("/lingua")
def set_language():
    form = LanguageForm()
    target = safe_next(form.next.data, url_for("masterplan.home"))
    if not form.validate_on_submit():
        return redirect(target)
    if current_user.is_authenticated:
        services.set_locale(current_user, form.lang.data)
        db.session.commit()
    response = redirect(target)
    response.set_cookie(LANG_COOKIE, form.lang.data, max_age=365 * 86400, samesite="Lax",
                        secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    return response


@bp.route("/profilo/email", methods=["GET", "POST"])
@login_required
def change_email():
    form = ChangeEmailForm()
    if form.validate_on_submit():
        try:
            services.request_email_change(current_user, form.email.data, form.password.data)
        except services.AccountError as error:
            getattr(form, error.field).errors.append(error.message)
        else:
            return render_template("auth/check_inbox.html", email=form.email.data)
    return render_template("auth/change_email.html", form=form), 200 if not form.errors else 422


@bp.get("/profilo/email/<token>")
def confirm_email_change(token):
    user = services.confirm_email_change(token)
    if user is None:
        return render_template("auth/confirm_failed.html"), 400
    db.session.commit()
    logout_user()
    flash(_("Your e-mail address has been changed. Sign in with the new one."), "success")
    return redirect(url_for("auth.login"))


@bp.get("/profilo/dati")
@login_required
def download_data():
    """Everything we hold about you, as JSON and CSV in one zip (GDPR art. 15 and 20)."""
    return Response(privacy.export_zip(current_user), mimetype="application/zip",
                    headers={"Content-Disposition": "attachment; filename=engage-cremona-data.zip"})


@bp.route("/profilo/elimina", methods=["GET", "POST"])
@login_required
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            privacy.delete_account(current_user, form.password.data)
        except services.AccountError as error:
            getattr(form, error.field).errors.append(error.message)
        else:
            db.session.commit()
            logout_user()
            flash(_("Your account has been deleted. Your contributions remain as a former participant's."),
                  "info")
            return redirect(url_for("masterplan.home"))
    return render_template("auth/delete_account.html", form=form), 200 if not form.errors else 422
