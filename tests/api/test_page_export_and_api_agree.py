"""One query, three surfaces: the results page, its downloads and the open data API give the
same figures for the consultation worked out by hand in tests/results/world.py."""
import pytest

from engage.ledger.queries import head as ledger_head
from tests.results import world as w
from tests.results.world import Page, read_csv

ENGLISH = {"Accept-Language": "en"}


@pytest.fixture
def story(db):
    return w.build_world()


def api(client, path: str):
    response = client.get(f"/api/v1{path}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def all_proposals(client, consultation_id: int, order: str = "supports") -> list[dict]:
    body = api(client, f"/consultations/{consultation_id}/proposals?order={order}&limit=100")
    assert body["next"] is None
    return body["items"]


def test_the_results_in_the_api_are_the_pages_figures(story, client):
    results = api(client, f"/consultations/{story.consultation.id}/results")
    page = Page.of(client.get(story.url, headers=ENGLISH))
    assert [str(results[key]) for key in ("participants", "proposals", "supports", "comments",
                                          "questionnaire_responses")] == list(page.figures.values())[:5]
    assert (results["participants"], results["proposals"], results["supports"], results["comments"],
            results["questionnaire_responses"]) == (w.PARTICIPANTS, w.PROPOSALS, w.SUPPORTS, w.COMMENTS, w.RESPONSES)
    assert [(r["title"], r["supports"], r["qualifies"]) for r in results["ranking"]] == w.RANKING
    assert [(p["number"], p["proposals"], p["supports"]) for p in results["by_priority_point"]] == w.BY_POINT
    assert [(c["comune"], c["participants"], c["per_thousand_inhabitants"]) for c in results["by_comune"]] \
        == w.BY_COMUNE
    assert [(a["age_band"], a["participants"], a["percent"]) for a in results["by_age_band"]] \
        == [(band.value if band else None, count, share) for band, count, share in w.BY_AGE]
    assert results["answers"] == {(s.value if s else "none"): n for s, n in w.ANSWERS.items()}
    head = ledger_head(story.consultation)
    assert (results["ledger"]["length"], results["ledger"]["hash"]) == (head.length, head.hash) == (
        int(page.figures["Entries"]), page.figures["Head hash (SHA-256)"])


def test_the_proposals_in_the_api_are_the_download_rows(story, client):
    header, *rows = read_csv(client.get(f"/dati-aperti/consultazioni/{story.consultation.id}/proposte.csv"))
    results_export = read_csv(client.get(f"{story.url}/proposte.csv"))
    assert [header, *rows] == results_export, "the open data download is the results export"
    from_csv = [dict(zip(header, row, strict=True)) for row in rows]
    from_api = all_proposals(client, story.consultation.id)
    assert [p["id"] for p in from_api] == [int(row["id"]) for row in from_csv]
    for item, row in zip(from_api, from_csv, strict=True):
        assert (item["title"], str(item["priority_point"]), item["comune"] or "", item["author"] or "",
                str(item["official"]), item["status"], str(item["supports"]), str(item["comments"])) == (
            row["title"], row["priority_point"], row["comune"], row["author"], row["official"], row["status"],
            row["supports"], row["comments"])
        assert (item["answer"] or {}).get("status", "") == row["answer_status"]
        assert item["url"].endswith(row["url_path"])
    assert w.HIDDEN_TITLE not in {p["title"] for p in from_api}


def test_the_proposals_in_the_api_are_the_web_lists(story, client):
    html = client.get(f"/consultazioni/{story.consultation.id}/proposte?ordine=supports").get_data(as_text=True)
    titles = [p["title"] for p in all_proposals(client, story.consultation.id)]
    positions = [html.index(title) for title in titles]
    assert positions == sorted(positions), "the same proposals, in the same order"
    assert w.HIDDEN_TITLE not in html


def test_the_comments_in_the_api_are_the_downloads(story, client):
    header, *rows = read_csv(client.get(f"/dati-aperti/consultazioni/{story.consultation.id}/commenti.csv"))
    from_csv = {int(row[0]): row[header.index("body")] for row in rows}
    from_api = {}
    for proposal in [p for p in all_proposals(client, story.consultation.id)]:
        for comment in api(client, f"/proposals/{proposal['id']}/comments?limit=100")["items"]:
            from_api[comment["id"]] = comment["body"]
    for comment in api(client, f"/consultations/{story.consultation.id}/comments")["items"]:
        from_api[comment["id"]] = comment["body"]
    assert from_api.keys() == from_csv.keys()
    assert sorted(from_api.values()) == sorted(w.COMMENT_BODIES)
    assert w.HIDDEN_COMMENT not in from_api.values() and w.DELETED_COMMENT not in from_api.values()


def test_the_ledger_head_is_the_ledger_pages(story, client):
    head = api(client, f"/consultations/{story.consultation.id}/ledger")
    assert head == api(client, f"/consultations/{story.consultation.id}")["ledger"]
    page = client.get(f"/consultazioni/{story.consultation.id}/registro").get_data(as_text=True)
    assert head["hash"] in page and not head["sealed"]
    ledger = client.get(head["json"].removeprefix("http://localhost:5000")).get_json()
    assert ledger["entries"][-1]["hash"] == head["hash"] and len(ledger["entries"]) == head["length"]


def test_the_comments_in_the_api_are_the_proposal_pages(story, client):
    """Page and API: each proposal's discussion shows exactly the comments the API lists."""
    import html as markup

    from engage.comments.models import Comment
    from engage.extensions import db

    withheld = set()
    for proposal in all_proposals(client, story.consultation.id):
        page = markup.unescape(client.get(f"/proposte/{proposal['id']}").get_data(as_text=True))
        listed = {c["id"] for c in api(client, f"/proposals/{proposal['id']}/comments?limit=100")["items"]}
        for comment in db.session.query(Comment).filter_by(proposal_id=proposal["id"]):
            if comment.deleted_at is not None:  # its words are gone everywhere
                assert comment.id not in listed and not comment.body
                continue
            assert (comment.body in page) == (comment.id in listed), (comment.id, comment.body)
            if comment.id not in listed:
                withheld.add(comment.body)
    assert w.HIDDEN_COMMENT in withheld  # the case that matters was met
