"""A citizen answers a questionnaire: drafts, resuming, changing answers, and clear errors.

The questionnaire (helpers.every_kind) has a section heading and one question of each kind:
single choice (required, with "other"), multiple choice (2 to 3 selections, with "other"), a
1-5 scale (required), a ranking of three options, a short and a long text. People read the
site in English, so assertions use the source strings.
"""
import pytest
from sqlalchemy import func, select

from engage.consultations.phases import Phase
from engage.questionnaires.models import Answer, QuestionKind, Response
from tests.factories import form_token, set_phase
from tests.questionnaires.helpers import (Page, citizen, form_data, make_questionnaire, option_id, posted_fields,
                                          question, response_count, responses_to, send, stored)

K = QuestionKind

FULL = dict(single="In bicicletta", multiple=("Biblioteca", "Teatro"), scale=4,
            ranking=("Verde", "Scuole", "Strade"), short="Cristo Re", long="Più alberi in via Mantova.")
FULL_STORED = {
    "Come ti sposti di solito?": {"In bicicletta"},
    "Quali servizi usi?": {"Biblioteca", "Teatro"},
    "Quanto sei soddisfatto dei trasporti?": 4,
    "Ordina le priorità": ["Verde", "Scuole", "Strade"],
    "Il tuo quartiere": "Cristo Re",
    "Un suggerimento": "Più alberi in via Mantova.",
}


def full_answers(q, token):
    """Kept for other suites: every question answered, with the page's CSRF token."""
    return {**form_data(q, **FULL), "csrf_token": token, "action": "submit"}


def assert_form_shows(page: Page, q, data: dict, *, skip=()):
    """Every answerable question's controls show exactly what was posted (bar `skip`)."""
    for item in q.answerable_questions:
        if item.kind in skip:
            continue
        assert page.fields_of(item) == posted_fields(item, data), item.text_it


def test_a_citizen_answers_every_kind_of_question(db, client_as):
    q = make_questionnaire()
    person = citizen()
    browser = client_as(person)
    url = f"/questionari/{q.id}"
    page = browser.get(url)
    assert page.status_code == 200
    assert "Come ti sposti di solito?" in page.get_data(as_text=True)
    response = browser.post(url, data=full_answers(q, form_token(browser, url)))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == url
    only, = responses_to(q)
    assert only.respondent_id == person.id and only.is_submitted
    assert only.comune.name == "Cremona"
    assert stored(only) == FULL_STORED
    again = Page.of(browser.get(url))
    assert_form_shows(again, q, form_data(q, **FULL))
    assert "Più alberi in via Mantova." in again.inputs[question(q, K.LONG_TEXT).field_name]


# --- One mistake: an error next to its question, everything else kept, nothing stored ----------

def _replace(**changes):
    return lambda q: form_data(q, **{**FULL, **changes})


def _raw(kind, value, **changes):
    """The valid answers, with one field set to a raw value (as a hand-made request could)."""
    def build(q):
        data = form_data(q, **{**FULL, **changes})
        data[question(q, kind).field_name] = value(q) if callable(value) else value
        return data
    return build


def _ranks(*positions):
    def build(q):
        data = form_data(q, **{**FULL, "ranking": ()})
        ranking = question(q, K.RANKING)
        for label, rank in zip(("Scuole", "Strade", "Verde"), positions, strict=True):
            data[f"{ranking.field_name}_o{option_id(ranking, label)}"] = rank
        return data
    return build


RANK_ERROR = "Give each option a different position, from 1 to 3."
SCALE_ERROR = "Choose a value from 1 to 5."
UNKNOWN = "Choose among the options shown."

