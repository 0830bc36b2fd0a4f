"""Content that waits for a moderator before it appears, and authors blocked by the moderators.

Pre-moderation: a consultation can hold new proposals or comments until a moderator approves
them; the site can hold every new account's first contribution. Held content is visible only to
its author (marked "awaiting review") and to the moderators, and counts nowhere until approved.

Blocks: a moderator blocks an author. Their session ends, they cannot sign in again (and are told
until when, and why, once they give the right password), they cannot take part, and everything
they wrote leaves every public list, search, suggestion, page and count, until the block is lifted.

Signed-in people read the pages in English (their account's language); anonymous visitors
send Accept-Language: en.
"""
from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime
from sqlalchemy import func, select

from engage.auth.models import Role
from engage.comments.models import Comment
from engage.consultations.phases import Phase
from engage.core.db import utcnow
from engage.moderation import services
from engage.moderation.models import Moderation, ModerationAction, ReportReason
from engage.notifications.models import Notification
from engage.proposals.models import Proposal
from engage.votes import tally
from engage.votes.models import Support
from tests.factories import (PASSWORD, form_token, institution, make_comment, make_consultation, make_proposal,
                             make_supports, make_user, priority_point)

ENGLISH = {"Accept-Language": "en"}
ROME = ZoneInfo("Europe/Rome")


def citizen(**kwargs):
    return make_user(locale="en", **kwargs)


def moderator():
    return make_user(Role.MODERATOR, locale="en")


# --- What people do on the pages ---------------------------------------------------------------

def propose(browser, consultation, title: str, body: str, *, point: int = 1):
    """Write a proposal and publish it (the similar-proposal step already seen)."""
    url = f"/consultazioni/{consultation.id}/proposte/nuova"
    return browser.post(url, data={
        "csrf_token": form_token(browser, url), "title": title, "body": body,
        "priority_point": str(priority_point(point).id), "comune": "",
        "similar_checked": "1", "publish": "Publish my proposal"})


def similar_shown(browser, consultation, title: str, body: str) -> list[int]:
    """Write a draft and press Continue: the proposals shown as similar, in order."""
    url = f"/consultazioni/{consultation.id}/proposte/nuova"
    response = browser.post(url, data={
        "csrf_token": form_token(browser, url), "title": title, "body": body,
        "priority_point": str(priority_point(1).id), "comune": "", "check": "Continue"})
    assert response.status_code == 200, "the draft was published: no similar proposal was shown"
    html = response.get_data(as_text=True)
    start = html.index('id="similar-title"')
    section = html[start:html.index("</section>", start)]
    return [int(n) for n in re.findall(r'href="/proposte/(\d+)"', section)]


def comment_on(browser, proposal, body: str):
    page = f"/proposte/{proposal.id}"
    return browser.post(f"{page}/commenti", data={"csrf_token": form_token(browser, page), "body": body})


def support(browser, proposal):
    page = f"/proposte/{proposal.id}"
    return browser.post(f"{page}/sostieni", data={"csrf_token": form_token(browser, page)})


def decide(browser, case_id: int, action: str, reason: str = "spam"):
    url = f"/moderazione/casi/{case_id}"
    return browser.post(url, data={"csrf_token": form_token(browser, url), "action": action,
                                   "reason": reason, "note": ""})


def block(browser, user, reason: str, *, days: int | None = 7, permanent: bool = False):
    data = {"csrf_token": form_token(browser, "/moderazione/bloccati"), "reason": reason,
            "days": "" if days is None else str(days)}
    if permanent:
        data["permanent"] = "y"
    return browser.post(f"/moderazione/utenti/{user.id}/blocca", data=data)


def unblock(browser, user):
    return browser.post(f"/moderazione/utenti/{user.id}/sblocca",
                        data={"csrf_token": form_token(browser, "/moderazione/bloccati")})


