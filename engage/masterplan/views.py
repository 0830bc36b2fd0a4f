from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, render_template, url_for

from engage.core.pagecache import cached_page
from engage.accountability.queries import in_progress_under

from engage.consultations import queries as consultation_queries
from engage.consultations.queries import Listing
from engage.masterplan import queries
from engage.proposals import queries as proposal_queries

bp = Blueprint("masterplan", __name__)

# When the accessibility statement's self-assessment was last done: update it with the text of
# templates/masterplan/accessibility.html at each yearly review (due by 23 September).
ACCESSIBILITY_ASSESSED_ON = date(2026, 11, 25)


@bp.get("/")
@cached_page()
def home():
    return render_template("masterplan/home.html", axes=queries.axes_with_points(),
                           open_consultations=consultation_queries.public_consultations(Listing.OPEN))


@bp.get("/punti/<slug>")
@cached_page()
def priority_point(slug):
    point = queries.priority_point_by_slug(slug) or abort(404)
    return render_template("masterplan/priority_point.html", point=point,
                           consultations=consultation_queries.for_priority_point(point.id),
                           proposals=proposal_queries.proposals_for_priority_point(point.id),
                           in_progress=in_progress_under(point.id))


@bp.get("/privacy")
def privacy():
    return render_template("masterplan/privacy.html")


@bp.get("/accessibilita")
def accessibility():
    """The accessibility statement, on the AgID model (Law 4/2004, AgID guidelines of 2019)."""
    return render_template("masterplan/accessibility.html", assessed_on=ACCESSIBILITY_ASSESSED_ON,
                           site=url_for("masterplan.home", _external=True),
                           contact=current_app.config["ACCESSIBILITY_CONTACT"],
                           agid_statement_url=current_app.config["ACCESSIBILITY_AGID_STATEMENT_URL"])
