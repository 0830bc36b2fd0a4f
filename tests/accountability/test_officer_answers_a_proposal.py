"""An officer of the Provincia answers the proposals its consultation produced; everyone sees it.

Marta, officer of the Provincia di Cremona, opens a proposal that qualified in a consultation whose
voting closed, writes the official answer (status, reply in Italian and English, cost, office) and
publishes it. The answer sits on the proposal page in both languages and as a badge in the list,
which filters by it; the author is told. Nobody else may answer, nor may Marta before voting.
"""
from __future__ import annotations

import re

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from engage.accountability.models import AnswerStatus, OfficialAnswer
from engage.auth.models import Role
from engage.consultations.phases import Phase
from engage.notifications.models import Notification
from tests.accountability.stories import answer, closed_consultation, officer_of_the_provincia, qualified
from tests.factories import form_token, institution, make_consultation, make_proposal, make_user

S = AnswerStatus
REPLY_IT = "La Provincia realizzerà la pista ciclabile tra Crema e Ombriano entro il 2027."
REPLY_EN = "The Province will build the cycle path between Crema and Ombriano by 2027."


def label(status: AnswerStatus, lang: str) -> str:
    """The status as the page writes it in that language (whatever the catalogue says)."""
    with force_locale(lang):
        return str(status.label)


def answer_url(proposal) -> str:
    return f"/proposte/{proposal.id}/risposta"


def post_answer(client, proposal, **fields):
    data = {"status": "accepted", "body_it": REPLY_IT, "body_en": "", "cost_estimate": "",
            "responsible_office": "", **fields}
    token = form_token(client, f"/proposte/{proposal.id}")
    return client.post(answer_url(proposal), data={**data, "csrf_token": token})


def answer_section(html: str) -> str:
    match = re.search(r'<section class="official-answer[^>]*>(.*?)</section>', html, re.S)
    assert match, "no official answer on the page"
    return match.group(1)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\xa0", " ").replace("\u202f", " ")


@pytest.fixture
def story(db):
    author = make_user(display_name="Giulia Ferrari")
    consultation = closed_consultation(days_ago=5, support_threshold=3)
    proposal = qualified(consultation, author=author, title="Pista ciclabile Crema-Ombriano")
    officer = officer_of_the_provincia()
    db.session.commit()  # a refused request rolls the session back: setup must survive it
    return {"author": author, "consultation": consultation, "proposal": proposal, "officer": officer}


# The officer's journey.

def test_the_officer_finds_the_answer_button_on_the_proposal_and_the_form_behind_it(story, client_as):
    browser = client_as(story["officer"])
    proposal = story["proposal"]

    page = browser.get(f"/proposte/{proposal.id}").get_data(as_text=True)
    assert f'href="{answer_url(proposal)}"' in page

    form = browser.get(answer_url(proposal))
    html = form.get_data(as_text=True)
    assert form.status_code == 200
    for name in ("status", "body_it", "body_en", "cost_estimate", "responsible_office"):
        assert f'name="{name}"' in html, name
    options = re.findall(r'<option[^>]*value="([^"]+)"', html)
    assert options == [status.value for status in AnswerStatus]
    assert "Pista ciclabile Crema-Ombriano" in html


def test_the_citizen_sees_no_answer_button(story, client_as, client):
    for browser in (client_as(story["author"]), client):
        page = browser.get(f"/proposte/{story['proposal'].id}").get_data(as_text=True)
        assert answer_url(story["proposal"]) not in page
        assert "official-answer" not in page  # and no empty answer box either


