"""The whole participation journey, through the web pages only.

An officer of the Provincia di Cremona opens a consultation on cycling and buses, allowing two
supports per participant. Anna, Bruno and Carla put forward proposals (Bruno is shown Anna's
similar one first); Anna polishes hers, Bruno withdraws his in favour of Anna's; people comment
and reply. The officer opens the voting; citizens support proposals until their two supports
are used up. At the end, every number the pages show is counted again from the rows.

Pages are read in English (Accept-Language: en), so the assertions use the source strings.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import distinct, func, select

from engage.moderation.models import Moderation
from engage.comments.models import Comment
from engage.consultations.models import Consultation
from engage.consultations.phases import Phase
from engage.proposals.models import Proposal, ProposalStatus
from engage.votes import tally
from engage.votes.models import Support
from tests.factories import form_token, institution, make_user, priority_point

ENGLISH = {"Accept-Language": "en"}
ROME = ZoneInfo("Europe/Rome")


# --- What the officer does ---------------------------------------------------------------

def local_time(moment: datetime) -> str:
    """A date as typed in the form, in Italian time."""
    return moment.astimezone(ROME).strftime("%Y-%m-%dT%H:%M")


def open_consultation(officer, *, title: str, supports_per_participant: int) -> int:
    now = datetime.now(ROME)
    response = officer.post("/consultazioni/nuova", data={
        "csrf_token": form_token(officer, "/consultazioni/nuova"),
        "institution": str(institution("provincia-cremona").id),
        "title_it": title, "title_en": "", "summary_it": "Come muoversi meglio in provincia.",
        "summary_en": "", "body_it": "", "body_en": "",
        "priority_points": [str(priority_point(1).id), str(priority_point(5).id)],
        "announced_at": local_time(now - timedelta(days=2)),
        "proposals_from": local_time(now - timedelta(days=1)),
        "voting_from": local_time(now + timedelta(days=10)),
        "voting_until": local_time(now + timedelta(days=20)),
        "results_at": "",
        "supports_per_participant": str(supports_per_participant),
        "proposals_per_participant": "0", "support_threshold": "2", "comments_enabled": "y",
    })
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/consultazioni/(\d+)$", response.headers["Location"]).group(1))


def move_to(officer, consultation_id: int, phase: Phase):
    page = f"/consultazioni/{consultation_id}"
    response = officer.post(f"{page}/fase", data={"phase": phase.value, "csrf_token": form_token(officer, page)})
    assert response.status_code == 302


# --- What citizens do ----------------------------------------------------------------------

def submit_proposal(citizen, consultation_id: int, title: str, body: str) -> tuple[int, list[int]]:
    """Write, look at the similar proposals if any are shown, publish.

    Returns the new proposal's id and the ids of the similar proposals that were shown."""
    url = f"/consultazioni/{consultation_id}/proposte/nuova"
    data = {"csrf_token": form_token(citizen, url), "title": title, "body": body,
            "priority_point": str(priority_point(5).id), "comune": "", "check": "Continue"}
    response = citizen.post(url, data=data)
    similar = []
    if response.status_code == 200:  # the similar-proposal step
        html = response.get_data(as_text=True)
        assert 'id="similar-title"' in html
        section = html[html.index('id="similar-title"'):html.index("</section>", html.index('id="similar-title"'))]
        similar = [int(n) for n in re.findall(r'href="/proposte/(\d+)"', section)]
        del data["check"]
        response = citizen.post(url, data={**data, "similar_checked": "1", "publish": "Publish my proposal"})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/proposte/(\d+)$", response.headers["Location"]).group(1)), similar


def edit_proposal(citizen, proposal_id: int, title: str, body: str):
    url = f"/proposte/{proposal_id}/modifica"
    response = citizen.post(url, data={"csrf_token": form_token(citizen, url), "title": title, "body": body,
                                       "priority_point": str(priority_point(5).id), "comune": "",
                                       "save": "Save changes"})
    assert response.status_code == 302, response.get_data(as_text=True)


def withdraw_proposal(citizen, proposal_id: int):
    page = f"/proposte/{proposal_id}"
    response = citizen.post(f"{page}/ritira", data={"csrf_token": form_token(citizen, page)})
    assert response.status_code == 302


