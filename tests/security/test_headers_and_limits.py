"""Every response carries the security headers; sign-in and other writes are rate limited."""
import os

import pytest

from engage.extensions import limiter
from tests.factories import PASSWORD, form_token, make_user

REDIS_URL = os.environ.get("ENGAGE_TEST_REDIS_URL")


def test_pages_carry_a_strict_content_security_policy_and_the_other_headers(client):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert client.get("/non-esiste").headers["X-Frame-Options"] == "DENY"  # error pages too


def test_no_page_needs_inline_script_or_style(client):
    html = client.get("/").get_data(as_text=True) + client.get("/registrati").get_data(as_text=True)
    assert "<script>" not in html and "style=" not in html and "<style" not in html


def test_session_cookie_is_httponly_and_samesite_lax(client):
    client.get("/accedi")
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"


def test_https_responses_ask_for_strict_transport_security(client):
    assert "Strict-Transport-Security" in client.get("/", base_url="https://localhost").headers
    assert "Strict-Transport-Security" not in client.get("/").headers


@pytest.fixture
def limits_on(app):
    limiter.enabled = True
    limiter.reset()
    try:
        yield
    finally:
        limiter.reset()
        limiter.enabled = False


def _sign_in(client, email, password):
    return client.post("/accedi", data={"email": email, "password": password,
                                        "csrf_token": form_token(client, "/accedi")})


def test_repeated_failed_sign_ins_get_a_translated_429_with_retry_after(client, db, limits_on):
    make_user(email="mario@example.org")
    db.session.commit()
    codes = [_sign_in(client, "mario@example.org", "sbagliata!!").status_code for _ in range(6)]
    assert codes[:5] == [422] * 5
    assert codes[5] == 429
    response = _sign_in(client, "mario@example.org", PASSWORD)
    assert response.status_code == 429  # the account is protected even with the right password
    assert int(response.headers["Retry-After"]) > 0
    assert "Troppe richieste" in response.get_data(as_text=True)


def test_reading_the_sign_in_page_is_never_limited(client, limits_on):
    assert all(client.get("/accedi").status_code == 200 for _ in range(30))


@pytest.mark.skipif(not REDIS_URL, reason="needs Redis: set ENGAGE_TEST_REDIS_URL")
def test_limits_are_shared_through_redis(app, client, db):
    """Several app servers share one Redis, so an attacker cannot spread attempts across them."""
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    app.config["RATELIMIT_STORAGE_URI"] = REDIS_URL
    limiter.init_app(app)
    limiter.enabled = True
    try:
        make_user(email="giulia@example.org")
        db.session.commit()
        codes = [_sign_in(client, "giulia@example.org", "sbagliata!!").status_code for _ in range(6)]
        assert codes[-1] == 429
        assert any(b"LIMITS" in key for key in redis.Redis.from_url(REDIS_URL).keys())
    finally:
        app.config["RATELIMIT_STORAGE_URI"] = "memory://"
        limiter.init_app(app)  # this turns the limiter back on (RATELIMIT_ENABLED): off again after it
        limiter.reset()
        limiter.enabled = False
