"""Every notification e-mail can be stopped with one click, without signing in: from the link in
the mail (a page with a button) or from the mail program's own button (RFC 8058)."""
from __future__ import annotations

import time

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from engage.core import mail
from engage.notifications import services as notifications
from engage.notifications.kinds import Delivery, Topic
from engage.notifications.mails import unsubscribe_token
from tests.factories import form_token, make_user
from tests.notifications.conftest import unsubscribe_path

ENGLISH = {"Accept-Language": "en"}  # a visitor who is not signed in, reading English


@pytest.fixture
def mailed(db, mailbox):
    """Luca got an e-mail because his content was restored; returns (Luca, the mail)."""
    luca = make_user(email="luca@example.org", locale="en")
    notifications.notify(luca.id, "restored", link="/")
    db.session.commit()
    mail.send_due_mail()
    return luca, mailbox.last_to("luca@example.org")


def test_the_link_in_the_mail_opens_a_page_and_the_button_stops_those_mails(db, client, mailbox, mailed):
    luca, message = mailed
    path = unsubscribe_path(mailbox, message)

    page = client.get(path, headers=ENGLISH)  # not signed in: the link is enough

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Stop these e-mails?" in html and "Moderation of your contributions and your account" in html
    assert notifications.preferences_of(luca)[Topic.MODERATION] is Delivery.IMMEDIATE  # a GET changes nothing

    done = client.post(path, data={"csrf_token": form_token(client, path)}, headers=ENGLISH)

    assert done.status_code == 200
    assert "Done: these e-mails are stopped" in done.get_data(as_text=True)
    assert notifications.preferences_of(luca)[Topic.MODERATION] is Delivery.OFF
    assert notifications.preferences_of(luca)[Topic.REPLY] is Delivery.IMMEDIATE  # only what the mail was about

    # The next notice of that kind stays on the site only.
    mailbox.clear()
    notifications.notify(luca.id, "approved", link="/")
    db.session.commit()
    mail.send_due_mail()
    assert mailbox.messages == []


def test_the_mail_programs_one_click_post_works_without_a_session_or_csrf_token(db, app, mailbox, mailed):
    luca, message = mailed
    header = message["List-Unsubscribe"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert header == f"<http://localhost:5000{unsubscribe_path(mailbox, message)}>"  # the same URL as the link

    # What Gmail's or Outlook's servers send: no cookie, no token, just this body, to that URL.
    provider = app.test_client()
    response = provider.post(header.strip("<>").removeprefix("http://localhost:5000"),
                             data={"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert notifications.preferences_of(luca)[Topic.MODERATION] is Delivery.OFF
    assert provider.post(header.strip("<>").removeprefix("http://localhost:5000"),
                         data={"List-Unsubscribe": "One-Click"}).status_code == 200  # again: still fine


def test_the_pages_own_form_still_needs_its_csrf_token(db, client, mailbox, mailed):
    luca, message = mailed
    response = client.post(unsubscribe_path(mailbox, message), data={}, headers=ENGLISH)
    assert response.status_code == 400
    assert "The form has expired" in response.get_data(as_text=True)
    assert notifications.preferences_of(luca)[Topic.MODERATION] is Delivery.IMMEDIATE


def test_the_digests_link_stops_the_daily_digest(db, client, mailbox):
    bruna = make_user(email="bruna@example.org")
    notifications.set_preference(bruna, Topic.REPLY, Delivery.DAILY)
    notifications.set_preference(bruna, Topic.PHASE, Delivery.DAILY)
    notifications.notify(bruna.id, "reply", link="/")
    db.session.commit()
    notifications.send_digests()
    mail.send_due_mail()
    path = unsubscribe_path(mailbox, mailbox.last_to("bruna@example.org"))

    client.post(path, data={"List-Unsubscribe": "One-Click"})

    prefs = notifications.preferences_of(bruna)
    assert (prefs[Topic.REPLY], prefs[Topic.PHASE]) == (Delivery.OFF, Delivery.OFF)
    assert prefs[Topic.MODERATION] is Delivery.IMMEDIATE  # not part of the digest: untouched


@pytest.mark.parametrize("forgery", ["made up", "tampered", "other purpose", "other key", "unknown topic"])
def test_a_forged_link_gets_a_clear_page_and_changes_nothing(db, client, app, forgery):
    victim = make_user()
    db.session.commit()
    genuine = unsubscribe_token(victim.id, "reply")
    token = {
        "made up": "abc.def.ghi",
        "tampered": genuine[:-3] + ("AAA" if not genuine.endswith("AAA") else "BBB"),
        "other purpose": URLSafeTimedSerializer(app.secret_key, salt="engage.reset-password").dumps(
            {"uid": victim.id, "topic": "reply"}),
        "other key": URLSafeTimedSerializer("not-our-key", salt="engage.unsubscribe").dumps(
            {"uid": victim.id, "topic": "reply"}),
        "unknown topic": URLSafeTimedSerializer(app.secret_key, salt="engage.unsubscribe").dumps(
            {"uid": victim.id, "topic": "everything"}),
    }[forgery]
    path = f"/notifiche/disiscrizione/{token}"

    for response in (client.get(path, headers=ENGLISH),
                     client.post(path, data={"List-Unsubscribe": "One-Click"}, headers=ENGLISH)):
        assert response.status_code == 400
        assert "This unsubscribe link is not valid" in response.get_data(as_text=True)
    assert notifications.preferences_of(victim)[Topic.REPLY] is Delivery.IMMEDIATE


class SignedLongAgo(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(time.time()) - 400 * 86400  # 400 days ago: the links work for a year


def test_an_expired_link_gets_the_same_clear_page(db, client, app):
    person = make_user()
    db.session.commit()
    token = URLSafeTimedSerializer(app.secret_key, salt="engage.unsubscribe", signer=SignedLongAgo).dumps(
        {"uid": person.id, "topic": "reply"})
    response = client.get(f"/notifiche/disiscrizione/{token}", headers=ENGLISH)
    assert response.status_code == 400
    assert "This unsubscribe link is not valid" in response.get_data(as_text=True)
    assert 'href="/profilo/notifiche"' in response.get_data(as_text=True)
    assert client.post(f"/notifiche/disiscrizione/{token}", data={"List-Unsubscribe": "One-Click"}).status_code == 400
    assert notifications.preferences_of(person)[Topic.REPLY] is Delivery.IMMEDIATE


def test_a_link_for_a_deleted_account_does_nothing(db, client):
    from engage.auth.privacy import delete_account
    from tests.factories import PASSWORD

    gone = make_user()
    token = unsubscribe_token(gone.id, "reply")
    delete_account(gone, PASSWORD)
    db.session.commit()
    assert client.post(f"/notifiche/disiscrizione/{token}", data={"List-Unsubscribe": "One-Click"}).status_code == 400