def sign_in(browser, email: str, password: str):
    return browser.post("/accedi", data={"csrf_token": form_token(browser, "/accedi"), "email": email,
                                         "password": password}, headers=ENGLISH)


# --- What the pages show -----------------------------------------------------------------------

def read(browser, url: str) -> str:
    response = browser.get(url, headers=ENGLISH)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def listed(browser, consultation, **params) -> list[int]:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    html = read(browser, f"/consultazioni/{consultation.id}/proposte" + (f"?{query}" if query else ""))
    return [int(i) for i in re.findall(r'<h2 class="h5"><a href="/proposte/(\d+)">', html)]


def card_counts(browser, consultation) -> dict[int, tuple[int, int]]:
    """Each card of the proposal list: (supports, comments)."""
    html = read(browser, f"/consultazioni/{consultation.id}/proposte")
    counts = {}
    for card in html.split('<li class="card-item">')[1:]:
        proposal_id = int(re.search(r'href="/proposte/(\d+)"', card).group(1))
        counts[proposal_id] = (int(re.search(r"(\d+) supports?", card).group(1)),
                               int(re.search(r"(\d+) comments?", card).group(1)))
    return counts


def comments_on_page(browser, proposal) -> int:
    html = read(browser, f"/proposte/{proposal.id}")
    return int(re.search(r'<p class="stance-summary">\s*(\d+) comments?', html).group(1))


def on_priority_point(browser, number: int) -> list[int]:
    html = read(browser, f"/punti/{priority_point(number).slug}")
    start = html.index('id="proposals-title"')
    section = html[start:html.index("</section>", start)]
    return [int(n) for n in re.findall(r'href="/proposte/(\d+)"', section)]


def held_case(db, item):
    case = services.case_for(item, create=False)
    assert case is not None and case.held, f"{item!r} is not held for review"
    return case


def notifications_of(db, user) -> list[str]:
    return list(db.session.scalars(select(Notification.kind).where(Notification.user_id == user.id)
                                   .order_by(Notification.id)))


# --- Pre-moderation ----------------------------------------------------------------------------

def test_a_proposal_in_a_premoderated_consultation_waits_for_a_moderator(db, client, client_as):
    consultation = make_consultation(premoderate_proposals=True)
    author, neighbour, mod = citizen(), citizen(), moderator()
    db.session.commit()
    author_browser, neighbour_browser = client_as(author), client_as(neighbour)

    response = propose(author_browser, consultation, "Una casa dell'acqua a Soresina",
                       "Un distributore di acqua pubblica in piazza.")
    assert response.status_code == 302
    proposal = db.session.scalar(select(Proposal).where(Proposal.author_id == author.id))
    assert response.headers["Location"] == f"/proposte/{proposal.id}"
    assert proposal.moderation is Moderation.PENDING

    # Its author sees it, marked as awaiting review, and is told so.
    mine = read(author_browser, f"/proposte/{proposal.id}")
    assert "Awaiting review" in mine and "Un distributore di acqua pubblica in piazza." in mine
    assert proposal.id in listed(author_browser, consultation)
    assert notifications_of(db, author) == ["held"]

    # Nobody else does.
    assert listed(client, consultation) == [] and listed(neighbour_browser, consultation) == []
    assert neighbour_browser.get(f"/proposte/{proposal.id}").status_code == 403
    anonymous = client.get(f"/proposte/{proposal.id}", headers=ENGLISH)  # asked to sign in first
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/accedi")
    assert proposal.id not in on_priority_point(client, 1)
    assert tally.consultation_totals(consultation).proposals == 0

    # A moderator finds it in the queue, held, and approves it.
    case = held_case(db, proposal)
    moderator_browser = client_as(mod)
    queue = read(moderator_browser, "/moderazione/")
    assert f'id="case-{case.id}"' in queue
    row = queue[queue.index(f'id="case-{case.id}"'):queue.index("</tr>", queue.index(f'id="case-{case.id}"'))]
    assert row.count("held for review") == 1 and "Awaiting review" not in row, "one badge says it is held"
    assert decide(moderator_browser, case.id, "approve").status_code == 302

    assert proposal.moderation is Moderation.VISIBLE
    assert listed(client, consultation) == [proposal.id]
    assert "Un distributore di acqua pubblica in piazza." in read(neighbour_browser, f"/proposte/{proposal.id}")
    assert tally.consultation_totals(consultation).proposals == 1
    assert [(a.actor_id, a.action, a.state_before, a.state_after) for a in db.session.scalars(
        select(ModerationAction).where(ModerationAction.case_id == case.id).order_by(ModerationAction.id))] == \
        [(None, "hold", "new", "pending"), (mod.id, "approve", "pending", "visible")]
    assert notifications_of(db, author) == ["held", "approved"]


