"""Hostile text sent through every text field renders inert wherever it appears."""
import re

import pytest

from engage.auth.models import Role
from engage.comments import services as comments
from engage.consultations.phases import Phase
from engage.core.csvexport import safe_cell
from engage.moderation import services as moderation
from engage.moderation.models import ReportReason
from engage.proposals import services as proposals
from tests.factories import institution, make_consultation, make_user

PAYLOADS = [
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    "[clicca](javascript:alert(1))",
    "[clicca](JaVaScRiPt:alert(1))",
    "<a href=\"javascript:alert(1)\">x</a>",
    "\"><script>alert(1)</script>",
    "<iframe src=//evil.example>",
    "**grassetto <b onmouseover=alert(1)>x</b>**",
    "\u202eRTL override\u202c <scr\u200bipt>alert(1)</scr\u200bipt>",
    "<details open ontoggle=alert(1)>",
    "![img](javascript:alert(1))",
    "<style>body{display:none}</style>",
    "{{ 7*7 }} {% raw %}",
]

DANGEROUS = [
    re.compile(r"<script", re.I),
    re.compile(r"<(img|svg|iframe|details|b|style)\b[^>]*\son\w+\s*=", re.I),
    re.compile(r"<a\b[^>]*href\s*=\s*[\"']?\s*javascript:", re.I),
    re.compile(r"<iframe", re.I),
    re.compile(r"<style", re.I),
]


def assert_inert(html: str):
    for pattern in DANGEROUS:
        match = pattern.search(html)
        assert match is None, f"{pattern.pattern!r} found: ...{html[max(0, match.start() - 80):match.end() + 80]}..."


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_text_in_every_field_renders_inert_everywhere(payload, client, client_as, db):
    officer = make_user(officer_of=institution("provincia-cremona"), display_name=None)
    consultation = make_consultation(Phase.PROPOSALS, title_it=f"T {payload}"[:200], summary_it=payload,
                                     body_it=payload, points=(12,))
    author = make_user(display_name="Autore")
    proposal = proposals.submit_proposal(author, consultation, title=payload[:150], body=payload,
                                         priority_point=consultation.priority_points[0])
    comment = comments.post_comment(make_user(), consultation, proposal=proposal, body=payload)
    comments.post_comment(make_user(), consultation, proposal=None, body=payload)
    moderation.report(make_user(), comment, ReportReason.OTHER, payload)
    moderator = make_user(Role.MODERATOR)
    db.session.commit()

    pages = [f"/proposte/{proposal.id}", f"/consultazioni/{consultation.id}",
             f"/consultazioni/{consultation.id}/proposte", f"/consultazioni/{consultation.id}/discussione",
             f"/consultazioni/{consultation.id}/proposte?q=alert", "/consultazioni/", "/",
             f"/punti/{consultation.priority_points[0].slug}"]
    for url in pages:
        assert_inert(client.get(url).get_data(as_text=True))
    staff_pages = ["/moderazione/", f"/moderazione/casi/{moderation.case_for(comment).id}"]
    for url in staff_pages:
        assert_inert(client_as(moderator).get(url).get_data(as_text=True))
    assert_inert(client_as(officer).get(f"/consultazioni/{consultation.id}/modifica").get_data(as_text=True))


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"http://evil\")", "+1+1", "-2", "@SUM(A1)", "\t=1"])
def test_csv_cells_that_would_run_as_formulas_are_defused(cell):
    assert safe_cell(cell).startswith("'")
    assert safe_cell("Piste ciclabili") == "Piste ciclabili"