def comment(citizen, page: str, body: str, *, stance: str | None = None, reply_to: int | None = None) -> int:
    post_url = f"{page}/commenti" if page.startswith("/proposte/") else \
        page.replace("/discussione", "/commenti")
    data = {"csrf_token": form_token(citizen, page), "body": body}
    if stance:
        data["stance"] = stance
    if reply_to:
        data["parent_id"] = str(reply_to)
    response = citizen.post(post_url, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"#commento-(\d+)$", response.headers["Location"]).group(1))


def delete_comment(citizen, page: str, comment_id: int):
    response = citizen.post(f"/commenti/{comment_id}/elimina", data={"csrf_token": form_token(citizen, page)})
    assert response.status_code == 302


def support(citizen, proposal_id: int):
    page = f"/proposte/{proposal_id}"
    return citizen.post(f"{page}/sostieni", data={"csrf_token": form_token(citizen, page)}, headers=ENGLISH)


def take_back_support(citizen, proposal_id: int):
    page = f"/proposte/{proposal_id}"
    return citizen.post(f"{page}/togli-sostegno", data={"csrf_token": form_token(citizen, page)})


# --- What the pages show, and what the rows say ------------------------------------------

def read(client, url: str) -> str:
    response = client.get(url, headers=ENGLISH)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def number(pattern: str, html: str) -> int:
    match = re.search(pattern, html)
    assert match, f"{pattern!r} is not on the page"
    return int(match.group(1))


def consultation_page_totals(client, consultation_id: int) -> dict:
    html = read(client, f"/consultazioni/{consultation_id}")
    supports = re.search(r"<li>(\d+) supports?; supporters: (\d+)</li>", html)
    assert supports, "the supports total is not on the consultation page"
    return {"proposals": number(r"<li>(\d+) proposals?</li>", html),
            "supports": int(supports.group(1)), "supporters": int(supports.group(2)),
            "comments": number(r"<li>(\d+) comments?</li>", html)}


def list_page_counts(client, consultation_id: int) -> dict[int, tuple[int, int]]:
    """Each proposal card's (supports, comments)."""
    html = read(client, f"/consultazioni/{consultation_id}/proposte")
    counts = {}
    for card in html.split('<li class="card-item">')[1:]:
        card = card[:card.index("</li>")] if "</li>" in card else card
        proposal_id = number(r'href="/proposte/(\d+)"', card)
        counts[proposal_id] = (number(r"(\d+) supports?", card), number(r"(\d+) comments?", card))
    return counts


def proposal_page_counts(client, proposal_id: int) -> tuple[int, int]:
    html = read(client, f"/proposte/{proposal_id}")
    return (number(r'id="supports-title"[^>]*>(\d+) supports?<', html),
            number(r'<p class="stance-summary">\s*(\d+) comments?', html))


def rows(db, query) -> int:
    return db.session.scalar(query)


def supports_in_rows(db, *where) -> int:
    return rows(db, select(func.count()).select_from(Support).where(*where))


def comments_in_rows(db, *where) -> int:
    return rows(db, select(func.count()).select_from(Comment).where(Comment.deleted_at.is_(None), *where))


# --- The story ------------------------------------------------------------------------------

