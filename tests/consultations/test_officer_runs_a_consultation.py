"""An officer of the Provincia di Cremona opens a consultation and runs it through its phases.

Dates are typed in Italian local time and kept in UTC; drafts stay among staff; every phase
change made by hand or by editing the timeline is logged with who made it; citizens find
consultations through the list filters and follow the ones they care about.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from engage.auth.models import Role
from engage.consultations.models import Consultation
from engage.consultations.phases import Phase
from engage.core.db import utcnow
from engage.extensions import db as database
from engage.follows.models import Follow
from tests.factories import form_token, institution, make_consultation, make_user, priority_point

ROME = ZoneInfo("Europe/Rome")
NEW = "/consultazioni/nuova"
EN = {"Accept-Language": "en"}


# Reading pages -----------------------------------------------------------------------------

def consultation_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'href="/consultazioni/(\d+)"', html)]


def listed(html: str) -> tuple[list[int], list[int]]:
    """(ids in the staff-only drafts section, ids in the public results) of /consultazioni/."""
    section = re.search(r'<section aria-labelledby="drafts-title".*?</section>', html, re.S)
    drafts = consultation_ids(section.group(0)) if section else []
    public = consultation_ids(html.replace(section.group(0), "") if section else html)
    return drafts, public


def shown_phase(html: str) -> str:
    """The phase badge at the top of a consultation page."""
    return re.search(r'class="badge phase phase-(\w+)"', html).group(1)


def institution_choices(html: str) -> set[int]:
    select_ = re.search(r'<select[^>]*name="institution".*?</select>', html, re.S).group(0)
    return {int(v) for v in re.findall(r'value="(\d+)"', select_)}


def find(title: str) -> Consultation | None:
    return database.session.scalar(select(Consultation).where(Consultation.title_it == title))


def count_titled(title: str) -> int:
    return database.session.scalar(select(func.count()).select_from(Consultation).where(Consultation.title_it == title))


# Filling the form ---------------------------------------------------------------------------

def local(moment: datetime) -> str:
    """How a person in Cremona types that moment into the form."""
    return moment.astimezone(ROME).strftime("%Y-%m-%dT%H:%M")


def consultation_form(csrf_token: str, *, institution_id: int | None = None, points=(1, 5), **changes) -> dict:
    """The form as a browser sends it; a boolean set to None is an unticked box (not sent)."""
    data = {
        "csrf_token": csrf_token,
        "title_it": "Energia pulita per le scuole",
        "summary_it": "Come portare il fotovoltaico sui tetti delle scuole superiori.",
        "body_it": "La Provincia gestisce **48 edifici scolastici**.",
        "priority_points": [priority_point(n).id for n in points],
        "announced_at": "2025-01-15T09:30",    # winter: UTC+1
        "proposals_from": "2099-02-01T00:00",  # midnight in Cremona is still the day before in UTC
        "voting_from": "2099-03-01T12:00",
        "voting_until": "2099-07-01T12:00",    # summer: UTC+2
        "results_at": "2099-09-01T18:00",
        "supports_per_participant": "5",
        "proposals_per_participant": "2",
        "support_threshold": "40",
        "premoderate_proposals": "y",
        "comments_enabled": "y",
    }
    if institution_id is not None:
        data["institution"] = institution_id
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def edit_form(client, consultation, **changes) -> dict:
    """The edit form with the consultation's current values, then the changes."""
    c = consultation
    data = consultation_form(
        form_token(client, f"/consultazioni/{c.id}/modifica"),
        points=[p.number for p in c.priority_points], title_it=c.title_it, summary_it=c.summary_it,
        body_it=c.body_it, announced_at=local(c.announced_at) if c.announced_at else "",
        proposals_from=local(c.proposals_from), voting_from=local(c.voting_from),
        voting_until=local(c.voting_until), results_at=local(c.results_at) if c.results_at else "",
        supports_per_participant=str(c.supports_per_participant),
        proposals_per_participant=str(c.proposals_per_participant),
        support_threshold=str(c.support_threshold),
        premoderate_proposals="y" if c.premoderate_proposals else None,
        comments_enabled="y" if c.comments_enabled else None)
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


