"""A citizen writes a proposal, sees the similar ones, publishes it; edits and withdraws it."""
import re

import pytest
from sqlalchemy import func, select

from engage.moderation.models import Moderation
from engage.consultations.phases import Phase
from engage.follows.models import Follow
from engage.proposals.models import Proposal, ProposalStatus
from engage.votes.models import Support
from tests.factories import (comune_named, form_token, institution, make_comment, make_consultation,
                             make_proposal, make_supports, make_user)

EN = {"Accept-Language": "en"}


def create_url(consultation) -> str:
    return f"/consultazioni/{consultation.id}/proposte/nuova"


def proposals_in(db, consultation) -> list[Proposal]:
    return list(db.session.scalars(select(Proposal).where(Proposal.consultation_id == consultation.id)
                                   .order_by(Proposal.id)))


def proposal_fields(consultation, *, title="Più alberi nei cortili delle scuole",
                    body="Piantare alberi e siepi nei cortili di tutte le scuole primarie.",
                    point=None, comune="", **extra) -> dict:
    fields = {"title": title, "body": body,
              "priority_point": str((point or consultation.priority_points[0]).id), "comune": comune}
    fields.update(extra)
    return fields


def post_proposal(client, consultation, token_url=None, **fields):
    token = form_token(client, token_url or create_url(consultation))
    return client.post(create_url(consultation), data={"csrf_token": token, **fields})


def publish_directly(client, consultation, **fields):
    """The second step of the form: the similar proposals have been seen."""
    return post_proposal(client, consultation,
                         **proposal_fields(consultation, similar_checked="1", publish="1", **fields))


def selected_option(html: str, select_name: str) -> str | None:
    block = re.search(rf'<select[^>]*name="{select_name}"[^>]*>(.*?)</select>', html, re.S)
    assert block, f"no select named {select_name}"
    chosen = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', block.group(1))
    return next((v for v in chosen.groups() if v is not None), None) if chosen else None


def url_for_login() -> str:
    from flask import current_app, url_for

    with current_app.test_request_context():
        return url_for("auth.login")


def list_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<h2 class="h5"><a href="/proposte/(\d+)">', html)]


# Submitting.

def test_similar_proposals_are_shown_before_publishing_then_the_author_publishes(db, client_as):
    consultation = make_consultation()
    existing = make_proposal(consultation, title="Pista ciclabile tra Crema e Pandino",
                             body="Una pista ciclabile sicura lungo la provinciale.")
    author = make_user(locale="en")
    db.session.commit()
    client = client_as(author)
    typed = proposal_fields(consultation, title="Nuova pista ciclabile Crema Pandino",
                            body="Collegare Crema e Pandino con una pista ciclabile illuminata.",
                            check="Continue")

    first = post_proposal(client, consultation, **typed)

    assert first.status_code == 200
    html = first.get_data(as_text=True)
    assert existing.title in html
    assert f'href="/proposte/{existing.id}"' in html
    assert 'name="publish"' in html and 'name="check"' not in html
    assert re.search(r'name="similar_checked" type="hidden" value="1"', html)
    assert typed["title"] in html and typed["body"] in html  # nothing typed is lost
    assert proposals_in(db, consultation) == [existing]  # nothing stored yet

    second = post_proposal(client, consultation,
                           **{**typed, "similar_checked": "1", "publish": "Publish my proposal"})

    created = [p for p in proposals_in(db, consultation) if p.id != existing.id]
    assert len(created) == 1
    proposal = created[0]
    assert second.status_code == 302
    assert second.headers["Location"].endswith(f"/proposte/{proposal.id}")
    assert proposal.title == typed["title"]
    assert proposal.author_id == author.id
    assert proposal.status is ProposalStatus.PUBLISHED and not proposal.is_official
    assert db.session.scalar(select(Follow).filter_by(user_id=author.id, proposal_id=proposal.id)) is not None
    page = client.get(second.headers["Location"])
    assert page.status_code == 200 and typed["title"] in page.get_data(as_text=True)


def test_without_similar_proposals_the_first_step_publishes(db, client_as):
    consultation = make_consultation()
    make_proposal(consultation, title="Corsi serali di italiano", body="Per adulti stranieri.")
    author = make_user()
    db.session.commit()
    client = client_as(author)

    response = post_proposal(client, consultation, **proposal_fields(
        consultation, title="Orti urbani a Soresina", body="Orti comunali affidati ai pensionati.",
        check="Continue"))

    [proposal] = [p for p in proposals_in(db, consultation) if p.title == "Orti urbani a Soresina"]
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/proposte/{proposal.id}")
    assert db.session.scalar(select(Follow).filter_by(user_id=author.id, proposal_id=proposal.id)) is not None


