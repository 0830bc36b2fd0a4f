from __future__ import annotations

from flask import Blueprint, abort, render_template

from engage.masterplan import queries

bp = Blueprint("masterplan", __name__)


@bp.get("/")
def home():
    return render_template("masterplan/home.html", axes=queries.axes_with_points())


@bp.get("/punti/<slug>")
def priority_point(slug):
    point = queries.priority_point_by_slug(slug) or abort(404)
    return render_template("masterplan/priority_point.html", point=point)


@bp.get("/privacy")
def privacy():
    return render_template("masterplan/privacy.html")


@bp.get("/accessibilita")
def accessibility():
    return render_template("masterplan/accessibility.html")