@pytest.fixture
def provincia():
    return institution("provincia-cremona")


@pytest.fixture
def officer(provincia):
    return make_user(officer_of=provincia, display_name="Laura Ferrari", locale="en")


# Opening a consultation -------------------------------------------------------------------

def test_an_officer_of_the_provincia_opens_a_consultation_and_it_is_kept_in_utc(client_as, client, db,
                                                                                officer, provincia):
    browser = client_as(officer)
    page = browser.get(NEW)
    assert page.status_code == 200
    assert institution_choices(page.get_data(as_text=True)) == {provincia.id}

    response = browser.post(NEW, data=consultation_form(form_token(browser, NEW), institution_id=provincia.id))

    consultation = find("Energia pulita per le scuole")
    assert consultation is not None, response.get_data(as_text=True)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/consultazioni/{consultation.id}")

    db.session.expire(consultation)  # read back what the database holds
    assert consultation.institution == provincia
    assert consultation.created_by == officer
    assert [p.number for p in consultation.priority_points] == [1, 5]
    assert consultation.summary_it == "Come portare il fotovoltaico sui tetti delle scuole superiori."
    assert consultation.announced_at == datetime(2025, 1, 15, 8, 30, tzinfo=UTC)
    assert consultation.proposals_from == datetime(2099, 1, 31, 23, 0, tzinfo=UTC)
    assert consultation.voting_from == datetime(2099, 3, 1, 11, 0, tzinfo=UTC)
    assert consultation.voting_until == datetime(2099, 7, 1, 10, 0, tzinfo=UTC)
    assert consultation.results_at == datetime(2099, 9, 1, 16, 0, tzinfo=UTC)
    assert (consultation.supports_per_participant, consultation.proposals_per_participant,
            consultation.support_threshold) == (5, 2, 40)
    assert consultation.premoderate_proposals is True and consultation.comments_enabled is True
    assert consultation.phase is Phase.UPCOMING

    stored = db.session.execute(sa.text("SELECT proposals_from FROM consultation WHERE id = :id"),
                                {"id": consultation.id}).scalar_one()
    assert str(stored).startswith("2099-01-31 23:00")  # naive UTC in the column

    # The edit form shows the dates back in Italian time, as they were typed.
    edit_page = browser.get(f"/consultazioni/{consultation.id}/modifica").get_data(as_text=True)
    for typed in ("2025-01-15T09:30", "2099-02-01T00:00", "2099-07-01T12:00", "2099-09-01T18:00"):
        assert f'value="{typed}"' in edit_page

    # Everybody finds it in the list and on the pages of its priority points.
    assert consultation.id in consultation_ids(client.get("/consultazioni/").get_data(as_text=True))
    assert consultation.id in consultation_ids(client.get("/consultazioni/?stato=upcoming").get_data(as_text=True))
    for number in (1, 5):
        point_page = client.get(f"/punti/{priority_point(number).slug}").get_data(as_text=True)
        assert consultation.id in consultation_ids(point_page), number
        assert "Energia pulita per le scuole" in point_page
    other_point = client.get(f"/punti/{priority_point(2).slug}").get_data(as_text=True)
    assert consultation.id not in consultation_ids(other_point)


def test_unticked_boxes_are_saved_as_no(client_as, db, officer, provincia):
    browser = client_as(officer)
    browser.post(NEW, data=consultation_form(form_token(browser, NEW), institution_id=provincia.id,
                                             premoderate_proposals=None, comments_enabled=None))
    consultation = find("Energia pulita per le scuole")
    assert consultation.premoderate_proposals is False and consultation.comments_enabled is False