def test_the_author_of_a_held_proposal_is_told_it_awaits_review_not_that_it_is_published(db, client_as):
    consultation = make_consultation(premoderate_proposals=True)
    author = citizen()
    db.session.commit()
    browser = client_as(author)

    response = propose(browser, consultation, "Orti urbani a Casalmaggiore", "Orti comunali per chi non ne ha.")
    assert response.status_code == 302
    shown = read(browser, response.headers["Location"])

    assert "Your proposal has been received and is awaiting review." in shown
    assert "Your proposal is published." not in shown


def test_a_comment_in_a_premoderated_consultation_is_hidden_and_uncounted_until_approved(db, client, client_as):
    consultation = make_consultation(premoderate_comments=True)
    proposal = make_proposal(consultation)
    author, neighbour, mod = citizen(), citizen(), moderator()
    db.session.commit()
    author_browser = client_as(author)

    response = comment_on(author_browser, proposal, "Servirebbe anche una fontanella.")
    assert response.status_code == 302
    comment = db.session.scalar(select(Comment).where(Comment.author_id == author.id))
    assert response.headers["Location"].endswith(f"#commento-{comment.id}")
    assert comment.moderation is Moderation.PENDING

    # Invisible to everyone else, and counted nowhere.
    for browser in (client, client_as(neighbour)):
        html = read(browser, f"/proposte/{proposal.id}")
        assert f'id="commento-{comment.id}"' not in html and "fontanella" not in html
        assert comments_on_page(browser, proposal) == 0
    assert proposal.comment_count == 0
    assert card_counts(client, consultation)[proposal.id] == (0, 0)
    assert tally.consultation_totals(consultation).comments == 0
    # Its author sees it, awaiting review.
    mine = read(author_browser, f"/proposte/{proposal.id}")
    assert f'id="commento-{comment.id}"' in mine and "fontanella" in mine and "Awaiting review" in mine

    case = held_case(db, comment)
    assert decide(client_as(mod), case.id, "approve").status_code == 302

    assert comment.moderation is Moderation.VISIBLE
    assert proposal.comment_count == 1
    assert comments_on_page(client, proposal) == 1
    assert "Servirebbe anche una fontanella." in read(client, f"/proposte/{proposal.id}")
    assert card_counts(client, consultation)[proposal.id] == (0, 1)
    assert tally.consultation_totals(consultation).comments == 1
    assert tally.recount(consultation.id).corrected == []


def test_the_site_rule_holds_a_new_accounts_first_proposal_but_not_the_second(app, db, client, client_as):
    consultation = make_consultation()  # the consultation itself holds nothing
    newcomer, mod = citizen(), moderator()
    db.session.commit()
    browser = client_as(newcomer)
    saved = app.config["MODERATION_HOLD_FIRST_CONTRIBUTION"]
    app.config["MODERATION_HOLD_FIRST_CONTRIBUTION"] = True
    try:
        assert propose(browser, consultation, "Più panchine al parco", "Panchine all'ombra.").status_code == 302
        first = db.session.scalar(select(Proposal).where(Proposal.author_id == newcomer.id))
        assert first.moderation is Moderation.PENDING, "a new account's first proposal is published at once"
        assert listed(client, consultation) == []
        assert decide(client_as(mod), held_case(db, first).id, "approve").status_code == 302
        assert first.moderation is Moderation.VISIBLE

        assert propose(browser, consultation, "Fontane nei giardini", "Acqua potabile per tutti.",
                       point=5).status_code == 302
        second = db.session.scalar(select(Proposal).where(Proposal.author_id == newcomer.id,
                                                          Proposal.id != first.id))
        assert second.moderation is Moderation.VISIBLE
        assert sorted(listed(client, consultation)) == sorted([first.id, second.id])
    finally:
        app.config["MODERATION_HOLD_FIRST_CONTRIBUTION"] = saved


