"""Reporting and appealing (citizens), the queue and decisions (moderators), transparency (everyone)."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from engage.core.params import int_param, page_param
from engage.auth.models import User
from engage.auth.permissions import Refused, can, require
from engage.comments.models import Comment
from engage.core import limits
from engage.core.csvexport import to_csv
from engage.core.db import utcnow
from engage.core.forms import ActionForm
from engage.extensions import db
from engage.moderation import queries, services
from engage.moderation.forms import AppealForm, BlockForm, DecisionForm, QueueFilterForm, ReportForm
from engage.moderation.models import ModerationCase, ReportReason
from engage.proposals.models import Proposal
from engage.questionnaires.models import Answer

bp = Blueprint("moderation", __name__)


@bp.before_app_request
def _lift_expired_blocks():
    """Any state-changing request first lifts blocks whose time is up (see the service)."""
    if request.method == "POST" and services.lift_expired_blocks():
        db.session.commit()
KINDS = {"proposta": Proposal, "commento": Comment, "risposta": Answer}
CASES_PER_PAGE = 50


def _item(kind: str, item_id: int):
    model = KINDS.get(kind) or abort(404)
    return db.get_or_404(model, item_id)


@bp.route("/segnala/<kind>/<int:item_id>", methods=["GET", "POST"])
@login_required
@limits.on_post(limits.REPORTS)
def report(kind, item_id):
    item = _item(kind, item_id)
    form = ReportForm()
    back = services.item_link(item)
    if form.validate_on_submit():
        try:
            services.report(current_user, item, ReportReason(form.reason.data), form.details.data)
        except Refused as refusal:
            form.form_errors.append(refusal.message)
        else:
            db.session.commit()
            flash(_("Thank you: the moderators will look at your report."), "success")
            return redirect(back)
    elif request.method == "GET" and not can(current_user, "content.report", item):
        return render_template("refused.html", message=_("You cannot report this."), back=back), 403
    return render_template("moderation/report.html", form=form, item=item, back=back), \
        422 if form.errors else 200


@bp.route("/ricorso/<kind>/<int:item_id>", methods=["GET", "POST"])
@login_required
def appeal(kind, item_id):
    item = _item(kind, item_id)
    case = services.case_for(item, create=False) or abort(404)
    form = AppealForm()
    back = services.item_link(item)
    if form.validate_on_submit():
        try:
            services.appeal(current_user, case, form.message.data)
        except Refused as refusal:
            form.form_errors.append(refusal.message)
        else:
            db.session.commit()
            flash(_("Your appeal has been sent. You will be told the decision."), "success")
            return redirect(back)
    elif request.method == "GET":
        require("content.appeal", case)
    return render_template("moderation/appeal.html", form=form, item=item, case=case, back=back), \
        422 if form.errors else 200


@bp.get("/moderazione/")
@login_required
def queue():
    require("moderation.queue")
    form = QueueFilterForm(request.args)
    form.consultazione.choices = [("", _("All"))] + [
        (str(c.id), c.localized("title").text) for c in queries.consultations_with_open_cases(current_user)]
    form.validate()
    for field in form:
        if field.errors:
            field.data = field.default
    page = db.paginate(queries.queue(
        current_user, consultation_id=int_param(form.consultazione.data),
        reason=ReportReason(form.motivo.data) if form.motivo.data else None),
        page=page_param(), per_page=CASES_PER_PAGE, error_out=False)
    return render_template("moderation/queue.html", form=form, page=page,
                           counts=queries.open_report_counts([c.id for c in page.items]),
                           decision_form=DecisionForm())


def _reason_and_note(form: DecisionForm) -> tuple[ReportReason, str]:
    return (ReportReason(form.reason.data) if form.reason.data else ReportReason.OTHER), form.note.data or ""


@bp.post("/moderazione/azioni")
@login_required
def act():
    """One form for the whole queue: a row's own button, or a bulk action on the ticked rows."""
    require("moderation.queue")
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    single = request.form.get("single", "")
    if single:
        action, _sep, case_id = single.partition(":")
        ids = [int_param(case_id)] if int_param(case_id) else []
    else:
        action = request.form.get("bulk_action", "")
        ids = [i for i in map(int_param, request.form.getlist("case_ids")) if i]
    cases = list(db.session.scalars(db.select(ModerationCase).where(ModerationCase.id.in_(ids))))
    if not cases:
        flash(_("Tick at least one item."), "warning")
        return redirect(request.referrer or url_for("moderation.queue"))
    for case in cases:
        require("moderation.decide", case)  # all or nothing: check every case before acting
    try:
        reason, note = _reason_and_note(form)
        if single:
            services.decide(current_user, cases[0], action, reason, note)
            done = 1
        else:
            done = services.bulk(current_user, cases, action, reason, note)
    except Refused as refusal:
        db.session.rollback()
        flash(refusal.message, "danger")
    else:
        db.session.commit()
        flash(ngettext("Done: %(num)d item.", "Done: %(num)d items.", done), "success")
    return redirect(url_for("moderation.queue"))


