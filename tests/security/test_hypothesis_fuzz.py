"""Hypothesis fuzzing: random forms and query strings, from three kinds of visitor, never a 5xx.

The deterministic tests in test_no_500s.py send a fixed corpus one field at a time. Here
Hypothesis builds each request: for every field of a form (FORMS in test_no_500s.py, which must
list every POST route) it keeps the valid value, drops the field, or sends something drawn from
the strategies below (any Unicode text including NUL and control characters, numbers far out of
any column's range, dates at the ends of the calendar, raw bytes, huge strings, several values for
one field), adds fields nobody asked for, and posts it URL-encoded or as multipart. Every GET
route gets random query parameters (the ones the app reads, and made-up ones) or a raw query
string of random bytes, and its numeric URL arguments are sometimes replaced by huge ids. The
visitor is drawn too: anonymous, a confirmed citizen, or the admin (the form's usual sender comes
first, so shrinking leads there). Each request carries a valid CSRF token, so the random data
reaches the views rather than stopping at the token check.

The routes are read from the app's URL map when the tests are collected, so a route added
tomorrow is fuzzed the day it appears (and fails until test_no_500s.py knows how to fill it).

Kept fast: ENGAGE_FUZZ_EXAMPLES examples per route (default 10; .ci/run sets more), derandomized
so that every run, local or CI, tries the same examples and a failure reproduces; set
ENGAGE_FUZZ_RANDOM=1 to explore new ones (Hypothesis then keeps failures in .hypothesis/).
"""
from __future__ import annotations

import os
import secrets
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from itsdangerous import URLSafeTimedSerializer
from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter
from werkzeug.test import encode_multipart

from engage import create_app
from tests.factories import make_user
from tests.security import test_no_500s as deterministic
from tests.security.test_no_500s import (CORPUS, FORMS, LIST_ROUTES, QUERY_PARAMETERS, baseline, build,
                                         is_csrf_refusal, route_keys, short, url_arguments)

# The same world (one of everything a URL can name) and error log as the deterministic tests.
world = deterministic.world
logged_errors = deterministic.logged_errors

