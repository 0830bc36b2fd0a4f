"""The open data page, the API's human-readable documentation and the bulk downloads.

The downloads are the results exports' tables (one row layout for CSV, JSON and the API's
fields) and the API's questionnaire aggregates, offered for every public consultation, not
only once results are out.
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template

from engage.api import figures
from engage.auth.permissions import can, the_public
from engage.core import limits
from engage.consultations.queries import consultation_for_page, public_consultations
from engage.results import exports
from engage.results.summary import Scope

bp = Blueprint("opendata", __name__)
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
DOWNLOADS = ("proposte", "commenti", "questionari")


@bp.get("/dati-aperti")
def index():
    consultations = [(c, can(the_public(), "results.view", c)) for c in public_consultations()]
    return render_template("api/open_data.html", consultations=consultations, downloads=DOWNLOADS,
                           licence_url=LICENCE_URL)


@bp.get(f"/dati-aperti/consultazioni/<int:consultation_id>/<any({', '.join(DOWNLOADS)}):table>.<any(csv, json):fmt>")
def download(consultation_id, table, fmt):
    consultation = consultation_for_page(consultation_id)
    if consultation is None or not can(the_public(), "consultation.view", consultation):
        abort(404)
    if table == "questionari":  # the API's questionnaire aggregates, flattened
        header, rows = figures.questionnaire_rows(consultation)
    else:
        header, rows = exports.table(Scope.of_consultation(consultation), table)
    body, mimetype = exports.render(header, rows, fmt, table)
    return Response(body, content_type=mimetype, headers={
        "Content-Disposition": f"attachment; filename=consultazione-{consultation.id}-{table}.{fmt}",
        "Link": f'<{LICENCE_URL}>; rel="license"'})


@bp.get("/dati-aperti/api")
def api_docs():
    """The OpenAPI document, read aloud: every path, its parameters and what it returns."""
    spec = current_app.extensions["engage_api"].spec.to_dict()
    return render_template("api/docs.html", spec=spec, operations=list(_operations(spec)), limit=limits.API_PER_MINUTE)


def _operations(spec: dict):
    for path, methods in spec.get("paths", {}).items():
        for method, operation in methods.items():
            if method in ("parameters", "summary", "description"):
                continue
            parameters = [p for p in methods.get("parameters", []) + operation.get("parameters", [])
                          if isinstance(p, dict) and "name" in p]
            yield {"method": method.upper(), "path": path, "summary": operation.get("summary", ""),
                   "description": operation.get("description", ""), "parameters": parameters,
                   "responses": sorted(operation.get("responses", {}))}