def test_the_officer_publishes_an_answer_and_it_shows_on_the_proposal_page(story, client_as, client, db):
    proposal = story["proposal"]
    browser = client_as(story["officer"])

    response = post_answer(browser, proposal, status="partially_accepted", body_en=REPLY_EN,
                           cost_estimate="12500", responsible_office="Settore Viabilità")

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/proposte/{proposal.id}#risposta-ufficiale")
    saved = db.session.scalar(select(OfficialAnswer).where(OfficialAnswer.proposal_id == proposal.id))
    assert (saved.status, saved.body_it, saved.body_en, saved.cost_estimate, saved.responsible_office,
            saved.answered_by_id) == (S.PARTIALLY_ACCEPTED, REPLY_IT, REPLY_EN, 12500, "Settore Viabilità",
                                      story["officer"].id)
    assert saved.decided_at is not None

    page = client.get(f"/proposte/{proposal.id}").get_data(as_text=True)
    assert 'id="risposta-ufficiale"' in page  # where the redirect and the notification point
    italian = answer_section(page)
    assert label(S.PARTIALLY_ACCEPTED, "it") in italian
    assert "Provincia di Cremona" in italian
    assert REPLY_IT in italian and REPLY_EN not in italian
    assert "12.500" in text_of(italian) and "€" in italian
    assert "Settore Viabilità" in italian

    english = answer_section(client.get(f"/proposte/{proposal.id}", headers={"Accept-Language": "en"})
                             .get_data(as_text=True))
    assert label(S.PARTIALLY_ACCEPTED, "en") == "Partially accepted"
    assert "Partially accepted" in english
    assert REPLY_EN in english and REPLY_IT not in english
    assert "€12,500" in text_of(english)
    assert "Estimated cost" in english and "Responsible office" in english


def test_without_english_the_english_page_shows_the_italian_reply_marked_as_italian(story, client_as, client):
    post_answer(client_as(story["officer"]), story["proposal"])

    english = answer_section(client.get(f"/proposte/{story['proposal'].id}", headers={"Accept-Language": "en"})
                             .get_data(as_text=True))

    assert f'<div lang="it"><p>{REPLY_IT}</p></div>' in english


def test_cost_and_office_are_optional_and_then_not_shown(story, client_as, client):
    response = post_answer(client_as(story["officer"]), story["proposal"], status="rejected")
    assert response.status_code == 302

    english = answer_section(client.get(f"/proposte/{story['proposal'].id}", headers={"Accept-Language": "en"})
                             .get_data(as_text=True))
    assert "Rejected" in english
    assert "Estimated cost" not in english and "Responsible office" not in english
    assert "Implementation" not in english  # a rejected proposal has no progress to follow


def test_a_cost_of_zero_euros_is_a_cost_and_is_shown(story, client_as, client):
    post_answer(client_as(story["officer"]), story["proposal"], cost_estimate="0")

    english = answer_section(client.get(f"/proposte/{story['proposal'].id}", headers={"Accept-Language": "en"})
                             .get_data(as_text=True))
    assert "Estimated cost" in english and "€0" in text_of(english)


def test_the_officer_revises_the_answer_from_a_form_filled_with_the_current_one(story, client_as, db):
    proposal = story["proposal"]
    browser = client_as(story["officer"])
    post_answer(browser, proposal, status="under_evaluation", body_en=REPLY_EN, cost_estimate="900",
                responsible_office="Settore Viabilità")

    html = browser.get(answer_url(proposal)).get_data(as_text=True)
    assert re.search(r'<option selected value="under_evaluation"|<option value="under_evaluation" selected', html)
    assert REPLY_IT in html and REPLY_EN in html and 'value="900"' in html and 'value="Settore Viabilità"' in html

    response = post_answer(browser, proposal, status="accepted", body_it="Accolta dopo la verifica tecnica.")
    assert response.status_code == 302
    db.session.expire_all()
    revised = db.session.scalar(select(OfficialAnswer).where(OfficialAnswer.proposal_id == proposal.id))
    assert (revised.status, revised.body_it, revised.body_en, revised.cost_estimate) == (
        S.ACCEPTED, "Accolta dopo la verifica tecnica.", None, None)
    assert db.session.scalar(select(OfficialAnswer.id).where(OfficialAnswer.proposal_id == proposal.id)) \
        == revised.id  # one answer per proposal, revised in place


def test_a_proposal_whose_author_left_is_still_answered(story, client_as, db):
    from engage.auth.privacy import delete_account
    from tests.factories import PASSWORD

    delete_account(story["author"], PASSWORD)
    db.session.commit()

    assert post_answer(client_as(story["officer"]), story["proposal"]).status_code == 302
    assert story["proposal"].official_answer.body_it == REPLY_IT
    assert db.session.scalars(select(Notification).where(Notification.user_id == story["author"].id)).all() == []


