"""Each person sees their own receipt, finds their entries in the public ledger, and nobody
else can tell which token is theirs; the ledger page explains how to check it."""
import pytest

from engage.consultations.phases import Phase
from engage.ledger import queries
from engage.ledger.services import voter_token
from tests.factories import make_consultation, make_proposal, make_user
from tests.ledger.world import supports, takes_back

ENGLISH = {"Accept-Language": "en"}


@pytest.fixture
def voting(db):
    consultation = make_consultation(Phase.VOTING)
    bikes, trains = make_proposal(consultation, title="Piste ciclabili"), make_proposal(consultation, title="Treni")
    lucia, marco = make_user(display_name="Lucia"), make_user(display_name="Marco")
    supports(lucia, bikes)
    supports(marco, bikes)
    supports(lucia, trains)
    takes_back(lucia, trains)
    db.session.commit()
    return consultation, lucia, marco


def test_a_participant_sees_their_token_and_entry_numbers(voting, client_as):
    consultation, lucia, _marco = voting
    page = client_as(lucia).get("/profilo/ricevute", headers=ENGLISH).get_data(as_text=True)
    token = voter_token(lucia.id, consultation.id)
    assert token in page
    assert "1, 3, 4" in page  # her support, her second support, and taking it back
    assert f"/consultazioni/{consultation.id}/registro?token={token}" in page


def test_nobody_sees_another_persons_token(voting, client_as):
    consultation, lucia, marco = voting
    page = client_as(marco).get("/profilo/ricevute", headers=ENGLISH).get_data(as_text=True)
    assert voter_token(marco.id, consultation.id) in page
    assert voter_token(lucia.id, consultation.id) not in page
    newcomer = client_as(make_user()).get("/profilo/ricevute", headers=ENGLISH).get_data(as_text=True)
    assert "Non hai ancora sostenuto alcuna proposta." in newcomer  # her account speaks Italian


def test_the_receipts_page_is_reachable_from_the_profile(voting, client_as):
    page = client_as(voting[1]).get("/profilo", headers=ENGLISH).get_data(as_text=True)
    assert 'href="/profilo/ricevute"' in page


def test_the_public_ledger_finds_a_tokens_entries(voting, client):
    consultation, lucia, _marco = voting
    token = voter_token(lucia.id, consultation.id)
    page = client.get(f"/consultazioni/{consultation.id}/registro?token={token.upper()}", headers=ENGLISH)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Entries of this token" in html
    found = html[html.index('id="find-title"'):html.index('id="latest-title"')]
    assert found.count(f'title="{token}"') == 3 and marco_token(voting) not in found


def marco_token(voting):
    consultation, _lucia, marco = voting
    return voter_token(marco.id, consultation.id)


def test_a_malformed_token_is_explained_and_kept(voting, client):
    consultation = voting[0]
    page = client.get(f"/consultazioni/{consultation.id}/registro?token=not-a-token", headers=ENGLISH)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "A token is 64 characters" in html and 'value="not-a-token"' in html and 'aria-invalid="true"' in html


def test_an_unknown_token_finds_nothing(voting, client):
    page = client.get(f"/consultazioni/{voting[0].id}/registro?token={'a' * 64}", headers=ENGLISH)
    assert "No entry has this token in this consultation." in page.get_data(as_text=True)


def test_the_ledger_page_gives_the_head_downloads_and_the_command(voting, client):
    consultation = voting[0]
    html = client.get(f"/consultazioni/{consultation.id}/registro", headers=ENGLISH).get_data(as_text=True)
    head = queries.head(consultation)
    assert head.hash in html and "not sealed yet" in html
    for link in (f"/consultazioni/{consultation.id}/registro.json", f"/consultazioni/{consultation.id}/registro.csv",
                 "/registro/verify_ledger.py", f"/consultazioni/{consultation.id}/risultati/proposte.csv"):
        assert f'href="{link}"' in html
    assert f"--expect-head {head.hash} --expect-length 4" in html


def test_the_results_page_links_to_the_ledger(voting, client):
    consultation = voting[0]
    html = client.get(f"/consultazioni/{consultation.id}/risultati", headers=ENGLISH).get_data(as_text=True)
    assert f'href="/consultazioni/{consultation.id}/registro"' in html
    # The downloads and the verifier themselves, straight from the results page, as the issue asks.
    for link in (f"/consultazioni/{consultation.id}/registro.json", f"/consultazioni/{consultation.id}/registro.csv",
                 "/registro/verify_ledger.py"):
        assert f'href="{link}"' in html


def test_the_ledger_is_in_italian_by_default(voting, client):
    html = client.get(f"/consultazioni/{voting[0].id}/registro").get_data(as_text=True)
    assert "Registro dei sostegni" in html


def test_before_voting_the_ledger_is_for_the_institution_only(db, client, client_as):
    consultation = make_consultation(Phase.PROPOSALS)
    db.session.commit()
    citizen = client_as(make_user())
    assert citizen.get(f"/consultazioni/{consultation.id}/registro").status_code == 403
    assert citizen.get(f"/consultazioni/{consultation.id}/registro.json").status_code == 403
    assert client.get(f"/consultazioni/{consultation.id}/registro").headers["Location"].startswith("/accedi")


def test_the_personal_data_download_holds_the_persons_ledger_entries(voting, client_as):
    import io
    import json
    import zipfile

    consultation, lucia, _marco = voting
    response = client_as(lucia).get("/profilo/dati")
    assert response.status_code == 200, response.status_code
    data = json.loads(zipfile.ZipFile(io.BytesIO(response.data)).read("engage-cremona.json"))
    token = voter_token(lucia.id, consultation.id)
    assert [(row["seq"], row["action"], row["voter_token"]) for row in data["ledger_entries"]] == [
        (1, "+", token), (3, "+", token), (4, "-", token)]
