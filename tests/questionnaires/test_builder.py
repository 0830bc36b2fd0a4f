"""Staff build a questionnaire in the web pages: create it, add questions of every kind, edit,
reorder, delete, preview and publish it.

Staff are the officers of the consultation's institution (the Provincia di Cremona) and
admins. Once anybody has answered, even only a draft, the structure is frozen: no question or
option may be added or removed, no rule (required, minimum, maximum, "other") or setting (open
phase, anonymity) changed, and the questionnaire can be neither unpublished nor deleted.
Fixing the wording and changing the order stay possible.
"""
import pytest
from sqlalchemy import func, select

from engage.auth.models import Role
from engage.consultations.phases import Phase
from engage.extensions import db
from engage.questionnaires.models import Question, QuestionKind, QuestionOption, Questionnaire
from engage.questionnaires.services import STRUCTURE_LOCKED
from tests.factories import form_token, make_consultation, make_user
from tests.questionnaires.helpers import (Page, answer_directly, citizen, form_data, make_questionnaire, officer,
                                          question)

K = QuestionKind
LOCKED = str(STRUCTURE_LOCKED)


def post(browser, url: str, data: dict, token_from: str | None = None):
    return browser.post(url, data={**data, "csrf_token": form_token(browser, token_from or url)})


def question_fields(kind: str, text_it: str, **extra) -> dict:
    """The "new question" form as staff fill it in: booleans ticked only when true."""
    data = {"kind": kind, "text_it": text_it, "text_en": "", "help_it": "", "help_en": "", "options_it": "",
            "options_en": "", "min_choices": "", "max_choices": "", "low_label_it": "", "low_label_en": "",
            "high_label_it": "", "high_label_en": ""}
    for name, value in extra.items():
        if value is True:
            data[name] = "y"
        elif value is False:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def edit_fields(question_: Question, **changes) -> dict:
    """The "edit question" form as it comes pre-filled, with some fields changed."""
    data = {"text_it": question_.text_it, "text_en": question_.text_en or "", "help_it": question_.help_it,
            "help_en": question_.help_en or "", "options_it": "\n".join(o.label_it for o in question_.options),
            "options_en": "\n".join(o.label_en or "" for o in question_.options)
            if any(o.label_en for o in question_.options) else "",
            "min_choices": str(question_.min_choices), "max_choices": str(question_.max_choices or ""),
            "low_label_it": question_.low_label_it, "low_label_en": question_.low_label_en or "",
            "high_label_it": question_.high_label_it, "high_label_en": question_.high_label_en or ""}
    if question_.required:
        data["required"] = "y"
    if question_.has_other:
        data["has_other"] = "y"
    for name, value in changes.items():
        if value is True:
            data[name] = "y"
        elif value is False:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def shape(q) -> list[tuple]:
    """Everything about the questions, fresh from the database, in their order."""
    db.session.expire_all()
    rows = db.session.scalars(select(Question).where(Question.questionnaire_id == q.id)
                              .order_by(Question.position)).all()
    return [(r.kind, r.text_it, r.text_en, r.help_it, r.required, r.min_choices, r.max_choices, r.has_other,
             r.low_label_it, r.high_label_it, [(o.label_it, o.label_en) for o in r.options]) for r in rows]


def texts_in_order(q) -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(Question.text_it).where(Question.questionnaire_id == q.id)
                                   .order_by(Question.position)))


