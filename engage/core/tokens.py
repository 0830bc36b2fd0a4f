"""Signed, expiring tokens for links sent by e-mail (no table needed, works on any node)."""
from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"engage.{purpose}")


def make_token(purpose: str, payload: dict) -> str:
    return _serializer(purpose).dumps(payload)


def read_token(purpose: str, token: str, max_age: int) -> dict | None:
    """The payload, or None when the token is forged, for another purpose, or expired."""
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age)
    except BadSignature:  # SignatureExpired is a subclass
        return None
    return payload if isinstance(payload, dict) else None


def pseudonym(purpose: str, *parts) -> str:
    """A keyed one-way hash: the same person gets the same token for the same purpose, and
    nobody without the server's key can tell whose it is (`PSEUDONYM_KEY`, else the secret key).

    Changing the key changes every token, so set PSEUDONYM_KEY once in production.
    """
    key = current_app.config.get("PSEUDONYM_KEY") or current_app.config["SECRET_KEY"]
    message = ":".join([purpose, *map(str, parts)]).encode()
    return hmac.new(str(key).encode(), message, hashlib.sha256).hexdigest()
