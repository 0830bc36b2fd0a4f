"""Response headers every page carries, the proxy settings of a deployment, and the requests
refused before any view runs (malformed encodings, NUL bytes, ids past any column)."""
from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

# Everything is served by the app itself: no inline script or style, no third-party origin.
# img-src allows data: for the small SVG icons inside Bootstrap's stylesheet.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "object-src 'none'",
])

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


_BROKEN_ESCAPE = re.compile(rb"%(?![0-9A-Fa-f]{2})")


def well_formed(encoded: bytes) -> bool:
    """URL-encoded as browsers write it: every % starts an escape, and the bytes spell UTF-8."""
    if _BROKEN_ESCAPE.search(encoded):
        return False
    try:
        unquote_to_bytes(encoded).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _multipart_well_formed(request) -> bool:
    """A boundary, the closing delimiter (werkzeug silently drops a body cut short), a name for
    every part (werkzeug files a part without one under None), and text fields in UTF-8: werkzeug
    decodes a field's bytes with replacement characters, so one in a value that the body does not
    spell out itself came from bytes that were not UTF-8. (The app's own forms are URL-encoded; no
    form takes files.)"""
    boundary = request.mimetype_params.get("boundary")
    body = request.get_data()  # first: the form is then parsed from the kept body
    if not boundary or f"--{boundary}--".encode("latin-1", "replace") not in body:
        return False
    if None in request.form or None in request.files:
        return False
    replaced = any("\ufffd" in value for value in request.form.values())
    return not replaced or "\ufffd".encode() in body


def init_security(app: Flask) -> None:
    from engage.core.params import IdConverter

    if app.config["PROXY_FIX_X_FOR"] or app.config["PROXY_FIX_X_PROTO"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=int(app.config["PROXY_FIX_X_FOR"]),
                                x_proto=int(app.config["PROXY_FIX_X_PROTO"]))
    # Before any blueprint adds its routes: ids in URLs stay within what the database can hold.
    app.url_map.converters["int"] = IdConverter

    def _refuse_malformed_requests():
        """A query string that is huge or not UTF-8, or a form body that is not well-formed, gets a 400.

        Runs before everything else (the CSRF check reads the form), on the raw bytes: werkzeug
        would quietly turn broken escapes and bytes into other text, and a raw byte that is not
        UTF-8 breaks `request.full_path` in every page.
        """
        from flask import abort, request

        query = request.query_string
        if len(query) > app.config["MAX_QUERY_STRING_LENGTH"] or not well_formed(query):
            request.query_string = b""  # the 400 page must not echo (or choke on) what it refuses
            abort(400)
        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            if request.mimetype == "application/x-www-form-urlencoded" and not well_formed(request.get_data()):
                abort(400)  # get_data() keeps the body: the form is parsed from it afterwards
            if request.mimetype == "multipart/form-data" and not _multipart_well_formed(request):
                abort(400)

    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_malformed_requests)

    @app.before_request
    def _refuse_nul_bytes():
        """No keyboard types a NUL, and PostgreSQL text cannot hold one: refuse it with a 400."""
        from flask import abort, request

        values = list(request.args.items(multi=True))
        if request.method in ("POST", "PUT", "PATCH"):
            values += list(request.form.items(multi=True))
        if any("\x00" in key or "\x00" in value for key, value in values):
            abort(400)

    @app.after_request
    def _security_headers(response):
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        from flask import request

        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
