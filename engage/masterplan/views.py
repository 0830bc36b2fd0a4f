from __future__ import annotations

from flask import Blueprint, abort, render_template

from engage.consultations import queries as consultation_queries
from engage.consultations.queries import Listing
from engage.masterplan import queries
from engage.proposals import queries as proposal_queries

bp = Blueprint("masterplan", __name__)


@bp.get("/")
def home():
    return render_template("masterplan/home.html", axes=queries.axes_with_points(),
                           open_consultations=consultation_queries.public_consultations(Listing.OPEN))


@bp.get("/punti/<slug>")
def priority_point(slug):
    point = queries.priority_point_by_slug(slug) or abort(404)
    return render_template("masterplan/priority_point.html", point=point,
                           consultations=consultation_queries.for_priority_point(point.id),
                           proposals=proposal_queries.proposals_for_priority_point(point.id))


@bp.get("/privacy")
def privacy():
    return render_template("masterplan/privacy.html")


@bp.get("/accessibilita")
def accessibility():
    return render_template("masterplan/accessibility.html")