@pytest.mark.parametrize(("dates", "reason"), [
    ({"voting_from": "2099-01-15T12:00"},
     "The dates must follow one another: proposals open, then voting, then closing."),
    ({"voting_until": "2099-02-15T12:00"},
     "The dates must follow one another: proposals open, then voting, then closing."),
    ({"announced_at": "2099-02-02T09:00"},
     "The consultation must be announced before proposals open."),
    ({"results_at": "2099-06-30T12:00"},
     "Results can be published only after voting closes."),
], ids=["voting-before-proposals", "closing-before-voting", "announced-after-proposals", "results-before-closing"])
def test_dates_out_of_order_are_refused_and_the_form_keeps_what_was_typed(client_as, db, officer, provincia,
                                                                          dates, reason):
    browser = client_as(officer)
    response = browser.post(NEW, data=consultation_form(form_token(browser, NEW), institution_id=provincia.id,
                                                        title_it="Un titolo da non perdere", **dates))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'value="Un titolo da non perdere"' in html
    assert reason in html
    for typed in dates.values():
        assert f'value="{typed}"' in html
    assert count_titled("Un titolo da non perdere") == 0


def test_a_missing_date_or_priority_point_is_refused_with_the_form_again(client_as, db, officer, provincia):
    browser = client_as(officer)
    for missing in ({"voting_until": ""}, {"priority_points": []}):
        response = browser.post(NEW, data=consultation_form(
            form_token(browser, NEW), institution_id=provincia.id, title_it="Senza qualcosa", **missing))
        assert response.status_code == 422, missing
        assert 'value="Senza qualcosa"' in response.get_data(as_text=True)
    assert count_titled("Senza qualcosa") == 0


# Officers of other institutions -----------------------------------------------------------

def test_an_officer_of_another_institution_cannot_open_one_for_the_provincia(client_as, db, provincia):
    cgil = institution("cgil")
    browser = client_as(make_user(officer_of=cgil))
    assert institution_choices(browser.get(NEW).get_data(as_text=True)) == {cgil.id}

    response = browser.post(NEW, data=consultation_form(form_token(browser, NEW), institution_id=provincia.id,
                                                        title_it="Al posto della Provincia"))

    assert response.status_code == 422
    assert count_titled("Al posto della Provincia") == 0


def test_an_officer_of_another_institution_cannot_edit_or_move_the_provincias_consultation(client_as, db):
    consultation = make_consultation(Phase.PROPOSALS)
    title, timeline = consultation.title_it, (consultation.proposals_from, consultation.voting_from)
    browser = client_as(make_user(officer_of=institution("cgil")))
    page = f"/consultazioni/{consultation.id}"
    token = form_token(browser, page)

    assert browser.get(f"{page}/modifica").status_code == 403
    edit = browser.post(f"{page}/modifica", data={**consultation_form(token, title_it="Dirottata"),
                                                  "voting_from": local(utcnow() - timedelta(days=1))})
    assert edit.status_code == 403
    move = browser.post(f"{page}/fase", data={"phase": "voting", "csrf_token": token})
    assert move.status_code == 403

    assert consultation.title_it == title
    assert (consultation.proposals_from, consultation.voting_from) == timeline
    assert consultation.phase is Phase.PROPOSALS
    assert consultation.phase_log == []
    html = browser.get(page).get_data(as_text=True)
    assert f'href="{page}/modifica"' not in html and f'action="{page}/fase"' not in html


def test_a_citizen_cannot_open_consultations(client_as, db):
    browser = client_as(make_user())
    assert browser.get(NEW).status_code == 403
    token = form_token(browser, "/consultazioni/")
    response = browser.post(NEW, data=consultation_form(token, institution_id=institution().id,
                                                        title_it="Da cittadino"))
    assert response.status_code == 403
    assert count_titled("Da cittadino") == 0


# Drafts -----------------------------------------------------------------------------------