@pytest.mark.parametrize("title, body", [
    (("Una pista ciclabile lunghissima " * 6)[:151], "Una descrizione ragionevole della proposta."),
    ("Un titolo che resta nel modulo", ""),
], ids=["title-151-chars", "empty-body"])
def test_a_proposal_that_is_too_long_or_empty_comes_back_with_the_text(db, client_as, title, body):
    consultation = make_consultation()
    participant = make_user()
    db.session.commit()
    client = client_as(participant)

    response = publish_directly(client, consultation, title=title, body=body)

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'value="{title}"' in html
    if body:
        assert body in html
    assert 'aria-invalid="true"' in html
    assert proposals_in(db, consultation) == []


def test_the_title_can_be_exactly_150_characters(db, client_as):
    consultation = make_consultation()
    participant = make_user()
    db.session.commit()
    title = ("Una pista ciclabile lunghissima " * 6)[:150]

    response = publish_directly(client_as(participant), consultation, title=title)

    assert response.status_code == 302
    assert [p.title for p in proposals_in(db, consultation)] == [title]


def test_the_per_participant_limit_refuses_the_second_proposal_and_keeps_its_text(db, client_as):
    consultation = make_consultation(proposals_per_participant=1)
    author = make_user(locale="en")
    db.session.commit()
    client = client_as(author)
    assert publish_directly(client, consultation, title="Biblioteca aperta la domenica").status_code == 302

    refused = publish_directly(client, consultation, title="Mercato contadino a Casalmaggiore",
                               body="Un mercato settimanale dei produttori locali.")

    assert 400 <= refused.status_code < 500
    html = refused.get_data(as_text=True)
    assert "You have already submitted the proposal this consultation allows." in html
    assert 'value="Mercato contadino a Casalmaggiore"' in html
    assert "Un mercato settimanale dei produttori locali." in html
    assert [p.title for p in proposals_in(db, consultation)] == ["Biblioteca aperta la domenica"]


def test_the_limit_counts_each_author_separately(db, client_as):
    consultation = make_consultation(proposals_per_participant=1)
    make_proposal(consultation, title="Di qualcun altro")
    participant = make_user()
    db.session.commit()

    response = publish_directly(client_as(participant), consultation, title="La mia prima proposta")

    assert response.status_code == 302
    assert len(proposals_in(db, consultation)) == 2


@pytest.mark.parametrize("phase", [Phase.UPCOMING, Phase.VOTING, Phase.CLOSED])
def test_outside_the_proposals_phase_the_page_says_why_and_nothing_is_stored(db, client_as, phase):
    consultation = make_consultation(phase)
    participant = make_user(locale="en")
    db.session.commit()
    client = client_as(participant)

    page = client.get(create_url(consultation))
    assert page.status_code == 409
    assert "Proposals can be submitted only while the proposals phase is open." in page.get_data(as_text=True)

    # A form sent after the phase closed: refused, with every typed word still there.
    response = post_proposal(client, consultation, token_url="/", **proposal_fields(
        consultation, title="Scritta all'ultimo minuto", body="Arrivata dopo la chiusura.",
        similar_checked="1", publish="1"))
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Proposals can be submitted only while the proposals phase is open." in html
    assert "Arrivata dopo la chiusura." in html
    assert proposals_in(db, consultation) == []


def test_an_unconfirmed_account_is_asked_to_confirm_first(db, client_as):
    consultation = make_consultation()
    participant = make_user(confirmed=False, locale="en")
    db.session.commit()
    client = client_as(participant)

    page = client.get(create_url(consultation))
    response = post_proposal(client, consultation, token_url="/",
                             **proposal_fields(consultation, similar_checked="1", publish="1"))

    for answer in (page, response):
        assert answer.status_code == 409
        assert "Confirm your e-mail address" in answer.get_data(as_text=True)
    assert proposals_in(db, consultation) == []


def test_signed_out_visitors_are_sent_to_sign_in(db, client):
    consultation = make_consultation()
    db.session.commit()

    response = client.get(create_url(consultation))

    assert response.status_code == 302
    assert response.headers["Location"].startswith(url_for_login())


