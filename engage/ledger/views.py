"""The ledger's public page and downloads, the verifier, and each person's receipts."""
from __future__ import annotations

import re
from importlib import resources

from flask import Blueprint, Response, abort, render_template, request, stream_with_context, url_for
from flask_login import current_user, login_required

from engage.auth.permissions import require
from engage.consultations.queries import consultation_for_page
from engage.core.urls import public_url
from engage.extensions import db
from engage.ledger import exports, queries, services

bp = Blueprint("ledger", __name__)

_TOKEN = re.compile(r"[0-9a-f]{64}")
VERIFIER = "verify_ledger.py"


def _consultation(consultation_id: int):
    consultation = consultation_for_page(consultation_id) or abort(404)
    require("consultation.view", consultation)
    require("results.view", consultation)
    if services.seal_if_published(consultation) is not None:
        db.session.commit()  # the first look after publication freezes the head for everyone
    return consultation


@bp.get("/consultazioni/<int:consultation_id>/registro")
def ledger(consultation_id):
    consultation = _consultation(consultation_id)
    token = (request.args.get("token") or "").strip().lower()
    token_error = bool(token) and not _TOKEN.fullmatch(token)
    found = queries.entries_of_token(consultation.id, token) if token and not token_error else None
    return render_template("ledger/ledger.html", consultation=consultation, head=queries.head(consultation),
                           latest=queries.latest(consultation.id), token=token, token_error=token_error,
                           found=found, files=_file_names(consultation))


def _file_names(consultation) -> dict:
    """The names the downloads are saved under, so the command on the page runs as it is."""
    from engage.results.exports import filename
    from engage.results.summary import Scope

    return {"ledger": f"registro-{consultation.id}.json",
            "results": filename(Scope.of_consultation(consultation), "proposte", "csv")}


@bp.get("/consultazioni/<int:consultation_id>/registro.csv")
def ledger_csv(consultation_id):
    consultation = _consultation(consultation_id)
    return Response(stream_with_context(exports.csv_lines(consultation.id)), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename=registro-{consultation.id}.csv"})


@bp.get("/consultazioni/<int:consultation_id>/registro.json")
def ledger_json(consultation_id):
    consultation = _consultation(consultation_id)
    url = public_url(url_for("consultations.detail", consultation_id=consultation.id))
    return Response(stream_with_context(exports.json_chunks(consultation, url)), mimetype="application/json",
                    headers={"Content-Disposition": f"attachment; filename={_file_names(consultation)['ledger']}"})


@bp.get(f"/registro/{VERIFIER}")
def verifier():
    """The very file the server hashes with: what you run is what we run."""
    source = resources.files("engage.ledger").joinpath(VERIFIER).read_bytes()
    return Response(source, mimetype="text/x-python; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={VERIFIER}"})


@bp.get("/profilo/ricevute")
@login_required
def receipts():
    return render_template("ledger/receipts.html", receipts=queries.receipts(current_user))
