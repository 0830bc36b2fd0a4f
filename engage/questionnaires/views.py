"""Answering (citizens), building (staff) and results (staff live, everyone once closed)."""
from __future__ import annotations

from flask import (Blueprint, Response, abort, flash, redirect, render_template, request,
                   stream_with_context, url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engage.core.pagecache import cached_page
from engage.auth.permissions import Refused, require
from engage.consultations.models import Consultation
from engage.core.forms import ActionForm
from engage.core.params import page_param
from engage.extensions import db
from engage.questionnaires import aggregation, answering, exports, queries, services
from engage.questionnaires.forms import QuestionForm, QuestionnaireForm
from engage.questionnaires.models import Question, QuestionKind

bp = Blueprint("questionnaires", __name__, url_prefix="/questionari")
TEXTS_PER_PAGE = 50


def _questionnaire(questionnaire_id: int, rule: str = "questionnaire.view"):
    questionnaire = queries.questionnaire_for_page(questionnaire_id) or abort(404)
    require(rule, questionnaire)
    return questionnaire


def _question(questionnaire, question_id: int) -> Question:
    question = db.session.get(Question, question_id)
    if question is None or question.questionnaire_id != questionnaire.id:
        abort(404)
    return question


# Answering.

@bp.route("/<int:questionnaire_id>", methods=["GET", "POST"])
def detail(questionnaire_id):
    questionnaire = _questionnaire(questionnaire_id)
    response = services.response_of(current_user, questionnaire)
    errors, status = {}, 200
    if request.method == "POST":
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.path))
        shown = answering.shown_from_form(questionnaire, request.form)
        submit = request.form.get("action") != "draft"
        given, errors = answering.parse(questionnaire, shown, complete=submit)
        if not ActionForm().validate_on_submit():
            abort(400)
        if not errors:
            try:
                services.save_response(current_user, questionnaire, given, submit=submit)
            except Refused as refusal:
                flash(refusal.message, "danger")
                status = refusal.status
            else:
                db.session.commit()
                flash(_("Thank you: your answers have been sent. You can change them until the "
                        "questionnaire closes.") if submit else
                      _("Your draft is saved. Come back when you like to finish it."), "success")
                return redirect(url_for("questionnaires.detail", questionnaire_id=questionnaire.id))
        else:
            status = 422
    else:
        shown = answering.shown_from_response(questionnaire, response)
    return render_template("questionnaires/detail.html", questionnaire=questionnaire, response=response,
                           shown=shown, errors=errors, action_form=ActionForm(),
                           preview=False), status


# Building.

@bp.route("/nuovo/<int:consultation_id>", methods=["GET", "POST"])
@login_required
def create(consultation_id):
    consultation = db.get_or_404(Consultation, consultation_id)
    require("questionnaire.manage", consultation)
    form = QuestionnaireForm()
    if form.validate_on_submit():
        questionnaire = services.create_questionnaire(current_user, consultation, **form.values())
        db.session.commit()
        flash(_("The questionnaire has been created: now add its questions."), "success")
        return redirect(url_for("questionnaires.build", questionnaire_id=questionnaire.id))
    return render_template("questionnaires/edit.html", form=form, consultation=consultation,
                           questionnaire=None), 422 if form.errors else 200


@bp.route("/<int:questionnaire_id>/modifica", methods=["GET", "POST"])
@login_required
def edit(questionnaire_id):
    questionnaire = _questionnaire(questionnaire_id, "questionnaire.manage")
    form = QuestionnaireForm(obj=questionnaire)
    if request.method == "GET":
        form.open_phase.data = questionnaire.open_phase.value
    if form.validate_on_submit():
        try:
            services.update_questionnaire(current_user, questionnaire, **form.values())
        except Refused as refusal:
            form.form_errors.append(refusal.message)
        else:
            db.session.commit()
            flash(_("The questionnaire has been saved."), "success")
            return redirect(url_for("questionnaires.build", questionnaire_id=questionnaire.id))
    return render_template("questionnaires/edit.html", form=form, consultation=questionnaire.consultation,
                           questionnaire=questionnaire), 422 if form.errors else 200


@bp.get("/<int:questionnaire_id>/domande")
@login_required
def build(questionnaire_id):
    questionnaire = _questionnaire(questionnaire_id, "questionnaire.manage")
    submitted, drafts = aggregation.response_counts(questionnaire.id)
    return render_template("questionnaires/build.html", questionnaire=questionnaire,
                           locked=services.has_responses(questionnaire), submitted=submitted, drafts=drafts,
                           action_form=ActionForm(), kinds=list(QuestionKind))


def _question_page(questionnaire, form, question=None):
    return render_template("questionnaires/question.html", questionnaire=questionnaire, form=form,
                           question=question, locked=services.has_responses(questionnaire)), \
        422 if form.errors else 200


@bp.route("/<int:questionnaire_id>/domande/nuova", methods=["GET", "POST"])
@login_required
def add_question(questionnaire_id):
    questionnaire = _questionnaire(questionnaire_id, "questionnaire.manage")
    form = QuestionForm()
    if request.method == "GET" and request.args.get("tipo") in {k.value for k in QuestionKind}:
        form.kind.data = request.args["tipo"]
    if form.validate_on_submit():
        try:
            services.add_question(current_user, questionnaire, QuestionKind(form.kind.data),
                                  options=form.options(), **form.values())
        except Refused as refusal:
            form.form_errors.append(refusal.message)
        else:
            db.session.commit()
            flash(_("The question has been added."), "success")
            return redirect(url_for("questionnaires.build", questionnaire_id=questionnaire.id))
    return _question_page(questionnaire, form)