def test_the_municipality_defaults_to_the_authors_own(db, client_as):
    consultation = make_consultation()
    author = make_user(comune="Crema")
    db.session.commit()
    client = client_as(author)

    html = client.get(create_url(consultation)).get_data(as_text=True)
    default = selected_option(html, "comune")
    assert default == str(comune_named("Crema").id)

    response = publish_directly(client, consultation, comune=default)
    assert response.status_code == 302
    [proposal] = proposals_in(db, consultation)
    assert proposal.comune.name == "Crema"


def test_the_author_may_say_it_concerns_no_municipality_in_particular(db, client_as):
    consultation = make_consultation()
    participant = make_user(comune="Crema")
    db.session.commit()

    publish_directly(client_as(participant), consultation, comune="")

    [proposal] = proposals_in(db, consultation)
    assert proposal.comune is None


def test_a_proposal_for_a_priority_point_outside_the_consultation_is_refused(db, client_as):
    from tests.factories import priority_point

    consultation = make_consultation(points=(1, 5))
    participant = make_user()
    db.session.commit()

    response = publish_directly(client_as(participant), consultation, point=priority_point(2))

    assert response.status_code == 422
    assert proposals_in(db, consultation) == []


# Pre-moderation.

def test_in_a_premoderated_consultation_only_the_author_sees_the_pending_proposal(db, client_as):
    consultation = make_consultation(premoderate_proposals=True)
    author, neighbour = make_user(), make_user()
    db.session.commit()
    author_client = client_as(author)

    response = publish_directly(author_client, consultation, title="Sportello unico per i giovani")

    [proposal] = proposals_in(db, consultation)
    assert response.status_code == 302
    assert proposal.moderation is Moderation.PENDING
    list_url = f"/consultazioni/{consultation.id}/proposte"
    assert author_client.get(f"/proposte/{proposal.id}").status_code == 200
    assert proposal.id in list_ids(author_client.get(list_url).get_data(as_text=True))

    neighbour_client = client_as(neighbour)
    assert neighbour_client.get(f"/proposte/{proposal.id}").status_code == 403
    assert proposal.id not in list_ids(neighbour_client.get(list_url).get_data(as_text=True))


def test_a_pending_proposal_is_not_offered_as_a_similar_one(db, client_as):
    consultation = make_consultation(premoderate_proposals=True)
    pending = make_proposal(consultation, title="Pista ciclabile Crema Pandino")
    pending.moderation = Moderation.PENDING
    participant = make_user()
    db.session.commit()

    response = post_proposal(client_as(participant), consultation, **proposal_fields(
        consultation, title="Pista ciclabile Crema Pandino", check="Continue"))

    assert response.status_code == 302  # no similar step: the pending one is not public
    assert "Pista ciclabile Crema Pandino" not in response.get_data(as_text=True)


# Official proposals.

def test_an_officer_publishes_an_official_proposal_for_the_institution(db, client_as):
    consultation = make_consultation(premoderate_proposals=True)
    officer = make_user(officer_of=institution("provincia-cremona"))
    db.session.commit()
    client = client_as(officer)
    assert 'name="official"' in client.get(create_url(consultation)).get_data(as_text=True)

    response = publish_directly(client, consultation, title="Piano provinciale delle piste", official="y")

    [proposal] = proposals_in(db, consultation)
    assert response.status_code == 302
    assert proposal.is_official
    assert proposal.status is ProposalStatus.PUBLISHED  # the institution is not pre-moderated
    page = client.get(f"/proposte/{proposal.id}", headers=EN).get_data(as_text=True)
    assert institution("provincia-cremona").name in page


def test_a_citizen_cannot_make_a_proposal_official(db, client_as):
    consultation = make_consultation()
    participant = make_user()
    db.session.commit()
    client = client_as(participant)
    assert 'name="official"' not in client.get(create_url(consultation)).get_data(as_text=True)

    publish_directly(client, consultation, official="y")

    [proposal] = proposals_in(db, consultation)
    assert not proposal.is_official


def test_an_officer_of_another_institution_cannot_publish_official_proposals_here(db, client_as):
    consultation = make_consultation()
    outsider = make_user(officer_of=institution("cgil"))
    db.session.commit()

    publish_directly(client_as(outsider), consultation, official="y")

    [proposal] = proposals_in(db, consultation)
    assert not proposal.is_official


# Editing.

def edit(client, proposal, **fields):
    url = f"/proposte/{proposal.id}/modifica"
    token = form_token(client, f"/proposte/{proposal.id}")
    return client.post(url, data={"csrf_token": token, **fields})


