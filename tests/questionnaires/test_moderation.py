"""Free-text answers are moderated like comments: reported by readers of the results, hidden by a
moderator, and then gone from the results page, the texts page and the exports.

Hiding an "other, please specify" text hides the words only: the choice of "other" still
counts, and the exports say just "Other" ("Altro" in Italian). The text answers of a blocked
person are left out too, unless the questionnaire is anonymous (nobody knows whose they are).
"""
import csv
import io
import json

import pytest
from sqlalchemy import func, select

from engage.auth.models import Role
from engage.consultations.phases import Phase
from engage.extensions import db
from engage.moderation import services as moderation
from engage.moderation.models import Moderation, ModerationAction, ModerationCase, Report, ReportReason
from engage.notifications.models import Notification
from engage.questionnaires import aggregation
from engage.questionnaires.models import QuestionKind
from tests.factories import form_token, institution, make_user, set_phase
from tests.questionnaires.helpers import (Page, build_survey, citizen, form_data, make_questionnaire, officer,
                                          question, responses_to, send, stored, text_answer)
from tests.questionnaires.test_results import by_question, figures, texts_on_page

K = QuestionKind


def report(browser, answer_id: int, reason: str = "offensive", details: str = ""):
    url = f"/segnala/risposta/{answer_id}"
    return browser.post(url, data={"csrf_token": form_token(browser, url), "reason": reason, "details": details})


def decide(browser, case_id: int, action: str, reason: str = "offensive"):
    url = f"/moderazione/casi/{case_id}"
    return browser.post(url, data={"csrf_token": form_token(browser, url), "action": action, "reason": reason,
                                   "note": ""})


def case_of(answer) -> ModerationCase:
    return db.session.scalar(select(ModerationCase).where(ModerationCase.answer_id == answer.id))


def everything_public(browser, q) -> str:
    """The results page, both texts pages and both exports, as one text to search."""
    short, long_ = question(q, K.SHORT_TEXT), question(q, K.LONG_TEXT)
    single, multiple = question(q, K.SINGLE), question(q, K.MULTIPLE)
    urls = [f"/questionari/{q.id}/risultati", f"/questionari/{q.id}/risultati?per=eta"] + [
        f"/questionari/{q.id}/risultati/{item.id}/testi" for item in (short, long_, single, multiple)]
    pages = []
    for url in urls:
        response = browser.get(url)
        assert response.status_code == 200, url
        pages.append(response.get_data(as_text=True))
    return "\n".join(pages)


def exports_of(browser, q) -> tuple[list[list[str]], dict]:
    table = list(csv.reader(io.StringIO(browser.get(f"/questionari/{q.id}/risposte.csv").get_data(as_text=True))))
    data = json.loads(browser.get(f"/questionari/{q.id}/risposte.json").get_data(as_text=True))
    return table, data


@pytest.fixture
def closed_survey(db):
    """The hand-made survey, its phase over: results are public, so readers can report."""
    q, people = build_survey()
    set_phase(q.consultation, Phase.VOTING)
    db.session.commit()
    return q, people


# --- Report, hide, gone -------------------------------------------------------------------------------

