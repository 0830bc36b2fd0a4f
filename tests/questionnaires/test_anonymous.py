"""Anonymous questionnaires: the answers are stored with no link to the person.

Only `respondent_token`, a keyed one-way hash of the person and the questionnaire, stops a
second response and lets the person resume a draft or change the answers. It differs per
questionnaire and per person, and cannot be recomputed from the id or e-mail address without
the server's key.
"""
import hashlib
import hmac

import pytest
from sqlalchemy import select

from engage.questionnaires.models import Response
from engage.questionnaires.services import respondent_token
from tests.questionnaires.helpers import (Page, citizen, form_data, make_questionnaire, posted_fields,
                                          responses_to, send, stored)

FULL = dict(single="In bicicletta", multiple=("Biblioteca", "Teatro"), scale=4,
            ranking=("Verde", "Scuole", "Strade"), short="Cristo Re")


def test_anonymous_answers_carry_no_link_to_the_person(db, client_as):
    q = make_questionnaire(anonymous=True)
    person = citizen(comune="Crema")
    browser = client_as(person)
    page = browser.get(f"/questionari/{q.id}").get_data(as_text=True)
    assert "Anonymous: your answers are stored without any link to your account." in page

    assert send(browser, q, form_data(q, **FULL)).status_code == 302

    (response,) = responses_to(q)
    assert response.respondent_id is None and response.respondent is None
    assert response.respondent_token == respondent_token(person, q)
    assert response.is_submitted
    # What breakdowns need is kept (comune, age band); who it was is not.
    assert response.comune.name == "Crema"
    assert stored(response)["Il tuo quartiere"] == "Cristo Re"


def test_the_same_person_answering_again_changes_the_one_anonymous_response(db, client_as):
    q = make_questionnaire(anonymous=True)
    person = citizen()
    browser = client_as(person)
    assert send(browser, q, form_data(q, single="A piedi", short="Bozza"), "draft").status_code == 302
    (draft,) = responses_to(q)
    assert draft.submitted_at is None and draft.respondent_id is None

    # Coming back finds the draft through the token alone.
    shown = Page.of(browser.get(f"/questionari/{q.id}"))
    for item in q.answerable_questions:
        assert shown.fields_of(item) == posted_fields(item, form_data(q, single="A piedi", short="Bozza"))

    assert send(browser, q, form_data(q, **FULL)).status_code == 302
    assert send(browser, q, form_data(q, **{**FULL, "scale": 1, "short": None})).status_code == 302

    (response,) = responses_to(q)
    assert response.id == draft.id and response.is_submitted and response.respondent_id is None
    assert stored(response) == {"Come ti sposti di solito?": {"In bicicletta"},
                                "Quali servizi usi?": {"Biblioteca", "Teatro"},
                                "Quanto sei soddisfatto dei trasporti?": 1,
                                "Ordina le priorità": ["Verde", "Scuole", "Strade"]}


def test_tokens_differ_between_questionnaires_and_between_people(db, client_as):
    first_q, second_q = make_questionnaire(anonymous=True), make_questionnaire(anonymous=True)
    anna, bruno = citizen(), citizen()
    for q in (first_q, second_q):
        for person in (anna, bruno):
            assert send(client_as(person), q, form_data(q, **FULL)).status_code == 302

    tokens = {(q.id, person.id): r.respondent_token
              for q in (first_q, second_q) for r in responses_to(q)
              for person in (anna, bruno) if r.respondent_token == respondent_token(person, q)}
    assert len(tokens) == 4 and len(set(tokens.values())) == 4
    assert db.session.scalar(select(Response.respondent_id).where(Response.respondent_id.is_not(None))) is None


def _obvious_forms(user, q) -> set[str]:
    """What someone with the database but without the server's key could try."""
    plain = [str(user.id), user.email, user.email.lower(), f"{q.id}:{user.id}", f"{user.id}:{q.id}",
             f"questionnaire:{q.id}:{user.id}", f"questionnaire:{user.id}:{q.id}", f"{q.id}{user.id}"]
    forms = set(plain)
    for text in plain:
        for algorithm in ("md5", "sha1", "sha256", "sha512", "blake2b"):
            forms.add(hashlib.new(algorithm, text.encode()).hexdigest())
        forms.add(hmac.new(b"", text.encode(), hashlib.sha256).hexdigest())
    return forms


def test_the_token_is_not_the_id_or_e_mail_in_any_obvious_form(db, client_as):
    q = make_questionnaire(anonymous=True)
    person = citizen(email="giulia.rossi@example.org")
    send(client_as(person), q, form_data(q, **FULL))
    token = responses_to(q)[0].respondent_token

    assert len(token) == 64 and all(c in "0123456789abcdef" for c in token)
    assert token not in _obvious_forms(person, q)
    assert "giulia" not in token and person.email not in token


def test_the_token_depends_on_the_servers_key(app, db):
    """Without the key nobody can recompute it; with another key it changes (set it once)."""
    q = make_questionnaire(anonymous=True)
    person = citizen()
    original = respondent_token(person, q)
    saved = app.config.get("PSEUDONYM_KEY")
    try:
        app.config["PSEUDONYM_KEY"] = "another-key"
        assert respondent_token(person, q) != original
        assert respondent_token(person, q) == hmac.new(
            b"another-key", f"questionnaire:{q.id}:{person.id}".encode(), hashlib.sha256).hexdigest()
    finally:
        app.config["PSEUDONYM_KEY"] = saved
    assert respondent_token(person, q) == original


@pytest.mark.parametrize("anonymous", [False, True])
def test_each_person_has_one_response_per_questionnaire_whatever_the_mode(db, client_as, anonymous):
    q = make_questionnaire(anonymous=anonymous)
    person = citizen()
    browser = client_as(person)
    for scale in (1, 2, 3):
        assert send(browser, q, form_data(q, **{**FULL, "scale": scale})).status_code == 302
    (response,) = responses_to(q)
    assert response.respondent_id == (None if anonymous else person.id)
    assert stored(response)["Quanto sei soddisfatto dei trasporti?"] == 3
