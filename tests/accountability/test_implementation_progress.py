"""Accepted proposals are followed to the end: dated milestones, a percentage, and the priority
point's page showing what is in progress under it.

The Provincia accepted the cycle path between Crema and Ombriano. Marta, its officer, records each
step as it is done (a date, the progress it brings, a note in Italian and optionally English).
"""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from engage.accountability import queries
from engage.accountability import services as answers
from engage.accountability.models import AnswerStatus, Milestone, OfficialAnswer
from engage.auth.models import Role
from engage.auth.permissions import Refused, can
from engage.consultations.phases import Phase
from engage.core import db as clock
from engage.core.db import today_in_cremona, utcnow
from tests.accountability.stories import answer, closed_consultation, hidden, officer_of_the_provincia, qualified
from tests.factories import (form_token, institution, make_consultation, make_proposal, make_user, priority_point,
                             set_phase)

S = AnswerStatus
GOING_AHEAD = [S.ACCEPTED, S.PARTIALLY_ACCEPTED, S.ALREADY_PLANNED, S.IMPLEMENTED]
NOT_GOING_AHEAD = [S.UNDER_EVALUATION, S.REJECTED]


def progress_url(proposal) -> str:
    return f"/proposte/{proposal.id}/avanzamento"


def post_milestone(client, proposal, **fields):
    data = {"reached_on": (utcnow().date() - timedelta(days=1)).isoformat(), "progress": "30",
            "note_it": "Progetto esecutivo approvato.", "note_en": "", **fields}
    return client.post(progress_url(proposal), data={**data, "csrf_token": form_token(client, "/")})


def milestone(officer, proposal, on: date, progress: int, note_it: str = "Un passo avanti.", **kwargs):
    return answers.add_milestone(officer, proposal, reached_on=on, progress=progress, note_it=note_it, **kwargs)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\xa0", " ")


@pytest.fixture
def story(db):
    officer = officer_of_the_provincia()
    consultation = closed_consultation(days_ago=30)
    proposal = qualified(consultation, title="Pista ciclabile Crema-Ombriano")
    answer(officer, proposal, S.ACCEPTED)
    db.session.commit()
    return {"officer": officer, "consultation": consultation, "proposal": proposal}


# Who may report progress, on what.

@pytest.mark.parametrize("status", GOING_AHEAD, ids=lambda s: s.value)
def test_progress_is_reported_on_proposals_the_institution_said_it_would_carry_out(db, status):
    officer = officer_of_the_provincia()
    proposal = qualified(closed_consultation(days_ago=30))
    answer(officer, proposal, status)

    assert can(officer, "proposal.report_progress", proposal)
    milestone(officer, proposal, date(2026, 1, 15), 40)


@pytest.mark.parametrize("status", NOT_GOING_AHEAD, ids=lambda s: s.value)
def test_no_progress_on_proposals_rejected_or_still_under_evaluation(db, client_as, status):
    officer = officer_of_the_provincia()
    proposal = qualified(closed_consultation(days_ago=30))
    answer(officer, proposal, status)
    db.session.commit()

    assert not can(officer, "proposal.report_progress", proposal)
    with pytest.raises(Refused):
        milestone(officer, proposal, date(2026, 1, 15), 40)
    assert client_as(officer).get(progress_url(proposal)).status_code == 403
    assert post_milestone(client_as(officer), proposal).status_code == 403


def test_no_progress_on_an_unanswered_proposal(db, client_as):
    officer = officer_of_the_provincia()
    proposal = qualified(closed_consultation(days_ago=30))
    db.session.commit()

    assert client_as(officer).get(progress_url(proposal)).status_code == 403


@pytest.mark.parametrize("who", ["author", "citizen", "officer_elsewhere", "moderator"])
def test_only_the_institution_reports_progress(story, client_as, db, who):
    person = {"author": story["proposal"].author, "citizen": make_user(),
              "officer_elsewhere": make_user(officer_of=institution("comune-cremona")),
              "moderator": make_user(Role.MODERATOR)}[who]
    db.session.commit()

    assert client_as(person).get(progress_url(story["proposal"])).status_code == 403
    assert post_milestone(client_as(person), story["proposal"]).status_code == 403
    assert not story["proposal"].official_answer.milestones


# The officer's journey.

