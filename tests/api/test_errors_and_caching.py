"""A developer's client gets JSON it can act on: problem details with the right status and
headers for every mistake, never an HTML page under /api; and answers it can cache."""
import re

import pytest

from engage.extensions import limiter
from tests.api.world import DRAFT_TITLE, build

PROBLEM = "application/problem+json"


@pytest.fixture
def world(db):
    return build()


def problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response.content_type == PROBLEM
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["detail"] and body["type"] == "about:blank"
    return body


def test_a_bad_parameter_is_a_400_naming_it_in_the_readers_language(client, world):
    url = f"/api/v1/consultations/{world.voting.id}/proposals?limit=1000&order=loudest"
    english = problem(client.get(url, headers={"Accept-Language": "en"}), 400)
    assert set(english["errors"]) == {"limit", "order"}
    assert english["detail"] == "These parameters are not valid: limit, order. See errors for each."
    italian = problem(client.get(url, headers={"Accept-Language": "it"}), 400)
    assert italian["detail"] == "Questi parametri non sono validi: limit, order. Vedi errors per ciascuno."
    assert italian["instance"] == f"/api/v1/consultations/{world.voting.id}/proposals"


def test_free_text_with_a_nul_is_refused_and_the_spec_says_so(client, world):
    """No keyboard types a NUL and PostgreSQL text cannot hold one, so every request carrying one
    is a 400. The spec's pattern tells a client generating requests from it not to send one."""
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/consultations/{consultation_id}/proposals"]["get"]
    for name in ("q", "cursor"):
        pattern = next(p for p in operation["parameters"] if p["name"] == name)["schema"]["pattern"]
        assert re.fullmatch(pattern, "piste ciclabili") and not re.fullmatch(pattern, "piste\x00ciclabili")

    problem(client.get(f"/api/v1/consultations/{world.voting.id}/proposals?q=piste%00ciclabili"), 400)
    assert client.get(f"/api/v1/consultations/{world.voting.id}/proposals?q=piste").status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/nothing", "/api/v1/proposals/999999", "/api/v1/consultations/0",
                                  "/api/v1/proposals/abc", "/api/v2/axes", "/api/", "/api/v1/consultations/1/%ff"])
def test_nothing_under_api_answers_html(client, world, path):
    problem(client.get(path), 404)


def test_unknown_parameters_are_ignored_and_kept_out_of_the_way(client, world):
    url = f"/api/v1/consultations/{world.voting.id}/proposals?limit=2&consultation_id=999&colour=blue"
    body = client.get(url).get_json()
    assert len(body["items"]) == 2
    assert f"/api/v1/consultations/{world.voting.id}/proposals?" in body["next"]
    assert client.get(body["next"].removeprefix("http://localhost:5000")).status_code == 200


def test_drafts_pending_and_hidden_proposals_are_not_found(client, world):
    assert DRAFT_TITLE not in client.get("/api/v1/consultations").get_data(as_text=True)
    body = problem(client.get(f"/api/v1/consultations/{world.draft.id}"), 404)
    assert body["detail"] == "Non c'è una consultazione pubblica con questo numero."
    for hidden in (world.pending, world.hidden):
        problem(client.get(f"/api/v1/proposals/{hidden.id}"), 404)
        problem(client.get(f"/api/v1/proposals/{hidden.id}/comments"), 404)


def test_results_and_ledger_wait_for_the_vote(client, world):
    closed_yet = f"/api/v1/consultations/{world.proposals_open.id}"
    body = problem(client.get(closed_yet + "/results", headers={"Accept-Language": "en"}), 404)
    assert body["detail"] == "The results of this consultation are not public yet: they are, once voting opens."
    problem(client.get(closed_yet + "/ledger"), 404)
    assert client.get(closed_yet).get_json()["ledger"] is None
    assert client.get(f"/api/v1/consultations/{world.voting.id}/results").status_code == 200


def test_a_wrong_method_is_a_405_with_the_allowed_ones(client, world):
    for method in ("post", "put", "delete", "patch"):
        response = getattr(client, method)("/api/v1/axes")
        problem(response, 405)
        assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}



@pytest.mark.parametrize("method, path, status", [("options", "/api/v1/axes", 204), ("get", "/api/v1", 308),
                                                  ("get", "/api//v1/axes", 308)])
def test_what_werkzeug_answers_by_itself_under_api_is_not_html_either(client, world, method, path, status):
    response = getattr(client, method)(path)
    assert response.status_code == status and response.get_data() == b""
    assert "html" not in (response.content_type or "")
    assert response.headers.get("Allow" if method == "options" else "Location")

def test_too_many_requests_is_a_429_saying_when_to_come_back(app, client, world):
    limiter.enabled = True
    limiter.reset()
    try:
        statuses = [client.get("/api/v1/axes").status_code for _ in range(301)]
        assert statuses[:300] == [200] * 300
        body = problem(last := client.get("/api/v1/axes"), 429)
        assert int(last.headers["Retry-After"]) > 0
        assert "Retry-After" in body["detail"]
    finally:
        limiter.reset()
        limiter.enabled = False


def test_an_unchanged_answer_costs_a_304(client, world):
    url = f"/api/v1/consultations/{world.voting.id}/proposals?order=supports"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, max-age=60"
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    from tests.factories import make_supports

    make_supports(world.proposals[1], 1)
    from engage.extensions import db

    db.session.commit()
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_the_api_sets_no_cookie_and_ignores_whoever_is_signed_in(app, client_as, world):
    from tests.factories import institution, make_user

    officer = client_as(make_user(officer_of=institution("provincia-cremona")))
    response = officer.get(f"/api/v1/consultations/{world.draft.id}")
    problem(response, 404)  # the officer sees the draft on the site, not in the open data
    assert "Set-Cookie" not in app.test_client().get("/api/v1/consultations").headers


def test_the_spec_documents_the_caching_headers_and_every_answer_besides_200(client, world):
    """A generated client learns from the document alone that it may get a 304, a 429 with
    Retry-After, or (where the path names something) a 404."""
    spec = client.get("/api/v1/openapi.json").get_json()
    retry_after = spec["components"]["responses"]["TOO_MANY_REQUESTS"]["headers"]["Retry-After"]
    assert retry_after["schema"]["type"] == "integer"
    for path, operations in spec["paths"].items():
        answers = operations["get"]["responses"]
        assert {"200", "304", "429"} <= answers.keys(), path
        assert {"ETag", "Cache-Control"} <= answers["200"]["headers"].keys(), path
        assert ("404" in answers) == ("{" in path), path


def test_a_server_error_inside_the_api_is_a_problem_too(app, client, world, monkeypatch):
    """Whatever breaks inside a view, the client gets problem details, never a page or a traceback."""
    from engage.api import views

    def broken():
        raise RuntimeError("a bug")

    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)  # as in production
    monkeypatch.setattr(views, "axes_with_points", broken)
    body = problem(response := client.get("/api/v1/axes", headers={"Accept-Language": "en"}), 500)
    assert "a bug" not in response.get_data(as_text=True) and "Traceback" not in response.get_data(as_text=True)
    assert body["detail"] == "The request could not be answered." and body["instance"] == "/api/v1/axes"