def test_a_consultation_without_an_announcement_date_is_a_draft_seen_only_by_staff(client_as, client, db,
                                                                                   officer, provincia):
    browser = client_as(officer)
    browser.post(NEW, data=consultation_form(form_token(browser, NEW), institution_id=provincia.id,
                                             title_it="Bozza riservata", announced_at=""))
    draft = find("Bozza riservata")
    assert draft.announced_at is None
    assert draft.phase is Phase.DRAFT
    page = f"/consultazioni/{draft.id}"

    # Staff of the Provincia, and admins, open it and find it among the drafts.
    assert browser.get(page).status_code == 200
    assert listed(browser.get("/consultazioni/").get_data(as_text=True)) == ([draft.id], [])
    admin = client_as(make_user(Role.ADMIN))
    assert admin.get(page).status_code == 200
    assert listed(admin.get("/consultazioni/").get_data(as_text=True)) == ([draft.id], [])

    # Citizens, moderators and other institutions' officers get a 403 and do not see it listed.
    for person in (make_user(), make_user(Role.MODERATOR), make_user(officer_of=institution("cgil"))):
        someone = client_as(person)
        assert someone.get(page).status_code == 403
        assert listed(someone.get("/consultazioni/").get_data(as_text=True)) == ([], [])
        assert draft.id not in consultation_ids(
            someone.get(f"/punti/{priority_point(1).slug}").get_data(as_text=True))

    # Anonymous visitors are asked to sign in.
    response = client.get(page)
    assert response.status_code == 302 and "next=" in response.headers["Location"]
    assert listed(client.get("/consultazioni/").get_data(as_text=True)) == ([], [])


def test_announcing_a_draft_makes_it_public(client_as, client, db, officer):
    draft = make_consultation(Phase.DRAFT)
    browser = client_as(officer)
    assert draft.id not in consultation_ids(client.get("/consultazioni/").get_data(as_text=True))

    response = browser.post(f"/consultazioni/{draft.id}/modifica", data=edit_form(
        browser, draft, announced_at=local(utcnow() - timedelta(hours=2))))

    assert response.status_code == 302
    assert draft.phase is Phase.UPCOMING
    assert listed(client.get("/consultazioni/").get_data(as_text=True)) == ([], [draft.id])
    assert client.get(f"/consultazioni/{draft.id}").status_code == 200


# Moving through the phases -----------------------------------------------------------------

def test_staff_move_the_phase_by_hand_and_each_move_is_logged_with_who_made_it(client_as, db, officer):
    consultation = make_consultation(Phase.PROPOSALS)
    admin = make_user(Role.ADMIN, display_name="Marco Admin", locale="en")
    page = f"/consultazioni/{consultation.id}"
    moves = [(officer, "voting", Phase.VOTING), (admin, "closed", Phase.CLOSED),
             (officer, "results", Phase.RESULTS)]

    for who, value, phase in moves:
        browser = client_as(who)
        response = browser.post(f"{page}/fase", data={"phase": value, "csrf_token": form_token(browser, page)})
        assert response.status_code == 302 and response.headers["Location"].endswith(page)
        assert consultation.phase is phase
        html = browser.get(page).get_data(as_text=True)
        assert shown_phase(html) == value
        assert f'action="{page}/fase"' in html  # staff see the phase controls

    log = [(c.from_phase, c.to_phase, c.changed_by, c.note) for c in consultation.phase_log]
    assert log == [(Phase.PROPOSALS, Phase.VOTING, officer, "moved by hand"),
                   (Phase.VOTING, Phase.CLOSED, admin, "moved by hand"),
                   (Phase.CLOSED, Phase.RESULTS, officer, "moved by hand")]

    html = client_as(officer).get(page).get_data(as_text=True)
    assert "Results published" in html
    assert "Proposals open → Voting open (Laura Ferrari)" in html
    assert "Voting open → Closed (Marco Admin)" in html