def test_an_admin_may_answer_too(story, client_as):
    assert post_answer(client_as(make_user(Role.ADMIN)), story["proposal"]).status_code == 302


# The author hears of it.

def test_the_author_is_notified_in_the_app(story, client_as, db):
    post_answer(client_as(story["officer"]), story["proposal"])

    notes = db.session.scalars(select(Notification).where(Notification.user_id == story["author"].id)).all()
    assert [(n.kind, n.link) for n in notes] == [("answer", f"/proposte/{story['proposal'].id}#risposta-ufficiale")]
    assert notes[0].read_at is None
    assert not db.session.scalars(select(Notification).where(Notification.user_id == story["officer"].id)).all()


def test_the_authors_notification_list_says_in_words_that_the_proposal_was_answered(story, client_as, db):
    story["author"].locale = "en"  # the account's language wins over the browser's
    db.session.commit()
    post_answer(client_as(story["officer"]), story["proposal"])

    html = client_as(story["author"]).get("/notifiche", headers={"Accept-Language": "en"}).get_data(as_text=True)

    item = text_of(re.search(r'<p class="mb-1">(.*?)</p>', html, re.S).group(1)).strip()
    assert item != "answer"  # the bare kind, as the list showed before it knew answers
    assert "official answer" in item.lower() and "Pista ciclabile Crema-Ombriano" in item
    assert f'href="/proposte/{story["proposal"].id}#risposta-ufficiale"' in html


# In the list of proposals.

def badges(html: str, proposal) -> str:
    """The badges line of one proposal in the list."""
    card = re.search(rf'<a href="/proposte/{proposal.id}">.*?</(?:li|article)>', html, re.S)
    assert card, f"proposal {proposal.id} is not in the list"
    return card.group(0)


def listed(client, consultation, **params) -> list[int]:
    response = client.get(f"/consultazioni/{consultation.id}/proposte", query_string=params)
    assert response.status_code == 200
    return sorted(int(i) for i in re.findall(r'<h2 class="h5"><a href="/proposte/(\d+)">',
                                             response.get_data(as_text=True)))


def test_the_list_shows_the_answer_as_a_badge(story, db, client):
    consultation, proposal = story["consultation"], story["proposal"]
    quiet = make_proposal(consultation, title="Nessuna risposta ancora")
    answer(story["officer"], proposal, S.ACCEPTED)
    db.session.commit()

    english = client.get(f"/consultazioni/{consultation.id}/proposte", headers={"Accept-Language": "en"}) \
        .get_data(as_text=True)
    assert "Official answer: Accepted" in text_of(badges(english, proposal))
    assert "Official answer" not in badges(english, quiet)

    italian = client.get(f"/consultazioni/{consultation.id}/proposte").get_data(as_text=True)
    assert label(S.ACCEPTED, "it") in text_of(badges(italian, proposal))


def test_the_list_filters_by_answer_status_and_by_answered(story, db, client):
    consultation, officer = story["consultation"], story["officer"]
    by_status = {status: qualified(consultation) for status in AnswerStatus}
    for status, proposal in by_status.items():
        answer(officer, proposal, status)
    unanswered = [story["proposal"], make_proposal(consultation)]
    elsewhere = qualified(closed_consultation(days_ago=5))
    answer(officer, elsewhere, S.ACCEPTED)
    db.session.commit()

    for status, proposal in by_status.items():
        assert listed(client, consultation, risposta=status.value) == [proposal.id], status
    decided = sorted(p.id for status, p in by_status.items() if status is not S.UNDER_EVALUATION)
    assert listed(client, consultation, stato="answered") == decided  # "under evaluation" is no answer yet
    everything = sorted([p.id for p in by_status.values()] + [p.id for p in unanswered])
    assert listed(client, consultation) == everything
    assert listed(client, consultation, risposta="maybe") == everything  # an unknown value drops the filter

    html = client.get(f"/consultazioni/{consultation.id}/proposte").get_data(as_text=True)
    choices = re.search(r'<select[^>]*name="risposta"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert re.findall(r'value="([^"]*)"', choices) == [""] + [status.value for status in AnswerStatus]


