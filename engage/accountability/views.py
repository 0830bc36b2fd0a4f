"""Answering proposals and following them up (officers); the overdue board (everyone)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engage.accountability import queries, services
from engage.accountability.forms import AnswerForm, MilestoneForm
from engage.accountability.models import AnswerStatus
from engage.auth.permissions import Refused, require
from engage.extensions import db
from engage.institutions.queries import institution_by_slug
from engage.proposals.queries import proposal_for_page

bp = Blueprint("accountability", __name__)


def _proposal(proposal_id: int):
    return proposal_for_page(proposal_id) or abort(404)


@bp.route("/proposte/<int:proposal_id>/risposta", methods=["GET", "POST"])
@login_required
def answer(proposal_id):
    proposal = _proposal(proposal_id)
    require("proposal.answer", proposal)
    existing = proposal.official_answer
    form = AnswerForm(obj=existing)
    if request.method == "GET" and existing is not None:
        form.status.data = existing.status.value
    if form.validate_on_submit():
        try:
            services.answer_proposal(current_user, proposal, status=AnswerStatus(form.status.data),
                                     body_it=form.body_it.data, body_en=form.body_en.data,
                                     cost_estimate=form.cost_estimate.data,
                                     responsible_office=form.responsible_office.data)
        except Refused as refusal:
            form.form_errors.append(refusal.message)
        else:
            db.session.commit()
            flash(_("The answer is published. The author, the supporters and the followers are told."), "success")
            return redirect(url_for("proposals.detail", proposal_id=proposal.id) + "#risposta-ufficiale")
    return render_template("accountability/answer.html", form=form, proposal=proposal,
                           due_at=queries.due_at(proposal), owed=queries.is_owed(proposal)), \
        422 if form.errors else 200


@bp.route("/proposte/<int:proposal_id>/avanzamento", methods=["GET", "POST"])
@login_required
def progress(proposal_id):
    proposal = _proposal(proposal_id)
    require("proposal.report_progress", proposal)
    form = MilestoneForm()
    if form.validate_on_submit():
        try:
            services.add_milestone(current_user, proposal, reached_on=form.reached_on.data,
                                   progress=form.progress.data, note_it=form.note_it.data, note_en=form.note_en.data)
        except Refused as refusal:
            form.form_errors.append(refusal.message)
        else:
            db.session.commit()
            flash(_("The milestone is published."), "success")
            return redirect(url_for("proposals.detail", proposal_id=proposal.id) + "#avanzamento")
    return render_template("accountability/progress.html", form=form, proposal=proposal), \
        422 if form.errors else 200


@bp.get("/enti/<slug>/risposte-attese")
def awaiting(slug):
    institution = institution_by_slug(slug) or abort(404)
    return render_template("accountability/awaiting.html", institution=institution,
                           awaiting=queries.awaiting_answers(institution),
                           responsiveness=queries.responsiveness(institution))
