"""Rate limits, named once. Counts live in memory or in Redis (RATELIMIT_STORAGE_URI)."""
from __future__ import annotations

from flask import request
from flask_limiter.util import get_remote_address

from engage.extensions import limiter

SIGN_IN_PER_ADDRESS = "10 per minute;100 per hour"
SIGN_IN_PER_ACCOUNT = "5 per minute;30 per hour"
REGISTER = "5 per hour"
PASSWORD_RESET = "5 per hour"
SUPPORTS = "60 per minute"
COMMENTS = "10 per minute;100 per day"
REPORTS = "20 per hour"
PROPOSALS = "10 per hour"
PDF_REPORTS = "6 per minute;60 per hour"  # each one is a second of a worker's CPU
API_PER_MINUTE = 300  # per address: a crawler pages through a consultation in seconds, not a flood
API = f"{API_PER_MINUTE} per minute"


def account_key() -> str:
    """The e-mail being signed into or reset, so one account is protected from many addresses."""
    return "account:" + (request.form.get("email") or "").strip().lower()[:254]


def on_post(value: str, key_func=get_remote_address):
    """Count only submissions: reading a form is never limited."""
    return limiter.limit(value, key_func=key_func, methods=["POST"])


def limit_reads(value: str, key_func=get_remote_address):
    """For the few pages that are costly to make (the PDF report)."""
    return limiter.limit(value, key_func=key_func, methods=["GET"])
