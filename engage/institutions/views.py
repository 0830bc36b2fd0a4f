from __future__ import annotations

from flask import Blueprint, abort, render_template

from engage.institutions import queries

bp = Blueprint("institutions", __name__, url_prefix="/enti")


@bp.get("/")
def index():
    return render_template("institutions/index.html", institutions=queries.all_institutions())


@bp.get("/<slug>")
def detail(slug):
    from engage.accountability.queries import responsiveness

    institution = queries.institution_by_slug(slug) or abort(404)
    return render_template("institutions/detail.html", institution=institution,
                           responsiveness=responsiveness(institution))