def test_the_officer_adds_a_milestone_and_everyone_sees_it(story, client_as, client, db):
    proposal = story["proposal"]
    browser = client_as(story["officer"])
    page = browser.get(f"/proposte/{proposal.id}").get_data(as_text=True)
    assert f'href="{progress_url(proposal)}"' in page
    assert browser.get(progress_url(proposal)).status_code == 200

    response = post_milestone(browser, proposal, reached_on="2026-02-10", progress="35",
                              note_it="Progetto esecutivo approvato dalla Giunta.",
                              note_en="Detailed design approved by the executive.")

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/proposte/{proposal.id}#avanzamento")
    db.session.expire_all()
    saved = db.session.scalars(select(Milestone)).all()
    assert [(m.reached_on, m.progress, m.created_by_id) for m in saved] == [(date(2026, 2, 10), 35,
                                                                            story["officer"].id)]
    assert proposal.official_answer.progress == 35

    italian = client.get(f"/proposte/{proposal.id}").get_data(as_text=True)
    assert "Progetto esecutivo approvato dalla Giunta." in italian
    assert 'value="35"' in italian and "35%" in italian
    assert "10 febbraio 2026" in italian
    english = client.get(f"/proposte/{proposal.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Detailed design approved by the executive." in english
    assert "Implementation: 35%" in text_of(english)
    assert "February 10, 2026" in english
    assert f'href="{progress_url(proposal)}"' not in client.get(f"/proposte/{proposal.id}").get_data(as_text=True)


def test_the_list_badge_shows_the_progress(story, db, client):
    milestone(story["officer"], story["proposal"], date(2026, 2, 10), 35)
    db.session.commit()

    html = client.get(f"/consultazioni/{story['consultation'].id}/proposte",
                      headers={"Accept-Language": "en"}).get_data(as_text=True)

    assert "Official answer: Accepted · 35%" in text_of(html)


def test_progress_follows_the_latest_milestone_by_date_not_by_entry(story, db):
    officer, proposal = story["officer"], story["proposal"]
    milestone(officer, proposal, date(2026, 1, 10), 30, "Gara d'appalto bandita.")
    milestone(officer, proposal, date(2026, 3, 1), 60, "Lavori iniziati.")
    assert proposal.official_answer.progress == 60

    milestone(officer, proposal, date(2026, 2, 1), 45, "Appalto aggiudicato.")  # recorded late, dated earlier

    assert proposal.official_answer.progress == 60
    db.session.expire_all()  # read back as a page would
    assert [m.progress for m in proposal.official_answer.milestones] == [30, 45, 60]  # in date order
    assert proposal.official_answer.status is S.ACCEPTED


def test_on_the_page_milestones_read_in_date_order(story, db, client):
    officer, proposal = story["officer"], story["proposal"]
    for on, progress, note in ((date(2026, 3, 1), 60, "Terzo passo"), (date(2026, 1, 10), 30, "Primo passo"),
                               (date(2026, 2, 1), 45, "Secondo passo")):
        milestone(officer, proposal, on, progress, note)
    db.session.commit()

    html = client.get(f"/proposte/{proposal.id}").get_data(as_text=True)

    positions = [html.index(note) for note in ("Primo passo", "Secondo passo", "Terzo passo")]
    assert positions == sorted(positions)


def test_a_later_milestone_may_record_a_setback(story):
    officer, proposal = story["officer"], story["proposal"]
    milestone(officer, proposal, date(2026, 1, 10), 50, "Lavori avviati.")
    milestone(officer, proposal, date(2026, 2, 10), 40, "Un tratto va rifatto.")

    assert proposal.official_answer.progress == 40


def test_reaching_100_percent_marks_the_proposal_implemented(story, db, client):
    officer, proposal = story["officer"], story["proposal"]
    milestone(officer, proposal, date(2026, 1, 10), 70)
    milestone(officer, proposal, date(2026, 4, 2), 100, "Pista inaugurata.")
    db.session.commit()

    assert proposal.official_answer.status is S.IMPLEMENTED
    assert proposal.official_answer.progress == 100
    html = client.get(f"/proposte/{proposal.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Implemented" in html and "Implementation: 100%" in text_of(html)


def test_a_backdated_100_percent_does_not_override_a_later_milestone(story):
    officer, proposal = story["officer"], story["proposal"]
    milestone(officer, proposal, date(2026, 3, 1), 80)
    milestone(officer, proposal, date(2026, 2, 1), 100)

    assert proposal.official_answer.progress == 80
    assert proposal.official_answer.status is S.ACCEPTED


def test_answering_implemented_sets_the_progress_to_100(db):
    officer = officer_of_the_provincia()
    proposal = qualified(closed_consultation(days_ago=30))

    answer(officer, proposal, S.IMPLEMENTED, body_it="Già realizzata nel 2025.")

    assert proposal.official_answer.progress == 100


def test_correcting_implemented_back_to_accepted_puts_progress_back_to_the_latest_milestone(db):
    officer = officer_of_the_provincia()
    proposal = qualified(closed_consultation(days_ago=30))
    answer(officer, proposal, S.IMPLEMENTED)  # a slip of the mouse
    answer(officer, proposal, S.ACCEPTED)     # corrected at once

    assert proposal.official_answer.progress == 0
    milestone(officer, proposal, date(2026, 1, 10), 20)
    answer(officer, proposal, S.IMPLEMENTED)
    answer(officer, proposal, S.ACCEPTED)
    assert proposal.official_answer.progress == 20


# Bad input.

@pytest.mark.parametrize("fields, kept", [
    ({"reached_on": (today_in_cremona() + timedelta(days=1)).isoformat(), "note_it": "Fatto domani?"},
     ["Fatto domani?"]),
    ({"progress": "101", "note_it": "Oltre il cento."}, ["Oltre il cento.", 'value="101"']),
    ({"progress": "-1", "note_it": "Meno di zero."}, ["Meno di zero.", 'value="-1"']),
    ({"progress": "metà", "note_it": "A metà."}, ["A metà.", 'value="metà"']),
    ({"progress": "", "note_it": "Senza numero."}, ["Senza numero."]),
    ({"reached_on": "10/02/2026", "note_it": "Data all'italiana."}, ["Data all&#39;italiana.", 'value="10/02/2026"']),
    ({"reached_on": "", "note_it": "Senza data."}, ["Senza data."]),
    ({"note_it": "   ", "note_en": "Only in English."}, ["Only in English."]),
], ids=["future-date", "over-100", "negative", "words", "no-progress", "other-date-format", "no-date",
        "no-italian"])
def test_bad_milestones_are_refused_with_422_and_the_typed_text_kept(story, client_as, db, fields, kept):
    response = post_milestone(client_as(story["officer"]), story["proposal"], **fields)

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for text in kept:
        assert text in html, text
    assert db.session.scalars(select(Milestone)).all() == []
    db.session.expire_all()
    assert story["proposal"].official_answer.progress == 0


def test_today_is_not_the_future(story):
    milestone(story["officer"], story["proposal"], today_in_cremona(), 10)


def test_the_service_refuses_what_the_form_would(story):
    officer, proposal = story["officer"], story["proposal"]
    for kwargs in ({"on": today_in_cremona() + timedelta(days=1), "progress": 10},
                   {"on": date(2026, 1, 1), "progress": 101}, {"on": date(2026, 1, 1), "progress": -5}):
        with pytest.raises(Refused) as refusal:
            milestone(officer, proposal, kwargs["on"], kwargs["progress"])
        assert refusal.value.status == 422, kwargs
    with pytest.raises(Refused) as refusal:
        milestone(officer, proposal, date(2026, 1, 1), 10, note_it=" ")
    assert refusal.value.status == 422


def test_just_after_midnight_in_cremona_today_is_not_the_future(story, monkeypatch):
    # 22:30 UTC on 15 June 2026 is 00:30 on 16 June in Cremona (summer time, UTC+2).
    monkeypatch.setattr(clock, "utcnow", lambda: datetime(2026, 6, 15, 22, 30, tzinfo=UTC))

    milestone(story["officer"], story["proposal"], date(2026, 6, 16), 10, "Cantiere aperto stamattina.")

    assert story["proposal"].official_answer.progress == 10
    with pytest.raises(Refused):
        milestone(story["officer"], story["proposal"], date(2026, 6, 17), 20, "Domani, forse.")


# What a priority point's page shows in progress.

def in_progress_titles(html: str) -> list[str]:
    section = re.search(r'<section aria-labelledby="progress-title".*?</section>', html, re.S)
    return re.findall(r'#risposta-ufficiale">([^<]+)</a>', section.group(0)) if section else []


def test_the_priority_point_lists_its_work_in_progress_most_advanced_first(db, client):
    officer = officer_of_the_provincia()
    point = priority_point(1)
    consultation = closed_consultation(days_ago=30, points=(1, 5))

    def accepted(title, status=S.ACCEPTED, progress=None, point_number=1):
        proposal = qualified(consultation, title=title, point=point_number)
        answer(officer, proposal, status)
        if progress is not None:
            milestone(officer, proposal, date(2026, 1, 10), progress)
        return proposal

    half = accepted("A metà strada", progress=50)
    just_started = accepted("Appena partita", S.PARTIALLY_ACCEPTED, progress=10)
    planned = accepted("Già in programma", S.ALREADY_PLANNED)
    done = accepted("Completata", progress=100)
    nearly = accepted("Quasi finita", S.PARTIALLY_ACCEPTED, progress=90)
    accepted("Respinta", S.REJECTED)
    accepted("In valutazione", S.UNDER_EVALUATION)
    accepted("Su un altro punto", progress=70, point_number=5)
    hidden(accepted("Nascosta", progress=80))
    qualified(consultation, title="Senza risposta")
    db.session.commit()

    html = client.get(f"/punti/{point.slug}").get_data(as_text=True)

    assert in_progress_titles(html) == [p.title for p in (done, nearly, half, just_started, planned)]
    assert [p.id for p in queries.in_progress_under(point.id)] == [p.id for p in (done, nearly, half,
                                                                                 just_started, planned)]
    english = client.get(f"/punti/{point.slug}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "In progress on this point" in english
    assert "Partially accepted · Implementation: 90%" in text_of(english)


def test_equal_progress_keeps_a_stable_order(db):
    officer = officer_of_the_provincia()
    consultation = closed_consultation(days_ago=30, points=(1,))
    tied = [qualified(consultation) for _ in range(3)]
    for proposal in tied:
        answer(officer, proposal, S.ACCEPTED)

    assert [p.id for p in queries.in_progress_under(priority_point(1).id)] == sorted(p.id for p in tied)


def test_the_priority_point_never_shows_work_from_a_draft_consultation(db, client):
    officer = officer_of_the_provincia()
    point = priority_point(1)
    consultation = closed_consultation(days_ago=30, points=(1,))
    proposal = qualified(consultation, title="Ciclabile riservata")
    answer(officer, proposal, S.ACCEPTED)
    milestone(officer, proposal, date(2026, 1, 10), 40)
    db.session.commit()
    assert in_progress_titles(client.get(f"/punti/{point.slug}").get_data(as_text=True)) == ["Ciclabile riservata"]

    set_phase(consultation, Phase.DRAFT)  # taken back among staff
    db.session.commit()

    html = client.get(f"/punti/{point.slug}").get_data(as_text=True)
    assert "Ciclabile riservata" not in html
    assert queries.in_progress_under(point.id) == []


def test_an_answer_written_straight_into_a_draft_stays_out_of_the_point_page(db, client):
    """Whatever the path (an import, a console), a draft's proposals never surface there."""
    point = priority_point(1)
    draft = make_consultation(Phase.DRAFT, points=(1,))
    proposal = make_proposal(draft, title="Bozza con risposta")
    db.session.add(OfficialAnswer(proposal=proposal, status=S.ACCEPTED, body_it="Sì.", progress=60))
    db.session.commit()

    assert "Bozza con risposta" not in client.get(f"/punti/{point.slug}").get_data(as_text=True)


def test_without_work_in_progress_the_section_is_absent(db, client):
    point = priority_point(1)
    html = client.get(f"/punti/{point.slug}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "In progress on this point" not in html


def test_an_italian_note_marked_as_italian_on_the_english_page(story, db, client):
    milestone(story["officer"], story["proposal"], date(2026, 2, 10), 20, "Rilievi topografici conclusi.")
    db.session.commit()

    html = client.get(f"/proposte/{story['proposal'].id}", headers={"Accept-Language": "en"}).get_data(as_text=True)

    assert '<span lang="it">Rilievi topografici conclusi.</span>' in html

