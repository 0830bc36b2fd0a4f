"""A journalist reads the province's participation as data: the Masterplan's reference data,
the consultations by phase, questionnaire aggregates once a questionnaire closes, and the open
data page that lists the downloads and explains the API."""
import csv
import io

import pytest
from sqlalchemy import select

from engage.consultations.phases import Phase
from engage.questionnaires.models import Questionnaire
from tests.api.world import DRAFT_TITLE, build
from tests.factories import set_phase
from tests.results import world as results_world


@pytest.fixture
def world(db):
    return build()


def test_the_masterplan_reference_data(client, world):
    axes = client.get("/api/v1/axes").get_json()
    points = client.get("/api/v1/priority-points").get_json()
    assert len(axes) == 3 and len(points) == 13
    assert sorted(p["number"] for p in points) == list(range(1, 14))
    assert sorted(sum((axis["priority_points"] for axis in axes), [])) == sorted(p["id"] for p in points)
    comuni = client.get("/api/v1/comuni").get_json()
    assert {"Cremona", "Crema", "Casalmaggiore"} <= {c["name"] for c in comuni}
    assert all(len(c["istat_code"]) == 6 and c["population"] > 0 for c in comuni)
    assert any(i["is_lead"] for i in client.get("/api/v1/institutions").get_json())


def test_consultations_by_phase_never_a_draft(client, world):
    listed = client.get("/api/v1/consultations").get_json()
    assert {c["title_it"] for c in listed} >= {"Treni e ciclabili", "Scuole e biblioteche", "Acqua e parchi"}
    assert DRAFT_TITLE not in {c["title_it"] for c in listed}
    open_now = {c["id"]: c["phase"] for c in client.get("/api/v1/consultations?listing=open").get_json()}
    assert open_now == {world.voting.id: "voting", world.proposals_open.id: "proposals"}
    closed = client.get("/api/v1/consultations?listing=closed").get_json()
    assert [c["phase"] for c in closed] == ["results"]
    detail = client.get(f"/api/v1/consultations/{world.results.id}").get_json()
    assert detail["ledger"]["sealed"] is True  # published results: the head is frozen
    assert detail["links"]["results"].endswith(f"/api/v1/consultations/{world.results.id}/results")


def test_a_proposal_with_its_official_answer(client, world):
    answered = client.get(f"/api/v1/proposals/{world.proposals[0].id}").get_json()
    assert answered["answer"]["status"] == "accepted" and answered["answer"]["body_it"] == "La faremo nel 2027."
    assert answered["answer"]["milestones"] == [] and answered["supports"] == 5
    assert "email" not in str(answered) and "author_id" not in answered


def test_questionnaire_aggregates_once_it_has_closed(client, db):
    story = results_world.build_world()
    named = db.session.scalars(select(Questionnaire).where(Questionnaire.consultation_id == story.consultation.id)
                               .order_by(Questionnaire.id)).first()
    url = f"/api/v1/questionnaires/{named.id}/results"
    assert client.get(url).status_code == 404  # still open: answers are not final
    listed = client.get(f"/api/v1/consultations/{story.consultation.id}/questionnaires").get_json()
    assert [q["closed"] for q in listed] == [False, False]
    set_phase(story.consultation, Phase.CLOSED)
    db.session.commit()
    figures = client.get(url).get_json()
    assert figures["responses"] == 2  # Anna's 5 and Lara's 3; Nora's draft does not count
    scale = figures["questions"][0]["scale"]
    assert [(d["value"], d["count"]) for d in scale["distribution"]] == [(1, 0), (2, 0), (3, 1), (4, 0), (5, 1)]
    assert scale["mean"] == 4.0
    page = client.get(f"/questionari/{named.id}/risultati", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Mean 4, median 4." in page


def test_the_open_data_page_lists_every_public_consultations_downloads(client, world):
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'href="/dati-aperti"' in html and "Open data and API" in html
    assert 'href="/dati-aperti/api"' in html
    page = client.get("/dati-aperti", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "CC BY 4.0" in page and DRAFT_TITLE not in page
    for consultation in (world.voting, world.proposals_open, world.results):
        assert f"/dati-aperti/consultazioni/{consultation.id}/proposte.csv" in page
    for download in ("registro.csv", "registro.json", "risultati/sintesi.csv", "risultati/sintesi.json"):
        assert f"/consultazioni/{world.results.id}/{download}" in page  # CSV and JSON, as the issue asks
    assert f"/consultazioni/{world.proposals_open.id}/registro.csv" not in page  # no votes yet
    download = client.get(f"/dati-aperti/consultazioni/{world.voting.id}/proposte.csv")
    assert download.content_type == "text/csv; charset=utf-8"
    assert download.headers["Link"] == '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'
    rows = list(csv.DictReader(io.StringIO(download.get_data(as_text=True))))
    assert len(rows) == 6
    as_json = client.get(f"/dati-aperti/consultazioni/{world.voting.id}/commenti.json").get_json()
    assert as_json["licence"] == "CC BY 4.0" and len(as_json["rows"]) == 4
    assert client.get(f"/dati-aperti/consultazioni/{world.draft.id}/proposte.csv").status_code == 404


def test_the_api_documentation_page_reads_the_spec(client, world):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.") and spec["info"]["license"]["name"] == "CC BY 4.0"
    page = client.get("/dati-aperti/api").get_data(as_text=True)
    for path in spec["paths"]:
        assert f"GET {path}</code>" in page
    assert "Parametri" in page and "<code>cursor</code>" in page


def test_the_questionnaire_download_is_the_apis_aggregates(client, db):
    """Bulk downloads carry the same data as the API: the questionnaires' aggregates too."""
    story = results_world.build_world()
    url = f"/dati-aperti/consultazioni/{story.consultation.id}/questionari"
    assert client.get(url + ".json").get_json()["rows"] == []  # still open: nothing is final
    set_phase(story.consultation, Phase.CLOSED)
    db.session.commit()

    listed = client.get(f"/api/v1/consultations/{story.consultation.id}/questionnaires").get_json()
    expected = []
    for questionnaire in listed:
        figures = client.get(f"/api/v1/questionnaires/{questionnaire['id']}/results").get_json()
        for question in figures["questions"]:
            for option in question.get("options", []):
                expected.append((figures["questionnaire_id"], question["question_id"],
                                 "other" if option["other"] else option["option_id"], option["count"]))
            for value in (question.get("scale") or {}).get("distribution", []):
                expected.append((figures["questionnaire_id"], question["question_id"], value["value"], value["count"]))
            if "texts" in question:
                expected.append((figures["questionnaire_id"], question["question_id"], "texts", question["texts"]))
    as_json = client.get(url + ".json").get_json()
    assert as_json["licence"] == "CC BY 4.0" and expected
    assert [(r["questionnaire_id"], r["question_id"], r["answer"], r["count"]) for r in as_json["rows"]] == expected
    as_csv = list(csv.DictReader(io.StringIO(client.get(url + ".csv").get_data(as_text=True))))
    assert [(int(r["questionnaire_id"]), int(r["question_id"]), r["answer"], int(r["count"])) for r in as_csv] == [
        (q, question, str(answer), count) for q, question, answer, count in expected]
    named = min(q["id"] for q in listed)  # Anna's 5 and Lara's 3 (as in the test above)
    assert {r["mean"] for r in as_json["rows"] if r["kind"] == "scale" and r["questionnaire_id"] == named} == {4.0}
    page = client.get("/dati-aperti", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f'href="{url}.csv"' in page and f'href="{url}.json"' in page