def test_the_author_edits_the_proposal_before_anyone_reacts(db, client_as):
    consultation = make_consultation()
    author = make_user()
    proposal = make_proposal(consultation, author, title="Titolo provvisorio")
    db.session.commit()
    client = client_as(author)
    assert client.get(f"/proposte/{proposal.id}/modifica").status_code == 200

    response = edit(client, proposal, **proposal_fields(consultation, title="Titolo definitivo",
                                                        body="Testo riscritto.", save="1"))

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/proposte/{proposal.id}")
    db.session.refresh(proposal)
    assert (proposal.title, proposal.body) == ("Titolo definitivo", "Testo riscritto.")
    assert proposal.edited_at is not None


@pytest.mark.parametrize("reaction", ["support", "comment"])
def test_after_the_first_support_or_comment_the_proposal_can_no_longer_be_edited(db, client_as, reaction):
    consultation = make_consultation()
    author = make_user(locale="en")
    proposal = make_proposal(consultation, author, title="Titolo originale")
    if reaction == "support":
        make_supports(proposal, 1)
    else:
        make_comment(proposal)
    db.session.commit()
    client = client_as(author)

    assert client.get(f"/proposte/{proposal.id}/modifica").status_code == 403
    page = client.get(f"/proposte/{proposal.id}").get_data(as_text=True)
    assert f'href="/proposte/{proposal.id}/modifica"' not in page  # no Edit button offered

    # An edit form already open in another tab is refused, and the author gets the typed text back.
    late = edit(client, proposal, **proposal_fields(consultation, title="Titolo cambiato", save="1"))

    assert late.status_code == 422
    html = late.get_data(as_text=True)
    assert "before it receives its first support or comment" in html
    assert 'value="Titolo cambiato"' in html
    db.session.refresh(proposal)
    assert proposal.title == "Titolo originale" and proposal.edited_at is None


def test_nobody_else_may_edit_a_proposal(db, client_as):
    consultation = make_consultation()
    proposal = make_proposal(consultation, title="Titolo originale")
    someone_else = make_user()
    db.session.commit()
    client = client_as(someone_else)

    assert client.get(f"/proposte/{proposal.id}/modifica").status_code == 403
    assert edit(client, proposal, **proposal_fields(consultation, title="Dirottata")).status_code == 403
    db.session.refresh(proposal)
    assert proposal.title == "Titolo originale"


# Withdrawing.

def test_a_withdrawn_proposal_stays_visible_with_its_supports_and_gains_no_more(db, client_as, client):
    consultation = make_consultation(Phase.VOTING)
    author = make_user()
    proposal = make_proposal(consultation, author, title="Navetta per l'ospedale")
    make_supports(proposal, 2)
    latecomer = make_user()
    db.session.commit()
    author_client = client_as(author)

    response = author_client.post(f"/proposte/{proposal.id}/ritira",
                                  data={"csrf_token": form_token(author_client, f"/proposte/{proposal.id}")})

    assert response.status_code == 302
    db.session.refresh(proposal)
    assert proposal.status is ProposalStatus.WITHDRAWN and proposal.withdrawn_at is not None
    page = client.get(f"/proposte/{proposal.id}", headers=EN)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert re.search(r'id="supports-title"[^>]*>\s*2 supports', html)
    assert "Withdrawn" in html
    withdrawn_list = client.get(f"/consultazioni/{consultation.id}/proposte?stato=withdrawn")
    assert list_ids(withdrawn_list.get_data(as_text=True)) == [proposal.id]

    supporter = client_as(latecomer)
    attempt = supporter.post(f"/proposte/{proposal.id}/sostieni",
                             data={"csrf_token": form_token(supporter, f"/proposte/{proposal.id}")})

    assert attempt.status_code == 409
    db.session.refresh(proposal)
    assert proposal.support_count == 2
    assert db.session.scalar(select(func.count()).select_from(Support)
                             .where(Support.proposal_id == proposal.id)) == 2


def test_only_the_author_can_withdraw_and_only_once(db, client_as):
    consultation = make_consultation()
    author, someone_else = make_user(), make_user()
    proposal = make_proposal(consultation, author)
    db.session.commit()

    other = client_as(someone_else)
    assert other.post(f"/proposte/{proposal.id}/ritira",
                      data={"csrf_token": form_token(other, "/")}).status_code == 409
    db.session.refresh(proposal)
    assert proposal.status is ProposalStatus.PUBLISHED

    client = client_as(author)
    token = form_token(client, "/")
    assert client.post(f"/proposte/{proposal.id}/ritira", data={"csrf_token": token}).status_code == 302
    assert client.post(f"/proposte/{proposal.id}/ritira", data={"csrf_token": token}).status_code == 409
