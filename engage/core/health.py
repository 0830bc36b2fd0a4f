from __future__ import annotations

import logging

from flask import Blueprint, jsonify
from sqlalchemy import text

from engage.extensions import db

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
def healthz():
    """For load balancers: 200 when this node can reach the database, 503 when it cannot."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        log.exception("Health check: database unreachable")
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
