"""Signed, expiring tokens for links sent by e-mail (no table needed, works on any node)."""
from __future__ import annotations

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
