"""Italian by default; English from the browser, the switcher or the account."""
from engage.extensions import db
from tests.factories import form_token, make_user, priority_point


def test_the_browser_language_is_honoured(client):
    html = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Ecological transition" in html and "The 13 priority points" in html


def test_other_languages_fall_back_to_italian(client):
    html = client.get("/", headers={"Accept-Language": "de-DE"}).get_data(as_text=True)
    assert '<html lang="it">' in html


def test_the_switcher_changes_the_language_and_remembers_it(client):
    response = client.post("/lingua", data={"lang": "en", "next": "/enti/",
                                            "csrf_token": form_token(client, "/")})
    assert response.status_code == 302 and response.headers["Location"] == "/enti/"
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)


def test_the_switcher_never_redirects_off_site(client):
    response = client.post("/lingua", data={"lang": "en", "next": "https://evil.example/",
                                            "csrf_token": form_token(client, "/")})
    assert response.headers["Location"] == "/"


def test_a_signed_in_user_keeps_the_language_on_the_account(client_as):
    user = make_user(locale="it")
    client = client_as(user)
    client.post("/lingua", data={"lang": "en", "next": "/", "csrf_token": form_token(client, "/")})
    assert user.locale == "en"


def test_missing_english_text_shows_the_italian_marked_as_italian(client):
    point = priority_point(5)
    point.title_en = None
    db.session.commit()
    html = client.get(f"/punti/{point.slug}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<span lang="it">Azioni energetiche</span>' in html
    html = client.get(f"/punti/{point.slug}").get_data(as_text=True)
    assert '<span lang="it">' not in html  # in Italian nothing needs marking