@bp.route("/<int:questionnaire_id>/domande/<int:question_id>/modifica", methods=["GET", "POST"])
@login_required
def edit_question(questionnaire_id, question_id):
    questionnaire = _questionnaire(questionnaire_id, "questionnaire.manage")
    question = _question(questionnaire, question_id)
    form = QuestionForm()
    del form.kind  # a question keeps its type: make a new one instead
    if request.method == "GET":
        form.fill_from(question)
    if form.validate_on_submit():
        try:
            services.update_question(current_user, question, options=form.options(), **form.values())
        except Refused as refusal:
            form.form_errors.append(refusal.message)
        else:
            db.session.commit()
            flash(_("The question has been saved."), "success")
            return redirect(url_for("questionnaires.build", questionnaire_id=questionnaire.id))
    return _question_page(questionnaire, form, question)


def _act(questionnaire, action, message):
    """Run a button's action; a refusal is shown on the builder page, never a traceback."""
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        action()
    except Refused as refusal:
        flash(refusal.message, "danger")
    else:
        db.session.commit()
        if message:
            flash(message, "success")
    return redirect(url_for("questionnaires.build", questionnaire_id=questionnaire.id))


@bp.post("/<int:questionnaire_id>/domande/<int:question_id>/sposta")
@login_required
def move_question(questionnaire_id, question_id):
    questionnaire = _questionnaire(questionnaire_id, "questionnaire.manage")
    question = _question(questionnaire, question_id)
    offset = -1 if request.form.get("direction") == "up" else 1
    return _act(questionnaire, lambda: services.move_question(current_user, question, offset), None)


@bp.post("/<int:questionnaire_id>/domande/<int:question_id>/elimina")
@login_required
def delete_question(questionnaire_id, question_id):
    questionnaire = _questionnaire(questionnaire_id, "questionnaire.manage")
    question = _question(questionnaire, question_id)
    return _act(questionnaire, lambda: services.delete_question(current_user, question),
                _("The question has been deleted."))


@bp.post("/<int:questionnaire_id>/pubblica")
@login_required
def publish(questionnaire_id):
    questionnaire = _questionnaire(questionnaire_id, "questionnaire.manage")
    if request.form.get("publish") == "0":
        return _act(questionnaire, lambda: services.unpublish(current_user, questionnaire),
                    _("The questionnaire is back to draft: only staff can see it."))
    return _act(questionnaire, lambda: services.publish(current_user, questionnaire),
                _("The questionnaire is published: citizens can answer it while its phase is open."))


@bp.post("/<int:questionnaire_id>/elimina")
@login_required
def delete(questionnaire_id):
    questionnaire = _questionnaire(questionnaire_id, "questionnaire.manage")
    if not ActionForm().validate_on_submit():
        abort(400)
    consultation_id = questionnaire.consultation_id
    try:
        services.delete_questionnaire(current_user, questionnaire)
    except Refused as refusal:
        flash(refusal.message, "danger")
        return redirect(url_for("questionnaires.build", questionnaire_id=questionnaire.id))
    db.session.commit()
    flash(_("The questionnaire has been deleted."), "success")
    return redirect(url_for("consultations.detail", consultation_id=consultation_id))


@bp.get("/<int:questionnaire_id>/anteprima")
@login_required
def preview(questionnaire_id):
    questionnaire = _questionnaire(questionnaire_id, "questionnaire.manage")
    return render_template("questionnaires/detail.html", questionnaire=questionnaire, response=None,
                           shown=answering.shown_from_response(questionnaire, None), errors={},
                           action_form=ActionForm(), preview=True)


# Results.

@bp.get("/<int:questionnaire_id>/risultati")
@cached_page()
def results(questionnaire_id):
    questionnaire = _questionnaire(questionnaire_id, "questionnaire.results")
    breakdown = request.args.get("per")
    figures = aggregation.results(questionnaire, breakdown=breakdown if breakdown in aggregation.Breakdown.ALL
                                  else None)
    return render_template("questionnaires/results.html", questionnaire=questionnaire, results=figures,
                           Breakdown=aggregation.Breakdown, OTHER=aggregation.OTHER)


@bp.get("/<int:questionnaire_id>/risultati/<int:question_id>/testi")
def texts(questionnaire_id, question_id):
    questionnaire = _questionnaire(questionnaire_id, "questionnaire.results")
    question = _question(questionnaire, question_id)
    page = db.paginate(aggregation.text_answers(question), page=page_param(), per_page=TEXTS_PER_PAGE,
                       error_out=False, count=True)
    return render_template("questionnaires/texts.html", questionnaire=questionnaire, question=question,
                           page=page)


@bp.get("/<int:questionnaire_id>/risposte.<any(csv, json):fmt>")
@login_required
def export(questionnaire_id, fmt):
    questionnaire = _questionnaire(questionnaire_id, "questionnaire.export")
    name = f"questionario-{questionnaire.id}.{fmt}"
    if fmt == "csv":
        body, mimetype = exports.csv_lines(questionnaire), "text/csv; charset=utf-8"
    else:
        body, mimetype = exports.json_chunks(questionnaire), "application/json"
    return Response(stream_with_context(body), mimetype=mimetype,
                    headers={"Content-Disposition": f"attachment; filename={name}"})