def test_answer_status_and_qualified_filters_combine(story, db, client):
    consultation, officer = story["consultation"], story["officer"]
    accepted_qualified = story["proposal"]
    accepted_below = make_proposal(consultation, support_count=1)
    for proposal in (accepted_qualified, accepted_below):
        answer(officer, proposal, S.ACCEPTED)
    db.session.commit()

    assert listed(client, consultation, risposta="accepted", stato="qualified") == [accepted_qualified.id]
    assert listed(client, consultation, risposta="accepted") == sorted([accepted_qualified.id, accepted_below.id])


# Who may answer, and when.

@pytest.mark.parametrize("who", ["citizen", "author", "officer_elsewhere", "moderator"])
def test_nobody_but_the_institutions_officers_may_answer(story, client_as, db, who):
    people = {
        "citizen": make_user(),
        "author": story["author"],
        "officer_elsewhere": make_user(officer_of=institution("comune-cremona")),
        "moderator": make_user(Role.MODERATOR),
    }
    person = people[who]
    db.session.commit()
    browser = client_as(person)

    assert browser.get(answer_url(story["proposal"])).status_code == 403
    token = form_token(browser, "/")
    response = browser.post(answer_url(story["proposal"]), data={
        "status": "rejected", "body_it": "Non si può fare.", "csrf_token": token})

    assert response.status_code == 403
    assert db.session.scalar(select(OfficialAnswer).where(OfficialAnswer.proposal_id == story["proposal"].id)) \
        is None


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(story, client):
    response = client.get(answer_url(story["proposal"]))
    assert response.status_code == 302 and "/accedi" in response.headers["Location"]


@pytest.mark.parametrize("phase", [Phase.DRAFT, Phase.UPCOMING, Phase.PROPOSALS], ids=lambda p: p.value)
def test_before_voting_starts_even_the_officer_may_not_answer(db, client_as, phase):
    officer = officer_of_the_provincia()
    proposal = make_proposal(make_consultation(phase))
    db.session.commit()
    browser = client_as(officer)

    assert browser.get(answer_url(proposal)).status_code == 403
    assert answer_url(proposal) not in browser.get(f"/proposte/{proposal.id}").get_data(as_text=True)
    response = post_answer(browser, proposal)
    assert response.status_code == 403
    assert db.session.scalar(select(OfficialAnswer).where(OfficialAnswer.proposal_id == proposal.id)) is None


def test_from_the_first_day_of_voting_the_officer_may_answer(db, client_as):
    officer = officer_of_the_provincia()
    proposal = make_proposal(make_consultation(Phase.VOTING))
    db.session.commit()

    assert post_answer(client_as(officer), proposal, status="under_evaluation").status_code == 302


def test_a_hidden_proposal_cannot_be_answered(story, client_as, db):
    from engage.moderation.models import Moderation

    story["proposal"].moderation = Moderation.HIDDEN
    db.session.commit()

    assert client_as(story["officer"]).get(answer_url(story["proposal"])).status_code == 403


def test_an_unknown_proposal_is_a_404(story, client_as):
    assert client_as(story["officer"]).get("/proposte/999999999/risposta").status_code == 404


# Bad input: 422, and every typed word kept.

@pytest.mark.parametrize("fields, kept", [
    ({"body_it": "   ", "body_en": REPLY_EN, "responsible_office": "Settore Viabilità"},
     [REPLY_EN, 'value="Settore Viabilità"']),
    ({"cost_estimate": "-5", "responsible_office": "Settore Viabilità"},
     [REPLY_IT, 'value="-5"', 'value="Settore Viabilità"']),
    ({"cost_estimate": "dodicimila", "body_en": REPLY_EN}, [REPLY_IT, REPLY_EN, 'value="dodicimila"']),
    ({"cost_estimate": "12.500"}, [REPLY_IT, 'value="12.500"']),
    ({"status": "approved_by_magic", "cost_estimate": "700"}, [REPLY_IT, 'value="700"']),
    ({"status": ""}, [REPLY_IT]),
], ids=["no-italian", "negative-cost", "words-for-cost", "cost-with-thousands-dot", "unknown-status",
        "no-status"])
def test_bad_input_is_refused_with_422_and_the_typed_text_kept(story, client_as, db, fields, kept):
    response = post_answer(client_as(story["officer"]), story["proposal"], **fields)

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'aria-invalid="true"' in html
    for text in kept:
        assert text in html, text
    assert db.session.scalar(select(OfficialAnswer).where(OfficialAnswer.proposal_id == story["proposal"].id)) \
        is None


