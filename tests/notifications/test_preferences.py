"""Each person chooses, per kind of notification, an e-mail straight away, a daily digest, or none.
The notification on the site is always there; the choice only governs e-mail."""
from __future__ import annotations

import re

from sqlalchemy import select

from engage.auth.models import Role
from engage.notifications import services as notifications
from engage.notifications.kinds import KINDS, Delivery, Topic
from engage.notifications.models import MailState, NotificationPreference
from tests.factories import form_token, institution, make_user
from tests.notifications.conftest import queued_for

PAGE = "/profilo/notifiche"


def choices_on(html: str) -> dict[str, str]:
    """The checked radio button of each group on the page."""
    checked = {}
    for tag in re.findall(r"<input[^>]*>", html):
        if 'type="radio"' in tag and "checked" in tag:
            name = re.search(r'name="([^"]+)"', tag).group(1)
            checked[name] = re.search(r'value="([^"]+)"', tag).group(1)
    return checked


def signed_in(db, client_as, person=None):
    person = person or make_user()
    db.session.commit()  # the people exist before their browser does anything
    return client_as(person)


def test_the_page_is_reachable_from_the_profile_and_every_control_is_labelled(db, client_as):
    browser = signed_in(db, client_as)
    assert f'href="{PAGE}"' in browser.get("/profilo").get_data(as_text=True)

    html = browser.get(PAGE).get_data(as_text=True)

    assert "<script" not in html.split('<main', 1)[1]  # plain HTML form, no JavaScript needed
    radios = re.findall(r'<input[^>]*type="radio"[^>]*>', html)
    assert len(radios) == 3 * 4  # answer, reply, phase, moderation; three choices each
    for radio in radios:
        radio_id = re.search(r'id="([^"]+)"', radio).group(1)
        assert f'<label class="form-check-label" for="{radio_id}">' in html, radio_id
    assert html.count("<legend") == 4 and html.count("<fieldset") == 4


def test_everything_is_mailed_straight_away_until_someone_chooses_otherwise(db, client_as):
    html = signed_in(db, client_as).get(PAGE).get_data(as_text=True)
    assert choices_on(html) == {"answer": "immediate", "reply": "immediate", "phase": "immediate",
                                "moderation": "immediate"}


def test_officers_also_choose_how_they_hear_that_a_report_is_ready(db, client_as):
    officer = make_user(officer_of=institution("provincia-cremona"))
    html = signed_in(db, client_as, officer).get(PAGE).get_data(as_text=True)
    assert choices_on(html)["report_ready"] == "immediate"
    admin = signed_in(db, client_as, make_user(Role.ADMIN))
    assert "report_ready" not in choices_on(admin.get(PAGE).get_data(as_text=True))


def test_choices_are_saved_and_shown_again(db, client_as):
    giulia = make_user()
    browser = signed_in(db, client_as, giulia)
    response = browser.post(PAGE, data={"answer": "daily", "reply": "off", "phase": "immediate",
                                        "moderation": "daily", "csrf_token": form_token(browser, PAGE)})
    assert response.status_code == 302 and response.headers["Location"].endswith(PAGE)
    assert notifications.preferences_of(giulia) == {
        Topic.ANSWER: Delivery.DAILY, Topic.REPLY: Delivery.OFF, Topic.PHASE: Delivery.IMMEDIATE,
        Topic.MODERATION: Delivery.DAILY, Topic.REPORT_READY: Delivery.IMMEDIATE}
    assert choices_on(browser.get(PAGE).get_data(as_text=True)) == {
        "answer": "daily", "reply": "off", "phase": "immediate", "moderation": "daily"}

    # Saving again changes the rows, never duplicates them.
    browser.post(PAGE, data={"answer": "immediate", "reply": "off", "phase": "immediate", "moderation": "daily",
                             "csrf_token": form_token(browser, PAGE)})
    rows = db.session.scalars(select(NotificationPreference).where(NotificationPreference.user_id == giulia.id))
    assert sorted((r.topic, r.delivery.value) for r in rows) == [
        ("answer", "immediate"), ("moderation", "daily"), ("phase", "immediate"), ("reply", "off")]


def test_a_missing_or_invented_choice_is_refused_with_the_page_again(db, client_as):
    browser = signed_in(db, client_as)
    response = browser.post(PAGE, data={"answer": "hourly", "reply": "off", "phase": "off",
                                        "csrf_token": form_token(browser, PAGE)})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'aria-describedby="answer-error"' in html and 'id="moderation-error"' in html


def test_off_means_no_mail_but_the_notification_is_still_on_the_site(db, mailbox, send_mail_queue):
    paolo = make_user(email="paolo@example.org")
    notifications.set_preference(paolo, Topic.MODERATION, Delivery.OFF)

    notifications.notify(paolo.id, "restored", link="/")
    db.session.commit()
    send_mail_queue()

    assert [n.kind for n in notifications.latest_for(paolo)] == ["restored"]
    assert notifications.latest_for(paolo)[0].mail_state == MailState.NONE
    assert queued_for(db, paolo) == [] and mailbox.messages == []


def test_a_choice_covers_only_its_own_kind(db):
    """Turning replies off does not silence moderation notices."""
    irene = make_user()
    notifications.set_preference(irene, Topic.REPLY, Delivery.OFF)
    assert notifications.notify(irene.id, "reply", link="/").mail_state == MailState.NONE
    assert notifications.notify(irene.id, "hidden", link="/", reason="spam").mail_state == MailState.QUEUED
    assert notifications.notify(irene.id, "phase", link="/", reason="voting").mail_state == MailState.QUEUED


def test_every_moderation_kind_follows_the_moderation_choice(db):
    assert {kind for kind, topic in KINDS.items() if topic is Topic.MODERATION} == {
        "held", "hidden", "restored", "approved", "appeal_upheld", "appeal_rejected", "blocked"}
    person = make_user()
    notifications.set_preference(person, Topic.MODERATION, Delivery.DAILY)
    for kind in ("held", "hidden", "restored", "approved", "appeal_upheld", "appeal_rejected", "blocked"):
        assert notifications.notify(person.id, kind, link="/").mail_state == MailState.DIGEST, kind


def test_the_page_is_for_signed_in_people(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/accedi" in response.headers["Location"]
