"""Every error is a page in the user's language; no traceback ever reaches anyone."""
import pytest
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import TooManyRequests

import engage.masterplan.views as masterplan_views
from engage.extensions import db
from tests.factories import make_user


def test_an_unknown_page_gets_a_404_in_italian_and_english(client):
    response = client.get("/non-esiste")
    assert response.status_code == 404
    assert "Pagina non trovata" in response.get_data(as_text=True)
    english = client.get("/non-esiste", headers={"Accept-Language": "en"})
    assert "Page not found" in english.get_data(as_text=True)


def test_a_form_sent_without_its_security_token_is_refused_with_an_explanation(client):
    response = client.post("/accedi", data={"email": "a@example.org", "password": "x"})
    assert response.status_code == 400
    assert "Il modulo è scaduto" in response.get_data(as_text=True)


def test_a_citizen_in_the_admin_area_gets_a_403(client_as):
    response = client_as(make_user()).get("/admin/")
    assert response.status_code == 403
    assert "Operazione non consentita" in response.get_data(as_text=True)


def test_a_wrong_method_gets_a_405_page_with_the_allowed_methods(client):
    response = client.get("/esci")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert "<html" in response.get_data(as_text=True)


def test_an_oversized_request_gets_a_413_page(client):
    response = client.post("/accedi", data={"email": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413
    assert "troppo grande" in response.get_data(as_text=True)


def test_too_many_requests_gets_a_429_page_that_says_when_to_retry(client, monkeypatch):
    def refuse():
        raise TooManyRequests(retry_after=60)

    monkeypatch.setattr(masterplan_views, "render_template", lambda *a, **k: refuse())
    response = client.get("/")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "60"
    assert "Troppe richieste" in response.get_data(as_text=True)


def test_a_crash_shows_a_friendly_500_page_and_no_traceback(client, monkeypatch):
    def crash():
        raise RuntimeError("secret internals")

    monkeypatch.setattr(masterplan_views.queries, "axes_with_points", crash)
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Si è verificato un problema" in html
    assert "secret internals" not in html and "Traceback" not in html


def test_health_check_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_health_check_says_503_when_the_database_is_unreachable(client, monkeypatch):
    def unreachable(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", unreachable)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


@pytest.mark.parametrize("path", ["/healthz/nope"])
def test_json_routes_answer_errors_in_json(client, path):
    response = client.get(path)
    assert response.status_code == 404 and response.is_json


def test_when_the_database_goes_away_the_user_gets_a_translated_503(client, monkeypatch):
    def gone():
        raise OperationalError("SELECT", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(masterplan_views.queries, "axes_with_points", gone)
    response = client.get("/")
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert "temporaneamente non disponibile" in response.get_data(as_text=True)
    monkeypatch.undo()
    assert client.get("/").status_code == 200  # and it recovers when the database is back
