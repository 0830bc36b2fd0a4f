"""The results pages and their downloads, by phase and by person, over HTTP.

While proposals are being collected the results are the institution's working figures: its
officers (and the admins) see them, citizens get a 403 and anonymous visitors the sign-in page.
From voting on they are public, live and then final. A draft is its staff's alone, everywhere.
"""
import pytest

from engage.auth.models import Role
from engage.consultations.phases import Phase
from tests.factories import institution, make_comment, make_consultation, make_proposal, make_user
from tests.results.world import Page

LOGIN = "302 /accedi"
PEOPLE = ("anonymous", "citizen", "officer_here", "officer_elsewhere", "moderator", "admin")
STAFF = (LOGIN, 403, 200, 403, 403, 200)
PUBLIC = (200,) * len(PEOPLE)
BY_PHASE = {Phase.DRAFT: STAFF, Phase.UPCOMING: STAFF, Phase.PROPOSALS: STAFF, Phase.VOTING: PUBLIC,
            Phase.CLOSED: PUBLIC, Phase.RESULTS: PUBLIC}
SUFFIXES = ("", "/proposte.csv", "/commenti.json", "/sintesi.xlsx")


@pytest.fixture
def browsers(db, app, client_as):
    people = {"citizen": make_user(), "officer_here": make_user(officer_of=institution("provincia-cremona")),
              "officer_elsewhere": make_user(officer_of=institution("comune-crema")),
              "moderator": make_user(Role.MODERATOR), "admin": make_user(Role.ADMIN)}
    db.session.commit()
    return {"anonymous": app.test_client(), **{name: client_as(user) for name, user in people.items()}}


def outcome(response):
    if response.status_code == 302:
        return f"302 {response.headers['Location'].split('?')[0]}"
    return response.status_code


@pytest.mark.parametrize("phase", list(Phase), ids=lambda p: p.value)
def test_the_results_and_downloads_by_phase(db, browsers, phase):
    consultation = make_consultation(phase)
    make_proposal(consultation, title="Una proposta qualunque")
    db.session.commit()
    for suffix in SUFFIXES:
        url = f"/consultazioni/{consultation.id}/risultati{suffix}"
        seen = tuple(outcome(browsers[who].get(url)) for who in PEOPLE)
        assert seen == BY_PHASE[phase], (url, dict(zip(PEOPLE, seen, strict=True)))


@pytest.mark.parametrize("phase", [Phase.PROPOSALS, Phase.VOTING], ids=lambda p: p.value)
def test_the_pdf_report_follows_the_same_rule(db, browsers, phase):
    consultation = make_consultation(phase)
    db.session.commit()
    url = f"/consultazioni/{consultation.id}/risultati/rapporto.pdf"
    for who in ("anonymous", "citizen", "officer_here"):
        expected = BY_PHASE[phase][PEOPLE.index(who)]
        assert outcome(browsers[who].get(url)) == expected, (who, phase)


def test_officers_follow_their_consultation_live_before_voting(db, browsers):
    consultation = make_consultation(Phase.PROPOSALS)
    make_comment(make_proposal(consultation, title="Da discutere"))
    db.session.commit()
    page = Page.of(browsers["officer_here"].get(f"/consultazioni/{consultation.id}/risultati"))
    # participants (author and commenter), proposals, supports, comments, questionnaire responses,
    # then the ledger: no entry yet, and the head is the chain's starting hash
    assert list(page.figures.values()) == ["2", "1", "0", "1", "0", "0", "0" * 64]


def test_the_live_and_the_final_figures_are_labelled(db, browsers):
    english = {"Accept-Language": "en"}
    live = make_consultation(Phase.VOTING)
    final = make_consultation(Phase.CLOSED)
    db.session.commit()
    assert "live figures: voting is still open" in \
        browsers["anonymous"].get(f"/consultazioni/{live.id}/risultati", headers=english).get_data(as_text=True)
    assert "final figures" in \
        browsers["anonymous"].get(f"/consultazioni/{final.id}/risultati", headers=english).get_data(as_text=True)


def test_an_unknown_consultation_is_a_404(db, browsers):
    for suffix in SUFFIXES + ("/rapporto.pdf",):
        assert browsers["admin"].get(f"/consultazioni/99999/risultati{suffix}").status_code == 404, suffix
