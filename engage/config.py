"""Configuration: safe defaults, then the environment, then an explicit mapping (tests)."""
from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

from flask import Flask

DEFAULTS = {
    "ENGAGE_ENV": "development",
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "BABEL_DEFAULT_LOCALE": "it",
    "BABEL_DEFAULT_TIMEZONE": "Europe/Rome",
    "LANGUAGES": ("it", "en"),
    "WTF_CSRF_TIME_LIMIT": None,  # token lives as long as the session: a slow writer loses nothing
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_DURATION": timedelta(days=14),
    "PERMANENT_SESSION_LIFETIME": timedelta(days=14),
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    "MAX_QUERY_STRING_LENGTH": 4096,  # bytes; longer ones get a 400 (gunicorn's whole request line: 4094)
    "EMAIL_CONFIRM_MAX_AGE": 48 * 3600,
    "PASSWORD_RESET_MAX_AGE": 2 * 3600,
    "MAIL_SERVER": None,
    "MAIL_PORT": 25,
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_TIMEOUT": 10,
    "MAIL_DEFAULT_SENDER": "Engage Cremona <noreply@engage-cremona.invalid>",
    "BOOTSTRAP_SERVE_LOCAL": True,
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_HEADERS_ENABLED": True,
    "RATELIMIT_STRATEGY": "moving-window",
    # Behind a reverse proxy: how many proxies set X-Forwarded-For / -Proto (0: none trusted).
    "PROXY_FIX_X_FOR": 0,
    "PROXY_FIX_X_PROTO": 0,
    # Moderation: reports from this many people hide an item until a moderator decides;
    # optionally every new account's first contribution waits for approval.
    "MODERATION_AUTO_HIDE_REPORTS": 3,
    "MODERATION_HOLD_FIRST_CONTRIBUTION": False,  # no CDN: every asset is served by the app itself
    # Accessibility statement (AgID model): where people report a problem (the Provincia di Cremona,
    # lead body of the ATS, by default: its ordinary mailbox, which, unlike its PEC, takes any mail),
    # and the statement's address on AgID's platform once the RTD has published it there.
    "ACCESSIBILITY_CONTACT": "protocollo@provincia.cremona.it",
    "ACCESSIBILITY_AGID_STATEMENT_URL": "",
}

# Plain names that deployments conventionally set; anything else can be set as ENGAGE_<NAME>.
PLAIN_ENV = ("SECRET_KEY", "DATABASE_URL", "MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS",
             "MAIL_USE_SSL", "MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_DEFAULT_SENDER",
             "RATELIMIT_STORAGE_URI")
BOOLEAN_ENV = {"MAIL_USE_TLS", "MAIL_USE_SSL"}


def load_config(app: Flask, overrides: Mapping | None = None) -> None:
    app.config.from_mapping(DEFAULTS)
    for name in PLAIN_ENV:
        if name in os.environ:
            app.config[name] = _parse_env(name, os.environ[name])
    app.config.from_prefixed_env("ENGAGE")
    if overrides:
        app.config.from_mapping(overrides)
    if app.config["ENGAGE_ENV"] == "production":  # production is served over HTTPS only
        for name in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
            app.config.setdefault(name, True)

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.setdefault("MAIL_OUTBOX_DIR", str(Path(app.instance_path) / "outbox"))
    database_url = app.config.get("SQLALCHEMY_DATABASE_URI") or app.config.get("DATABASE_URL")
    if not database_url:
        database_url = "sqlite:///" + str(Path(app.instance_path) / "engage.sqlite3")
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(database_url)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(Path(app.instance_path))


def _parse_env(name: str, value: str):
    if name in BOOLEAN_ENV:
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if name == "MAIL_PORT":
        return int(value)
    return value


def normalise_database_url(url: str) -> str:
    """Hosting platforms hand out postgres:// URLs; we always talk to PostgreSQL through psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def instance_secret_key(instance: Path) -> str:
    """A key generated once per installation, so no secret is ever a constant in the code.

    Written to a temporary file and hard-linked into place: the link is atomic, so processes
    that start together all end up reading the one key that won.
    """
    path = instance / "secret_key"
    if not path.exists():
        fd, tmp = tempfile.mkstemp(dir=instance, prefix=".secret_key.")
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    return path.read_text().strip()