def test_a_large_cost_the_form_allows_is_kept_to_the_euro(story, client_as, db, client):
    response = post_answer(client_as(story["officer"]), story["proposal"], cost_estimate="3000000000")

    assert response.status_code == 302
    db.session.expire_all()
    assert story["proposal"].official_answer.cost_estimate == 3_000_000_000
    english = client.get(f"/proposte/{story['proposal'].id}", headers={"Accept-Language": "en"})
    assert "€3,000,000,000" in text_of(answer_section(english.get_data(as_text=True)))


def test_a_cost_of_two_billion_euros_is_kept(story):
    answer(story["officer"], story["proposal"], cost_estimate=2_000_000_000)  # two billion euros

    assert story["proposal"].official_answer.cost_estimate == 2_000_000_000


def test_the_answer_is_text_never_markup(story, client_as, client):
    post_answer(client_as(story["officer"]), story["proposal"], body_it="<script>alert('risposta')</script>",
                responsible_office="<b>Ufficio</b>")

    html = client.get(f"/proposte/{story['proposal'].id}").get_data(as_text=True)

    assert "<script>alert(" not in html and "&lt;script&gt;" in html
    assert "<b>Ufficio</b>" not in html and "&lt;b&gt;Ufficio&lt;/b&gt;" in html


def test_the_form_tells_the_officer_by_when_the_answer_is_due(db, client_as):
    from datetime import UTC, datetime

    from tests.accountability.stories import consultation_voting_until

    officer = make_user(officer_of=institution("provincia-cremona"), locale="en")
    consultation = consultation_voting_until(datetime(2025, 3, 1, 12, 0, tzinfo=UTC), support_threshold=3,
                                             answer_days=30)
    owed, not_owed = qualified(consultation), make_proposal(consultation, support_count=2)
    db.session.commit()
    browser = client_as(officer)

    html = browser.get(answer_url(owed)).get_data(as_text=True)
    assert "This proposal is owed an answer by March 31, 2025." in html
    html = browser.get(answer_url(not_owed)).get_data(as_text=True)
    assert "did not qualify for an answer; you may still give one" in html


def test_the_service_refuses_what_the_form_would(story):
    from engage.auth.permissions import Refused

    for fields in ({"body_it": "  \n "}, {"cost_estimate": -1}, {"cost_estimate": 10**13}):
        with pytest.raises(Refused) as refusal:
            answer(story["officer"], story["proposal"], **{"body_it": REPLY_IT, **fields})
        assert refusal.value.status == 422, fields
    with pytest.raises(Refused) as refusal:
        answer(make_user(), story["proposal"])
    assert refusal.value.status == 403


def test_rewording_an_answer_is_not_announced_again_but_a_new_status_is(story, client_as, db):
    """Followers hear once per decision, not once per typo fixed."""
    officer = client_as(story["officer"])

    def told():
        return db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.user_id == story["author"].id, Notification.kind == "answer"))

    post_answer(officer, story["proposal"])
    assert told() == 1
    post_answer(officer, story["proposal"], body_it=REPLY_IT + " Con una virgola corretta.")
    assert told() == 1
    post_answer(officer, story["proposal"], status="implemented")
    assert told() == 2


def test_a_hidden_proposal_shows_neither_its_answer_nor_its_title_in_notifications(story, client_as, db):
    from engage.moderation import services as moderation
    from engage.moderation.models import ReportReason

    post_answer(client_as(story["officer"]), story["proposal"])
    moderation.hide(make_user(Role.MODERATOR), moderation.case_for(story["proposal"]), ReportReason.SPAM)
    db.session.commit()
    citizen = client_as(make_user())
    assert 'id="risposta-ufficiale"' not in citizen.get(f"/proposte/{story['proposal'].id}").get_data(as_text=True)
    story["author"].locale = "en"
    db.session.commit()
    notifications = client_as(story["author"]).get("/notifiche").get_data(as_text=True)
    assert "Pista ciclabile Crema-Ombriano" not in notifications
    assert "official answer to a proposal you follow" in notifications