EXAMPLES = int(os.environ.get("ENGAGE_FUZZ_EXAMPLES", "10"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,                      # a request's time depends on the machine, not on the input
    derandomize=os.environ.get("ENGAGE_FUZZ_RANDOM") != "1",
    database=None if os.environ.get("ENGAGE_FUZZ_RANDOM") != "1" else settings.default.database,
    # One world (users, a consultation, proposals...) per route, shared by its examples, as in
    # test_no_500s.py; the huge strings are built from small draws, but may still be slow.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
SKIPPED = deterministic.ASSET_ENDPOINTS
VISITORS = ("anonymous", "citizen", "admin")


def _routes() -> tuple[list[str], list[str]]:
    """The route keys of the app's URL map (no database needed to read it)."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "collect-only"})
    return (sorted(route_keys(app, WRITE_METHODS)), sorted(route_keys(app, {"GET"}, skip=SKIPPED)))


POST_ROUTES, GET_ROUTES = _routes()


# --- Strategies ---------------------------------------------------------------------------------

CHARACTERS = st.characters(codec="utf-8")  # every code point a browser can send (no lone surrogates)
text = st.text(CHARACTERS, max_size=80)
numbers = st.one_of(st.integers(), st.integers(min_value=-(2 ** 80), max_value=2 ** 80),
                    st.floats(allow_nan=True, allow_infinity=True)).map(str)
dates = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59)).map(
    lambda moment: moment.isoformat(timespec="minutes"))
huge = st.builds(lambda piece, times: piece * times, st.text(CHARACTERS, min_size=1, max_size=4),
                 st.integers(min_value=1_000, max_value=150_000))
raw_bytes = st.binary(max_size=60)
nasty = st.one_of(text, numbers, dates, st.sampled_from(CORPUS), raw_bytes, huge,
                  st.sampled_from(["", " ", "0", "-1", "y", "1", "on", "true", "none", "None", "null", "[]", "{}"]))
value = st.one_of(nasty, st.lists(nasty, min_size=2, max_size=4))  # a list: one field sent several times
extra_fields = st.dictionaries(st.text(CHARACTERS, min_size=1, max_size=12), value, max_size=3)


def visitor(usual: str):
    return st.sampled_from((usual, *[who for who in VISITORS if who != usual]))


def url_values(rule, real: dict):
    """The route's URL arguments: the real ones, or (sometimes) an id far beyond any row."""
    strategies = {}
    for name in set(rule.arguments) - set(rule.defaults or {}):
        if isinstance(rule._converters.get(name), IntegerConverter):
            strategies[name] = st.one_of(st.just(real[name]), st.integers(min_value=0, max_value=2 ** 80))
        else:
            strategies[name] = st.just(real[name])
    return st.fixed_dictionaries(strategies)


# --- Who sends it -------------------------------------------------------------------------------

@pytest.fixture
def people(db, world):
    citizen = make_user()  # confirmed, no role, officer of nothing
    db.session.commit()
    return {"anonymous": None, "citizen": citizen, "admin": world["admin"]}


def browser(app, user):
    """A fresh test client signed in as `user` (None: anonymous), and a valid CSRF token for it.

    The token is made as Flask-WTF makes it (the raw value in the session, signed with the secret
    key): a page request per example would double the run time. A token the app refuses shows up
    as a CSRF refusal, which the tests count.
    """
    client = app.test_client(user=user) if user is not None else app.test_client()
    raw = secrets.token_hex(20)
    with client.session_transaction() as session:
        session["csrf_token"] = raw
    return client, URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(raw)


def failure(response, errors, what: str) -> str:
    return f"{what} -> {response.status_code} ({errors.take()})"


# --- Forms ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("key", POST_ROUTES)
def test_random_forms_never_get_a_5xx(app, world, people, logged_errors, key):
    assert key in FORMS, f"{key}: add the form's fields to FORMS in tests/security/test_no_500s.py"
    form, rule = FORMS[key], route_keys(app, WRITE_METHODS)[key]
    method = sorted(set(rule.methods) & WRITE_METHODS)[0]
    real = url_arguments(world, rule.endpoint)
    build(rule, real)  # fails naming any URL argument test_no_500s.py cannot fill yet
    seen = {"requests": 0, "csrf_refusals": 0, "examples": 0}

    @FUZZ
    @given(data=st.data())
    def post(data):
        who = data.draw(visitor(form.who), label="who")
        path = build(rule, data.draw(url_values(rule, real), label="url arguments"))
        fields = baseline(world, form, seen["examples"])
        seen["examples"] += 1
        sent: dict = {}
        for name, valid in fields.items():
            choice = data.draw(st.sampled_from(("keep", "random", "drop")), label=f"{name}?")
            if choice == "keep":
                sent[name] = valid
            elif choice == "random":
                sent[name] = data.draw(value, label=name)
                if name in form.shapes and isinstance(sent[name], str) and data.draw(st.booleans()):
                    sent[name] = form.shapes[name].replace("{v}", sent[name])
                if name in form.twins:  # the password and its confirmation agree, to get past that check
                    for twin in form.twins:
                        sent[twin] = sent[name]
        sent.update({name: v for name, v in data.draw(extra_fields, label="extra fields").items()
                     if name not in sent and name != "csrf_token"})
        as_multipart = data.draw(st.booleans(), label="multipart")
        client, token = browser(app, people[who])
        body = {**sent, "csrf_token": token}
        if as_multipart:  # encoded here, in memory: the test client spools big bodies to a file it never closes
            boundary, encoded = encode_multipart(MultiDict({k: v if isinstance(v, list) else [v]
                                                            for k, v in body.items()}))
            response = client.open(path, method=method, data=encoded,
                                   content_type=f'multipart/form-data; boundary="{boundary}"')
        else:
            response = client.open(path, method=method, data=body)
        seen["requests"] += 1
        if is_csrf_refusal(response):
            seen["csrf_refusals"] += 1
        assert response.status_code < 500, failure(response, logged_errors,
                                                   f"{who}: {method} {path} with {short(sent)}")

    post()
    # The random values must reach the views, not stop at the token check.
    assert seen["csrf_refusals"] == 0, f"{seen['csrf_refusals']} of {seen['requests']} posts refused for their token"


# --- Query strings --------------------------------------------------------------------------------

parameter_names = st.one_of(st.sampled_from(QUERY_PARAMETERS + ("next", "formato", "page", "lang", "q")),
                            st.text(CHARACTERS, min_size=1, max_size=10))


@pytest.mark.parametrize("key", GET_ROUTES)
def test_random_query_strings_never_get_a_5xx(app, world, people, logged_errors, key):
    rule = route_keys(app, {"GET"}, skip=SKIPPED)[key]
    real = url_arguments(world, rule.endpoint)
    build(rule, real)
    names = st.one_of(st.sampled_from(LIST_ROUTES[key]), parameter_names) if key in LIST_ROUTES else parameter_names
    queries = st.one_of(st.dictionaries(names, value, max_size=5),
                        raw_bytes.map(lambda raw: raw.decode("latin-1")))  # as a server hands raw bytes over

    @FUZZ
    @given(who=visitor("anonymous"), arguments=url_values(rule, real), query=queries)
    def get(who, arguments, query):
        path = build(rule, arguments)
        client, _token = browser(app, people[who])
        if isinstance(query, dict):
            response = client.get(path, query_string=query)
        else:
            response = client.get(path, environ_overrides={"QUERY_STRING": query})
        assert response.status_code < 500, failure(response, logged_errors, f"{who}: GET {path}?{short(query)}")

    get()


# --- Ids in URLs ----------------------------------------------------------------------------------

@pytest.mark.parametrize("huge", [2 ** 31, 2 ** 63, 10 ** 30])
def test_an_id_past_the_largest_a_column_holds_matches_no_route(app, world, people, logged_errors, huge):
    """Found by the fuzzing above: /proposte/9223372036854775808 overflowed the driver (a 500)."""
    client, token = browser(app, people["admin"])
    checked = 0
    for key, rule in sorted(route_keys(app, {"GET"} | WRITE_METHODS, skip=SKIPPED).items()):
        ids = [name for name in rule.arguments if isinstance(rule._converters.get(name), IntegerConverter)]
        if not ids:
            continue
        path = build(rule, {**url_arguments(world, rule.endpoint), **dict.fromkeys(ids, huge)})
        for method in sorted(set(rule.methods) & ({"GET"} | WRITE_METHODS)):
            response = client.open(path, method=method, data={"csrf_token": token} if method != "GET" else None)
            checked += 1
            # No route matches (werkzeug answers 405 where another method's rule shares the pattern).
            assert response.status_code in (404, 405), failure(response, logged_errors, f"{method} {path} ({key})")
    assert checked > 30