# --- Building from scratch ---------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["officer", "admin"])
def test_staff_build_a_questionnaire_question_by_question_and_publish_it(db, client_as, who):
    consultation = make_consultation(Phase.UPCOMING)
    staff = officer() if who == "officer" else make_user(Role.ADMIN, locale="en")
    browser = client_as(staff)

    response = post(browser, f"/questionari/nuovo/{consultation.id}", {
        "title_it": "La mobilità in provincia", "title_en": "Mobility in the province",
        "intro_it": "Dieci minuti.", "intro_en": "", "open_phase": "proposals", "anonymous": "y"})

    assert response.status_code == 302
    q = db.session.scalar(select(Questionnaire).where(Questionnaire.consultation_id == consultation.id))
    assert response.headers["Location"] == f"/questionari/{q.id}/domande"
    assert (q.title_it, q.title_en, q.intro_it, q.open_phase, q.anonymous, q.published_at, q.created_by_id) == \
        ("La mobilità in provincia", "Mobility in the province", "Dieci minuti.", Phase.PROPOSALS, True, None,
         staff.id)

    add = f"/questionari/{q.id}/domande/nuova"
    for data in (
        question_fields("section", "Spostamenti", help_it="Come ti muovi."),
        question_fields("single", "Mezzo principale", text_en="Main means", required=True, has_other=True,
                        options_it="A piedi\nIn bici\n\nIn auto\n", options_en="On foot\nBy bike\nBy car"),
        question_fields("multiple", "Servizi usati", options_it="Biblioteca\nPiscina\nTeatro", min_choices="1",
                        max_choices="2"),
        question_fields("scale", "Soddisfazione", required=True, low_label_it="Per nulla",
                        high_label_it="Moltissimo", low_label_en="Not at all", high_label_en="Very much"),
        question_fields("ranking", "Priorità", options_it="Scuole\nStrade\nVerde"),
        question_fields("short_text", "Quartiere"),
        question_fields("long_text", "Suggerimenti", help_it="Facoltativo."),
    ):
        response = post(browser, add, data, token_from=f"/questionari/{q.id}/domande")
        assert response.status_code == 302, (data["kind"], response.get_data(as_text=True))

    assert shape(q) == [
        (K.SECTION, "Spostamenti", None, "Come ti muovi.", False, 0, None, False, "", "", []),
        (K.SINGLE, "Mezzo principale", "Main means", "", True, 0, None, True, "", "",
         [("A piedi", "On foot"), ("In bici", "By bike"), ("In auto", "By car")]),
        (K.MULTIPLE, "Servizi usati", None, "", False, 1, 2, False, "", "",
         [("Biblioteca", None), ("Piscina", None), ("Teatro", None)]),
        (K.SCALE, "Soddisfazione", None, "", True, 0, None, False, "Per nulla", "Moltissimo", []),
        (K.RANKING, "Priorità", None, "", False, 0, None, False, "", "",
         [("Scuole", None), ("Strade", None), ("Verde", None)]),
        (K.SHORT_TEXT, "Quartiere", None, "", False, 0, None, False, "", "", []),
        (K.LONG_TEXT, "Suggerimenti", None, "Facoltativo.", False, 0, None, False, "", "", []),
    ]

    # Edit: the scale's wording; the multiple choice gets a fourth option and a new maximum.
    scale = question(q, K.SCALE)
    response = post(browser, f"/questionari/{q.id}/domande/{scale.id}/modifica",
                    edit_fields(scale, text_it="Quanto sei soddisfatto?", required=False))
    assert response.status_code == 302
    multiple = question(q, K.MULTIPLE)
    response = post(browser, f"/questionari/{q.id}/domande/{multiple.id}/modifica",
                    edit_fields(multiple, options_it="Biblioteca\nPiscina\nTeatro\nMuseo", max_choices="3"))
    assert response.status_code == 302
    after = shape(q)
    assert after[3][:5] == (K.SCALE, "Quanto sei soddisfatto?", None, "", False)
    assert after[2][5:8] == (1, 3, False)
    assert after[2][10] == [("Biblioteca", None), ("Piscina", None), ("Teatro", None), ("Museo", None)]

    # Reorder: the ranking goes up one place, the section heading down one place.
    ranking, section = question(q, K.RANKING), question(q, K.SECTION)
    build = f"/questionari/{q.id}/domande"
    assert post(browser, f"{build}/{ranking.id}/sposta", {"direction": "up"}, build).status_code == 302
    assert post(browser, f"{build}/{section.id}/sposta", {"direction": "down"}, build).status_code == 302
    assert texts_in_order(q) == ["Mezzo principale", "Spostamenti", "Servizi usati", "Priorità",
                                 "Quanto sei soddisfatto?", "Quartiere", "Suggerimenti"]
    # Moving the first one up, or the last one down, leaves the order as it is.
    first = db.session.scalar(select(Question).where(Question.text_it == "Mezzo principale"))
    last = db.session.scalar(select(Question).where(Question.text_it == "Suggerimenti"))
    post(browser, f"{build}/{first.id}/sposta", {"direction": "up"}, build)
    post(browser, f"{build}/{last.id}/sposta", {"direction": "down"}, build)
    assert texts_in_order(q) == ["Mezzo principale", "Spostamenti", "Servizi usati", "Priorità",
                                 "Quanto sei soddisfatto?", "Quartiere", "Suggerimenti"]

    # Delete the short text question.
    short = question(q, K.SHORT_TEXT)
    assert post(browser, f"{build}/{short.id}/elimina", {}, build).status_code == 302
    assert texts_in_order(q) == ["Mezzo principale", "Spostamenti", "Servizi usati", "Priorità",
                                 "Quanto sei soddisfatto?", "Suggerimenti"]

    # The preview shows the form as citizens will see it, without a way to send it.
    preview = browser.get(f"/questionari/{q.id}/anteprima")
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    page = Page.of(html)
    # English readers get the English wording where there is one, the Italian elsewhere.
    for text in ("Main means", "By bike", "Spostamenti", "Servizi usati", "Priorità", "Quanto sei soddisfatto?",
                 "Suggerimenti", "Museo", "Not at all", "Very much"):
        assert text in html, text
    assert 'name="action"' not in html
    assert question(q, K.LONG_TEXT).field_name in page.disabled

    # Not published yet: citizens cannot see it.
    db.session.commit()
    assert client_as(citizen()).get(f"/questionari/{q.id}").status_code == 403

    assert post(browser, f"/questionari/{q.id}/pubblica", {"publish": "1"}, build).status_code == 302
    db.session.refresh(q)
    assert q.published_at is not None
    assert client_as(citizen()).get(f"/questionari/{q.id}").status_code == 200
    # Before answers it can go back to draft.
    assert post(browser, f"/questionari/{q.id}/pubblica", {"publish": "0"}, build).status_code == 302
    db.session.refresh(q)
    assert q.published_at is None


