"""The accessibility statement on the AgID model, in Italian and English, linked from every page."""
from __future__ import annotations

import re

import pytest

from engage import create_app
from engage.masterplan.views import ACCESSIBILITY_ASSESSED_ON


def page(client, language="it") -> str:
    response = client.get("/accessibilita", headers={"Accept-Language": language})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_statement_in_italian_follows_the_agid_model(client):
    html = page(client)
    assert '<html lang="it">' in html
    assert "<h1>Dichiarazione di accessibilità</h1>" in html
    # Who, and which site.
    assert "La Provincia di Cremona, ente capofila dell'ATS “Io ci CRedo”" in html
    assert "legge 9 gennaio 2004, n. 4" in html
    assert '<a href="http://localhost/">http://localhost/</a>' in html
    # Conformance, honestly partial.
    assert "Stato di conformità" in html
    assert "parzialmente conforme" in html and "UNI CEI EN 301549" in html and "WCAG) 2.1" in html
    assert "nessun valutatore indipendente" in html
    # What is not accessible, and how the statement was prepared.
    assert "Contenuti non accessibili" in html and "tecnologie assistive" in html
    assert "autovalutazione" in html and "25 novembre 2026" in html and "23 settembre" in html
    # Feedback and enforcement.
    assert '<h2 id="segnala">Segnala un problema di accessibilità</h2>' in html
    assert "entro 30 giorni" in html
    assert "Difensore civico per il digitale" in html
    assert '<a href="https://form.agid.gov.it/">' in html


def test_the_statement_in_english(client):
    html = page(client, "en")
    assert '<html lang="en">' in html
    assert "<h1>Accessibility statement</h1>" in html
    assert "partially conformant" in html and "WCAG) 2.1" in html
    assert "self-assessment" in html and "November 25, 2026" in html
    assert '<h2 id="segnala">Report an accessibility problem</h2>' in html
    assert "Difensore civico per il digitale" in html and "https://form.agid.gov.it/" in html


def test_the_date_shown_is_the_date_of_the_assessment(client):
    assert ACCESSIBILITY_ASSESSED_ON.year == 2026
    assert f"{ACCESSIBILITY_ASSESSED_ON.day} novembre {ACCESSIBILITY_ASSESSED_ON.year}" in page(client)


def test_reports_go_to_the_provincia_by_default_with_a_subject(client):
    html = page(client)
    link = re.search(r'<a href="mailto:([^"?]+)\?subject=([^"]+)">([^<]+)</a>', html)
    assert link, "no mailto link"
    assert link.group(1) == link.group(3) == "protocollo@provincia.cremona.it"
    assert link.group(2) == "Problema%20di%20accessibilit%C3%A0%20su%20Engage%20Cremona"


def test_the_contact_and_the_agid_statement_come_from_the_configuration(app, client, monkeypatch):
    assert "Leggi la dichiarazione pubblicata" not in page(client)  # nothing published yet: no link
    monkeypatch.setitem(app.config, "ACCESSIBILITY_CONTACT", "accessibilita@example.org")
    monkeypatch.setitem(app.config, "ACCESSIBILITY_AGID_STATEMENT_URL", "https://form.agid.gov.it/view/abc")
    html = page(client)
    assert 'href="mailto:accessibilita@example.org?subject=' in html
    assert "protocollo@provincia.cremona.it" not in html
    assert '<a href="https://form.agid.gov.it/view/abc">Leggi la dichiarazione pubblicata sulla piattaforma AgID</a>' \
        in html


def test_the_environment_sets_the_contact(monkeypatch):
    monkeypatch.setenv("ENGAGE_ACCESSIBILITY_CONTACT", "rtd@example.org")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    assert app.config["ACCESSIBILITY_CONTACT"] == "rtd@example.org"


@pytest.mark.parametrize("path", ["/", "/privacy", "/consultazioni/", "/accedi"])
def test_every_page_links_the_statement_and_the_report_form_from_its_footer(client, path):
    html = client.get(path).get_data(as_text=True)
    footer = html[html.index('<footer class="site-footer">'):]
    assert '<a href="/privacy">Informativa sulla privacy</a>' in footer
    assert '<a href="/accessibilita">Dichiarazione di accessibilità</a>' in footer
    assert '<a href="/accessibilita#segnala">Segnala un problema di accessibilità</a>' in footer
