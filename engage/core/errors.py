"""Error pages in the user's language; JSON for API and health routes. Never a traceback."""
from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

log = logging.getLogger(__name__)

PAGES = {400, 403, 404, 405, 413, 429, 500, 503}


def wants_json() -> bool:
    return request.path.startswith(("/api/", "/healthz"))


def render_error(error: HTTPException):
    code = error.code or 500
    if wants_json():
        response = jsonify(status=code, title=error.name)
        response.status_code = code
        return response
    template = f"errors/{code if code in PAGES else 'generic'}.html"
    response = error.get_response()
    try:
        body = render_template(template, error=error, csrf_failed=isinstance(error, CSRFError))
    except Exception:  # the page itself failed (database down?): still no traceback
        log.exception("Could not render the %s page", code)
        body = f"<!doctype html><title>{code}</title><h1>{code} {error.name}</h1>"
    response.set_data(body)
    response.content_type = "text/html; charset=utf-8"
    return response


def handle_unexpected(error: Exception):
    log.exception("Unhandled error on %s %s", request.method, request.path)
    from engage.extensions import db

    db.session.rollback()
    return render_error(InternalServerError())


def handle_database_unavailable(error: Exception):
    """The database went away: say so (503, retry soon); the pool reconnects when it is back."""
    log.error("Database unavailable on %s %s: %s", request.method, request.path, error)
    from engage.extensions import db

    try:
        db.session.rollback()
    except Exception:  # the connection is gone; the session is discarded at teardown anyway
        log.debug("rollback after a lost connection failed", exc_info=True)
    response = render_error(ServiceUnavailable(retry_after=30))
    response.headers["Retry-After"] = "30"
    return response


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, render_error)
    app.register_error_handler(OperationalError, handle_database_unavailable)
    app.register_error_handler(InterfaceError, handle_database_unavailable)
    app.register_error_handler(Exception, handle_unexpected)
