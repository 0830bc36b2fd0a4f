from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from engage.extensions import db
from engage.moderation.models import ReportReason
from engage.notifications import services

bp = Blueprint("notifications", __name__)


@bp.get("/notifiche")
@login_required
def index():
    items = services.latest_for(current_user)
    services.mark_all_read(current_user)
    db.session.commit()
    return render_template("notifications/index.html", items=items, reasons=ReportReason)