def test_a_questionnaire_without_questions_cannot_be_published(db, client_as):
    q = make_questionnaire(published=False, questions=[(K.SECTION, "Solo un titolo", {})])
    browser = client_as(officer())
    build = f"/questionari/{q.id}/domande"

    response = post(browser, f"/questionari/{q.id}/pubblica", {"publish": "1"}, build)

    assert response.status_code == 302
    assert "Add at least one question before publishing." in browser.get(build).get_data(as_text=True)
    db.session.refresh(q)
    assert q.published_at is None


def test_settings_can_be_changed_before_anybody_answers(db, client_as):
    q = make_questionnaire(published=False)
    browser = client_as(officer())
    url = f"/questionari/{q.id}/modifica"
    form = Page.of(browser.get(url))
    assert form.inputs["title_it"] == "Questionario di prova" and form.selected["open_phase"] == "proposals"

    response = post(browser, url, {"title_it": "Nuovo titolo", "title_en": "New title", "intro_it": "Ciao",
                                   "intro_en": "", "open_phase": "voting", "anonymous": "y"})

    assert response.status_code == 302
    db.session.refresh(q)
    assert (q.title_it, q.title_en, q.open_phase, q.anonymous) == ("Nuovo titolo", "New title", Phase.VOTING, True)


def test_a_questionnaire_without_answers_can_be_deleted(db, client_as):
    q = make_questionnaire()
    consultation_id, q_id = q.consultation_id, q.id
    browser = client_as(officer())

    response = post(browser, f"/questionari/{q_id}/elimina", {}, f"/questionari/{q_id}/domande")

    assert response.status_code == 302 and response.headers["Location"] == f"/consultazioni/{consultation_id}"
    db.session.expire_all()
    assert db.session.get(Questionnaire, q_id) is None
    assert db.session.scalar(select(func.count()).select_from(Question).where(Question.questionnaire_id == q_id)) == 0


