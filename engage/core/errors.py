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


def problem(error: HTTPException):
    """RFC 9457 problem details, keeping the error's own headers (Allow on 405, Retry-After on 429)."""
    code = error.code or 500
    body = {"type": "about:blank", "title": error.name, "status": code, "detail": _detail(error),
            "instance": request.path}
    messages = (getattr(error, "data", None) or {}).get("messages")
    if messages:  # webargs: {location: {parameter: [what is wrong]}}
        body["errors"] = {name: problems for located in messages.values() for name, problems in located.items()}
    response = jsonify(body)
    response.status_code = code
    response.content_type = "application/problem+json"
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    if code == 429 and "Retry-After" not in response.headers:
        response.headers["Retry-After"] = "60"
    return response


def _detail(error: HTTPException) -> str:
    """A translated explanation; a view's own translated description wins over Werkzeug's English."""
    from flask_babel import gettext as _

    code = error.code or 500
    if code == 429:  # Flask-Limiter's description is the limit itself, in English
        return _("Too many requests: wait as long as Retry-After says, then go on.")
    if error.description and error.description != type(error).description:
        return str(error.description)
    if code == 400 and (getattr(error, "data", None) or {}).get("messages"):
        names = ", ".join(sorted({name for located in error.data["messages"].values() for name in located}))
        return _("These parameters are not valid: %(names)s. See errors for each.", names=names)
    return {
        400: _("The request is not valid."),
        404: _("Nothing is published at this address."),
        405: _("This address does not answer this method; the Allow header lists those it answers."),
        503: _("The service is unavailable for a moment: try again shortly."),
    }.get(code, _("The request could not be answered."))


def render_error(error: HTTPException):
    code = error.code or 500
    if wants_json():
        return problem(error)
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
