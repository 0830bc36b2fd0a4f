"""During voting a citizen supports proposals, and can take a support back."""
import re

import pytest
from sqlalchemy import func, select

from engage.consultations.phases import Phase
from engage.proposals.models import ProposalStatus
from engage.votes import tally
from engage.votes.models import Support
from tests.factories import form_token, make_consultation, make_proposal, make_supports, make_user

JSON = {"Accept": "application/json"}


def support(client, proposal, **headers):
    token = form_token(client, "/")
    return client.post(f"/proposte/{proposal.id}/sostieni", data={"csrf_token": token}, headers=headers)


def take_back(client, proposal, **headers):
    token = form_token(client, "/")
    return client.post(f"/proposte/{proposal.id}/togli-sostegno", data={"csrf_token": token},
                       headers=headers)


def support_rows(db, proposal=None, user=None) -> int:
    query = select(func.count()).select_from(Support)
    if proposal is not None:
        query = query.where(Support.proposal_id == proposal.id)
    if user is not None:
        query = query.where(Support.user_id == user.id)
    return db.session.scalar(query)


def count_on_proposal_page(client, proposal) -> int:
    html = client.get(f"/proposte/{proposal.id}").get_data(as_text=True)
    match = re.search(r'id="supports-title"[^>]*>\s*(\d+)', html)
    assert match, "no support count on the proposal page"
    return int(match.group(1))


def counts_in_list(client, consultation) -> dict[int, int]:
    html = client.get(f"/consultazioni/{consultation.id}/proposte").get_data(as_text=True)
    counts = {}
    for card in html.split('<li class="card-item">')[1:]:
        proposal_id = re.search(r'href="/proposte/(\d+)"', card).group(1)
        counts[int(proposal_id)] = int(re.search(r"<span>(\d+) ", card).group(1))
    return counts


def assert_counts_agree(db, client, proposal):
    """Page, list, stored counter and recount all say the number of Support rows."""
    rows = support_rows(db, proposal)
    db.session.refresh(proposal)
    assert proposal.support_count == rows
    assert count_on_proposal_page(client, proposal) == rows
    assert counts_in_list(client, proposal.consultation)[proposal.id] == rows
    assert tally.recount(proposal.consultation_id).corrected == []


def test_a_citizen_supports_a_proposal_and_takes_the_support_back(db, client_as):
    consultation = make_consultation(Phase.VOTING)
    proposal = make_proposal(consultation)
    make_supports(proposal, 2)
    citizen = make_user(locale="en")
    db.session.commit()
    client = client_as(citizen)
    assert_counts_agree(db, client, proposal)

    response = support(client, proposal)

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/proposte/{proposal.id}")
    assert support_rows(db, proposal, citizen) == 1
    assert support_rows(db, proposal) == 3
    assert_counts_agree(db, client, proposal)
    assert "You support this proposal." in client.get(f"/proposte/{proposal.id}").get_data(as_text=True)

    response = take_back(client, proposal)

    assert response.status_code == 302
    assert support_rows(db, proposal, citizen) == 0
    assert support_rows(db, proposal) == 2
    assert_counts_agree(db, client, proposal)
    assert "You support this proposal." not in client.get(f"/proposte/{proposal.id}").get_data(as_text=True)


def test_the_support_button_can_send_the_citizen_back_to_the_list(db, client_as):
    consultation = make_consultation(Phase.VOTING)
    proposal = make_proposal(consultation)
    citizen = make_user()
    db.session.commit()
    client = client_as(citizen)
    list_url = f"/consultazioni/{consultation.id}/proposte"

    response = client.post(f"/proposte/{proposal.id}/sostieni",
                           data={"csrf_token": form_token(client, list_url), "next": list_url})

    assert response.status_code == 302 and response.headers["Location"].endswith(list_url)
    assert support_rows(db, proposal, citizen) == 1


def test_supporting_twice_is_refused_and_stores_one_support(db, client_as):
    consultation = make_consultation(Phase.VOTING)
    proposal = make_proposal(consultation)
    citizen = make_user(locale="en")
    db.session.commit()
    client = client_as(citizen)
    assert support(client, proposal).status_code == 302

    again = support(client, proposal)

    assert again.status_code == 409
    assert "You already support this proposal." in again.get_data(as_text=True)
    assert support_rows(db, proposal, citizen) == 1
    assert_counts_agree(db, client, proposal)


def test_taking_back_a_support_never_given_is_refused(db, client_as):
    consultation = make_consultation(Phase.VOTING)
    proposal = make_proposal(consultation)
    make_supports(proposal, 1)
    citizen = make_user()
    db.session.commit()
    client = client_as(citizen)

    assert take_back(client, proposal).status_code == 409
    assert_counts_agree(db, client, proposal)
    assert proposal.support_count == 1


def test_the_database_itself_refuses_a_second_support_from_the_same_person(db):
    import sqlalchemy as sa

    consultation = make_consultation(Phase.VOTING)
    proposal = make_proposal(consultation)
    citizen = make_user()
    db.session.add(Support(proposal_id=proposal.id, user_id=citizen.id, consultation_id=consultation.id))
    db.session.flush()

    with pytest.raises(sa.exc.IntegrityError):
        with db.session.begin_nested():
            db.session.add(Support(proposal_id=proposal.id, user_id=citizen.id,
                                   consultation_id=consultation.id))
    assert support_rows(db, proposal) == 1