def test_a_consultation_from_opening_to_voting_keeps_every_count_true(db, client, client_as):
    officer = client_as(make_user(display_name="Paola, Provincia", officer_of=institution("provincia-cremona"),
                                  locale="en"))
    anna, bruno, carla, dario, elena = (client_as(make_user(display_name=name, locale="en"))
                                        for name in ("Anna", "Bruno", "Carla", "Dario", "Elena"))

    # The officer opens the consultation, straight into its proposals phase.
    consultation_id = open_consultation(officer, title="Muoversi in bici e in autobus",
                                        supports_per_participant=2)
    consultation = db.session.get(Consultation, consultation_id)
    assert consultation.phase is Phase.PROPOSALS
    assert consultation.supports_per_participant == 2
    assert consultation.institution.slug == "provincia-cremona"

    # Three citizens put forward proposals; Bruno's resembles Anna's, and he is shown hers first.
    cycle_path, similar = submit_proposal(
        anna, consultation_id, "Una pista ciclabile tra Cremona e Crema",
        "Collegare Cremona e Crema con una pista ciclabile sicura lungo la provinciale.")
    assert similar == []
    bruno_path, similar = submit_proposal(
        bruno, consultation_id, "Pista ciclabile sulla provinciale per Crema",
        "Una pista ciclabile illuminata lungo la provinciale tra Cremona e Crema.")
    assert cycle_path in similar
    evening_buses, _ = submit_proposal(
        carla, consultation_id, "Autobus serali per Casalmaggiore",
        "Corse serali degli autobus fino a mezzanotte nei fine settimana.")
    school_bikes, _ = submit_proposal(
        carla, consultation_id, "Rastrelliere davanti alle scuole",
        "Portabiciclette coperti davanti a ogni scuola superiore.")

    # Anna polishes hers before anyone reacts; Bruno withdraws his in favour of Anna's.
    edit_proposal(anna, cycle_path, "Una pista ciclabile sicura tra Cremona e Crema",
                  "Collegare Cremona e Crema con una pista ciclabile illuminata lungo la provinciale.")
    assert "Una pista ciclabile sicura tra Cremona e Crema" in read(anna, f"/proposte/{cycle_path}")
    assert db.session.get(Proposal, cycle_path).edited_at is not None
    withdraw_proposal(bruno, bruno_path)
    assert db.session.get(Proposal, bruno_path).status is ProposalStatus.WITHDRAWN

    # They discuss: comments with a stance, replies, one comment taken back by its author.
    question = comment(bruno, f"/proposte/{cycle_path}", "Ottima idea, la sostengo.", stance="in_favour")
    comment(anna, f"/proposte/{cycle_path}", "Grazie Bruno!", reply_to=question)
    second_thoughts = comment(elena, f"/proposte/{cycle_path}", "Costa troppo.", stance="against")
    delete_comment(elena, f"/proposte/{cycle_path}", second_thoughts)
    comment(dario, f"/proposte/{evening_buses}", "Servono anche il sabato.", stance="in_favour")
    comment(elena, f"/proposte/{school_bikes}", "Meglio se videosorvegliate.", stance="neutral")
    general = comment(carla, f"/consultazioni/{consultation_id}/discussione", "Bella iniziativa.")
    comment(dario, f"/consultazioni/{consultation_id}/discussione", "Concordo.", reply_to=general)

    # The officer opens the voting.
    move_to(officer, consultation_id, Phase.VOTING)
    assert consultation.phase is Phase.VOTING

    # Citizens support proposals, two each at most.
    for citizen, choices in ((dario, (cycle_path, evening_buses)), (elena, (cycle_path, school_bikes)),
                             (carla, (cycle_path,)), (anna, (evening_buses,))):
        for proposal_id in choices:
            assert support(citizen, proposal_id).status_code == 302
    refused = support(dario, school_bikes)
    assert refused.status_code == 409
    assert "You have used all the supports this consultation allows." in refused.get_data(as_text=True)
    assert "You have 0 supports left" in read(dario, f"/consultazioni/{consultation_id}")
    # A withdrawn proposal gains no more supports.
    assert support(anna, bruno_path).status_code == 409
    # Taking one back frees it for another proposal.
    assert take_back_support(dario, evening_buses).status_code == 302
    assert support(dario, school_bikes).status_code == 302

    # Every count on every page matches the rows.
    in_consultation = (Support.consultation_id == consultation_id,)
    counted = {
        "proposals": rows(db, select(func.count()).select_from(Proposal).where(
            Proposal.consultation_id == consultation_id, Proposal.moderation == Moderation.VISIBLE)),
        "supports": supports_in_rows(db, *in_consultation),
        "supporters": rows(db, select(func.count(distinct(Support.user_id))).where(*in_consultation)),
        "comments": comments_in_rows(db, Comment.consultation_id == consultation_id),
    }
    assert counted == {"proposals": 4, "supports": 6, "supporters": 4, "comments": 6}
    assert consultation_page_totals(client, consultation_id) == counted

    every_proposal = (cycle_path, bruno_path, evening_buses, school_bikes)
    in_rows = {proposal_id: (supports_in_rows(db, Support.proposal_id == proposal_id),
                             comments_in_rows(db, Comment.proposal_id == proposal_id))
               for proposal_id in every_proposal}
    assert in_rows == {cycle_path: (3, 2), bruno_path: (0, 0), evening_buses: (1, 1), school_bikes: (2, 1)}
    for proposal_id in every_proposal:
        assert proposal_page_counts(client, proposal_id) == in_rows[proposal_id], proposal_id
    # The stored counters need no correction...
    result = tally.recount(consultation_id)
    assert (result.checked, result.corrected) == (4, [])
    # ...and the list of proposals shows them.
    assert list_page_counts(client, consultation_id) == in_rows
