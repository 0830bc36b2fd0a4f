from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engage.core.pagecache import cached_page
from engage.core.params import int_param
from engage.auth.permissions import Refused, require
from engage.comments.forms import CommentForm, ReplyForm
from engage.comments.queries import thread
from engage.comments.views import thread_page
from engage.consultations import queries, services
from engage.consultations.forms import ConsultationFilterForm, ConsultationForm, MovePhaseForm
from engage.consultations.models import Consultation
from engage.consultations.phases import Phase
from engage.core.forms import ActionForm
from engage.extensions import db
from engage.follows import services as follows
from engage.institutions.models import Institution
from engage.institutions.queries import all_institutions
from engage.masterplan.models import PriorityPoint
from engage.masterplan.queries import all_axes, all_priority_points
from engage.questionnaires import queries as questionnaire_queries
from engage.votes import tally

bp = Blueprint("consultations", __name__, url_prefix="/consultazioni")


@bp.get("/")
@cached_page()
def index():
    form = ConsultationFilterForm(request.args)
    points, axes, institutions = all_priority_points(), all_axes(), all_institutions()
    form.punto.choices = [("", _("All"))] + [(str(p.id), f"{p.number}. {p.localized('title').text}") for p in points]
    form.asse.choices = [("", _("All"))] + [(str(a.id), a.localized("title").text) for a in axes]
    form.ente.choices = [("", _("All"))] + [(str(i.id), i.name) for i in institutions]
    form.validate()
    known = {option.value for option in queries.Listing}
    listing = queries.Listing(form.stato.data) if form.stato.data in known else None
    consultations = queries.public_consultations(
        listing, priority_point_id=int_param(form.punto.data), axis_id=int_param(form.asse.data),
        institution_id=int_param(form.ente.data))
    return render_template("consultations/index.html", form=form, consultations=consultations,
                           drafts=queries.drafts_for(current_user))


@bp.get("/<int:consultation_id>")
@cached_page()
def detail(consultation_id):
    consultation = queries.consultation_for_page(consultation_id) or abort(404)
    require("consultation.view", consultation)
    return render_template(
        "consultations/detail.html", consultation=consultation, phases=list(Phase),
        totals=tally.consultation_totals(consultation),
        supports_left=tally.supports_left(current_user, consultation) if current_user.is_authenticated else None,
        following=follows.is_following(current_user, consultation=consultation),
        questionnaires=questionnaire_queries.questionnaires_for(consultation, current_user),
        move_form=MovePhaseForm(phase=consultation.phase.value), action_form=ActionForm())


@bp.get("/<int:consultation_id>/discussione")
def discussion(consultation_id, comment_form=None, reply_form=None):
    consultation = queries.consultation_for_page(consultation_id) or abort(404)
    require("consultation.view", consultation)
    reply_to = int_param(request.values.get("rispondi")) or int_param(request.form.get("parent_id"))
    return render_template(
        "consultations/discussion.html", consultation=consultation,
        thread=thread(consultation_id=consultation.id, proposal_id=None, viewer=current_user,
                      page=thread_page(reply_to)),
        comment_form=comment_form or CommentForm(), reply_form=reply_form or ReplyForm(),
        reply_to=reply_to, action_form=ActionForm())


def _consultation_form(consultation=None) -> ConsultationForm:
    form = ConsultationForm(obj=consultation)
    institutions = [i for i in all_institutions() if _may_create_for(i)]
    form.institution.choices = [(i.id, i.name) for i in institutions]
    form.priority_points.choices = [(p.id, f"{p.number}. {p.title_it}") for p in all_priority_points()]
    if request.method == "GET" and consultation is not None:
        form.institution.data = consultation.institution_id
        form.priority_points.data = [p.id for p in consultation.priority_points]
    return form


def _may_create_for(institution) -> bool:
    from engage.auth.permissions import can

    return can(current_user, "consultation.create", institution)


def _save(form, consultation=None):
    """Validate and call the service; returns the consultation, or None to show the form again."""
    if not form.validate_on_submit():
        return None
    points = db.session.query(PriorityPoint).filter(PriorityPoint.id.in_(form.priority_points.data)).all()
    try:
        if consultation is None:
            institution = db.session.get(Institution, form.institution.data) or abort(400)
            consultation = services.create_consultation(current_user, institution, priority_points=points,
                                                        **form.values())
        else:
            services.update_consultation(current_user, consultation, priority_points=points, **form.values())
    except Refused as refusal:
        form.form_errors.append(refusal.message)
        return None
    db.session.commit()
    flash(_("The consultation has been saved."), "success")
    return consultation


@bp.route("/nuova", methods=["GET", "POST"])
@login_required
def create():
    require("consultation.create")
    form = _consultation_form()
    consultation = _save(form)
    if consultation:
        return redirect(url_for("consultations.detail", consultation_id=consultation.id))
    return render_template("consultations/edit.html", form=form, consultation=None), 422 if form.errors else 200


@bp.route("/<int:consultation_id>/modifica", methods=["GET", "POST"])
@login_required
def edit(consultation_id):
    consultation = db.get_or_404(Consultation, consultation_id)
    require("consultation.manage", consultation)
    form = _consultation_form(consultation)
    del form.institution  # a consultation stays with the institution that opened it
    if _save(form, consultation):
        return redirect(url_for("consultations.detail", consultation_id=consultation.id))
    return render_template("consultations/edit.html", form=form, consultation=consultation), \
        422 if form.errors else 200


@bp.post("/<int:consultation_id>/fase")
@login_required
def move_phase(consultation_id):
    consultation = db.get_or_404(Consultation, consultation_id)
    require("consultation.manage", consultation)
    form = MovePhaseForm()
    if form.validate_on_submit():
        services.move_to_phase(current_user, consultation, Phase(form.phase.data))
        db.session.commit()
        flash(_("The consultation is now in the phase: %(phase)s.", phase=consultation.phase.label), "success")
    return redirect(url_for("consultations.detail", consultation_id=consultation.id))


@bp.post("/<int:consultation_id>/segui")
@login_required
def follow(consultation_id):
    consultation = db.get_or_404(Consultation, consultation_id)
    require("consultation.view", consultation)
    if ActionForm().validate_on_submit():
        if request.form.get("follow") == "0":
            follows.unfollow(current_user, consultation=consultation)
            flash(_("You no longer follow this consultation."), "info")
        else:
            follows.follow(current_user, consultation=consultation)
            flash(_("You follow this consultation: you will hear about its progress."), "success")
        db.session.commit()
    return redirect(url_for("consultations.detail", consultation_id=consultation.id))