# --- Bad input: 422, a message, and what was typed is kept ----------------------------------------

BAD_QUESTIONS = [
    ("no-italian-text", question_fields("single", "", text_en="Main means", options_it="Uno\nDue"),
     "Write the question in Italian."),
    ("blank-italian-text", question_fields("short_text", "   ", help_it="Un aiuto"),
     "Write the question in Italian."),
    ("one-option", question_fields("single", "Mezzo principale", options_it="Solo uno\n\n", options_en="Only one"),
     "Give at least two options, one per line."),
    ("no-options-for-ranking", question_fields("ranking", "Priorità", help_it="Ordina"),
     "Give at least two options, one per line."),
    ("min-above-max", question_fields("multiple", "Servizi", options_it="Biblioteca\nPiscina\nTeatro",
                                      min_choices="3", max_choices="2"),
     "The minimum and maximum selections must be between 1 and the number of options, "
     "the minimum not above the maximum."),
    ("max-above-options", question_fields("multiple", "Servizi", options_it="Biblioteca\nPiscina",
                                          max_choices="3"),
     "The minimum and maximum selections must be between 1 and the number of options, "
     "the minimum not above the maximum."),
    ("english-options-count", question_fields("single", "Mezzo", options_it="A piedi\nIn bici\nIn auto",
                                              options_en="On foot\nBy bike"),
     "Give the English options in the same number and order as the Italian ones, or none."),
]


@pytest.mark.parametrize("case_id, data, message", BAD_QUESTIONS, ids=[b[0] for b in BAD_QUESTIONS])
def test_a_question_that_cannot_work_is_refused_with_a_message_and_the_typed_values_kept(
        db, client_as, case_id, data, message):
    q = make_questionnaire(published=False, questions=[(K.SHORT_TEXT, "Già presente", {})])
    before = shape(q)
    browser = client_as(officer())

    response = post(browser, f"/questionari/{q.id}/domande/nuova", data, f"/questionari/{q.id}/domande")

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    page = Page.of(html)
    assert page.selected["kind"] == data["kind"]
    for name in ("text_it", "text_en", "low_label_it", "high_label_it"):
        assert page.inputs[name] == data[name], name
    for name in ("options_it", "options_en", "help_it"):
        assert page.inputs[name] == data[name], name
    for name in ("min_choices", "max_choices"):
        assert page.inputs.get(name, "") == data[name], name
    assert shape(q) == before


def test_editing_a_question_into_nonsense_is_refused_and_nothing_changes(db, client_as):
    q = make_questionnaire(published=False)
    multiple = question(q, K.MULTIPLE)
    before = shape(q)
    browser = client_as(officer())
    url = f"/questionari/{q.id}/domande/{multiple.id}/modifica"
    form = Page.of(browser.get(url))
    assert form.inputs["options_it"] == "Biblioteca\nPiscina\nTeatro\nMuseo"
    assert (form.inputs["min_choices"], form.inputs["max_choices"]) == ("2", "3")

    response = post(browser, url, edit_fields(multiple, text_it="Servizi usati", min_choices="3", max_choices="2"))

    assert response.status_code == 422
    page = Page.of(response)
    assert (page.inputs["text_it"], page.inputs["min_choices"], page.inputs["max_choices"]) == \
        ("Servizi usati", "3", "2")
    assert "the minimum not above the maximum" in response.get_data(as_text=True)
    assert shape(q) == before