# (id, the question in error, how the answers are made, the error, does the form echo the bad value?)
MISTAKES = [
    ("too-many-choices", K.MULTIPLE, _replace(multiple=("Biblioteca", "Piscina", "Teatro", "Museo")),
     "Choose at most 3 answers.", True),
    ("too-many-with-other", K.MULTIPLE, _replace(multiple=("Biblioteca", "Piscina", "Teatro", "other"),
                                                 multiple_other="Cinema"), "Choose at most 3 answers.", True),
    ("too-few-choices", K.MULTIPLE, _replace(multiple=("Biblioteca",)), "Choose at least 2 answers.", True),
    ("other-without-text", K.SINGLE, _replace(single="other"), "You chose “Other”: please specify.", True),
    ("other-with-blank-text", K.SINGLE, _replace(single="other", single_other="   "),
     "You chose “Other”: please specify.", False),  # the blank is trimmed away
    ("text-without-other", K.SINGLE, _replace(single="A piedi", single_other="Monopattino"),
     "Choose “Other” to add your own answer, or clear its text.", True),
    ("other-in-multiple-without-text", K.MULTIPLE, _replace(multiple=("Biblioteca", "other")),
     "You chose “Other”: please specify.", True),
    ("other-text-too-long", K.SINGLE, _replace(single="other", single_other="x" * 301),
     "Write at most 300 characters.", True),
    ("two-answers-to-a-single-choice", K.SINGLE,
     _raw(K.SINGLE, lambda q: [option_id(question(q, K.SINGLE), "A piedi"),
                               option_id(question(q, K.SINGLE), "In auto")]), "Choose only one answer.", True),
    ("scale-0", K.SCALE, _raw(K.SCALE, "0"), SCALE_ERROR, False),
    ("scale-6", K.SCALE, _raw(K.SCALE, "6"), SCALE_ERROR, False),
    ("scale-abc", K.SCALE, _raw(K.SCALE, "abc"), SCALE_ERROR, False),
    ("scale-minus-1", K.SCALE, _raw(K.SCALE, "-1"), SCALE_ERROR, False),
    ("scale-4.5", K.SCALE, _raw(K.SCALE, "4.5"), SCALE_ERROR, False),
    ("scale-two-values", K.SCALE, _raw(K.SCALE, ["2", "4"]), SCALE_ERROR, True),
    ("option-of-another-question", K.SINGLE,
     _raw(K.SINGLE, lambda q: option_id(question(q, K.MULTIPLE), "Biblioteca")), UNKNOWN, False),
    ("unknown-option-id", K.MULTIPLE,
     _raw(K.MULTIPLE, lambda q: ["999999", option_id(question(q, K.MULTIPLE), "Teatro")]), UNKNOWN, False),
    ("ranking-duplicate-positions", K.RANKING, _ranks("1", "1", "2"), RANK_ERROR, True),
    ("ranking-partial", K.RANKING, _ranks("1", "2", ""), RANK_ERROR, True),
    ("ranking-out-of-range", K.RANKING, _ranks("1", "2", "4"), RANK_ERROR, False),
    ("ranking-zero", K.RANKING, _ranks("0", "1", "2"), RANK_ERROR, False),
    ("short-text-301", K.SHORT_TEXT, _replace(short="a" * 301), "Write at most 300 characters.", True),
    ("long-text-5001", K.LONG_TEXT, _replace(long="b" * 5001), "Write at most 5000 characters.", True),
]


