"""Who hears about what: replies to your comments, new phases of consultations you follow, and
news about proposals you wrote, support or follow (each person once, never the one who acted)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from engage.auth.models import User
from engage.comments.services import post_comment
from engage.consultations.phases import Phase
from engage.consultations.services import move_to_phase
from engage.core import mail
from engage.core.db import utcnow
from engage.follows.services import follow
from engage.notifications import kinds
from engage.notifications import services as notifications
from engage.notifications.models import Notification, PhaseAnnouncement
from engage.votes.models import Support
from tests.factories import (form_token, institution, make_consultation, make_proposal, make_supports, make_user,
                             set_phase)


def kinds_for(user) -> list[str]:
    return [n.kind for n in notifications.latest_for(user)]


# Replies ---------------------------------------------------------------------------------------

def test_a_reply_to_my_comment_reaches_me_by_mail(db, client_as, mailbox, send_mail_queue):
    anna = make_user(display_name="Anna Ferrari", email="anna@example.org", locale="en")
    bruno = make_user(display_name="Bruno Galli")
    proposal = make_proposal(make_consultation(), make_user(), title="Più alberi in via Dante")
    first = post_comment(anna, proposal.consultation, body="Servono platani.", proposal=proposal)
    db.session.commit()
    browser = client_as(bruno)
    page = f"/proposte/{proposal.id}"

    response = browser.post(f"{page}/commenti", data={"body": "Meglio i tigli.", "parent_id": str(first.id),
                                                      "csrf_token": form_token(browser, page)})
    assert response.status_code == 302
    send_mail_queue()

    [notification] = notifications.latest_for(anna)
    assert notification.kind == "reply" and notification.link.startswith("/commenti/")
    reply_id = int(notification.link.removeprefix("/commenti/"))
    assert browser.get(notification.link).headers["Location"] == f"{page}#commento-{reply_id}"
    message = mailbox.last_to("anna@example.org")
    assert message["Subject"] == "New reply to your comment"
    assert "Someone replied to your comment on the proposal “Più alberi in via Dante”." in mailbox.body(message)
    assert f"http://localhost:5000{notification.link}" in mailbox.body(message)


def test_replies_in_a_consultations_discussion_name_the_consultation(db):
    anna, carlo = make_user(locale="en"), make_user()
    consultation = make_consultation(title_it="Energia nelle scuole", title_en="Energy in schools")
    first = post_comment(anna, consultation, body="Pannelli sui tetti.")
    post_comment(carlo, consultation, body="Sì, e le batterie?", parent=first)
    [notification] = notifications.latest_for(anna)
    with force_locale("en"):
        assert kinds.sentence(notification) == \
            "Someone replied to your comment in the discussion of “Energy in schools”."


def test_nobody_is_told_about_replying_to_themselves_or_about_a_plain_comment(db):
    anna = make_user()
    consultation = make_consultation()
    first = post_comment(anna, consultation, body="Primo.")
    post_comment(anna, consultation, body="Aggiungo una cosa.", parent=first)
    post_comment(make_user(), consultation, body="Un commento nuovo, non una risposta.")
    assert kinds_for(anna) == []


def test_a_reply_held_for_review_tells_nobody_yet(db):
    anna = make_user()
    consultation = make_consultation(premoderate_comments=True)
    first = post_comment(anna, consultation, body="Primo.")
    post_comment(make_user(), consultation, body="Risposta da controllare.", parent=first)
    assert "reply" not in kinds_for(anna)


# Phases -----------------------------------------------------------------------------------------

def test_staff_moving_the_phase_tells_the_followers_but_not_themselves(db, client_as, mailbox, send_mail_queue):
    officer = make_user(officer_of=institution("provincia-cremona"), email="referente@example.org")
    consultation = make_consultation(Phase.PROPOSALS, title_it="Ciclabili", title_en="Cycle paths")
    giorgio = make_user(email="giorgio@example.org", locale="en")
    stranger = make_user(email="stranger@example.org")
    for person in (giorgio, officer):
        follow(person, consultation=consultation)
    db.session.commit()
    browser = client_as(officer)
    page = f"/consultazioni/{consultation.id}"

    browser.post(f"{page}/fase", data={"phase": "voting", "csrf_token": form_token(browser, page)})
    send_mail_queue()

    message = mailbox.last_to("giorgio@example.org")
    assert message["Subject"] == "Cycle paths: Voting open"
    assert "The consultation “Cycle paths” has moved to a new phase: Voting open." in mailbox.body(message)
    assert f"http://localhost:5000{page}" in mailbox.body(message)
    assert not mailbox.to("referente@example.org") and not mailbox.to("stranger@example.org")
    assert kinds_for(officer) == [] and kinds_for(stranger) == []


def test_phases_that_begin_with_time_are_announced_once_by_the_timer(db, mailbox, runner):
    consultation = make_consultation(Phase.PROPOSALS)  # voting opens in ten days
    rita = make_user(email="rita@example.org")
    follow(rita, consultation=consultation)
    db.session.commit()

    first_run = notifications.announce_phase_changes(now=utcnow())
    # First sight of the consultation: recorded, nobody told about a phase that began before.
    assert first_run == {"announced": 0, "recorded": 1, "notifications": 0} and kinds_for(rita) == []
    assert db.session.get(PhaseAnnouncement, consultation.id).phase is Phase.PROPOSALS

    voting_opens = consultation.voting_from
    assert notifications.announce_phase_changes(now=voting_opens - timedelta(minutes=1))["announced"] == 0
    after = notifications.announce_phase_changes(now=voting_opens + timedelta(minutes=5))
    again = notifications.announce_phase_changes(now=voting_opens + timedelta(minutes=10))

    assert after["announced"] >= 1 and again["announced"] == 0
    [notification] = notifications.latest_for(rita)
    assert (notification.kind, notification.reason, notification.consultation_id) == ("phase", "voting",
                                                                                       consultation.id)
    assert db.session.get(PhaseAnnouncement, consultation.id).phase is Phase.VOTING
    mail.send_due_mail(now=voting_opens + timedelta(minutes=10))
    assert len(mailbox.to("rita@example.org")) == 1


def test_the_phases_command_after_a_move_by_hand_says_nothing_twice(db, runner):
    consultation = make_consultation(Phase.PROPOSALS)
    luigi = make_user()
    follow(luigi, consultation=consultation)
    notifications.announce_phase_changes()  # the timer has seen it before
    set_phase(consultation, Phase.VOTING)   # staff move it: followers told at once
    db.session.commit()

    result = runner.invoke(args=["notifications", "phases"])

    assert result.exit_code == 0 and "Announced 0 phase changes" in result.output
    assert kinds_for(luigi) == ["phase"]


def test_going_back_to_draft_tells_nobody(db):
    consultation = make_consultation(Phase.UPCOMING)
    follower = make_user()
    follow(follower, consultation=consultation)
    move_to_phase(make_user(officer_of=consultation.institution), consultation, Phase.DRAFT)
    assert kinds_for(follower) == []


# Proposal audiences -----------------------------------------------------------------------------

def test_the_audience_of_a_proposal_hears_once_each_and_never_the_one_who_acted(db):
    consultation = make_consultation(Phase.VOTING)
    author = make_user()
    proposal = make_proposal(consultation, author)
    make_supports(proposal, 3)
    supporter = db.session.get(User, db.session.scalar(select(Support.user_id).where(Support.proposal_id == proposal.id)
                                                       .limit(1)))
    follow(supporter, proposal=proposal)  # supports and follows: still told once
    fan = make_user()
    follow(fan, proposal=proposal)
    follow(author, proposal=proposal)  # the author follows their own proposal too: still told once
    officer = make_user(officer_of=consultation.institution)
    follow(officer, proposal=proposal)
    outsider = make_user()
    follow(outsider, proposal=make_proposal(consultation))  # another proposal

    created = notifications.notify_proposal_audience(proposal, "answer", f"/proposte/{proposal.id}", actor=officer)

    told = sorted(n.user_id for n in created)
    assert len(told) == len(set(told)) == 5  # the author, three supporters, the fan
    assert author.id in told and fan.id in told
    assert officer.id not in told and outsider.id not in told
    assert all(n.proposal_id == proposal.id and n.kind == "answer" for n in created)
    counted = db.session.scalar(select(func.count()).select_from(Notification)
                                .where(Notification.kind == "answer", Notification.proposal_id == proposal.id))
    assert counted == 5


def test_consultation_followers_hear_once_each(db):
    consultation = make_consultation()
    people = [make_user() for _ in range(3)]
    for person in people:
        follow(person, consultation=consultation)
    created = notifications.notify_consultation_followers(consultation, "phase", "/", reason="voting",
                                                          actor=people[0])
    assert sorted(n.user_id for n in created) == sorted(p.id for p in people[1:])


def test_officers_hear_that_a_report_is_ready(db):
    provincia = institution("provincia-cremona")
    officers = [make_user(officer_of=provincia) for _ in range(2)]
    consultation = make_consultation(Phase.CLOSED, title_it="Piano neve")
    created = notifications.notify_institution_officers(provincia, "report_ready", "/rapporto.pdf",
                                                        consultation=consultation)
    assert {n.user_id for n in created} >= {o.id for o in officers}
    with force_locale("en"):
        assert kinds.sentence(created[0]) == "The report of the consultation “Piano neve” is ready."


def test_an_unknown_kind_is_refused_before_anything_is_written(db):
    with pytest.raises(LookupError, match="add it to engage/notifications/kinds.py"):
        notifications.notify(make_user().id, "answr", link="/")


def test_every_kind_has_its_own_words_in_both_languages(db):
    proposal = make_proposal(make_consultation(title_it="Consultazione"), make_user(), title="Una proposta")
    for kind in kinds.KINDS:
        notification = Notification(kind=kind, link="/", reason="voting" if kind == "phase" else "spam",
                                    proposal=proposal if kind in ("answer", "reply") else None,
                                    consultation=proposal.consultation if kind in ("phase", "report_ready") else None)
        for language in ("it", "en"):
            with force_locale(language):
                assert kinds.sentence(notification) not in ("", kind), kind
                assert kinds.subject(notification), kind