def test_a_questionnaire_needs_an_italian_title(db, client_as):
    consultation = make_consultation()
    browser = client_as(officer())

    response = post(browser, f"/questionari/nuovo/{consultation.id}", {
        "title_it": "", "title_en": "Mobility", "intro_it": "Introduzione", "open_phase": "voting"})

    assert response.status_code == 422
    page = Page.of(response)
    assert page.text("title_it-error") == "Enter the Italian title."
    assert (page.inputs["title_en"], page.inputs["intro_it"], page.selected["open_phase"]) == \
        ("Mobility", "Introduzione", "voting")
    assert db.session.scalar(select(func.count()).select_from(Questionnaire)
                             .where(Questionnaire.consultation_id == consultation.id)) == 0


# --- Once answered: structure frozen, wording and order free -------------------------------------

@pytest.fixture(params=["draft", "sent"])
def answered(request, db):
    """A published questionnaire somebody has answered: only a draft, or sent answers."""
    q = make_questionnaire()
    answer_directly(citizen(), q, form_data(q, single="A piedi", scale=3), submit=request.param == "sent")
    db.session.commit()
    return q


def _edit(q, kind, **changes):
    item = question(q, kind)
    return f"/questionari/{q.id}/domande/{item.id}/modifica", edit_fields(item, **changes)


FROZEN_EDITS = [
    ("add-an-option", K.SINGLE, {"options_it": "A piedi\nIn bicicletta\nIn auto\nIn treno", "options_en": ""}),
    ("remove-an-option", K.MULTIPLE, {"options_it": "Biblioteca\nPiscina\nTeatro"}),
    ("make-optional", K.SINGLE, {"required": False}),
    ("make-required", K.RANKING, {"required": True}),
    ("change-minimum", K.MULTIPLE, {"min_choices": "1"}),
    ("change-maximum", K.MULTIPLE, {"max_choices": "4"}),
    ("remove-maximum", K.MULTIPLE, {"max_choices": ""}),
    ("remove-other", K.SINGLE, {"has_other": False}),
    ("remove-other-from-multiple", K.MULTIPLE, {"has_other": False}),
]


@pytest.mark.parametrize("case_id, kind, changes", FROZEN_EDITS, ids=[f[0] for f in FROZEN_EDITS])
def test_once_answered_a_question_keeps_its_options_and_rules(db, client_as, answered, case_id, kind, changes):
    q = answered
    before = shape(q)
    url, data = _edit(q, kind, **changes)

    response = post(client_as(officer()), url, data)

    assert response.status_code == 422
    assert LOCKED in response.get_data(as_text=True)
    assert Page.of(response).inputs["text_it"] == data["text_it"]
    assert shape(q) == before


def test_once_answered_no_question_can_be_added(db, client_as, answered):
    q = answered
    before = shape(q)
    browser = client_as(officer())
    response = post(browser, f"/questionari/{q.id}/domande/nuova", question_fields("short_text", "Nuova domanda"),
                    f"/questionari/{q.id}/domande")
    assert response.status_code == 422
    assert LOCKED in response.get_data(as_text=True)
    assert Page.of(response).inputs["text_it"] == "Nuova domanda"
    assert shape(q) == before
    # The builder page says so, and offers neither "add" nor "delete" any more.
    build = browser.get(f"/questionari/{q.id}/domande").get_data(as_text=True)
    assert "People have already answered" in build
    assert "/domande/nuova" not in build and "/elimina" not in build


@pytest.mark.parametrize("target", ["question", "questionnaire", "unpublish"])
def test_once_answered_nothing_is_deleted_or_unpublished(db, client_as, answered, target):
    q = answered
    before, published_at = shape(q), q.published_at
    browser = client_as(officer())
    build = f"/questionari/{q.id}/domande"
    url, data = {
        "question": (f"{build}/{question(q, K.LONG_TEXT).id}/elimina", {}),
        "questionnaire": (f"/questionari/{q.id}/elimina", {}),
        "unpublish": (f"/questionari/{q.id}/pubblica", {"publish": "0"}),
    }[target]

    response = post(browser, url, data, build)

    assert response.status_code == 302 and response.headers["Location"] == build
    assert LOCKED in browser.get(build).get_data(as_text=True)
    db.session.expire_all()
    still = db.session.get(Questionnaire, q.id)
    assert still is not None and still.published_at == published_at
    assert shape(q) == before