def test_the_site_rule_lets_people_with_published_contributions_through(app, db, client_as):
    consultation = make_consultation()
    regular = citizen()
    make_proposal(consultation, regular)
    db.session.commit()
    saved = app.config["MODERATION_HOLD_FIRST_CONTRIBUTION"]
    app.config["MODERATION_HOLD_FIRST_CONTRIBUTION"] = True
    try:
        assert propose(client_as(regular), consultation, "Bus notturni", "Il sabato sera.").status_code == 302
    finally:
        app.config["MODERATION_HOLD_FIRST_CONTRIBUTION"] = saved
    newest = db.session.scalar(select(Proposal).where(Proposal.author_id == regular.id)
                               .order_by(Proposal.id.desc()).limit(1))
    assert newest.title == "Bus notturni" and newest.moderation is Moderation.VISIBLE


# --- Blocks ------------------------------------------------------------------------------------

@pytest.fixture
def troublemaker_world(db):
    """An author with a proposal and a comment, among other people's proposals."""
    consultation = make_consultation(points=(1, 5))
    author = citizen(display_name="Tiziano Trollo", email="tiziano@example.org")
    others = citizen()
    theirs = make_proposal(consultation, author, title="Lampioni fluorescenti sugli argini",
                           body="Installare lampioni fluorescenti sugli argini del fiume Po.", point=1)
    good = make_proposal(consultation, others, title="Lampioni a led sugli argini del Po",
                         body="Lampioni a basso consumo lungo gli argini del fiume.", point=1)
    make_supports(theirs, 2)
    make_supports(good, 1)
    make_comment(good, author=others, body="Ottima idea.")
    make_comment(good, author=author, body="Idea ridicola, come chi la propone.")
    voting = make_consultation(Phase.VOTING)
    up_for_vote = make_proposal(voting, others)
    db.session.commit()
    return consultation, author, theirs, good, up_for_vote