def test_the_page_shows_the_phase_the_consultation_is_now_in(client_as, db, officer):
    consultation = make_consultation(Phase.UPCOMING)
    browser = client_as(officer)
    page = f"/consultazioni/{consultation.id}"
    assert shown_phase(browser.get(page).get_data(as_text=True)) == "upcoming"
    browser.post(f"{page}/fase", data={"phase": "proposals", "csrf_token": form_token(browser, page)})
    html = browser.get(page).get_data(as_text=True)
    assert shown_phase(html) == "proposals"
    assert 'aria-current="step"' in html
    current_step = re.search(r'<li class="timeline-step current"[^>]*>\s*<span class="timeline-label">([^<]+)<',
                             html)
    assert current_step and current_step.group(1) == "Proposals open"


def test_moving_to_the_phase_it_is_already_in_or_to_no_phase_changes_nothing(client_as, db, officer):
    consultation = make_consultation(Phase.VOTING)
    browser = client_as(officer)
    page = f"/consultazioni/{consultation.id}"
    for value in ("voting", "teleported", ""):
        browser.post(f"{page}/fase", data={"phase": value, "csrf_token": form_token(browser, page)})
    assert consultation.phase is Phase.VOTING
    assert consultation.phase_log == []


def test_editing_the_timeline_so_the_phase_changes_is_logged_too(client_as, db, officer):
    consultation = make_consultation(Phase.PROPOSALS)
    browser = client_as(officer)
    edit = f"/consultazioni/{consultation.id}/modifica"
    now = utcnow()

    # Changing only the wording leaves the phase, and the log, alone.
    response = browser.post(edit, data=edit_form(browser, consultation, title_it="Titolo corretto"))
    assert response.status_code == 302
    assert consultation.title_it == "Titolo corretto"
    assert consultation.phase_log == []

    # Opening the vote a day ago moves the consultation to voting.
    response = browser.post(edit, data=edit_form(browser, consultation, voting_from=local(now - timedelta(days=1))))
    assert response.status_code == 302
    assert consultation.phase is Phase.VOTING
    [change] = consultation.phase_log
    assert (change.from_phase, change.to_phase, change.changed_by, change.note) == \
        (Phase.PROPOSALS, Phase.VOTING, officer, "timeline edited")
    assert shown_phase(browser.get(f"/consultazioni/{consultation.id}").get_data(as_text=True)) == "voting"


def test_an_edit_with_dates_out_of_order_changes_nothing(client_as, db, officer):
    consultation = make_consultation(Phase.PROPOSALS)
    before = (consultation.title_it, consultation.voting_from, consultation.voting_until)
    browser = client_as(officer)
    response = browser.post(f"/consultazioni/{consultation.id}/modifica", data=edit_form(
        browser, consultation, title_it="Non salvato",
        voting_until=local(consultation.voting_from - timedelta(days=2))))
    assert response.status_code == 422
    assert 'value="Non salvato"' in response.get_data(as_text=True)
    assert (consultation.title_it, consultation.voting_from, consultation.voting_until) == before
    assert consultation.phase_log == []


# Finding consultations ---------------------------------------------------------------------

@pytest.fixture
def shelf(db):
    """Consultations of several institutions, points and phases."""
    assert priority_point(1).axis_id == priority_point(3).axis_id  # digitalizzazione
    assert priority_point(4).axis_id == priority_point(5).axis_id  # transizione ecologica
    assert db.session.scalar(select(func.count()).select_from(Consultation)) == 0
    return {
        "proposals": make_consultation(Phase.PROPOSALS, points=(1,)),
        "voting": make_consultation(Phase.VOTING, institution_slug="comune-cremona", points=(5,)),
        "upcoming": make_consultation(Phase.UPCOMING, points=(4,)),
        "closed": make_consultation(Phase.CLOSED, institution_slug="cgil", points=(2,)),
        "results": make_consultation(Phase.RESULTS, points=(3, 8)),
        "draft": make_consultation(Phase.DRAFT, points=(1, 4)),
    }