@pytest.mark.parametrize("setting", ["open_phase", "anonymous"])
def test_once_answered_the_open_phase_and_anonymity_stay(db, client_as, answered, setting):
    q = answered
    browser = client_as(officer())
    url = f"/questionari/{q.id}/modifica"
    data = {"title_it": "Titolo corretto", "title_en": "", "intro_it": q.intro_it, "intro_en": "",
            "open_phase": "proposals"}
    if setting == "open_phase":
        data["open_phase"] = "voting"
    else:
        data["anonymous"] = "y"

    response = post(browser, url, data)

    assert response.status_code == 422
    assert LOCKED in response.get_data(as_text=True)
    assert Page.of(response).inputs["title_it"] == "Titolo corretto"
    db.session.expire_all()
    q = db.session.get(Questionnaire, q.id)
    assert (q.title_it, q.open_phase, q.anonymous) == ("Questionario di prova", Phase.PROPOSALS, False)


def test_once_answered_the_wording_and_the_order_can_still_be_fixed(db, client_as, answered):
    """The title, a question's text and help, its English text and an option's label change;
    the options keep their ids, so the answers still point at the same choices."""
    q = answered
    browser = client_as(officer())
    single = question(q, K.SINGLE)
    option_ids = [o.id for o in single.options]

    response = post(browser, f"/questionari/{q.id}/modifica", {
        "title_it": "Questionario sulla mobilità", "title_en": "Mobility survey", "intro_it": "Grazie!",
        "intro_en": "", "open_phase": "proposals"})
    assert response.status_code == 302
    url, data = _edit(q, K.SINGLE, text_it="Come ti sposti, di solito?", text_en="How do you usually travel?",
                      help_it="Il mezzo più usato.", options_it="A piedi\nIn bici\nIn automobile",
                      options_en="On foot\nBy bicycle\nBy car")
    assert post(browser, url, data).status_code == 302
    url, data = _edit(q, K.SCALE, low_label_it="Per niente")
    assert post(browser, url, data).status_code == 302
    build = f"/questionari/{q.id}/domande"
    assert post(browser, f"{build}/{question(q, K.LONG_TEXT).id}/sposta", {"direction": "up"}, build) \
        .status_code == 302

    db.session.expire_all()
    q = db.session.get(Questionnaire, q.id)
    assert (q.title_it, q.title_en, q.intro_it) == ("Questionario sulla mobilità", "Mobility survey", "Grazie!")
    single = db.session.get(Question, single.id)
    assert (single.text_it, single.text_en, single.help_it, single.required, single.has_other) == \
        ("Come ti sposti, di solito?", "How do you usually travel?", "Il mezzo più usato.", True, True)
    assert [(o.id, o.label_it, o.label_en) for o in single.options] == [
        (option_ids[0], "A piedi", "On foot"), (option_ids[1], "In bici", "By bicycle"),
        (option_ids[2], "In automobile", "By car")]
    assert question(q, K.SCALE).low_label_it == "Per niente"
    assert texts_in_order(q) == ["Chi sei", "Come ti sposti, di solito?", "Quali servizi usi?",
                                 "Quanto sei soddisfatto dei trasporti?", "Ordina le priorità", "Un suggerimento",
                                 "Il tuo quartiere"]


def test_once_answered_options_cannot_swap_their_labels(db, client_as, answered):
    q = answered
    before = shape(q)
    url, data = _edit(q, K.SINGLE, options_it="In auto\nIn bicicletta\nA piedi", options_en="By car\nBy bike\nOn foot")

    response = post(client_as(officer()), url, data)

    assert response.status_code == 422
    assert LOCKED in response.get_data(as_text=True)
    assert shape(q) == before


# --- Who may build ---------------------------------------------------------------------------

