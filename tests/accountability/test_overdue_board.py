"""The public board of answers the Provincia owes, and its responsiveness on its own page.

Anyone, signed in or not, opens /enti/provincia-cremona/risposte-attese and sees which proposals
are waiting past their deadline (and, apart, which are owed but not yet due). The institution's
page carries the same figures. The pages read the real clock, so the consultations below closed
far enough in the past (or recently enough) for every case to be unambiguous.
"""
from __future__ import annotations

import re

import pytest

from engage.accountability.models import AnswerStatus
from engage.auth.models import Role
from engage.proposals import services as proposals
from tests.accountability.stories import (DAY, answer, closed_consultation, consultation_voting_until, hidden,
                                          officer_of_the_provincia, qualified, unqualified)
from tests.factories import make_user

S = AnswerStatus
BOARD = "/enti/provincia-cremona/risposte-attese"
EN = {"Accept-Language": "en"}


def section(html: str, title: str) -> str:
    """From the <h2> that starts with `title` to the next <h2> (or the end of the content)."""
    match = re.search(rf"<h2[^>]*>\s*{title}.*?(?=<h2|</main>|$)", html, re.S)
    assert match, f"no section {title!r}"
    return match.group(0)


def titles_in(html: str) -> list[str]:
    return re.findall(r'<a href="/proposte/\d+">([^<]+)</a>', html)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\xa0", " ")


@pytest.fixture
def provincia_owes(db):
    """Voting closed 100 days ago (answers due 40 days ago) and 5 days ago (due in 55 days).

        Overdue:       "Senza risposta" (nothing), "In valutazione" (under evaluation only)
        Answered:      "Risposta in tempo" (10 days after the close), "Risposta tardiva" (70 days after)
        Not owed:      below the threshold, withdrawn, hidden, in a draft, another institution's
        Not yet due:   "Non ancora dovuta", and "Decisa presto" decided 2 days after its close

    Responsiveness: owed 5 (the 2 overdue, the 2 answered, "Decisa presto"); on time 2 (40 %),
    late 1, missing 2; median days to a decision of 10, 70, 2 = 10.
    """
    officer = officer_of_the_provincia()
    old = closed_consultation(days_ago=100, support_threshold=4, title_it="Ciclabili 2026")
    recent = closed_consultation(days_ago=5, support_threshold=4, title_it="Scuole sicure")
    old_close, recent_close = old.voting_until, recent.voting_until
    p = {
        "unanswered": qualified(old, title="Senza risposta"),
        "under_evaluation": qualified(old, title="In valutazione"),
        "on_time": qualified(old, title="Risposta in tempo"),
        "late": qualified(old, title="Risposta tardiva"),
        "below": unqualified(old, title="Sotto la soglia"),
        "withdrawn": qualified(old, title="Ritirata dall'autrice"),
        "hidden": hidden(qualified(old, title="Nascosta dai moderatori")),
        "not_yet_due": qualified(recent, title="Non ancora dovuta"),
        "decided_early": qualified(recent, title="Decisa presto"),
    }
    proposals.withdraw_proposal(p["withdrawn"].author, p["withdrawn"])
    answer(officer, p["under_evaluation"], S.UNDER_EVALUATION, at=old_close + 3 * DAY)
    answer(officer, p["on_time"], S.ACCEPTED, at=old_close + 10 * DAY)
    answer(officer, p["late"], S.REJECTED, at=old_close + 70 * DAY)
    answer(officer, p["decided_early"], S.ALREADY_PLANNED, at=recent_close + 2 * DAY)
    draft = consultation_voting_until(old_close, support_threshold=1, announced_at=None,
                                      title_it="Bozza riservata")
    p["in_draft"] = qualified(draft, title="Proposta in bozza")
    elsewhere = closed_consultation(days_ago=100, institution_slug="comune-cremona", support_threshold=1)
    p["elsewhere"] = qualified(elsewhere, title="Proposta al Comune")
    db.session.commit()
    return p


def test_the_board_lists_exactly_the_overdue_answers_and_apart_those_not_yet_due(provincia_owes, client):
    response = client.get(BOARD, headers=EN)
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    overdue = section(html, "Overdue")
    assert sorted(titles_in(overdue)) == ["In valutazione", "Senza risposta"]
    assert "Overdue (2)" in overdue
    assert titles_in(section(html, "Not yet due")) == ["Non ancora dovuta"]
    for never in ("Risposta in tempo", "Risposta tardiva", "Sotto la soglia", "Ritirata", "Nascosta",
                  "Decisa presto", "Proposta in bozza", "Bozza riservata", "Proposta al Comune"):
        assert never not in html, never