@bp.get("/moderazione/casi/<int:case_id>")
@login_required
def case(case_id):
    case = queries.case_for_page(case_id) or abort(404)
    require("moderation.decide", case)
    reasons = [r.reason for r in case.reports if r.cleared_at is None]
    likely = max(set(reasons), key=reasons.count).value if reasons else ReportReason.OTHER.value
    return render_template("moderation/case.html", case=case, history=queries.case_history(case.id),
                           decision_form=DecisionForm(reason=likely), block_form=BlockForm())


@bp.post("/moderazione/casi/<int:case_id>")
@login_required
def decide(case_id):
    case = queries.case_for_page(case_id) or abort(404)
    require("moderation.decide", case)
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.decide(current_user, case, request.form.get("action", ""), *_reason_and_note(form))
    except Refused as refusal:
        db.session.rollback()
        return render_template("refused.html", message=refusal.message,
                               back=url_for("moderation.case", case_id=case_id)), refusal.status
    db.session.commit()
    flash(_("Decision recorded."), "success")
    return redirect(url_for("moderation.case", case_id=case_id))


@bp.post("/moderazione/utenti/<int:user_id>/blocca")
@login_required
def block(user_id):
    target = db.get_or_404(User, user_id)
    require("moderation.block", target)
    form = BlockForm()
    back = int_param(request.form.get("case_id"))
    if form.validate_on_submit():
        until = None if form.permanent.data else utcnow() + timedelta(days=form.days.data or 7)
        try:
            services.block(current_user, target, form.reason.data, until)
        except Refused as refusal:
            form.form_errors.append(refusal.message)
        else:
            db.session.commit()
            flash(_("%(name)s is blocked.", name=target.display_name), "success")
            return redirect(url_for("moderation.blocked"))
    return render_template("moderation/block.html", form=form, target=target, case_id=back), 422


@bp.post("/moderazione/utenti/<int:user_id>/sblocca")
@login_required
def unblock(user_id):
    target = db.get_or_404(User, user_id)
    require("moderation.block", target)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.unblock(current_user, target)
    db.session.commit()
    flash(_("%(name)s is no longer blocked.", name=target.display_name), "success")
    return redirect(url_for("moderation.blocked"))


@bp.get("/moderazione/bloccati")
@login_required
def blocked():
    require("moderation.access")
    return render_template("moderation/blocked.html", users=queries.blocked_users(), action_form=ActionForm())


@bp.get("/moderazione/registro")
@login_required
def audit():
    require("moderation.audit")
    query = queries.audit_log()
    if request.args.get("formato") == "csv":
        rows = ((a.id, a.created_at.isoformat(), a.actor.display_name if a.actor else "system", a.action,
                 a.case_id or "", a.subject_user_id or "", a.reason, a.state_before, a.state_after, a.note)
                for a in db.session.scalars(query))
        body = to_csv(["id", "at_utc", "actor", "action", "case", "subject_user", "reason", "before",
                       "after", "note"], rows)
        return Response(body, mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": "attachment; filename=moderation-log.csv"})
    page = db.paginate(query, page=page_param(), per_page=100, error_out=False)
    return render_template("moderation/audit.html", page=page)


@bp.get("/trasparenza")
def transparency():
    return render_template("moderation/transparency.html", months=queries.transparency(),
                           reasons=list(ReportReason))