def test_a_blocked_author_is_signed_out_refused_and_removed_from_every_public_surface(
        db, client, client_as, app, troublemaker_world):
    consultation, author, theirs, good, up_for_vote = troublemaker_world
    mod, drafter = moderator(), citizen()
    db.session.commit()
    author_session = client_as(author)
    assert author_session.get("/profilo").status_code == 200
    # Before the block, everything they wrote is shown and counted.
    assert sorted(listed(client, consultation)) == sorted([theirs.id, good.id])
    assert listed(client, consultation, q="fluorescenti") == [theirs.id]
    assert theirs.id in similar_shown(client_as(drafter), consultation, "Lampioni fluorescenti sugli argini",
                                      "Lampioni fluorescenti lungo il fiume.")
    assert theirs.id in on_priority_point(client, 1)
    assert comments_on_page(client, good) == 2 and good.comment_count == 2
    before = tally.consultation_totals(consultation)
    assert (before.proposals, before.supports, before.comments) == (2, 3, 2)

    response = block(client_as(mod), author, "Insulti ripetuti", days=7)
    assert response.status_code == 302 and response.headers["Location"] == "/moderazione/bloccati"
    assert author.is_blocked and author.blocked_reason == "Insulti ripetuti"
    assert "Tiziano Trollo" in read(client_as(mod), "/moderazione/bloccati")
    block_action = db.session.scalar(select(ModerationAction).where(ModerationAction.action == "block"))
    assert (block_action.actor_id, block_action.subject_user_id, block_action.note) == \
        (mod.id, author.id, "Insulti ripetuti")

    # Their open session has ended.
    response = author_session.get("/profilo")
    assert response.status_code == 302 and response.headers["Location"].startswith("/accedi")

    # Signing in again: the right password is told why, and until when; a wrong one learns nothing.
    visitor = app.test_client()
    refused = sign_in(visitor, "tiziano@example.org", PASSWORD)
    assert refused.status_code == 422
    until = format_datetime(author.blocked_until.astimezone(ROME), "short", locale="en")
    assert f"Your account is blocked until {until}: Insulti ripetuti" in refused.get_data(as_text=True)
    wrong = sign_in(app.test_client(), "tiziano@example.org", "not the password")
    assert wrong.status_code == 422
    assert "The e-mail address or the password is not correct." in wrong.get_data(as_text=True)
    assert "Insulti ripetuti" not in wrong.get_data(as_text=True)
    assert visitor.get("/profilo").status_code == 302

    # Even with a session, they can take no part.
    still_in = client_as(author)
    proposals_before = db.session.scalar(select(func.count()).select_from(Proposal))
    assert propose(still_in, consultation, "Altri lampioni", "Ancora lampioni.").status_code in (403, 409)
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == proposals_before
    assert comment_on(still_in, good, "Insisto.").status_code in (403, 409, 422)
    assert db.session.scalar(select(func.count()).select_from(Comment).where(Comment.body == "Insisto.")) == 0
    assert support(still_in, up_for_vote).status_code in (403, 409)
    assert db.session.scalar(select(func.count()).select_from(Support)
                             .where(Support.user_id == author.id)) == 0

    # Everything they wrote has left the public surfaces and the counts.
    assert listed(client, consultation) == [good.id]
    assert listed(client, consultation, q="fluorescenti") == []
    assert similar_shown(client_as(drafter), consultation, "Lampioni fluorescenti sugli argini",
                         "Lampioni fluorescenti lungo il fiume.") == [good.id]
    shown_on_point = on_priority_point(client, 1)
    assert theirs.id not in shown_on_point and good.id in shown_on_point
    good_page = read(client, f"/proposte/{good.id}")
    assert "Idea ridicola" not in good_page and "Ottima idea." in good_page
    assert comments_on_page(client, good) == 1
    db.session.refresh(good)
    assert good.comment_count == 1
    assert card_counts(client, consultation) == {good.id: (1, 1)}
    during = tally.consultation_totals(consultation)
    assert (during.proposals, during.supports, during.comments) == (1, 1, 1)
    assert tally.recount(consultation.id).corrected == []

    # Lifting the block brings everything back.
    assert unblock(client_as(mod), author).status_code == 302
    assert not author.is_blocked
    assert sorted(listed(client, consultation)) == sorted([theirs.id, good.id])
    assert listed(client, consultation, q="fluorescenti") == [theirs.id]
    assert theirs.id in on_priority_point(client, 1)
    assert "Idea ridicola" in read(client, f"/proposte/{good.id}")
    assert comments_on_page(client, good) == 2
    assert card_counts(client, consultation) == {theirs.id: (2, 0), good.id: (1, 2)}
    after = tally.consultation_totals(consultation)
    assert (after.proposals, after.supports, after.comments) == (2, 3, 2)
    assert tally.recount(consultation.id).corrected == []
    assert db.session.scalar(select(ModerationAction.actor_id).where(ModerationAction.action == "unblock")) == mod.id
    assert sign_in(app.test_client(), "tiziano@example.org", PASSWORD).status_code == 302