@pytest.mark.parametrize("phase", [Phase.UPCOMING, Phase.PROPOSALS, Phase.CLOSED, Phase.RESULTS])
def test_outside_voting_supports_are_refused_with_a_message(db, client_as, phase):
    consultation = make_consultation(phase)
    proposal = make_proposal(consultation)
    citizen = make_user(locale="en")
    db.session.commit()
    client = client_as(citizen)
    page = client.get(f"/proposte/{proposal.id}").get_data(as_text=True)
    assert f'action="/proposte/{proposal.id}/sostieni"' not in page  # no button offered

    response = support(client, proposal)

    assert response.status_code == 409
    assert "Supports can be given only while voting is open." in response.get_data(as_text=True)
    assert support_rows(db, proposal) == 0

    taking_back = take_back(client, proposal)
    assert taking_back.status_code == 409
    assert "Supports can be taken back only while voting is open." in taking_back.get_data(as_text=True)


def test_an_unconfirmed_account_cannot_support(db, client_as):
    consultation = make_consultation(Phase.VOTING)
    proposal = make_proposal(consultation)
    unconfirmed = make_user(confirmed=False)
    db.session.commit()

    assert support(client_as(unconfirmed), proposal).status_code == 409
    assert support_rows(db, proposal) == 0


def test_signed_out_visitors_are_sent_to_sign_in_to_support(db, client):
    consultation = make_consultation(Phase.VOTING)
    proposal = make_proposal(consultation)
    db.session.commit()

    response = client.post(f"/proposte/{proposal.id}/sostieni", data={"csrf_token": form_token(client, "/")})

    assert response.status_code == 302 and "/proposte/" not in response.headers["Location"]
    assert support_rows(db, proposal) == 0


def test_the_per_participant_limit_refuses_the_third_support_and_shows_what_is_left(db, client_as):
    consultation = make_consultation(Phase.VOTING, supports_per_participant=2)
    first, second, third = (make_proposal(consultation) for _ in range(3))
    citizen = make_user(locale="en")
    db.session.commit()
    client = client_as(citizen)
    list_url = f"/consultazioni/{consultation.id}/proposte"
    assert "You have 2 supports left" in client.get(list_url).get_data(as_text=True)

    assert support(client, first).status_code == 302
    assert "You have 1 support left" in client.get(f"/proposte/{third.id}").get_data(as_text=True)
    assert "You have 1 support left" in client.get(list_url).get_data(as_text=True)
    assert support(client, second).status_code == 302

    refused = support(client, third)

    assert refused.status_code == 409
    assert "You have used all the supports this consultation allows." in refused.get_data(as_text=True)
    assert support_rows(db, user=citizen) == 2 and support_rows(db, third) == 0
    assert "You have 0 supports left" in client.get(f"/proposte/{third.id}").get_data(as_text=True)
    assert "You have 0 supports left" in client.get(list_url).get_data(as_text=True)

    # Taking one back frees it for another proposal.
    assert take_back(client, first).status_code == 302
    assert "You have 1 support left" in client.get(list_url).get_data(as_text=True)
    assert support(client, third).status_code == 302
    assert support_rows(db, user=citizen) == 2
    for proposal in (first, second, third):
        assert_counts_agree(db, client, proposal)


def test_the_limit_is_per_consultation(db, client_as):
    limited = make_consultation(Phase.VOTING, supports_per_participant=1)
    elsewhere = make_consultation(Phase.VOTING, supports_per_participant=1)
    here, there = make_proposal(limited), make_proposal(elsewhere)
    citizen = make_user()
    db.session.commit()
    client = client_as(citizen)

    assert support(client, here).status_code == 302
    assert support(client, there).status_code == 302


def test_a_json_request_gets_the_new_counts(db, client_as):
    consultation = make_consultation(Phase.VOTING, supports_per_participant=2)
    proposal = make_proposal(consultation)
    make_supports(proposal, 4)
    citizen = make_user()
    db.session.commit()
    client = client_as(citizen)

    response = support(client, proposal, **JSON)

    assert response.status_code == 200
    assert response.get_json() == {"supports": 5, "supports_left": 1}

    response = take_back(client, proposal, **JSON)

    assert response.status_code == 200
    assert response.get_json() == {"supports": 4, "supports_left": 2}


def test_a_refused_json_request_gets_an_error_and_the_status(db, client_as):
    consultation = make_consultation(Phase.PROPOSALS)
    proposal = make_proposal(consultation)
    citizen = make_user(locale="en")
    db.session.commit()

    response = support(client_as(citizen), proposal, **JSON)

    assert response.status_code == 409
    assert response.get_json() == {"error": "Supports can be given only while voting is open."}


def test_without_a_limit_json_says_supports_left_is_null(db, client_as):
    consultation = make_consultation(Phase.VOTING)
    proposal = make_proposal(consultation)
    citizen = make_user()
    db.session.commit()

    response = support(client_as(citizen), proposal, **JSON)

    assert response.get_json() == {"supports": 1, "supports_left": None}


def test_a_withdrawn_proposal_cannot_be_supported(db, client_as):
    consultation = make_consultation(Phase.VOTING)
    proposal = make_proposal(consultation)
    make_supports(proposal, 3)
    proposal.status = ProposalStatus.WITHDRAWN
    citizen = make_user(locale="en")
    db.session.commit()
    client = client_as(citizen)
    assert f'action="/proposte/{proposal.id}/sostieni"' not in \
        client.get(f"/proposte/{proposal.id}").get_data(as_text=True)

    response = support(client, proposal)

    assert response.status_code == 409
    assert support_rows(db, proposal) == 3
    assert_counts_agree(db, client, proposal)


def test_recount_notices_and_repairs_a_wrong_counter(db):
    consultation = make_consultation(Phase.VOTING)
    proposal = make_proposal(consultation)
    make_supports(proposal, 2)
    proposal.support_count = 7  # drifted
    db.session.flush()

    result = tally.recount(consultation.id)

    assert result.corrected == [proposal.id]
    db.session.refresh(proposal)
    assert proposal.support_count == 2
    assert tally.recount(consultation.id).corrected == []
