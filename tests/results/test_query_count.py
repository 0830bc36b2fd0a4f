"""The results page costs the same number of SQL queries with 3 proposals and supports as with
30: every figure is an aggregate, nothing is loaded row by row (the issue asks for summaries at
100,000 proposals and 1,000,000 supports)."""
from engage.comments.models import Stance
from engage.consultations.phases import Phase
from tests.factories import make_comment, make_consultation, make_proposal, make_supports, make_user
from tests.results.world import Page


def consultation_with(n: int):
    consultation = make_consultation(Phase.VOTING, support_threshold=2)
    for i in range(n):
        proposal = make_proposal(consultation, make_user(comune=("Crema", "Cremona", "Soresina")[i % 3]),
                                 point=(1, 5)[i % 2])
        make_supports(proposal, 1 + i % 3)
        make_comment(proposal, stance=list(Stance)[i % 3])
    return consultation


def queries_for(client, count_queries, url: str) -> int:
    client.get(url)  # warm: the first request of a session loads what every request then reuses
    with count_queries() as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_results_page_query_count_does_not_grow_with_the_data(db, client, count_queries):
    small, large = consultation_with(3), consultation_with(30)
    db.session.commit()
    few = queries_for(client, count_queries, f"/consultazioni/{small.id}/risultati")
    many = queries_for(client, count_queries, f"/consultazioni/{large.id}/risultati")
    assert few == many, (few, many)
    # And the page did show the larger numbers.
    page = Page.of(client.get(f"/consultazioni/{large.id}/risultati", headers={"Accept-Language": "en"}))
    assert page.figures["Proposals"] == "30" and page.figures["Supports"] == str(sum(1 + i % 3 for i in range(30)))


def test_the_point_page_and_the_summary_download_too(db, client, count_queries):
    small = consultation_with(3)
    db.session.commit()
    few = {url: queries_for(client, count_queries, url)
           for url in ("/punti/azioni-energetiche/risultati", f"/consultazioni/{small.id}/risultati/sintesi.csv",
                       f"/consultazioni/{small.id}/risultati/proposte.json")}
    consultation_with(30)
    db.session.commit()
    many = {url: queries_for(client, count_queries, url) for url in few}
    assert few == many
