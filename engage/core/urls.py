from __future__ import annotations

from urllib.parse import urlsplit


def safe_next(target: str | None, fallback: str) -> str:
    """Only same-site paths: a `next` parameter must never send people to another site."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return fallback
    return target


def path_for(endpoint: str, **values) -> str:
    """A site-relative path that services can build without a request (CLI, tests, jobs)."""
    from flask import current_app

    adapter = current_app.url_map.bind("", script_name=current_app.config.get("APPLICATION_ROOT") or "/")
    return adapter.build(endpoint, values)


FALLBACK_PUBLIC_URL = "http://localhost:5000"


def public_url(path: str) -> str:
    """An absolute URL for a path on the site, for anything sent out of it (mails above all).

    Built from PUBLIC_URL (else SERVER_NAME), never from a request's Host header: a forged
    Host on "forgot password" must not put the victim's reset token in a link to another site.
    """
    import logging

    from flask import current_app

    base = current_app.config.get("PUBLIC_URL")
    if not base:
        server = current_app.config.get("SERVER_NAME")
        if server:
            base = f"{current_app.config.get('PREFERRED_URL_SCHEME', 'http')}://{server}"
        else:
            base = FALLBACK_PUBLIC_URL
            if current_app.config.get("ENGAGE_ENV") == "production":
                logging.getLogger(__name__).warning("PUBLIC_URL is not set: links sent out point to %s", base)
    return base.rstrip("/") + "/" + path.lstrip("/")