def test_a_reader_reports_a_text_answer_a_moderator_hides_it_and_it_leaves_every_surface(
        db, client_as, closed_survey):
    q, people = closed_survey
    rude = text_answer(q, "Cristo Re")
    reader = client_as(citizen())
    staff = client_as(officer())
    assert "Cristo Re" in everything_public(reader, q)
    page = Page.of(reader.get(f"/questionari/{q.id}/risultati"))
    assert f"/segnala/risposta/{rude.id}" in page.links

    form = reader.get(f"/segnala/risposta/{rude.id}")
    assert form.status_code == 200 and "Cristo Re" in form.get_data(as_text=True)
    response = report(reader, rude.id, "offensive", details="Insulta un quartiere.")
    assert response.status_code == 302
    short = question(q, K.SHORT_TEXT)
    assert response.headers["Location"] == f"/questionari/{q.id}/risultati/{short.id}/testi#risposta-{rude.id}"
    case = case_of(rude)
    (filed,) = db.session.scalars(select(Report).where(Report.case_id == case.id)).all()
    assert (filed.reason, filed.details, case.author_id, case.consultation_id) == \
        (ReportReason.OFFENSIVE, "Insulta un quartiere.", people["A"].id, q.consultation_id)
    assert rude.moderation is Moderation.VISIBLE  # one report hides nothing by itself

    moderator = client_as(make_user(Role.MODERATOR, locale="en"))
    case_page = moderator.get(f"/moderazione/casi/{case.id}")
    assert case_page.status_code == 200 and "Cristo Re" in case_page.get_data(as_text=True)
    assert decide(moderator, case.id, "hide", "offensive").status_code == 302
    db.session.refresh(rude)
    assert (rude.moderation, rude.hidden_reason) == (Moderation.HIDDEN, ReportReason.OFFENSIVE)
    assert db.session.scalar(select(Notification.kind).where(Notification.user_id == people["A"].id)) == "hidden"

    # Gone from the results page, the texts page and the exports, for readers and staff alike.
    for browser in (reader, staff):
        assert "Cristo Re" not in everything_public(browser, q)
    page = Page.of(reader.get(f"/questionari/{q.id}/risultati"))
    assert texts_on_page(page, short) == ["Centro", "Ombriano"]
    assert "All 2 written answers" in reader.get(f"/questionari/{q.id}/risultati").get_data(as_text=True)
    assert "2 answers, newest first." in reader.get(f"/questionari/{q.id}/risultati/{short.id}/testi") \
        .get_data(as_text=True)
    table, data = exports_of(staff, q)
    assert "Cristo Re" not in str(table) + json.dumps(data, ensure_ascii=False)
    assert table[1][8] == ""  # A's short text cell
    assert str(short.id) not in data["responses"][0]["answers"]
    # Everything else of A's response still counts.
    assert table[1][4:8] == ["On foot", "Biblioteca; Piscina", "5", "Verde > Scuole > Strade"]
    result = by_question(aggregation.results(q))[K.SHORT_TEXT]
    assert ([t for _i, t in result.texts], result.text_count) == (["Centro", "Ombriano"], 2)


@pytest.mark.parametrize("locale, other", [("en", "Other"), ("it", "Altro")])
def test_a_hidden_other_text_leaves_the_words_out_but_the_choice_still_counts(
        db, client_as, closed_survey, locale, other):
    q, _people = closed_survey
    for words in ("Monopattino", "Cinema"):
        answer = text_answer(q, words)
        moderation.hide(make_user(Role.MODERATOR), moderation.case_for(answer), ReportReason.PERSONAL_DATA)
    db.session.commit()
    staff = client_as(make_user(locale=locale, officer_of=institution("provincia-cremona")))

    public = everything_public(staff, q)
    assert "Monopattino" not in public and "Cinema" not in public
    results = by_question(aggregation.results(q))
    assert figures(results[K.SINGLE]) == [("A piedi", 2, 33.3), ("In bicicletta", 2, 33.3), ("In auto", 1, 16.7),
                                          ("other", 1, 16.7)]
    assert figures(results[K.MULTIPLE])[-1] == ("other", 1, 25.0)
    assert (results[K.SINGLE].texts, results[K.SINGLE].text_count) == ([], 0)

    table, data = exports_of(staff, q)
    assert table[4][4] == other  # D chose "other" on the single choice
    assert set(table[2][5].split("; ")) == {"Biblioteca", "Teatro", other}  # and B on the multiple choice
    single, multiple = str(question(q, K.SINGLE).id), str(question(q, K.MULTIPLE).id)
    assert data["responses"][3]["answers"][single] == other
    assert set(data["responses"][1]["answers"][multiple]) == {"Biblioteca", "Teatro", other}


