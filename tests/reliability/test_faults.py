"""Faults a client can cause: each gets a clear 4xx page in the reader's language, never a 500.

- a body over the size limit (MAX_CONTENT_LENGTH): the friendly 413 page;
- a form body whose encoding is malformed (a % that starts no escape, a multipart body without a
  boundary or cut short) or whose bytes are not UTF-8: a 400;
- a query string that is not UTF-8 (escaped or raw bytes) or longer than MAX_QUERY_STRING_LENGTH:
  a 400, whose page does not echo the query it refused.

Each refusal is checked against a positive control: the same request, well formed, gets through.
(The database going away mid-request, with its 503, is in tests/core/test_errors.py; a worker
killed with kill -9 under load in test_kill_worker.py.)
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engage.comments.models import Comment
from engage.extensions import db
from tests.factories import form_token, make_consultation, make_user

NOT_UNDERSTOOD = {"it": "Non è stato possibile interpretare la richiesta", "en": "The request could not be understood"}
TOO_LARGE = {"it": "Quello che hai inviato è troppo grande", "en": "What you sent is too large"}
CSRF_REFUSAL = "Il modulo è scaduto"
FORM = "application/x-www-form-urlencoded"


def assert_page(response, status: int, words: str):
    html = response.get_data(as_text=True)
    assert response.status_code == status, f"{response.status_code}, expected {status}: {html[:300]}"
    assert words in html, f"the {status} page does not say {words!r}"
    assert "<html" in html and "Traceback" not in html


def multipart(fields: dict[str, bytes], boundary: str = "frontiera") -> bytes:
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value + b"\r\n"
             for name, value in fields.items()]
    return b"".join(parts) + f"--{boundary}--\r\n".encode()


# --- 413 ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("language", ["it", "en"])
def test_a_body_over_the_size_limit_gets_the_friendly_413_page(app, client, language):
    token = form_token(client, "/accedi")
    limit = app.config["MAX_CONTENT_LENGTH"]
    for body, content_type in (
            (f"csrf_token={token}&email=".encode() + b"x" * limit, FORM),
            (multipart({"csrf_token": token.encode(), "email": b"x" * limit}),
             "multipart/form-data; boundary=frontiera"),
    ):
        response = client.post("/accedi", data=body, content_type=content_type, headers={"Accept-Language": language})
        assert_page(response, 413, TOO_LARGE[language])


def test_a_signed_in_comment_over_the_size_limit_gets_413_and_stores_nothing(app, client_as):
    consultation = make_consultation()
    author = make_user()
    client = client_as(author)
    token = form_token(client, "/")
    response = client.post(f"/consultazioni/{consultation.id}/commenti",
                           data={"csrf_token": token, "body": "parola " * (app.config["MAX_CONTENT_LENGTH"] // 7)})
    assert_page(response, 413, TOO_LARGE["it"])
    assert db.session.scalar(select(func.count()).select_from(Comment)
                             .where(Comment.consultation_id == consultation.id)) == 0
    assert client.get("/profilo").status_code == 200  # still signed in


def test_a_body_just_under_the_limit_is_read_normally(app, client):
    token = form_token(client, "/accedi")
    padding = app.config["MAX_CONTENT_LENGTH"] - 200
    response = client.post("/accedi", data={"csrf_token": token, "email": "a@example.org", "password": "x" * padding})
    assert response.status_code in (200, 422), response.status_code  # a refused sign-in, not a refused body


# --- Malformed form encodings and invalid UTF-8 in forms ---------------------------------------

@pytest.mark.parametrize("tail", [
    b"email=%ZZ&password=x",                 # a % that starts no escape
    b"email=a%&password=x",                  # a % at the end of a value
    b"email=%E0%A4%&password=x",             # an escape cut short
    b"email=%ff%fe&password=x",              # escaped bytes that are not UTF-8
    b"email=%C3%28&password=x",              # an invalid UTF-8 sequence
    b"email=%ED%A0%80&password=x",           # an encoded surrogate: not UTF-8 either
    b"email=\xff\xfe&password=x",            # raw bytes that are not UTF-8
    b"%%%&=&==&password=%",
])
def test_a_malformed_url_encoded_form_gets_a_400(client, tail):
    token = form_token(client, "/accedi")
    response = client.post("/accedi", data=b"csrf_token=" + token.encode() + b"&" + tail, content_type=FORM)
    assert_page(response, 400, NOT_UNDERSTOOD["it"])


def test_the_400_for_a_malformed_form_is_in_english_for_english_readers(client):
    token = form_token(client, "/accedi")
    response = client.post("/accedi", data=f"csrf_token={token}&email=%ZZ".encode(), content_type=FORM,
                           headers={"Accept-Language": "en"})
    assert_page(response, 400, NOT_UNDERSTOOD["en"])


@pytest.mark.parametrize("content_type,body", [
    ("multipart/form-data", None),                                     # no boundary
    ("multipart/form-data; boundary=frontiera", b"not-utf8"),          # a field that is not UTF-8
    ("multipart/form-data; boundary=frontiera", b"cut short"),         # the body ends mid-part
])
def test_a_malformed_multipart_form_gets_a_400(client, content_type, body):
    token = form_token(client, "/accedi").encode()
    if body is None:
        data = b"csrf_token=" + token + b"&email=a%40example.org&password=x"
    elif body == b"not-utf8":
        data = multipart({"csrf_token": token, "email": b"\xff\xfe@example.org", "password": b"x"})
    else:
        data = multipart({"csrf_token": token, "email": b"a@example.org"})[:-30]
    response = client.post("/accedi", data=data, content_type=content_type)
    assert response.status_code == 400
    if body is not None:  # not merely refused for a token the broken body hid
        assert CSRF_REFUSAL not in response.get_data(as_text=True)


def test_well_formed_forms_in_both_encodings_reach_the_view(client):
    """The positive control: non-ASCII text, escaped or in multipart, signs in like any other."""
    user = make_user(email="àccentata@example.org", password="pàssword ünicode 🙂")
    db.session.commit()
    for encode in ("url", "multipart"):
        anonymous = client.application.test_client()
        token = form_token(anonymous, "/accedi")
        fields = {"csrf_token": token, "email": user.email, "password": "pàssword ünicode 🙂"}
        if encode == "url":
            response = anonymous.post("/accedi", data=fields)
        else:
            response = anonymous.post("/accedi", data=multipart({k: v.encode() for k, v in fields.items()}),
                                      content_type="multipart/form-data; boundary=frontiera")
        assert response.status_code == 302, f"{encode}: {response.status_code}"
        assert anonymous.get("/profilo").status_code == 200


def test_a_literal_replacement_character_in_a_multipart_form_is_not_mistaken_for_bad_bytes(client):
    token = form_token(client, "/accedi").encode()
    data = multipart({"csrf_token": token, "email": "a\ufffd@example.org".encode(), "password": b"x"})
    response = client.post("/accedi", data=data, content_type="multipart/form-data; boundary=frontiera")
    assert response.status_code == 422  # the view answered: wrong credentials


# --- Query strings --------------------------------------------------------------------------------

@pytest.mark.parametrize("query", [
    b"q=%ff%fe",                 # escaped bytes that are not UTF-8
    b"q=%C3%28&stato=aperte",
    b"q=\xff\xfe",               # raw bytes that are not UTF-8 (once a 500: request.full_path choked on them)
    b"q=caf\xe9",                # Latin-1, not UTF-8
    b"q=%ZZ",
    b"q=100%",
])
@pytest.mark.parametrize("path", ["/", "/consultazioni/", "/privacy"])
def test_a_query_string_that_is_not_utf8_gets_a_400(client, path, query):
    # PEP 3333: the server hands the raw bytes over as a Latin-1 string.
    response = client.get(path, environ_overrides={"QUERY_STRING": query.decode("latin-1")})
    assert_page(response, 400, NOT_UNDERSTOOD["it"])
    assert query.decode("latin-1") not in response.get_data(as_text=True)


def test_a_refused_query_string_signed_in_still_gets_the_page_in_english(client_as):
    client = client_as(make_user(locale="en"))
    response = client.get("/consultazioni/", environ_overrides={"QUERY_STRING": "q=\xff"})
    assert_page(response, 400, NOT_UNDERSTOOD["en"])


@pytest.mark.parametrize("length", [4097, 8_192, 50_000, 1_000_000])
def test_a_huge_query_string_gets_a_400(app, client, length):
    assert length > app.config["MAX_QUERY_STRING_LENGTH"]
    query = ("q=" + "parola+" * length)[:length]
    response = client.get(f"/consultazioni/?{query}")
    assert_page(response, 400, NOT_UNDERSTOOD["it"])
    assert "parola+parola" not in response.get_data(as_text=True)


def test_query_strings_up_to_the_limit_in_any_script_are_served(app, client):
    """The positive control: UTF-8, escaped or raw, and a long (but not huge) search."""
    limit = app.config["MAX_QUERY_STRING_LENGTH"]
    for query in ("q=citt%C3%A0+%F0%9F%99%82&stato=aperte", "q=città 漢字".encode().decode("latin-1"),
                  ("q=" + "parola+" * limit)[:limit]):
        response = client.get("/consultazioni/", environ_overrides={"QUERY_STRING": query})
        assert response.status_code == 200, f"{query[:40]!r}: {response.status_code}"


def test_a_malformed_request_changes_nothing(app, client_as):
    """Refused before any view runs: a malformed support is not counted."""
    from engage.consultations.phases import Phase
    from tests.factories import make_proposal

    consultation = make_consultation(Phase.VOTING)
    proposal = make_proposal(consultation, make_user())
    db.session.commit()
    client = client_as(make_user())
    token = form_token(client, "/")
    response = client.post(f"/proposte/{proposal.id}/sostieni", data=f"csrf_token={token}&next=%E0".encode(),
                           content_type=FORM)
    assert response.status_code == 400
    db.session.refresh(proposal)
    assert proposal.support_count == 0
    response = client.post(f"/proposte/{proposal.id}/sostieni", data={"csrf_token": token, "next": "/"})
    assert response.status_code == 302
    db.session.refresh(proposal)
    assert proposal.support_count == 1