BUILDER_PAGES = [  # (method, path) with {q}, {c} and {qid} filled in
    ("GET", "/questionari/nuovo/{c}"), ("POST", "/questionari/nuovo/{c}"),
    ("GET", "/questionari/{q}/modifica"), ("POST", "/questionari/{q}/modifica"),
    ("GET", "/questionari/{q}/domande"),
    ("GET", "/questionari/{q}/domande/nuova"), ("POST", "/questionari/{q}/domande/nuova"),
    ("GET", "/questionari/{q}/domande/{qid}/modifica"), ("POST", "/questionari/{q}/domande/{qid}/modifica"),
    ("POST", "/questionari/{q}/domande/{qid}/sposta"), ("POST", "/questionari/{q}/domande/{qid}/elimina"),
    ("POST", "/questionari/{q}/pubblica"), ("POST", "/questionari/{q}/elimina"),
    ("GET", "/questionari/{q}/anteprima"),
]


@pytest.mark.parametrize("who", ["citizen", "officer_elsewhere", "moderator", "visitor"])
def test_only_staff_reach_the_builder(db, client_as, client, who):
    """403 for people who are signed in, the sign-in page for visitors; nothing changes."""
    q = make_questionnaire(published=True)
    single = question(q, K.SINGLE)
    people = {"citizen": citizen, "officer_elsewhere": lambda: officer("cgil"),
              "moderator": lambda: make_user(Role.MODERATOR, locale="en")}
    browser = client if who == "visitor" else client_as(people[who]())
    token = form_token(browser, "/accedi" if who == "visitor" else "/profilo")
    before, published_at = shape(q), q.published_at
    payload = {"csrf_token": token, "title_it": "Dirottato", "open_phase": "proposals", "kind": "short_text",
               "text_it": "Dirottata", "direction": "down", "publish": "0"}

    for method, path in BUILDER_PAGES:
        url = path.format(q=q.id, c=q.consultation_id, qid=single.id)
        response = browser.get(url) if method == "GET" else browser.post(url, data=payload)
        if who == "visitor":
            assert response.status_code == 302 and "/accedi" in response.headers["Location"], (method, url)
        else:
            assert response.status_code == 403, (method, url, response.status_code)

    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Questionnaire)) == 1
    assert shape(q) == before and db.session.get(Questionnaire, q.id).published_at == published_at
    assert db.session.scalar(select(func.count()).select_from(QuestionOption)) == 10


def test_the_consultation_page_lists_published_questionnaires_and_drafts_only_for_staff(db, client_as):
    consultation = make_consultation(Phase.PROPOSALS)
    make_questionnaire(consultation)
    draft = make_questionnaire(consultation, published=False)
    draft.title_it = "Bozza interna"
    db.session.commit()
    url = f"/consultazioni/{consultation.id}"

    public = client_as(citizen()).get(url).get_data(as_text=True)
    assert "Questionario di prova" in public and "Bozza interna" not in public
    assert f"/questionari/nuovo/{consultation.id}" not in public

    staff = client_as(officer()).get(url).get_data(as_text=True)
    assert "Questionario di prova" in staff and "Bozza interna" in staff
    assert f"/questionari/nuovo/{consultation.id}" in staff


def test_an_option_longer_than_300_characters_is_refused_not_cut(db, client_as):
    from tests.factories import institution

    officer = make_user(officer_of=institution("provincia-cremona"))
    questionnaire = make_questionnaire(published=False)
    before = db.session.query(Question).filter_by(questionnaire_id=questionnaire.id).count()
    browser = client_as(officer)
    url = f"/questionari/{questionnaire.id}/domande/nuova"
    long_option = "lungo " * 60
    response = browser.post(url, data={"csrf_token": form_token(browser, url), "kind": "single",
                                       "text_it": "Quale?", "options_it": f"Breve\n{long_option}"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "300" in html and long_option.strip() in html
    assert db.session.query(Question).filter_by(questionnaire_id=questionnaire.id).count() == before