def test_while_the_questionnaire_is_open_only_staff_can_report_its_answers(db, client_as):
    """Reporting needs the results to be visible to the reporter."""
    q, people = build_survey()
    answer = text_answer(q, "Ombriano")
    browser = client_as(citizen())
    assert browser.get(f"/segnala/risposta/{answer.id}").status_code == 403
    url = f"/segnala/risposta/{answer.id}"
    response = browser.post(url, data={"csrf_token": form_token(browser, "/profilo"), "reason": "spam"})
    assert response.status_code in (403, 422)
    assert db.session.scalar(select(func.count()).select_from(Report)) == 0

    assert report(client_as(officer()), answer.id, "spam").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Report)) == 1


def test_nobody_reports_their_own_answer(db, client_as, closed_survey):
    q, people = closed_survey
    own = text_answer(q, "Ombriano")
    browser = client_as(people["C"])
    assert browser.get(f"/segnala/risposta/{own.id}").status_code == 403
    response = report(browser, own.id, "spam")
    assert "You cannot report what you wrote yourself." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Report)) == 0


# --- Blocked authors ----------------------------------------------------------------------------------

def test_a_blocked_persons_text_answers_are_left_out_until_the_block_is_lifted(db, client_as, closed_survey):
    q, people = closed_survey
    mod = make_user(Role.MODERATOR)
    moderation.block(mod, people["C"], "Insulti ripetuti", None)
    db.session.commit()
    staff = client_as(officer())

    assert "Ombriano" not in everything_public(staff, q)
    table, data = exports_of(staff, q)
    assert "Ombriano" not in str(table) + json.dumps(data, ensure_ascii=False)
    assert table[3][4:10] == ["By bike", "Piscina; Teatro", "4", "Verde > Strade > Scuole", "", ""]
    result = by_question(aggregation.results(q))
    assert [t for _i, t in result[K.SHORT_TEXT].texts] == ["Centro", "Cristo Re"]
    assert result[K.SHORT_TEXT].text_count == 2
    # The choices are not free text: they still count.
    assert figures(result[K.SINGLE])[1] == ("In bicicletta", 2, 33.3)

    moderation.unblock(mod, people["C"])
    db.session.commit()
    assert "Ombriano" in everything_public(staff, q)


def test_in_an_anonymous_questionnaire_a_block_does_not_reach_the_answers(db, client_as):
    """Nobody knows whose the answers are, so only their own moderation state counts."""
    q, people = build_survey(anonymous=True)
    set_phase(q.consultation, Phase.VOTING)
    moderation.block(make_user(Role.MODERATOR), people["C"], "Insulti ripetuti", None)
    db.session.commit()
    assert "Ombriano" in everything_public(client_as(officer()), q)


def test_an_anonymous_answer_is_moderated_without_learning_whose_it_is(db, client_as):
    q, people = build_survey(anonymous=True)
    set_phase(q.consultation, Phase.VOTING)
    db.session.commit()
    answer = text_answer(q, "Cristo Re")

    assert report(client_as(citizen()), answer.id, "spam").status_code == 302
    case = case_of(answer)
    assert case.author_id is None
    moderator = client_as(make_user(Role.MODERATOR, locale="en"))
    case_page = moderator.get(f"/moderazione/casi/{case.id}").get_data(as_text=True)
    assert people["A"].display_name not in case_page and people["A"].email not in case_page
    assert decide(moderator, case.id, "hide", "spam").status_code == 302

    assert "Cristo Re" not in everything_public(client_as(officer()), q)
    assert db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.user_id == people["A"].id)) == 0


# --- Changing an answer that moderation has looked at ------------------------------------------------

