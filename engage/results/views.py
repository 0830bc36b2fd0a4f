"""Result summaries: per consultation (live during voting, final after), per priority point
and per axis across consultations; their exports."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from engage.core.pagecache import cached_page, shared_fragment
from engage.auth.permissions import require
from engage.comments.models import Stance
from engage.consultations.phases import Phase
from engage.consultations.queries import consultation_for_page
from engage.core import limits
from engage.core.forms import ActionForm
from engage.core.i18n import current_language
from engage.extensions import db
from engage.ledger import services as ledger
from engage.masterplan.models import Axis
from engage.masterplan.queries import priority_point_by_slug
from engage.results import exports
from engage.results.models import ReportDelivery
from engage.results.report import ReportUnavailable, deliver, render_pdf
from engage.results.summary import Scope, summary

bp = Blueprint("results", __name__)


def _consultation_scope(consultation_id: int) -> Scope:
    consultation = consultation_for_page(consultation_id) or abort(404)
    require("consultation.view", consultation)
    require("results.view", consultation)
    if ledger.seal_if_published(consultation) is not None:
        db.session.commit()  # the first look after publication freezes the ledger's head for everyone
    return Scope.of_consultation(consultation)


def _point_scope(slug: str) -> Scope:
    return Scope.of_point(priority_point_by_slug(slug) or abort(404))


def _axis_scope(slug: str) -> Scope:
    return Scope.of_axis(db.session.scalar(select(Axis).where(Axis.slug == slug)) or abort(404))


def _page(scope: Scope):
    """The figures are the same for every visitor: signed-in people share one build of them."""
    target = scope.target.id if scope.kind == "consultation" else scope.target.slug
    body = shared_fragment(f"results:{scope.kind}:{target}", lambda: render_template(
        "results/_summary.html", scope=scope, figures=summary(scope), tables=exports.TABLES,
        formats=exports.FORMATS, stances=Stance))
    return render_template("results/summary.html", scope=scope, body=body)


@bp.get("/consultazioni/<int:consultation_id>/risultati")
@cached_page()
def consultation(consultation_id):
    return _page(_consultation_scope(consultation_id))


@bp.get("/punti/<slug>/risultati")
@cached_page()
def priority_point(slug):
    return _page(_point_scope(slug))


@bp.get("/assi/<slug>/risultati")
@cached_page()
def axis(slug):
    return _page(_axis_scope(slug))


TABLE = "<any(proposte, commenti, sintesi):table>.<any(csv, json, xlsx):fmt>"


@bp.get(f"/consultazioni/<int:consultation_id>/risultati/{TABLE}")
def consultation_export(consultation_id, table, fmt):
    return _export(_consultation_scope(consultation_id), table, fmt)


@bp.get(f"/punti/<slug>/risultati/{TABLE}")
def priority_point_export(slug, table, fmt):
    return _export(_point_scope(slug), table, fmt)


@bp.get(f"/assi/<slug>/risultati/{TABLE}")
def axis_export(slug, table, fmt):
    return _export(_axis_scope(slug), table, fmt)


def _export(scope: Scope, table: str, fmt: str):
    figures = summary(scope) if table == "sintesi" else None
    header, rows = exports.table(scope, table, figures)
    body, mimetype = exports.render(header, rows, fmt, table)
    return Response(body, content_type=mimetype,
                    headers={"Content-Disposition": f"attachment; filename={exports.filename(scope, table, fmt)}"})


# The PDF report.

@bp.get("/consultazioni/<int:consultation_id>/risultati/rapporto.pdf")
@limits.limit_reads(limits.PDF_REPORTS)
def report(consultation_id):
    """Made fresh from the current figures (live during voting); rate-limited, as it costs CPU."""
    scope = _consultation_scope(consultation_id)
    try:
        pdf = render_pdf(scope.target, locale=current_language())
    except ReportUnavailable:
        abort(503)
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f"inline; filename=rapporto-{consultation_id}.pdf"})


@bp.get("/consultazioni/<int:consultation_id>/rapporti/<int:delivery_id>.pdf")
@login_required
def stored_report(consultation_id, delivery_id):
    """A report exactly as it was sent to the institution."""
    consultation = consultation_for_page(consultation_id) or abort(404)
    require("consultation.manage", consultation)
    delivery = db.session.get(ReportDelivery, delivery_id)
    if delivery is None or delivery.consultation_id != consultation.id:
        abort(404)
    return Response(delivery.pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f"inline; filename=rapporto-{consultation_id}-{delivery_id}.pdf"})


@bp.post("/consultazioni/<int:consultation_id>/rapporti")
@login_required
@limits.on_post(limits.PDF_REPORTS)
def regenerate(consultation_id):
    consultation = consultation_for_page(consultation_id) or abort(404)
    require("consultation.manage", consultation)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        deliver(consultation, by=current_user)
    except ReportUnavailable:
        abort(503)
    db.session.commit()
    flash(_("The report has been generated and the institution's officers have been told."), "success")
    return redirect(url_for("results.reports", consultation_id=consultation.id))


@bp.get("/consultazioni/<int:consultation_id>/rapporti")
@login_required
def reports(consultation_id):
    consultation = consultation_for_page(consultation_id) or abort(404)
    require("consultation.manage", consultation)
    deliveries = list(db.session.scalars(
        select(ReportDelivery).where(ReportDelivery.consultation_id == consultation.id)
        .order_by(ReportDelivery.generated_at.desc(), ReportDelivery.id.desc())))
    return render_template("results/reports.html", consultation=consultation, deliveries=deliveries,
                           action_form=ActionForm(), phase_label=lambda value: Phase(value).label)
