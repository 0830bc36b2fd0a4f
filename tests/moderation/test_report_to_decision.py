"""From a citizen's report to a moderator's decision, through the web pages.

Citizens report comments and proposals; three reports from different people hide an item
until a moderator looks at it. Moderators (and the officers of the consultation's
institution) work through the queue: restore, hide with a reason, dismiss, approve, in bulk
or one row at a time. Authors are told, can still read their words, and may appeal once.
Every action lands in an append-only audit log; the public sees only monthly totals.

Signed-in people read the pages in English (their account's language); anonymous visitors
send Accept-Language: en. Assertions use the English source strings, ids and data.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import func, select, text

from engage.auth.models import Role
from engage.core.db import ROME, today_in_cremona
from engage.moderation import services
from engage.moderation.models import (Decision, Moderation, ModerationAction, ModerationCase, Report,
                                      ReportReason)
from engage.notifications.models import Notification
from engage.votes import tally
from tests.factories import form_token, institution, make_comment, make_consultation, make_proposal, make_user

ENGLISH = {"Accept-Language": "en"}


# --- People ----------------------------------------------------------------------------------

def citizen(**kwargs):
    return make_user(locale="en", **kwargs)


def moderator(**kwargs):
    return make_user(Role.MODERATOR, locale="en", **kwargs)


def officer_of(slug: str):
    return make_user(locale="en", officer_of=institution(slug))


# --- What people do on the pages ---------------------------------------------------------------

def report(browser, kind: str, item_id: int, reason: str | None = "spam", details: str = ""):
    url = f"/segnala/{kind}/{item_id}"
    data = {"csrf_token": form_token(browser, url), "details": details}
    if reason is not None:
        data["reason"] = reason
    return browser.post(url, data=data)


def decide(browser, case_id: int, action: str, reason: str = "spam", note: str = ""):
    url = f"/moderazione/casi/{case_id}"
    return browser.post(url, data={"csrf_token": form_token(browser, url), "action": action,
                                   "reason": reason, "note": note})


def act_on_queue(browser, *, case_ids=(), bulk_action: str = "", single: str = "", reason: str = "spam"):
    data = {"csrf_token": form_token(browser, "/moderazione/"), "reason": reason, "note": "",
            "case_ids": [str(i) for i in case_ids], "bulk_action": bulk_action}
    if single:
        data["single"] = single
    return browser.post("/moderazione/azioni", data=data)


def appeal(browser, kind: str, item_id: int, message: str):
    url = f"/ricorso/{kind}/{item_id}"
    return browser.post(url, data={"csrf_token": form_token(browser, url), "message": message})


def page(browser, url: str, **kwargs) -> str:
    response = browser.get(url, **kwargs)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def in_queue(browser, case_id: int) -> bool:
    return f'id="case-{case_id}"' in page(browser, "/moderazione/")


# --- What the rows say -------------------------------------------------------------------------

def case_of(db, item) -> ModerationCase:
    case = services.case_for(item, create=False)
    assert case is not None, f"no moderation case for {item!r}"
    db.session.refresh(case)
    return case


def actions_on(db, case) -> list[ModerationAction]:
    return list(db.session.scalars(select(ModerationAction).where(ModerationAction.case_id == case.id)
                                   .order_by(ModerationAction.id)))


def logged(db, case) -> list[tuple]:
    """(who, what, before, after) for each action on the case."""
    return [(a.actor_id, a.action, a.state_before, a.state_after) for a in actions_on(db, case)]


def reports_on(db, case) -> list[Report]:
    return list(db.session.scalars(select(Report).where(Report.case_id == case.id).order_by(Report.id)))


def notifications_of(db, user) -> list[str]:
    return list(db.session.scalars(select(Notification.kind).where(Notification.user_id == user.id)
                                   .order_by(Notification.id)))


@pytest.fixture
def consultation(db):
    """Proposals open, run by the Provincia di Cremona."""
    return make_consultation(institution_slug="provincia-cremona")


# --- Reporting ---------------------------------------------------------------------------------

def test_a_citizen_reports_a_comment_and_a_proposal(db, consultation, client_as):
    proposal = make_proposal(consultation, title="Parcheggio gratuito in centro")
    comment = make_comment(proposal, body="Compra orologi a poco prezzo su questo sito!")
    reporter = citizen()
    db.session.commit()
    browser = client_as(reporter)

    for kind, item in (("commento", comment), ("proposta", proposal)):
        form = page(browser, f"/segnala/{kind}/{item.id}")
        assert 'name="reason"' in form and 'value="personal_data"' in form and 'name="details"' in form

    response = report(browser, "commento", comment.id, "spam", details="Pubblicità di orologi.")
    assert response.status_code == 302
    # Back to the comment: its lasting address, which leads to its page of the discussion.
    assert response.headers["Location"] == f"/commenti/{comment.id}"
    assert browser.get(response.headers["Location"]).headers["Location"] == \
        f"/proposte/{proposal.id}#commento-{comment.id}"
    response = report(browser, "proposta", proposal.id, "misinformation", details="Il parcheggio non esiste.")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/proposte/{proposal.id}"

    on_comment, = reports_on(db, case_of(db, comment))
    on_proposal, = reports_on(db, case_of(db, proposal))
    assert (on_comment.reporter_id, on_comment.reason, on_comment.details) == \
        (reporter.id, ReportReason.SPAM, "Pubblicità di orologi.")
    assert (on_proposal.reporter_id, on_proposal.reason, on_proposal.details) == \
        (reporter.id, ReportReason.MISINFORMATION, "Il parcheggio non esiste.")
    # One report is not enough to hide anything; both cases wait in the queue.
    assert comment.moderation is Moderation.VISIBLE and proposal.moderation is Moderation.VISIBLE
    assert case_of(db, comment).is_open and case_of(db, proposal).is_open
    report_action, = actions_on(db, case_of(db, comment))
    assert (report_action.actor_id, report_action.action, report_action.reason) == (reporter.id, "report", "spam")


def test_reporting_the_same_item_twice_is_refused_with_a_message(db, consultation, client_as):
    comment = make_comment(make_proposal(consultation))
    browser = client_as(citizen())
    db.session.commit()

    assert report(browser, "commento", comment.id, "spam").status_code == 302
    again = report(browser, "commento", comment.id, "offensive")

    assert again.status_code in (409, 422)
    assert "You have already reported this. Moderators will look at it." in again.get_data(as_text=True)
    assert [r.reason for r in reports_on(db, case_of(db, comment))] == [ReportReason.SPAM]


def test_nobody_reports_what_they_wrote_themselves(db, consultation, client_as):
    author = citizen()
    proposal = make_proposal(consultation, author)
    db.session.commit()
    browser = client_as(author)

    assert browser.get(f"/segnala/proposta/{proposal.id}").status_code == 403
    response = report(browser, "proposta", proposal.id, "spam")

    assert response.status_code in (403, 409, 422)
    assert "You cannot report what you wrote yourself." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Report)) == 0


def test_a_report_without_a_reason_comes_back_with_the_details_kept(db, consultation, client_as):
    comment = make_comment(make_proposal(consultation))
    browser = client_as(citizen())
    db.session.commit()

    response = report(browser, "commento", comment.id, reason=None, details="Contiene il mio numero di telefono")

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Choose a reason." in html
    assert re.search(r'<textarea[^>]*name="details"[^>]*>\s*Contiene il mio numero di telefono</textarea>', html)
    assert db.session.scalar(select(func.count()).select_from(Report)) == 0


# --- Three reports hide an item; the moderators decide -----------------------------------------

def test_three_reports_hide_a_comment_until_a_moderator_restores_it(app, db, consultation, client, client_as):
    assert app.config["MODERATION_AUTO_HIDE_REPORTS"] == 3
    proposal = make_proposal(consultation)
    author = citizen()
    comment = make_comment(proposal, author=author, body="Il sindaco è un incapace, vergogna!")
    anna, bruno, carla = citizen(), citizen(), citizen()
    mod = moderator()
    db.session.commit()
    public_url = f"/proposte/{proposal.id}"
    assert "Il sindaco è un incapace" in page(client, public_url, headers=ENGLISH)
    assert proposal.comment_count == 1

    # Two reports: still shown.
    assert report(client_as(anna), "commento", comment.id, "offensive").status_code == 302
    assert report(client_as(bruno), "commento", comment.id, "offensive").status_code == 302
    assert comment.moderation is Moderation.VISIBLE
    assert "Il sindaco è un incapace" in page(client, public_url, headers=ENGLISH)

    # The third person's report hides it, with the most common reason.
    assert report(client_as(carla), "commento", comment.id, "spam").status_code == 302
    assert comment.moderation is Moderation.HIDDEN
    assert comment.hidden_reason is ReportReason.OFFENSIVE
    public = page(client, public_url, headers=ENGLISH)
    assert "Hidden by moderation: Offensive or hateful" in public
    assert "Il sindaco è un incapace" not in public
    assert proposal.comment_count == 0  # a hidden comment is not counted
    case = case_of(db, comment)
    assert logged(db, case)[-1] == (None, "auto_hide", "visible", "hidden")

    # The author still reads their words, and is told why they are hidden.
    author_browser = client_as(author)
    assert "Il sindaco è un incapace" in page(author_browser, public_url)
    assert notifications_of(db, author) == ["hidden"]
    notice = db.session.scalar(select(Notification).where(Notification.user_id == author.id))
    assert notice.reason == "offensive" and notice.link == f"/commenti/{comment.id}"
    assert "Your content was hidden by moderation: Offensive or hateful. You can appeal once." in \
        page(author_browser, "/notifiche")

    # A moderator finds it in the queue and restores it.
    moderator_browser = client_as(mod)
    assert in_queue(moderator_browser, case.id)
    assert "Il sindaco è un incapace" in page(moderator_browser, f"/moderazione/casi/{case.id}")
    response = decide(moderator_browser, case.id, "restore", reason="other", note="Critica dura ma lecita")
    assert response.status_code == 302

    assert comment.moderation is Moderation.VISIBLE and comment.hidden_reason is None
    assert "Il sindaco è un incapace" in page(client, public_url, headers=ENGLISH)
    assert "Hidden by moderation" not in page(client, public_url, headers=ENGLISH)
    assert proposal.comment_count == 1
    case = case_of(db, comment)
    assert not case.is_open and case.decision is Decision.RESTORED and case.decided_by_id == mod.id
    assert all(r.cleared_at is not None for r in reports_on(db, case)) and len(reports_on(db, case)) == 3
    assert not in_queue(moderator_browser, case.id)
    restore = actions_on(db, case)[-1]
    assert (restore.actor_id, restore.action, restore.state_before, restore.state_after, restore.note) == \
        (mod.id, "restore", "hidden", "visible", "Critica dura ma lecita")
    assert notifications_of(db, author) == ["hidden", "restored"]
    assert tally.recount(proposal_ids=[proposal.id]).corrected == []


def test_three_reports_hide_a_proposal_from_the_public_but_not_from_its_author(db, consultation, client,
                                                                               client_as):
    author = citizen()
    proposal = make_proposal(consultation, author, title="Vendita di integratori miracolosi",
                             body="Scrivetemi per comprare le pillole.")
    db.session.commit()

    for _ in range(3):
        assert report(client_as(citizen()), "proposta", proposal.id, "spam").status_code == 302

    assert proposal.moderation is Moderation.HIDDEN and proposal.hidden_reason is ReportReason.SPAM
    public = page(client, f"/proposte/{proposal.id}", headers=ENGLISH)
    assert "Hidden by moderation: Spam" in public
    assert "integratori miracolosi" not in public and "comprare le pillole" not in public
    listing = page(client, f"/consultazioni/{consultation.id}/proposte", headers=ENGLISH)
    assert f'href="/proposte/{proposal.id}"' not in listing
    mine = page(client_as(author), f"/proposte/{proposal.id}")
    assert "integratori miracolosi" in mine and "comprare le pillole" in mine
    assert notifications_of(db, author) == ["hidden"]


def test_the_queue_is_for_moderators_and_the_officers_of_the_consultation(db, consultation, client_as):
    comment = make_comment(make_proposal(consultation))
    for _ in range(3):
        services.report(citizen(), comment, ReportReason.SPAM)
    case = case_of(db, comment)
    mod, here, elsewhere, someone = moderator(), officer_of("provincia-cremona"), officer_of("cgil"), citizen()
    db.session.commit()

    assert in_queue(client_as(mod), case.id)
    assert in_queue(client_as(here), case.id)
    assert page(client_as(here), f"/moderazione/casi/{case.id}")

    other = client_as(elsewhere)
    assert not in_queue(other, case.id)
    assert other.get(f"/moderazione/casi/{case.id}").status_code == 403
    assert decide(other, case.id, "restore").status_code == 403
    assert comment.moderation is Moderation.HIDDEN

    assert client_as(someone).get("/moderazione/").status_code == 403
    assert client_as(someone).get(f"/moderazione/casi/{case.id}").status_code == 403


def test_an_officer_of_the_institution_decides_on_its_consultation(db, consultation, client_as):
    proposal = make_proposal(consultation)
    services.report(citizen(), proposal, ReportReason.OFF_TOPIC)
    case = case_of(db, proposal)
    officer = officer_of("provincia-cremona")
    db.session.commit()

    assert decide(client_as(officer), case.id, "hide", reason="off_topic").status_code == 302

    assert proposal.moderation is Moderation.HIDDEN and proposal.hidden_reason is ReportReason.OFF_TOPIC
    assert logged(db, case)[-1] == (officer.id, "hide", "visible", "hidden")


def test_a_moderator_hides_with_a_reason_the_public_can_read(db, consultation, client, client_as):
    author = citizen()
    proposal = make_proposal(consultation, author, title="Compra follower", body="Link a un negozio.")
    services.report(citizen(), proposal, ReportReason.SPAM)
    case = case_of(db, proposal)
    mod = moderator()
    db.session.commit()

    response = decide(client_as(mod), case.id, "hide", reason="spam", note="Pubblicità")

    assert response.status_code == 302
    assert response.headers["Location"] == f"/moderazione/casi/{case.id}"
    public = page(client, f"/proposte/{proposal.id}", headers=ENGLISH)
    assert "Hidden by moderation: Spam" in public
    assert "Compra follower" not in public and "Link a un negozio" not in public
    case = case_of(db, proposal)
    assert case.decision is Decision.HIDDEN and not case.is_open
    hide = actions_on(db, case)[-1]
    assert (hide.actor_id, hide.action, hide.reason, hide.note, hide.state_before, hide.state_after) == \
        (mod.id, "hide", "spam", "Pubblicità", "visible", "hidden")
    assert hide.subject_user_id == author.id
    assert notifications_of(db, author) == ["hidden"]


def test_dismissing_clears_the_reports_and_keeps_the_item_shown(db, consultation, client, client_as):
    proposal = make_proposal(consultation, title="Più alberi in via Dante")
    services.report(citizen(), proposal, ReportReason.OFF_TOPIC)
    services.report(citizen(), proposal, ReportReason.MISINFORMATION)
    case = case_of(db, proposal)
    mod = moderator()
    db.session.commit()
    browser = client_as(mod)
    assert in_queue(browser, case.id)

    assert decide(browser, case.id, "dismiss", reason="other", note="Segnalazioni infondate").status_code == 302

    case = case_of(db, proposal)
    assert [r.cleared_at is not None for r in reports_on(db, case)] == [True, True]
    assert not case.is_open and case.decision is Decision.DISMISSED
    assert proposal.moderation is Moderation.VISIBLE
    assert "Più alberi in via Dante" in page(client, f"/proposte/{proposal.id}", headers=ENGLISH)
    assert not in_queue(browser, case.id)
    assert logged(db, case)[-1] == (mod.id, "dismiss", "visible", "visible")
    # Cleared reports no longer count towards hiding: it takes three new ones.
    services.report(citizen(), proposal, ReportReason.SPAM)
    services.report(citizen(), proposal, ReportReason.SPAM)
    assert proposal.moderation is Moderation.VISIBLE


def test_dismissing_the_reports_on_an_automatically_hidden_item_shows_it_again(db, consultation, client_as):
    comment = make_comment(make_proposal(consultation))
    for _ in range(3):
        services.report(citizen(), comment, ReportReason.SPAM)
    assert comment.moderation is Moderation.HIDDEN
    case = case_of(db, comment)
    mod = moderator()
    db.session.commit()

    assert decide(client_as(mod), case.id, "dismiss").status_code == 302

    assert comment.moderation is Moderation.VISIBLE
    assert all(r.cleared_at is not None for r in reports_on(db, case_of(db, comment)))
    assert logged(db, case)[-1] == (mod.id, "dismiss", "hidden", "visible")


# --- Appeals -----------------------------------------------------------------------------------

def hidden_by_a_moderator(db, consultation, author, mod, body: str):
    comment = make_comment(make_proposal(consultation), author=author, body=body)
    services.report(citizen(), comment, ReportReason.OFFENSIVE)
    services.hide(mod, case_of(db, comment), ReportReason.OFFENSIVE)
    return comment


def test_an_author_appeals_once_and_the_moderator_upholds_the_appeal(db, consultation, client, client_as):
    author, mod = citizen(), moderator()
    comment = hidden_by_a_moderator(db, consultation, author, mod, "Quel progetto è una truffa.")
    case = case_of(db, comment)
    db.session.commit()
    assert not case.is_open
    moderator_browser = client_as(mod)
    assert not in_queue(moderator_browser, case.id)

    author_browser = client_as(author)
    form = page(author_browser, f"/ricorso/commento/{comment.id}")
    assert "Your content was hidden for this reason: Offensive or hateful." in form
    response = appeal(author_browser, "commento", comment.id, "Era una critica, non un insulto.")
    assert response.status_code == 302

    case = case_of(db, comment)
    assert case.appeal_message == "Era una critica, non un insulto." and case.appeal_pending and case.is_open
    assert logged(db, case)[-1] == (author.id, "appeal", "", "")

    # Only once.
    assert author_browser.get(f"/ricorso/commento/{comment.id}").status_code == 403
    again = appeal(author_browser, "commento", comment.id, "Ci riprovo.")
    assert again.status_code in (403, 409, 422)
    assert "You can appeal once" in again.get_data(as_text=True)
    assert case_of(db, comment).appeal_message == "Era una critica, non un insulto."
    assert [a.action for a in actions_on(db, case)].count("appeal") == 1

    # The appeal waits in the queue; the moderator upholds it.
    assert in_queue(moderator_browser, case.id)
    assert "Era una critica, non un insulto." in page(moderator_browser, f"/moderazione/casi/{case.id}")
    assert decide(moderator_browser, case.id, "uphold", reason="other", note="Ha ragione").status_code == 302

    case = case_of(db, comment)
    assert case.appeal_upheld is True and case.appeal_decided_at is not None and not case.is_open
    assert comment.moderation is Moderation.VISIBLE
    assert "Quel progetto è una truffa." in page(client, f"/proposte/{comment.proposal_id}", headers=ENGLISH)
    upheld = actions_on(db, case)[-1]
    assert (upheld.actor_id, upheld.action, upheld.state_before, upheld.state_after, upheld.note) == \
        (mod.id, "appeal_upheld", "hidden", "visible", "Ha ragione")
    assert notifications_of(db, author)[-1] == "appeal_upheld"
    assert not in_queue(moderator_browser, case.id)


def test_a_rejected_appeal_keeps_the_item_hidden_and_is_logged(db, consultation, client, client_as):
    author, mod = citizen(), moderator()
    comment = hidden_by_a_moderator(db, consultation, author, mod, "Siete tutti dei ladri.")
    case = case_of(db, comment)
    db.session.commit()

    assert appeal(client_as(author), "commento", comment.id, "Non volevo offendere.").status_code == 302
    moderator_browser = client_as(mod)
    assert in_queue(moderator_browser, case.id)
    assert decide(moderator_browser, case.id, "reject", reason="offensive", note="Resta offensivo").status_code == 302

    case = case_of(db, comment)
    assert case.appeal_upheld is False and not case.is_open
    assert comment.moderation is Moderation.HIDDEN
    assert "Siete tutti dei ladri." not in page(client, f"/proposte/{comment.proposal_id}", headers=ENGLISH)
    rejected = actions_on(db, case)[-1]
    assert (rejected.actor_id, rejected.action, rejected.state_before, rejected.state_after) == \
        (mod.id, "appeal_rejected", "hidden", "hidden")
    assert notifications_of(db, author)[-1] == "appeal_rejected"
    # Decided is decided: no second appeal.
    assert client_as(author).get(f"/ricorso/commento/{comment.id}").status_code == 403


def test_only_the_author_of_hidden_content_may_appeal(db, consultation, client_as):
    author, mod = citizen(), moderator()
    comment = hidden_by_a_moderator(db, consultation, author, mod, "Testo nascosto.")
    visible = make_proposal(consultation, author)
    services.report(citizen(), visible, ReportReason.SPAM)
    db.session.commit()

    assert client_as(citizen()).get(f"/ricorso/commento/{comment.id}").status_code == 403
    assert client_as(author).get(f"/ricorso/proposta/{visible.id}").status_code == 403  # not hidden
    assert case_of(db, comment).appealed_at is None


# --- The queue's own buttons: bulk and single-row actions --------------------------------------

def reported_proposals(db, consultation, how_many: int) -> list:
    proposals = [make_proposal(consultation) for _ in range(how_many)]
    for proposal in proposals:
        services.report(citizen(), proposal, ReportReason.OFF_TOPIC)
    return proposals


def test_bulk_hide_restore_and_dismiss_from_the_queue(db, consultation, client_as):
    mod = moderator()
    proposals = reported_proposals(db, consultation, 4)
    cases = [case_of(db, p) for p in proposals]
    db.session.commit()
    browser = client_as(mod)
    ticked = [c.id for c in cases[:3]]

    response = act_on_queue(browser, case_ids=ticked, bulk_action="hide", reason="misinformation")
    assert response.status_code == 302 and response.headers["Location"] == "/moderazione/"
    assert [(p.moderation, p.hidden_reason) for p in proposals] == \
        [(Moderation.HIDDEN, ReportReason.MISINFORMATION)] * 3 + [(Moderation.VISIBLE, None)]
    for case in cases[:3]:
        assert logged(db, case)[-1] == (mod.id, "hide", "visible", "hidden")

    assert act_on_queue(browser, case_ids=ticked[:2], bulk_action="restore").status_code == 302
    assert [p.moderation for p in proposals] == \
        [Moderation.VISIBLE, Moderation.VISIBLE, Moderation.HIDDEN, Moderation.VISIBLE]
    for case in cases[:2]:
        assert logged(db, case)[-1] == (mod.id, "restore", "hidden", "visible")
        assert all(r.cleared_at is not None for r in reports_on(db, case))

    assert act_on_queue(browser, case_ids=[cases[3].id], bulk_action="dismiss").status_code == 302
    assert logged(db, cases[3])[-1] == (mod.id, "dismiss", "visible", "visible")
    assert all(r.cleared_at is not None for r in reports_on(db, cases[3]))
    assert not case_of(db, proposals[3]).is_open


def test_a_single_row_button_acts_on_that_row_only(db, consultation, client_as):
    mod = moderator()
    first, second = reported_proposals(db, consultation, 2)
    case = case_of(db, first)
    other = case_of(db, second)
    db.session.commit()
    browser = client_as(mod)
    queue = page(browser, "/moderazione/")
    assert f'name="single" value="hide:{case.id}"' in queue

    # The ticked boxes are ignored when a row's own button is pressed.
    response = act_on_queue(browser, case_ids=[other.id], bulk_action="restore", single=f"hide:{case.id}",
                            reason="personal_data")

    assert response.status_code == 302
    assert (first.moderation, first.hidden_reason) == (Moderation.HIDDEN, ReportReason.PERSONAL_DATA)
    assert second.moderation is Moderation.VISIBLE
    assert logged(db, case)[-1] == (mod.id, "hide", "visible", "hidden")
    assert [a.action for a in actions_on(db, other)] == ["report"]


def held_comments(db, consultation, how_many: int) -> list:
    proposal = make_proposal(consultation)
    comments = [make_comment(proposal) for _ in range(how_many)]
    for comment in comments:
        services.hold(comment)
    return comments


def test_bulk_approve_publishes_held_comments(db, consultation, client_as):
    mod = moderator()
    comments = held_comments(db, consultation, 2)
    proposal = comments[0].proposal
    cases = [case_of(db, c) for c in comments]
    db.session.commit()
    assert proposal.comment_count == 0

    assert act_on_queue(client_as(mod), case_ids=[c.id for c in cases], bulk_action="approve").status_code == 302

    assert [c.moderation for c in comments] == [Moderation.VISIBLE] * 2
    assert proposal.comment_count == 2
    for case in cases:
        assert logged(db, case)[-1] == (mod.id, "approve", "pending", "visible")
        assert case_of(db, case.comment).decision is Decision.APPROVED


def test_bulk_approve_on_a_mixed_selection_approves_the_held_items_only(db, consultation, client_as):
    """Ticking every row and choosing "Approve": held items are published, the reported ones
    are left for another decision (as engage.moderation.services.bulk does)."""
    mod = moderator()
    held, = held_comments(db, consultation, 1)
    reported, = reported_proposals(db, consultation, 1)
    held_case, reported_case = case_of(db, held), case_of(db, reported)
    db.session.commit()

    response = act_on_queue(client_as(mod), case_ids=[held_case.id, reported_case.id], bulk_action="approve")

    assert response.status_code == 302
    assert held.moderation is Moderation.VISIBLE
    assert reported.moderation is Moderation.VISIBLE
    assert logged(db, held_case)[-1] == (mod.id, "approve", "pending", "visible")
    assert [a.action for a in actions_on(db, reported_case)] == ["report"]
    assert case_of(db, reported).is_open


def test_a_bulk_action_by_an_officer_on_another_institutions_case_changes_nothing(db, consultation, client_as):
    ours = reported_proposals(db, consultation, 1)[0]
    theirs = reported_proposals(db, make_consultation(institution_slug="cgil"), 1)[0]
    officer = officer_of("provincia-cremona")
    db.session.commit()

    response = act_on_queue(client_as(officer), case_ids=[case_of(db, ours).id, case_of(db, theirs).id],
                            bulk_action="hide")
    db.session.rollback()  # what the end of the request does with its unfinished work

    assert response.status_code == 403
    assert ours.moderation is Moderation.VISIBLE and theirs.moderation is Moderation.VISIBLE
    assert db.session.scalar(select(func.count()).select_from(ModerationAction)
                             .where(ModerationAction.action == "hide")) == 0


# --- The audit log -----------------------------------------------------------------------------

def test_the_audit_log_is_for_admins_and_its_csv_has_one_line_per_action(db, consultation, client_as):
    admin, mod = make_user(Role.ADMIN, locale="en"), moderator()
    proposal = make_proposal(consultation)
    comment = make_comment(proposal)
    services.report(citizen(), proposal, ReportReason.SPAM)
    services.report(citizen(), comment, ReportReason.OFFENSIVE)
    db.session.commit()
    moderator_browser = client_as(mod)
    formula = '=HYPERLINK("https://evil.example/","Apri")'
    assert decide(moderator_browser, case_of(db, proposal).id, "hide", reason="spam", note=formula).status_code == 302
    assert decide(moderator_browser, case_of(db, comment).id, "dismiss", note="+1 per la rimozione").status_code == 302
    actions = list(db.session.scalars(select(ModerationAction).order_by(ModerationAction.id)))
    assert [a.action for a in actions] == ["report", "report", "hide", "dismiss"]

    assert moderator_browser.get("/moderazione/registro").status_code == 403
    assert moderator_browser.get("/moderazione/registro?formato=csv").status_code == 403
    assert client_as(officer_of("provincia-cremona")).get("/moderazione/registro").status_code == 403

    admin_browser = client_as(admin)
    assert "Audit log" in page(admin_browser, "/moderazione/registro")
    response = admin_browser.get("/moderazione/registro?formato=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    header, *lines = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert header[:4] == ["id", "at_utc", "actor", "action"] and header[-1] == "note"
    assert sorted(int(line[0]) for line in lines) == [a.id for a in actions]
    by_id = {int(line[0]): dict(zip(header, line, strict=True)) for line in lines}
    hide = by_id[actions[2].id]
    assert (hide["actor"], hide["action"], hide["before"], hide["after"]) == (mod.display_name, "hide",
                                                                              "visible", "hidden")
    assert hide["note"] == "'" + formula  # a spreadsheet shows it as text, never runs it
    assert by_id[actions[3].id]["note"] == "'+1 per la rimozione"
    assert all(not cell.startswith(("=", "+", "-", "@")) for line in lines for cell in line)


def test_the_database_refuses_to_change_or_delete_the_audit_log(db, consultation):
    services.report(citizen(), make_proposal(consultation), ReportReason.SPAM)
    db.session.commit()
    before = db.session.scalar(select(func.count()).select_from(ModerationAction))
    assert before == 1

    with pytest.raises(Exception, match="append-only"):
        with db.session.begin_nested():
            db.session.execute(text("DELETE FROM moderation_action"))
    with pytest.raises(Exception, match="append-only"):
        with db.session.begin_nested():
            db.session.execute(text("UPDATE moderation_action SET note = 'riscritto'"))

    assert db.session.scalar(select(func.count()).select_from(ModerationAction)) == before
    assert db.session.scalar(select(ModerationAction.note)) == ""


# --- Transparency ------------------------------------------------------------------------------

def test_the_transparency_page_shows_monthly_totals_and_no_personal_data(db, consultation, client, client_as):
    author = make_user(display_name="Ermenegildo Autore", email="ermenegildo@example.org")
    reporters = [make_user(display_name=f"Segnalatrice {n}", email=f"segnalatrice{n}@example.org")
                 for n in range(3)]
    mod = make_user(Role.MODERATOR, display_name="Moderatrice Ottavia", email="ottavia@example.org")
    proposal = make_proposal(consultation, author)
    comment = make_comment(proposal, author=author)
    for reporter in reporters:
        services.report(reporter, comment, ReportReason.OFFENSIVE)  # auto-hidden
    services.report(reporters[0], proposal, ReportReason.SPAM)
    db.session.commit()
    assert decide(client_as(mod), case_of(db, proposal).id, "hide", reason="spam").status_code == 302
    months = {r.created_at.astimezone(ROME).strftime("%Y-%m") for r in db.session.scalars(select(Report))}
    assert len(months) == 1
    month = months.pop()

    html = page(client, "/trasparenza", headers=ENGLISH)

    row = re.search(rf'<th scope="row">{month}</th>\s*<td>(\d+)</td>\s*<td>(\d+)</td>\s*<td>(.*?)</td>', html, re.S)
    assert row, f"no row for {month}"
    assert (int(row.group(1)), int(row.group(2))) == (4, 2)  # reports received, items hidden
    assert "Offensive or hateful: 1" in row.group(3) and "Spam: 1" in row.group(3)
    for person in (author, mod, *reporters):
        assert person.display_name not in html
        assert person.email not in html
    assert "@example.org" not in html


def test_a_report_made_just_after_midnight_in_cremona_counts_in_cremonas_month(db, consultation, client):
    """23:30 UTC on the last day of last month is already the 1st of this month in Cremona."""
    first_of_this_month = today_in_cremona().replace(day=1)
    late_night = datetime.combine(first_of_this_month - timedelta(days=1), time(23, 30), tzinfo=UTC)
    report = services.report(citizen(), make_proposal(consultation), ReportReason.SPAM)
    report.created_at = late_night
    db.session.commit()

    html = page(client, "/trasparenza", headers=ENGLISH)

    this_month, last_month = first_of_this_month.strftime("%Y-%m"), late_night.strftime("%Y-%m")
    row = re.search(rf'<th scope="row">{this_month}</th>\s*<td>(\d+)</td>', html)
    assert row and row.group(1) == "1", html
    assert f'<th scope="row">{last_month}</th>' not in html