@pytest.mark.parametrize("change", ["clear-the-text", "other-to-an-option"])
def test_an_author_can_still_change_an_answer_that_was_reported(db, client_as, change):
    """While the questionnaire is open staff can report; the author may still change her answers.

    The reported words leave her response and every figure, but the moderation case keeps
    them, and the log keeps what happened (this was once a 500: the case was deleted under
    the log's feet)."""
    q = make_questionnaire()
    author = citizen()
    browser = client_as(author)
    first = dict(single="other", single_other="Monopattino", scale=3, short="Cristo Re")
    assert send(browser, q, form_data(q, **first)).status_code == 302
    words = "Cristo Re" if change == "clear-the-text" else "Monopattino"
    reported = text_answer(q, words)
    reported_id = reported.id
    assert report(client_as(officer()), reported_id, "spam").status_code == 302
    changed = {**first, "short": None} if change == "clear-the-text" else {**first, "single": "A piedi",
                                                                             "single_other": None}

    response = send(browser, q, form_data(q, **changed))

    assert response.status_code == 302
    expected = {"Come ti sposti di solito?": {"other: Monopattino"}, "Quanto sei soddisfatto dei trasporti?": 3}
    if change == "other-to-an-option":
        expected = {"Come ti sposti di solito?": {"A piedi"}, "Quanto sei soddisfatto dei trasporti?": 3,
                    "Il tuo quartiere": "Cristo Re"}
    mine = next(r for r in responses_to(q) if r.respondent_id == author.id and r.is_submitted)
    assert stored(mine) == expected
    assert db.session.scalar(select(func.count()).select_from(ModerationAction)
                             .where(ModerationAction.action == "report")) == 1
    case = db.session.scalar(select(ModerationCase).where(ModerationCase.answer_id == reported_id))
    assert case is not None and case.item.text == words
    # One response, no draft; the words are in no figure, page or export.
    results = aggregation.results(q)
    assert (results.responses, results.drafts) == (1, 0)
    staff = client_as(officer())
    assert words not in everything_public(staff, q)
    table, data = exports_of(staff, q)
    assert len(table) == 2 and len(data["responses"]) == 1
    assert words not in str(table) + json.dumps(data, ensure_ascii=False)
    assert figures(by_question(results)[K.SINGLE]) == (
        [("A piedi", 0, 0.0), ("In bicicletta", 0, 0.0), ("In auto", 0, 0.0), ("other", 1, 100.0)]
        if change == "clear-the-text" else
        [("A piedi", 1, 100.0), ("In bicicletta", 0, 0.0), ("In auto", 0, 0.0), ("other", 0, 0.0)])
    # The builder counts one response sent and no draft.
    assert "1 responses sent, 0 drafts." in staff.get(f"/questionari/{q.id}/domande").get_data(as_text=True)


def test_after_hiding_a_text_the_people_who_answered_still_match_the_exports(db, client_as, closed_survey):
    q, _people = closed_survey
    moderation.hide(make_user(Role.MODERATOR), moderation.case_for(text_answer(q, "Cristo Re")), ReportReason.SPAM)
    db.session.commit()
    staff = client_as(officer())
    table, _data = exports_of(staff, q)
    results = aggregation.results(q)
    from_csv = [sum(1 for row in table[1:] if row[4 + i]) for i in range(len(q.answerable_questions))]
    assert from_csv == [6, 4, 6, 4, 2, 2]
    assert [r.respondents for r in results.questions] == from_csv


@pytest.mark.parametrize("which", ["draft", "cleared"])
def test_texts_nobody_sent_cannot_be_read_or_reported_through_the_report_form(db, client_as, which):
    q, people = build_survey()
    if which == "cleared":
        words = "Ombriano"
        assert report(client_as(officer()), text_answer(q, words).id, "spam").status_code == 302
        assert send(client_as(people["C"]), q, form_data(q, single="In bicicletta", multiple=("Piscina", "Teatro"),
                                                        scale=4, ranking=("Verde", "Strade", "Scuole"))) \
            .status_code == 302
    else:
        words = "Bozza mai inviata"
    unsent = text_answer(q, words)
    assert unsent.response.submitted_at is None
    set_phase(q.consultation, Phase.VOTING)
    db.session.commit()
    reports_before = db.session.scalar(select(func.count()).select_from(Report))
    reader = client_as(citizen())
    assert words not in everything_public(reader, q)

    page = reader.get(f"/segnala/risposta/{unsent.id}")

    assert page.status_code in (403, 404)
    assert words not in page.get_data(as_text=True)
    report(reader, unsent.id, "spam")
    assert db.session.scalar(select(func.count()).select_from(Report)) == reports_before
