"""A person takes their data away, changes address safely, and can leave for good."""
import io
import json
import zipfile

from sqlalchemy import func, select

from engage.auth.models import User
from engage.consultations.phases import Phase
from engage.votes import tally
from engage.votes.models import Support
from tests.factories import (PASSWORD, form_token, make_comment, make_consultation, make_proposal, make_supports,
                             make_user)


def test_a_citizen_downloads_everything_held_about_them_as_json_and_csv(client_as, db):
    lucia = make_user(email="lucia@example.org", display_name="Lucia del Po")
    consultation = make_consultation(Phase.VOTING)
    proposal = make_proposal(consultation, lucia, title="Ciclabile sull'argine")
    make_comment(proposal, author=lucia, body="Aggiungo un dettaglio.")
    db.session.commit()
    response = client_as(lucia).get("/profilo/dati")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert {"engage-cremona.json", "account.csv", "proposals.csv", "comments.csv", "supports.csv"} <= set(
        archive.namelist())
    data = json.loads(archive.read("engage-cremona.json"))
    assert data["account"][0]["email"] == "lucia@example.org"
    assert data["proposals"][0]["title"] == "Ciclabile sull'argine"
    assert "Aggiungo un dettaglio." in archive.read("comments.csv").decode()


def test_deleting_the_account_asks_for_the_password_and_keeps_tallies(client_as, client, db):
    lucia = make_user(email="lucia@example.org", display_name="Lucia del Po")
    consultation = make_consultation(Phase.VOTING)
    proposal = make_proposal(consultation, lucia, title="Ciclabile sull'argine")
    other = make_proposal(consultation)
    make_supports(other, 2)
    db.session.add(Support(proposal_id=other.id, user_id=lucia.id, consultation_id=consultation.id))
    other.support_count += 1
    make_comment(proposal, author=lucia, body="Un mio commento.")
    db.session.commit()
    browser = client_as(lucia)

    wrong = browser.post("/profilo/elimina", data={"password": "non è questa", "confirm": "y",
                                                   "csrf_token": form_token(browser, "/profilo/elimina")})
    assert wrong.status_code == 422 and lucia.deleted_at is None

    done = browser.post("/profilo/elimina", data={"password": PASSWORD, "confirm": "y",
                                                  "csrf_token": form_token(browser, "/profilo/elimina")})
    assert done.status_code == 302
    db.session.refresh(lucia)
    assert lucia.deleted_at is not None and "lucia" not in lucia.email and lucia.display_name != "Lucia del Po"
    assert lucia.comune is None and not lucia.check_password(PASSWORD)
    assert proposal.author_id is None
    page = client.get(f"/proposte/{proposal.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Lucia del Po" not in page and "former participant" in page and "Un mio commento." in page
    assert other.support_count == 3 and tally.recount().corrected == []
    assert browser.get("/profilo").status_code == 302  # signed out everywhere
    assert db.session.scalar(select(func.count()).select_from(User).where(User.email == "lucia@example.org")) == 0


def test_changing_the_e_mail_needs_the_password_and_the_new_address_confirmed(client_as, app, mailbox, db):
    mario = make_user(email="mario@example.org")
    db.session.commit()
    browser = client_as(mario)
    wrong = browser.post("/profilo/email", data={"email": "nuovo@example.org", "password": "sbagliata",
                                                 "csrf_token": form_token(browser, "/profilo/email")})
    assert wrong.status_code == 422 and 'value="nuovo@example.org"' in wrong.get_data(as_text=True)
    assert not mailbox.to("nuovo@example.org")

    browser.post("/profilo/email", data={"email": "nuovo@example.org", "password": PASSWORD,
                                         "csrf_token": form_token(browser, "/profilo/email")})
    assert mario.email == "mario@example.org"  # nothing changes until the link is opened
    link = mailbox.path_in(mailbox.last_to("nuovo@example.org"))
    assert browser.get(link).status_code == 302
    db.session.refresh(mario)
    assert mario.email == "nuovo@example.org"


def test_questionnaire_answers_are_in_the_download_even_anonymous_ones_and_survive_deletion(client_as, db):
    """Only the server can find an anonymous response again (through its token): the person
    gets it in their own download; deleting the account unlinks the named one too."""
    from engage.questionnaires import services
    from engage.questionnaires.aggregation import results
    from engage.questionnaires.models import QuestionKind, Response
    from engage.questionnaires.services import Given
    from tests.security.questionnaire_world import make_questionnaire

    lucia = make_user(email="lucia@example.org")
    named, anonymous = make_questionnaire(make_consultation()), make_questionnaire(make_consultation())
    anonymous.anonymous = True
    for questionnaire, text in ((named, "Via Mantova"), (anonymous, "Borgo Loreto")):
        short = next(q for q in questionnaire.questions if q.kind is QuestionKind.SHORT_TEXT)
        scale = next(q for q in questionnaire.questions if q.kind is QuestionKind.SCALE)
        services.save_response(lucia, questionnaire, {short.id: Given(text=text), scale.id: Given(value=4)},
                               submit=True)
    make_questionnaire(make_consultation())  # someone else's world: nothing of it in her download
    db.session.commit()

    browser = client_as(lucia)
    archive = zipfile.ZipFile(io.BytesIO(browser.get("/profilo/dati").data))
    answers = json.loads(archive.read("engage-cremona.json"))["questionnaire_answers"]
    assert sorted(a["text"] for a in answers if a["text"]) == ["Borgo Loreto", "Via Mantova"]
    assert {a["questionnaire_id"] for a in answers} == {named.id, anonymous.id}
    assert "Borgo Loreto" in archive.read("questionnaire_answers.csv").decode()

    response = browser.post("/profilo/elimina", data={
        "password": PASSWORD, "confirm": "y", "csrf_token": form_token(browser, "/profilo/elimina")})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Response)
                             .where(Response.respondent_id == lucia.id)) == 0
    assert results(named).responses == 1  # her answers still count, unlinked
