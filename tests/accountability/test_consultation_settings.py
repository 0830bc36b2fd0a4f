"""The officer chooses, per consultation, how long the institution takes to answer and whether
every proposal (not only the qualified ones) is owed an answer."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from engage.accountability import queries
from engage.consultations.phases import Phase
from tests.accountability.stories import officer_of_the_provincia
from tests.consultations.test_officer_runs_a_consultation import edit_form
from tests.factories import make_consultation, make_proposal


@pytest.fixture
def consultation(db):
    return make_consultation(Phase.PROPOSALS, support_threshold=40)


@pytest.fixture
def browser(db, client_as, consultation):
    officer = officer_of_the_provincia()
    db.session.commit()
    return client_as(officer)


def edit_url(consultation) -> str:
    return f"/consultazioni/{consultation.id}/modifica"


def test_a_new_consultation_gives_60_days_for_qualified_proposals_only(consultation):
    assert (consultation.answer_days, consultation.answer_all_proposals) == (60, False)


def test_the_officer_shortens_the_deadline_and_promises_an_answer_to_every_proposal(consultation, browser, db):
    response = browser.post(edit_url(consultation), data=edit_form(browser, consultation, answer_days="30",
                                                                   answer_all_proposals="y"))

    assert response.status_code == 302
    db.session.expire_all()
    assert (consultation.answer_days, consultation.answer_all_proposals) == (30, True)
    assert queries.due_at(make_proposal(consultation)) == consultation.voting_until + timedelta(days=30)
    assert queries.is_owed(make_proposal(consultation, support_count=0))

    html = browser.get(edit_url(consultation)).get_data(as_text=True)
    assert re.search(r'<input[^>]*name="answer_days"[^>]*value="30"', html)
    assert re.search(r'<input[^>]*checked[^>]*name="answer_all_proposals"|'
                     r'<input[^>]*name="answer_all_proposals"[^>]*checked', html)


def test_left_empty_the_deadline_is_60_days(consultation, browser, db):
    consultation.answer_days = 10
    db.session.commit()

    response = browser.post(edit_url(consultation), data=edit_form(browser, consultation, answer_days=""))

    assert response.status_code == 302
    db.session.expire_all()
    assert consultation.answer_days == 60


def test_zero_days_means_an_answer_is_due_when_voting_closes(consultation, browser, db):
    browser.post(edit_url(consultation), data=edit_form(browser, consultation, answer_days="0"))

    db.session.expire_all()
    assert consultation.answers_due_at == consultation.voting_until


@pytest.mark.parametrize("days", ["-1", "3651", "sessanta", "1.5"])
def test_an_impossible_number_of_days_is_refused_and_nothing_changes(consultation, browser, db, days):
    response = browser.post(edit_url(consultation), data=edit_form(browser, consultation, answer_days=days,
                                                                   title_it="Titolo cambiato"))

    assert response.status_code == 422
    assert f'value="{days}"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert consultation.answer_days == 60 and consultation.title_it != "Titolo cambiato"
