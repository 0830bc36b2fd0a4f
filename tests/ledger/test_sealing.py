"""When results are published the chain head is frozen, shown on the results page, in the
report and the exports, and no support can change afterwards."""
from datetime import timedelta

import pytest

from engage.auth.permissions import Refused
from engage.consultations import services as consultations
from engage.consultations.phases import Phase
from engage.core.db import utcnow
from engage.ledger import queries, services
from engage.ledger.models import LedgerSeal
from tests.factories import make_consultation, make_proposal, make_supports, make_user, role_people
from tests.ledger.world import supports, takes_back

ENGLISH = {"Accept-Language": "en"}


def test_publishing_results_by_hand_freezes_the_head_and_stops_supports(db):
    admin = role_people()["admin"]
    consultation = make_consultation(Phase.VOTING)
    proposal = make_proposal(consultation)
    supporter = make_user()
    supports(supporter, proposal)
    supports(make_user(), proposal)
    live = queries.head(consultation)

    consultations.move_to_phase(admin, consultation, Phase.RESULTS)
    sealed = queries.head(consultation)
    assert (sealed.length, sealed.hash, sealed.sealed) == (live.length, live.hash, True)

    # Even if staff reopen voting afterwards, the published results cannot move.
    consultations.move_to_phase(admin, consultation, Phase.VOTING)
    assert consultation.phase is Phase.VOTING
    with pytest.raises(Refused, match="pubblicati"):
        supports(make_user(), proposal)
    with pytest.raises(Refused, match="pubblicati"):
        takes_back(supporter, proposal)
    assert queries.head(consultation) == sealed and proposal.support_count == 2


def test_results_published_by_the_timeline_are_sealed_on_the_first_look(db, client):
    consultation = make_consultation(Phase.RESULTS)
    make_supports(make_proposal(consultation), 3)
    db.session.commit()
    assert db.session.get(LedgerSeal, consultation.id) is None

    page = client.get(f"/consultazioni/{consultation.id}/risultati", headers=ENGLISH).get_data(as_text=True)
    seal = db.session.get(LedgerSeal, consultation.id)
    assert seal is not None and seal.length == 3
    assert "Sealed on" in page and seal.head_hash in page
    assert services.seal(consultation) is seal  # sealing again changes nothing


def test_the_scheduler_seals_every_published_consultation_once(db, runner):
    published = make_consultation(Phase.RESULTS)
    make_supports(make_proposal(published), 2)
    still_voting = make_consultation(Phase.VOTING)
    make_supports(make_proposal(still_voting), 1)
    db.session.commit()

    first = runner.invoke(args=["ledger", "seal"])
    assert first.exit_code == 0 and "Sealed 1 ledger(s)." in first.output
    assert runner.invoke(args=["ledger", "seal"]).output.strip() == "Sealed 0 ledger(s)."
    assert queries.head(published).sealed and not queries.head(still_voting).sealed


def test_voting_and_closed_consultations_show_a_head_that_is_not_sealed_yet(db, client):
    consultation = make_consultation(Phase.VOTING)
    make_supports(make_proposal(consultation), 2)
    db.session.commit()
    page = client.get(f"/consultazioni/{consultation.id}/risultati", headers=ENGLISH).get_data(as_text=True)
    assert "not sealed yet" in page and queries.head(consultation).hash in page
    assert db.session.get(LedgerSeal, consultation.id) is None


def test_the_summary_export_carries_the_sealed_head(db, client):
    consultation = make_consultation(Phase.RESULTS)
    make_supports(make_proposal(consultation), 4)
    db.session.commit()
    rows = client.get(f"/consultazioni/{consultation.id}/risultati/sintesi.json").get_json()["rows"]
    ledger_rows = {row["item"]: row for row in rows if row["section"] == "ledger"}
    head = queries.head(consultation)
    assert ledger_rows["length"]["value"] == 4 and ledger_rows["length"]["extra"] == "sealed"
    assert ledger_rows["head_hash"]["value"] == head.hash


def test_a_support_in_flight_when_results_are_sealed_is_either_in_the_seal_or_refused(db):
    """The seal and the append take the same per-consultation lock: the seal never misses an
    entry that was accepted, and nothing is accepted after it."""
    consultation = make_consultation(Phase.VOTING)
    proposal = make_proposal(consultation)
    supports(make_user(), proposal)
    services.seal(consultation, utcnow() - timedelta(minutes=1))
    with pytest.raises(Refused):
        supports(make_user(), proposal)
    assert queries.head(consultation).length == 1 == len(list(queries.entries(consultation.id)))


def test_after_the_seal_the_support_buttons_answer_with_a_translated_reason(db, client_as):
    """Staff reopen voting by mistake: the person pressing Support reads why it did not count."""
    from tests.factories import form_token

    admin = role_people()["admin"]
    consultation = make_consultation(Phase.VOTING)
    proposal = make_proposal(consultation)
    supporter, latecomer = make_user(locale="it"), make_user(locale="en")
    supports(supporter, proposal)
    consultations.move_to_phase(admin, consultation, Phase.RESULTS)
    consultations.move_to_phase(admin, consultation, Phase.VOTING)
    db.session.commit()
    sealed = queries.head(consultation)

    page = f"/proposte/{proposal.id}"
    for person, action, reason in [
            (latecomer, "sostieni", "The results of this consultation are published"),
            (supporter, "togli-sostegno", "I risultati di questa consultazione sono pubblicati")]:
        browser = client_as(person)  # each reads the site in the language of their account
        response = browser.post(f"{page}/{action}", data={"csrf_token": form_token(browser, page)})
        body = response.get_data(as_text=True)
        assert response.status_code == 409 and reason in body and "Traceback" not in body
        as_json = browser.post(f"{page}/{action}", data={"csrf_token": form_token(browser, page)},
                               headers={"Accept": "application/json"})
        assert as_json.status_code == 409 and reason in as_json.get_json()["error"]
    assert queries.head(consultation) == sealed and proposal.support_count == 1