FILTERS = [
    ("", {"proposals", "voting", "upcoming", "closed", "results"}),
    ("stato=open", {"proposals", "voting"}),
    ("stato=upcoming", {"upcoming"}),
    ("stato=closed", {"closed", "results"}),
    ("punto={point1}", {"proposals"}),
    ("punto={point8}", {"results"}),
    ("asse={digital}", {"proposals", "results"}),
    ("asse={green}", {"voting", "upcoming"}),
    ("ente={provincia}", {"proposals", "upcoming", "results"}),
    ("ente={cgil}", {"closed"}),
    ("stato=closed&ente={provincia}", {"results"}),
    ("stato=open&asse={green}", {"voting"}),
    ("stato=upcoming&punto={point1}", set()),
    ("stato=whatever&punto=abc", {"proposals", "voting", "upcoming", "closed", "results"}),
]


@pytest.mark.parametrize(("query", "expected"), FILTERS, ids=[query or "no-filter" for query, _ in FILTERS])
def test_the_list_filters_find_the_right_consultations(client, shelf, query, expected):
    """The draft is on point 1, axis "digitalizzazione" and the Provincia, yet no filter shows it;
    a filter value the form does not know is ignored rather than an error."""
    ids = {"point1": priority_point(1).id, "point8": priority_point(8).id,
           "digital": priority_point(1).axis_id, "green": priority_point(5).axis_id,
           "provincia": institution("provincia-cremona").id, "cgil": institution("cgil").id}
    response = client.get(f"/consultazioni/?{query.format(**ids)}")
    assert response.status_code == 200
    drafts, found = listed(response.get_data(as_text=True))
    assert drafts == []
    assert set(found) == {shelf[name].id for name in expected}
    assert len(found) == len(set(found))


def test_an_empty_result_says_so(client, shelf):
    html = client.get(f"/consultazioni/?stato=upcoming&punto={priority_point(1).id}",
                      headers=EN).get_data(as_text=True)
    assert "No consultation matches these filters." in html


def test_the_list_shows_the_latest_closing_first(client, shelf):
    _, found = listed(client.get("/consultazioni/").get_data(as_text=True))
    by_closing = sorted((shelf[n] for n in ("proposals", "voting", "upcoming", "closed", "results")),
                        key=lambda c: c.voting_until, reverse=True)
    assert found == [c.id for c in by_closing]


# Following ---------------------------------------------------------------------------------

def test_a_citizen_follows_a_consultation_and_then_stops(client_as, db):
    consultation = make_consultation(Phase.PROPOSALS)
    citizen = make_user()
    browser = client_as(citizen)
    page = f"/consultazioni/{consultation.id}"

    def follows() -> int:
        return db.session.scalar(select(func.count()).select_from(Follow).where(
            Follow.user_id == citizen.id, Follow.consultation_id == consultation.id))

    assert 'name="follow" value="1"' in browser.get(page).get_data(as_text=True)

    response = browser.post(f"{page}/segui", data={"follow": "1", "csrf_token": form_token(browser, page)})
    assert response.status_code == 302 and response.headers["Location"].endswith(page)
    assert follows() == 1
    assert 'name="follow" value="0"' in browser.get(page).get_data(as_text=True)

    browser.post(f"{page}/segui", data={"follow": "1", "csrf_token": form_token(browser, page)})
    assert follows() == 1  # following twice is still one follow

    browser.post(f"{page}/segui", data={"follow": "0", "csrf_token": form_token(browser, page)})
    assert follows() == 0
    assert 'name="follow" value="1"' in browser.get(page).get_data(as_text=True)


def test_nobody_follows_a_draft_they_cannot_see(client_as, db):
    draft = make_consultation(Phase.DRAFT)
    browser = client_as(make_user())
    token = form_token(browser, "/consultazioni/")
    response = browser.post(f"/consultazioni/{draft.id}/segui", data={"follow": "1", "csrf_token": token})
    assert response.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Follow).where(
        Follow.consultation_id == draft.id)) == 0
