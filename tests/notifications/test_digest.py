"""People who chose a daily digest get one e-mail a day with everything new, once."""
from __future__ import annotations

from datetime import timedelta

from flask_babel import force_locale

from engage.core import mail
from engage.notifications import kinds
from engage.notifications import services as notifications
from engage.notifications.kinds import Delivery, Topic
from engage.notifications.models import MailState
from tests.factories import make_consultation, make_proposal, make_user
from tests.notifications.conftest import T0, queued_for, unsubscribe_path


def daily_reader(**fields):
    person = make_user(**fields)
    for topic in Topic:
        notifications.set_preference(person, topic, Delivery.DAILY)
    return person


def test_a_days_notifications_arrive_together_in_one_mail_oldest_first(db, mailbox):
    chiara = daily_reader(email="chiara@example.org", display_name="Chiara Bassi", locale="en")
    consultation = make_consultation(title_it="Ciclabili della bassa", title_en="Cycle paths of the lowlands")
    proposal = make_proposal(consultation, chiara, title="Pista lungo il Po")
    notifications.notify(chiara.id, "reply", link=f"/proposte/{proposal.id}#commento-1", proposal=proposal,
                         now=T0 - timedelta(hours=20))
    notifications.notify(chiara.id, "phase", link=f"/consultazioni/{consultation.id}", reason="voting",
                         consultation=consultation, now=T0 - timedelta(hours=9))
    notifications.notify(chiara.id, "answer", link=f"/proposte/{proposal.id}", proposal=proposal,
                         now=T0 - timedelta(hours=2))
    db.session.commit()

    # Nothing is mailed as it happens.
    assert queued_for(db, chiara) == []
    counts = notifications.send_digests(now=T0)
    assert counts == {"digests": 1, "notifications": 3, "skipped": 0}
    mail.send_due_mail(now=T0)

    [digest] = mailbox.to("chiara@example.org")
    assert digest["Subject"] == "Engage Cremona: 3 new notifications"
    body = mailbox.body(digest)
    assert body.startswith("Hello Chiara Bassi,")
    reply = body.index("Someone replied to your comment on the proposal “Pista lungo il Po”.")
    phase = body.index("The consultation “Cycle paths of the lowlands” has moved to a new phase: Voting open.")
    answer = body.index("The institution has given its official answer to the proposal “Pista lungo il Po”.")
    assert reply < phase < answer
    assert f"http://localhost:5000/proposte/{proposal.id}#commento-1" in body
    assert digest["List-Unsubscribe"] == f"<http://localhost:5000{unsubscribe_path(mailbox, digest)}>"
    assert all(n.mail_state == MailState.DIGESTED and n.mailed_at == T0 for n in notifications.latest_for(chiara))


def test_running_the_digest_again_sends_nothing_new(db, mailbox, runner):
    marta = daily_reader(email="marta@example.org")
    notifications.notify(marta.id, "restored", link="/")
    notifications.notify(marta.id, "approved", link="/")
    db.session.commit()

    first = runner.invoke(args=["notifications", "digest"])
    second = runner.invoke(args=["notifications", "digest"])
    runner.invoke(args=["mail", "send"])

    assert "Queued 1 digests with 2 notifications" in first.output
    assert "Queued 0 digests" in second.output
    assert len(mailbox.to("marta@example.org")) == 1


def test_what_arrives_after_a_digest_waits_for_the_next_day(db, mailbox):
    elena = daily_reader(email="elena@example.org")
    notifications.notify(elena.id, "restored", link="/", now=T0 - timedelta(hours=1))
    db.session.commit()
    assert notifications.send_digests(now=T0)["digests"] == 1

    notifications.notify(elena.id, "approved", link="/", now=T0 + timedelta(hours=3))
    db.session.commit()
    # Run again the same day (by mistake, or a timer set hourly): nobody gets two digests a day.
    assert notifications.send_digests(now=T0 + timedelta(hours=4)) == {"digests": 0, "notifications": 0,
                                                                       "skipped": 1}
    tomorrow = notifications.send_digests(now=T0 + timedelta(days=1))
    assert tomorrow == {"digests": 1, "notifications": 1, "skipped": 0}

    mail.send_due_mail(now=T0 + timedelta(days=1))
    first, second = mailbox.to("elena@example.org")
    with force_locale("it"):
        restored = kinds.sentence(notifications.latest_for(elena)[1])
        approved = kinds.sentence(notifications.latest_for(elena)[0])
    assert restored in mailbox.body(first) and approved not in mailbox.body(first)
    assert approved in mailbox.body(second) and restored not in mailbox.body(second)


def test_only_the_digest_kinds_wait_the_others_go_at_once(db, mailbox):
    fabio = make_user(email="fabio@example.org")
    notifications.set_preference(fabio, Topic.PHASE, Delivery.DAILY)
    consultation = make_consultation()
    notifications.notify(fabio.id, "phase", link="/", reason="voting", consultation=consultation, now=T0)
    notifications.notify(fabio.id, "hidden", link="/", reason="spam", now=T0)
    db.session.commit()

    mail.send_due_mail(now=T0)
    assert len(mailbox.to("fabio@example.org")) == 1  # the moderation notice, straight away
    notifications.send_digests(now=T0)
    mail.send_due_mail(now=T0)
    assert len(mailbox.to("fabio@example.org")) == 2


def test_a_kind_turned_off_before_the_digest_is_left_out_of_it(db, mailbox):
    nadia = daily_reader(email="nadia@example.org")
    notifications.notify(nadia.id, "reply", link="/", now=T0)
    notifications.notify(nadia.id, "restored", link="/", now=T0)
    notifications.set_preference(nadia, Topic.REPLY, Delivery.OFF)
    db.session.commit()

    assert notifications.send_digests(now=T0)["notifications"] == 1
    reply = next(n for n in notifications.latest_for(nadia) if n.kind == "reply")
    assert reply.mail_state == MailState.NONE  # not kept waiting for a digest that will never include it


def test_nobody_with_nothing_new_gets_a_digest(db, mailbox):
    daily_reader(email="quiet@example.org")
    db.session.commit()
    assert notifications.send_digests(now=T0)["digests"] == 0
    mail.send_due_mail(now=T0)
    assert mailbox.messages == []