def test_a_permanent_block_says_so_at_sign_in(db, app, client_as):
    author = citizen(email="perenne@example.org")
    db.session.commit()

    assert block(client_as(moderator()), author, "Spam continuo", days=None, permanent=True).status_code == 302

    assert author.is_blocked and author.blocked_until is None
    refused = sign_in(app.test_client(), "perenne@example.org", PASSWORD)
    assert refused.status_code == 422
    assert "Your account has been blocked by the moderators: Spam continuo" in refused.get_data(as_text=True)


def test_when_a_temporary_block_ends_the_authors_comments_count_again(db, client, client_as, troublemaker_world):
    consultation, author, theirs, good, _ = troublemaker_world
    assert block(client_as(moderator()), author, "Una settimana di pausa", days=7).status_code == 302
    db.session.refresh(good)
    assert good.comment_count == 1

    # A week later the block has run out: the author may sign in again at once, while their
    # content stays withheld, consistently in thread and counts, until the block is lifted.
    author.blocked_until = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert not author.is_blocked
    assert comments_on_page(client, good) == 1
    assert card_counts(client, consultation)[good.id] == (1, 1)

    # The next state-changing request anywhere (here: someone switching language) lifts it.
    client.post("/lingua", data={"lang": "en", "next": "/", "csrf_token": form_token(client, "/")})
    db.session.refresh(author)
    assert author.blocked_at is None
    assert comments_on_page(client, good) == 2
    assert card_counts(client, consultation)[good.id] == (1, 2)
    assert tally.recount(consultation.id).corrected == []
    assert db.session.scalar(select(ModerationAction.actor_id).where(
        ModerationAction.action == "unblock", ModerationAction.subject_user_id == author.id)) is None


def test_officers_cannot_block_anyone(db, client_as):
    officer = make_user(locale="en", officer_of=institution("provincia-cremona"))
    author = citizen()
    proposal = make_proposal(make_consultation(), author)
    services.report(citizen(), proposal, ReportReason.SPAM)
    case = services.case_for(proposal)
    db.session.commit()
    browser = client_as(officer)

    assert f'action="/moderazione/utenti/{author.id}/blocca"' not in read(browser, f"/moderazione/casi/{case.id}")
    assert block(browser, author, "Non mi piace").status_code == 403
    assert browser.post(f"/moderazione/utenti/{author.id}/sblocca",
                        data={"csrf_token": form_token(browser, "/")}).status_code == 403
    assert not author.is_blocked
    assert db.session.scalar(select(func.count()).select_from(ModerationAction)
                             .where(ModerationAction.action == "block")) == 0


# --- A hidden proposal keeps its supports --------------------------------------------------------

def test_a_hidden_proposals_supports_stay_stored_and_count_again_when_it_is_restored(db, client, client_as):
    consultation = make_consultation(Phase.VOTING)
    proposal = make_proposal(consultation, title="Ciclabile per Crema")
    other = make_proposal(consultation)
    make_supports(proposal, 3)
    make_supports(other, 1)
    services.report(citizen(), proposal, ReportReason.MISINFORMATION)
    case = services.case_for(proposal)
    mod = moderator()
    db.session.commit()
    browser = client_as(mod)
    assert card_counts(client, consultation)[proposal.id] == (3, 0)

    assert decide(browser, case.id, "hide", reason="misinformation").status_code == 302
    assert proposal.moderation is Moderation.HIDDEN
    assert proposal.id not in listed(client, consultation)
    assert db.session.scalar(select(func.count()).select_from(Support)
                             .where(Support.proposal_id == proposal.id)) == 3
    assert proposal.support_count == 3
    assert tally.consultation_totals(consultation).supports == 1
    assert tally.recount(consultation.id).corrected == []

    assert decide(browser, case.id, "restore", reason="other").status_code == 302
    assert proposal.moderation is Moderation.VISIBLE
    assert proposal.support_count == 3
    assert card_counts(client, consultation) == {proposal.id: (3, 0), other.id: (1, 0)}
    assert tally.consultation_totals(consultation).supports == 4
    assert tally.recount(consultation.id).corrected == []
