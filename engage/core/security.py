"""Response headers every page carries, and the proxy settings of a deployment."""
from __future__ import annotations

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


def init_security(app: Flask) -> None:
    if app.config["PROXY_FIX_X_FOR"] or app.config["PROXY_FIX_X_PROTO"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=int(app.config["PROXY_FIX_X_FOR"]),
                                x_proto=int(app.config["PROXY_FIX_X_PROTO"]))

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