def test_each_overdue_row_says_where_when_and_how_it_stands(provincia_owes, client):
    html = client.get(BOARD, headers=EN).get_data(as_text=True)
    rows = {titles_in(row)[0]: text_of(row) for row in re.findall(r"<tr>.*?</tr>", html, re.S)
            if titles_in(row)}

    assert set(rows) == {"Senza risposta", "In valutazione"}
    due = provincia_owes["unanswered"].consultation.answers_due_at
    from flask_babel import force_locale, format_date

    with force_locale("en"):
        due_text = format_date(due, "long")
    for title, state in (("Senza risposta", "No answer"), ("In valutazione", "Under evaluation")):
        assert "Ciclabili 2026" in rows[title]
        assert " 4 " in rows[title]  # its supports
        assert due_text in rows[title]
        assert state in rows[title]


def overdue_rows(html: str) -> list[str]:
    """The proposals in the overdue table, whatever the page's language."""
    table = re.search(r"<table.*?</table>", html, re.S)
    return sorted(titles_in(table.group(0))) if table else []


def test_the_board_is_public_and_the_same_for_everyone(provincia_owes, client, client_as, db):
    people = [make_user(), make_user(Role.MODERATOR), officer_of_the_provincia(), make_user(Role.ADMIN)]
    db.session.commit()
    anonymous = client.get(BOARD)
    assert anonymous.status_code == 200
    assert overdue_rows(anonymous.get_data(as_text=True)) == ["In valutazione", "Senza risposta"]

    for person in people:
        html = client_as(person).get(BOARD).get_data(as_text=True)
        assert overdue_rows(html) == ["In valutazione", "Senza risposta"], person
        assert "Proposta in bozza" not in html  # not even the staff see a draft's here


def test_an_unknown_institution_has_no_board(client):
    assert client.get("/enti/ente-che-non-esiste/risposte-attese").status_code == 404


def test_an_institution_that_owes_nothing_says_so(db, client):
    html = client.get(BOARD, headers=EN).get_data(as_text=True)

    assert "No answer is overdue." in html
    assert "No answer has fallen due yet." in html


def test_the_board_and_the_institution_page_show_the_responsiveness_counted_by_hand(provincia_owes, client):
    for url in (BOARD, "/enti/provincia-cremona"):
        html = text_of(client.get(url, headers=EN).get_data(as_text=True))
        assert "Answers given on time: 40% (2 of 5 due)" in html, url
        assert "Given late: 1 · Overdue, still missing: 2" in html, url
        assert "Median time from the end of voting to the answer: 10 days" in html, url


def test_the_institution_page_links_its_board(db, client):
    html = client.get("/enti/provincia-cremona").get_data(as_text=True)
    assert f'href="{BOARD}"' in html


def test_in_italian_the_figures_use_italian_numbers(db, client):
    officer = officer_of_the_provincia()
    old = closed_consultation(days_ago=100, support_threshold=1)
    first, second, third = (qualified(old) for _ in range(3))
    answer(officer, first, S.ACCEPTED, at=old.voting_until + 1 * DAY)
    answer(officer, second, S.ACCEPTED, at=old.voting_until + 2 * DAY)  # third: missing
    db.session.commit()

    html = text_of(client.get("/enti/provincia-cremona").get_data(as_text=True))

    assert "66,7%" in html and "1,5" in html  # 2 of 3 on time; median of 1 and 2 days


@pytest.mark.parametrize("days_ago", [5, 100], ids=["not-yet-due", "overdue"])
def test_a_qualified_proposal_shows_by_when_its_answer_is_due(db, client, days_ago):
    from flask_babel import force_locale, format_date

    proposal = qualified(closed_consultation(days_ago=days_ago, support_threshold=2), title="Attende risposta")
    db.session.commit()
    with force_locale("en"):
        due = format_date(proposal.consultation.answers_due_at, "long")

    html = client.get(f"/proposte/{proposal.id}", headers=EN).get_data(as_text=True)

    assert due in html
