from __future__ import annotations

import logging

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError

from engage.auth.models import User
from engage.extensions import csrf, db
from engage.notifications import kinds, mails, services
from engage.notifications.forms import preferences_form
from engage.notifications.kinds import Delivery, Topic

bp = Blueprint("notifications", __name__)
log = logging.getLogger(__name__)

ONE_CLICK_FIELD, ONE_CLICK_VALUE = "List-Unsubscribe", "One-Click"  # RFC 8058's POST body


@bp.app_context_processor
def unread_notifications():
    """`unread_notifications()` in templates: the header's count, one query, only when a page asks."""

    def count() -> int:
        if not current_user.is_authenticated:
            return 0
        if "unread_notifications" not in g:
            try:
                g.unread_notifications = services.unread_count(current_user)
            except SQLAlchemyError:  # e.g. on the "database unavailable" page: a badge never breaks a page
                log.warning("Could not count unread notifications", exc_info=True)
                g.unread_notifications = 0
        return g.unread_notifications

    return {"unread_notifications": count, "unread_shown_max": services.UNREAD_SHOWN_MAX}


@bp.get("/notifiche")
@login_required
def index():
    items = services.latest_for(current_user)
    services.mark_all_read(current_user)
    db.session.commit()
    g.unread_notifications = 0  # just read: the header says so
    return render_template("notifications/index.html", items=items, sentence=kinds.sentence)


@bp.route("/profilo/notifiche", methods=["GET", "POST"])
@login_required
def preferences():
    topics = kinds.topics_for(current_user)
    form = preferences_form(topics, services.preferences_of(current_user))
    if form.validate_on_submit():
        for topic in topics:
            services.set_preference(current_user, topic, Delivery(getattr(form, topic.value).data))
        db.session.commit()
        flash(_("Your notification preferences have been saved."), "success")
        return redirect(url_for("notifications.preferences"))
    return render_template("notifications/preferences.html", form=form), 200 if not form.errors else 422


# The link in every notification e-mail, and the URL of its List-Unsubscribe header.
#
# CSRF: the view is exempt from the app-wide check and makes its own. The form on the page sends
# the CSRF token and is checked as usual (csrf.protect below). The RFC 8058 one-click POST comes
# from the recipient's mail program (or its provider's server), with no cookie, no session and so
# no CSRF token it could know: requiring one would make the header's unsubscribe button fail.
# Skipping the check for that POST alone is safe because the signed token in the URL is itself the
# proof: it names one person and what to stop, only that person's mail carries it, and a forger
# without it gets the "not valid" page. Nothing but turning e-mails off can be done this way.
@bp.route("/notifiche/disiscrizione/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token):
    one_click = request.method == "POST" and request.form.get(ONE_CLICK_FIELD) == ONE_CLICK_VALUE
    if request.method == "POST" and not one_click:
        csrf.protect()  # the page's own form: a 400 "form expired" page without a valid token
    found = mails.read_unsubscribe_token(token)
    user = db.session.get(User, found[0]) if found else None
    if user is None or user.deleted_at is not None:
        return render_template("notifications/unsubscribe_invalid.html"), 400
    what = found[1]
    digest = what == kinds.DIGEST
    label = None if digest else Topic(what).label
    if request.method == "GET":  # never on GET: link checkers and previews open links without asking anyone
        return render_template("notifications/unsubscribe.html", label=label, digest=digest)
    services.unsubscribe(user, what)
    db.session.commit()
    return render_template("notifications/unsubscribed.html", label=label, digest=digest)
