"""Counts agree with their number in both languages: "1 sostegno", not "1 sostegni"."""
from __future__ import annotations

import pytest

from engage.consultations.phases import Phase
from tests.factories import make_comment, make_consultation, make_proposal, make_supports

ENGLISH = {"Accept-Language": "en"}


@pytest.mark.parametrize(("headers", "one", "two"), [
    ({}, ("1 sostegno", "1 commento"), ("2 sostegni", "2 commenti")),
    (ENGLISH, ("1 support", "1 comment"), ("2 supports", "2 comments")),
])
def test_a_proposal_with_one_support_and_one_comment_says_so_in_the_singular(client, db, headers, one, two):
    consultation = make_consultation(Phase.VOTING)
    single, double = make_proposal(consultation), make_proposal(consultation)
    make_supports(single, 1)
    make_supports(double, 2)
    make_comment(single)
    for _ in range(2):
        make_comment(double)
    db.session.commit()

    for proposal, expected in ((single, one), (double, two)):
        page = client.get(f"/proposte/{proposal.id}", headers=headers).get_data(as_text=True)
        for words in expected:
            assert words in page, f"{words!r} missing on the page of a proposal with {expected}"
    listing = client.get(f"/consultazioni/{consultation.id}/proposte", headers=headers).get_data(as_text=True)
    for words in one + two:
        assert f"<span>{words}</span>" in listing
