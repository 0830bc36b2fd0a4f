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
    link = mailbox.link_in(mailbox.last_to("nuovo@example.org")).replace("http://localhost", "")
    assert browser.get(link).status_code == 302
    db.session.refresh(mario)
    assert mario.email == "nuovo@example.org"