@pytest.mark.parametrize("action", ["submit", "draft"])
@pytest.mark.parametrize("case_id, kind, make, message, echoed", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_one_wrong_answer_is_flagged_next_to_its_question_and_the_rest_is_kept(
        db, client_as, action, case_id, kind, make, message, echoed):
    """Whether sending or saving a draft: 422, the message inside that question's fieldset and
    tied to it, every other answer shown again as typed, and no response stored."""
    q = make_questionnaire()
    browser = client_as(citizen())
    data = make(q)

    response = send(browser, q, data, action)

    assert response.status_code == 422
    page = Page.of(response)
    wrong = question(q, kind)
    assert page.text(f"{wrong.field_name}-error") == message
    assert message in page.text(wrong.field_name)  # inside the fieldset id="q<id>"
    assert "has-error" in page.classes_by_id[wrong.field_name]
    errors = [name for name in page.text_by_id if name.endswith("-error") and name.startswith("q")]
    assert errors == [f"{wrong.field_name}-error"]
    assert f"#{wrong.field_name}" in page.links  # the summary at the top links to the question
    assert_form_shows(page, q, data, skip=() if echoed else (kind,))
    assert response_count(q) == 0
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 0


@pytest.mark.parametrize("missing", [K.SINGLE, K.SCALE])
def test_sending_without_a_required_answer_is_flagged_and_the_rest_is_kept(db, client_as, missing):
    q = make_questionnaire()
    browser = client_as(citizen())
    data = form_data(q, **{**FULL, "single" if missing is K.SINGLE else "scale": None})

    response = send(browser, q, data)

    assert response.status_code == 422
    page = Page.of(response)
    assert page.text(f"{question(q, missing).field_name}-error") == "This question needs an answer."
    assert_form_shows(page, q, data)
    assert response_count(q) == 0


def test_a_long_text_of_exactly_5000_and_a_short_text_of_exactly_300_characters_are_fine(db, client_as):
    q = make_questionnaire()
    person = citizen()
    response = send(client_as(person), q, form_data(q, **{**FULL, "short": "s" * 300, "long": "l" * 5000}))
    assert response.status_code == 302
    answers = stored(responses_to(q)[0])
    assert len(answers["Il tuo quartiere"]) == 300 and len(answers["Un suggerimento"]) == 5000


@pytest.mark.parametrize("kind", [K.SCALE, K.RANKING])
def test_digits_that_are_not_plain_ascii_get_the_questions_own_message(db, client_as, kind):
    """'²' and '３' pass str.isdigit(); int() refuses the first and reads the second as 3. Both are
    refused with the question's own message (once a 500-style Python message, see git log)."""
    q = make_questionnaire()
    browser = client_as(citizen())
    for odd in ("²", "３"):
        data = _raw(K.SCALE, odd)(q) if kind is K.SCALE else _ranks(odd, "1", "2")(q)
        response = send(browser, q, data)
        assert response.status_code == 422, odd
        expected = SCALE_ERROR if kind is K.SCALE else RANK_ERROR
        assert Page.of(response).text(f"{question(q, kind).field_name}-error") == expected, odd
    assert response_count(q) == 0


# --- Drafts, resuming, changing answers -------------------------------------------------------

def test_a_draft_may_skip_required_questions_and_is_shown_again_when_she_comes_back(db, client_as):
    q = make_questionnaire()
    person = citizen()
    browser = client_as(person)
    draft = form_data(q, multiple=("Piscina", "Museo"), ranking=("Strade", "Verde", "Scuole"), short="Boschetto")

    assert send(browser, q, draft, "draft").status_code == 302

    saved, = responses_to(q)
    assert saved.submitted_at is None and saved.respondent_id == person.id
    assert stored(saved) == {"Quali servizi usi?": {"Piscina", "Museo"},
                             "Ordina le priorità": ["Strade", "Verde", "Scuole"], "Il tuo quartiere": "Boschetto"}
    page = browser.get(f"/questionari/{q.id}")
    assert "You have a saved draft: finish it and send it." in page.get_data(as_text=True)
    assert_form_shows(Page.of(page), q, draft)

    # Sending it as it is: the two required questions are flagged, the draft stays as it was.
    response = send(browser, q, draft)
    assert response.status_code == 422
    page = Page.of(response)
    assert page.text(f"{question(q, K.SINGLE).field_name}-error") == "This question needs an answer."
    assert page.text(f"{question(q, K.SCALE).field_name}-error") == "This question needs an answer."
    db.session.refresh(saved)
    assert saved.submitted_at is None
    assert stored(saved) == {"Quali servizi usi?": {"Piscina", "Museo"},
                             "Ordina le priorità": ["Strade", "Verde", "Scuole"], "Il tuo quartiere": "Boschetto"}

    # Completed and sent: the same response, now submitted, with the new answers only.
    complete = form_data(q, **{**FULL, "multiple": ("Piscina", "Museo"), "long": None})
    assert send(browser, q, complete).status_code == 302
    sent, = responses_to(q)
    assert sent.id == saved.id and sent.submitted_at is not None
    expected = {**FULL_STORED, "Quali servizi usi?": {"Piscina", "Museo"}}
    del expected["Un suggerimento"]
    assert stored(sent) == expected


def test_a_draft_can_be_saved_again_and_only_the_latest_answers_stay(db, client_as):
    q = make_questionnaire()
    browser = client_as(citizen())
    send(browser, q, form_data(q, single="A piedi", short="Primo"), "draft")
    send(browser, q, form_data(q, single="other", single_other="Monopattino", long="Secondo"), "draft")

    saved, = responses_to(q)
    assert saved.submitted_at is None
    assert stored(saved) == {"Come ti sposti di solito?": {"other: Monopattino"}, "Un suggerimento": "Secondo"}


def test_sent_answers_can_be_changed_while_the_questionnaire_is_open(db, client_as):
    """The same response row is updated: choices replaced, texts changed or removed."""
    q = make_questionnaire()
    browser = client_as(citizen())
    assert send(browser, q, form_data(q, **FULL)).status_code == 302
    first, = responses_to(q)
    first_id, first_sent = first.id, first.submitted_at

    page = browser.get(f"/questionari/{q.id}").get_data(as_text=True)
    assert "Send the changed answers" in page and 'value="draft"' not in page

    changed = form_data(q, single="other", single_other="Monopattino", multiple=("Piscina", "Museo", "other"),
                        multiple_other="Cinema", scale=2, ranking=("Strade", "Scuole", "Verde"), long="Più treni.")
    assert send(browser, q, changed).status_code == 302

    again, = responses_to(q)
    assert (again.id, again.submitted_at) == (first_id, first_sent)
    assert stored(again) == {
        "Come ti sposti di solito?": {"other: Monopattino"},
        "Quali servizi usi?": {"Piscina", "Museo", "other: Cinema"},
        "Quanto sei soddisfatto dei trasporti?": 2,
        "Ordina le priorità": ["Strade", "Scuole", "Verde"],
        "Un suggerimento": "Più treni.",
    }
    # 1 (other) + 3 (two options and other) + 1 (scale) + 3 (ranks) + 1 (long text); no short text left.
    assert db.session.scalar(select(func.count()).select_from(Answer).where(Answer.response_id == first_id)) == 9
    assert_form_shows(Page.of(browser.get(f"/questionari/{q.id}")), q, changed)


def test_sent_answers_cannot_go_back_to_being_a_draft(db, client_as):
    q = make_questionnaire()
    browser = client_as(citizen())
    send(browser, q, form_data(q, **FULL))

    response = send(browser, q, form_data(q, single="A piedi", scale=1), "draft")

    assert response.status_code == 409
    sent, = responses_to(q)
    assert sent.is_submitted and stored(sent) == FULL_STORED


def test_once_the_phase_is_over_answers_are_final(db, client_as):
    """Sent answers, a draft and a newcomer: all refused with 409, nothing changes."""
    q = make_questionnaire()
    sender, drafter, newcomer = citizen(), citizen(), citizen()
    browsers = {person: client_as(person) for person in (sender, drafter, newcomer)}
    tokens = {person: form_token(browser, f"/questionari/{q.id}") for person, browser in browsers.items()}
    send(browsers[sender], q, form_data(q, **FULL))
    send(browsers[drafter], q, form_data(q, single="A piedi"), "draft")
    set_phase(q.consultation, Phase.VOTING)
    db.session.commit()

    for person, browser in browsers.items():
        for action in ("submit", "draft"):
            response = browser.post(f"/questionari/{q.id}", data={
                **form_data(q, single="In auto", scale=1), "action": action, "csrf_token": tokens[person]})
            assert response.status_code == 409, (person, action)
            assert "This questionnaire is not open for answers." in response.get_data(as_text=True)

    sent, draft = responses_to(q)
    assert sent.respondent_id == sender.id and sent.is_submitted and stored(sent) == FULL_STORED
    assert draft.respondent_id == drafter.id and draft.submitted_at is None
    assert stored(draft) == {"Come ti sposti di solito?": {"A piedi"}}
    # Her answers are still shown, read-only, with no button to send them.
    page = client_as(sender).get(f"/questionari/{q.id}")
    html = page.get_data(as_text=True)
    assert "This questionnaire is closed." in html and 'name="action"' not in html
    shown = Page.of(html)
    assert_form_shows(shown, q, form_data(q, **FULL))
    assert question(q, K.SHORT_TEXT).field_name in shown.disabled


def test_a_second_person_answering_leaves_the_first_persons_response_alone(db, client_as):
    q = make_questionnaire()
    first, second = citizen(), citizen(comune="Crema")
    send(client_as(first), q, form_data(q, **FULL))
    send(client_as(second), q, form_data(q, single="In auto", multiple=("Museo", "Piscina"), scale=1,
                                        short="Ombriano"))
    send(client_as(second), q, form_data(q, single="A piedi", multiple=("Museo", "Piscina"), scale=2))

    one, two = responses_to(q)
    assert (one.respondent_id, two.respondent_id) == (first.id, second.id)
    assert stored(one) == FULL_STORED and one.comune.name == "Cremona"
    assert stored(two) == {"Come ti sposti di solito?": {"A piedi"}, "Quali servizi usi?": {"Museo", "Piscina"},
                           "Quanto sei soddisfatto dei trasporti?": 2}
    assert two.comune.name == "Crema"
    # Each sees their own answers.
    assert_form_shows(Page.of(client_as(first).get(f"/questionari/{q.id}")), q, form_data(q, **FULL))


def test_visitors_must_sign_in_to_answer(db, client):
    q = make_questionnaire()
    page = client.get(f"/questionari/{q.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Sign in to answer" in page and 'name="action"' not in page

    response = client.post(f"/questionari/{q.id}", data={**form_data(q, **FULL), "action": "submit",
                                                         "csrf_token": form_token(client, "/accedi")})

    assert response.status_code == 302 and "/accedi" in response.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0
